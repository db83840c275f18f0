"""Build or serve the site with MkDocs (default) or Zensical, through their public command lines.

MkDocs gets the pages from our hook (``mkdocs_hook.py``). Zensical runs no MkDocs hooks, so for it
the pages are written as files into a throw-away project (a config derived from ``mkdocs.yml``,
the rendered pages and ``docs/assets``), built, and the output HTML is sanitized afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from yuqing.deadlines import evaluate
from yuqing.history import read_history
from yuqing.model import DEFAULT_TZ, parse_time
from yuqing.problems import Problem
from yuqing.render import render_site, write_pages
from yuqing.render.text import sanitize_page
from yuqing.repo import load_repository

ENGINES = ("mkdocs", "zensical")
CONFIG_FILE = "mkdocs.yml"
STATE_FILE = "state/sources.json"
ASSETS_DIR = "docs/assets"
ZENSICAL_SEARCH_OPTIONS = {"enabled", "separator"}


@dataclass(frozen=True)
class BuildResult:
    ok: bool
    out: Path
    log: str  # what the generator printed (stdout and stderr)
    problems: tuple[Problem, ...] = ()


def now_from_env() -> datetime:
    value = os.environ.get("YUQING_NOW")
    return parse_time(value, DEFAULT_TZ) if value else datetime.now(DEFAULT_TZ)


def _source_state(root: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((root / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _quiet(problem: Problem) -> Problem:
    """Problems go to the build log, so they carry where, never the message text: a schema
    message may quote a value, and the log must never carry a confidential one."""
    return Problem(problem.path, problem.line, problem.column, problem.field,
                   "此处有错误，本案件未写入网站", "运行 yuqing validate 查看详情",
                   "warning", problem.code)


def build_pages(root: Path, now: datetime) -> tuple[dict[str, str], list[Problem]]:
    """Load, compute and render the whole site for ``root``: the hook's one call."""
    repository = load_repository(root)
    history = read_history(root)
    evaluation = evaluate(repository, now)
    problems = [_quiet(p) for p in repository.problems if p.severity == "error"]
    if history.problem:
        problems.append(history.problem)
    pages = render_site(repository, now, history=history, evaluation=evaluation,
                        source_state=_source_state(root))
    return pages, problems


def _env(root: Path, now: datetime) -> dict[str, str]:
    env = dict(os.environ)
    env["YUQING_REPO"] = str(root)
    env["YUQING_NOW"] = now.isoformat()
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def mkdocs_command(root: Path, out: Path, verb: str = "build",
                   extra: Sequence[str] = ()) -> list[str]:
    command = [sys.executable, "-m", "mkdocs", verb, "-f", str(root / CONFIG_FILE)]
    if verb == "build":
        command += ["-d", str(out)]
    return [*command, *extra]


def build_mkdocs(root: Path, now: datetime, out: Path) -> BuildResult:
    result = subprocess.run(mkdocs_command(root, out), env=_env(root, now), cwd=root,
                            capture_output=True, text=True, check=False)
    return BuildResult(result.returncode == 0, out, result.stdout + result.stderr)


def zensical_config(root: Path) -> dict[str, Any]:
    """mkdocs.yml minus what Zensical rejects or cannot run (hooks, MkDocs-only options)."""
    config = yaml.safe_load((root / CONFIG_FILE).read_text(encoding="utf-8")) or {}
    for key in ("hooks", "watch", "exclude_docs", "not_in_nav", "validation"):
        config.pop(key, None)
    plugins = []
    for plugin in config.get("plugins") or []:
        name, options = (plugin, {}) if isinstance(plugin, str) else next(iter(plugin.items()))
        if name == "search":
            options = {k: v for k, v in (options or {}).items() if k in ZENSICAL_SEARCH_OPTIONS}
        plugins.append({name: options})
    config["plugins"] = plugins
    config["docs_dir"] = "docs"
    config["site_dir"] = "site"
    return config


def build_zensical(root: Path, now: datetime, out: Path) -> BuildResult:
    pages, problems = build_pages(root, now)
    log = "".join(p.text() + "\n" for p in problems)
    with tempfile.TemporaryDirectory(prefix="yuqing-zensical-") as tmp:
        project = Path(tmp)
        docs = project / "docs"
        if (root / ASSETS_DIR).is_dir():
            shutil.copytree(root / ASSETS_DIR, docs / "assets")
        write_pages(pages, docs)
        config_path = project / CONFIG_FILE
        config_path.write_text(yaml.safe_dump(zensical_config(root), allow_unicode=True),
                               encoding="utf-8")
        zensical = shutil.which("zensical", path=str(Path(sys.executable).parent)) or "zensical"
        result = subprocess.run([zensical, "build", "-f", str(config_path)], cwd=project,
                                env=_env(root, now), capture_output=True, text=True,
                                check=False)
        log += result.stdout + result.stderr
        if result.returncode != 0:
            return BuildResult(False, out, log, tuple(problems))
        site = project / "site"
        for html in site.rglob("*.html"):
            html.write_text(sanitize_page(html.read_text(encoding="utf-8")), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(site, out)
    return BuildResult(True, out, log, tuple(problems))


def build_site(root: Path, now: datetime, out: Path, engine: str = "mkdocs") -> BuildResult:
    if engine == "zensical":
        return build_zensical(root, now, out)
    return build_mkdocs(root, now, out)


def serve_site(root: Path, now: datetime | None, address: str = "127.0.0.1:8000") -> int:
    """``mkdocs serve``: rebuilds when a case or register changes (``watch:`` in mkdocs.yml)."""
    env = dict(os.environ)
    env["YUQING_REPO"] = str(root)
    if now is not None:
        env["YUQING_NOW"] = now.isoformat()
    command = mkdocs_command(root, root, "serve", ["-a", address])
    return subprocess.run(command, env=env, cwd=root, check=False).returncode
