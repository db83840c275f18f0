"""MkDocs hook (``hooks:`` in mkdocs.yml): hand our rendered pages to MkDocs, sanitize content.

Thin on purpose — only public hook events and ``File.generated``; all the work is in
``yuqing.site.build_pages`` so another generator gets the very same pages.
``yuqing build`` passes the repository and "now" in ``YUQING_REPO`` / ``YUQING_NOW``; plain
``mkdocs build``/``serve`` use the directory of mkdocs.yml and the current time.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from mkdocs.structure.files import File, Files

from yuqing.render.text import sanitize_html
from yuqing.site import build_pages, now_from_env

log = logging.getLogger("mkdocs.hooks.yuqing")


def on_files(files: Files, config, **kwargs) -> Files:
    root = Path(os.environ.get("YUQING_REPO") or Path(config.config_file_path).parent)
    pages, problems = build_pages(root, now_from_env())
    for problem in problems:
        log.warning(problem.text())
    existing = {f.src_uri for f in files}
    for path, content in pages.items():
        if path not in existing:
            files.append(File.generated(config, path, content=content))
    return files


def on_page_content(html: str, page, config, files, **kwargs) -> str:
    # Before the search plugin reads page.content (on_page_context), so the index is clean too.
    return sanitize_html(html)
