"""The render stage: computed cases, registers, deadlines and history → ``{path: page text}``.

Pages are Markdown files whose body is raw HTML built from escaped values (``render.text``), plus
the chart SVGs. Any generator can take them: the MkDocs hook hands them over in memory,
``write_pages`` writes them for Zensical (or anything else).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from yuqing.deadlines import Evaluation, evaluate
from yuqing.history import History
from yuqing.render.case_page import render_case
from yuqing.render.context import SiteContext, case_page
from yuqing.render.dashboard import render_dashboard
from yuqing.render.indexes import render_indexes
from yuqing.render.registers import render_hazards, render_sources, render_units
from yuqing.render.reports import render_reports
from yuqing.render.text import escape_text, safe_link, sanitize_html, sanitize_page

__all__ = ["escape_text", "render_site", "safe_link", "sanitize_html", "sanitize_page",
           "write_pages"]


def render_site(
    repository: Any,
    now: datetime,
    *,
    history: History | None = None,
    evaluation: Evaluation | None = None,
    source_state: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Every page of the site. ``repository`` is a ``yuqing.repo.Repository``; ``history`` comes
    from ``yuqing.history.read_history`` (empty: pages say the trail is unavailable)."""
    if evaluation is None:
        evaluation = evaluate(repository, now)
    ctx = SiteContext.build(repository, now, evaluation, history or History())
    pages: dict[str, str] = {}
    pages.update(render_dashboard(ctx))
    pages.update(render_indexes(ctx))
    pages["registers/units.md"] = render_units(ctx)
    pages["registers/hazards.md"] = render_hazards(ctx)
    pages["registers/sources.md"] = render_sources(ctx, source_state)
    pages.update(render_reports(ctx))
    for case in repository.cases:
        pages.setdefault(case_page(case.id), render_case(ctx, case))
    return pages


def write_pages(pages: Mapping[str, str], out_dir: Path) -> list[Path]:
    """Write the pages under ``out_dir`` (created); returns the files written."""
    written = []
    root = out_dir.resolve()
    for rel, text in pages.items():
        target = (root / rel).resolve()
        if not target.is_relative_to(root):  # our own paths, but a path is never trusted
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
