"""What every page needs, computed once: names for ids, statuses, deadlines, URLs, small widgets.

Widgets return HTML strings built only from ``escape_text``/``safe_link``/``local_link`` output
and our own constant markup.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from yuqing.deadlines import STATE_RANK, STATES, Deadline, Evaluation
from yuqing.history import History
from yuqing.model import LEVEL_NAMES, RETENTION_NAMES, SYSTEM_ACTORS, Case
from yuqing.render.text import escape_text, fmt_time, local_link
from yuqing.status import OPEN_STATUSES, STATUSES, case_status, responsible_unit

UNIT_KINDS = {
    "office": "机关科室", "department": "部门", "village": "村", "community": "社区",
    "school": "学校", "enterprise": "企业", "other": "其他",
}


_TITLE_UNSAFE = re.compile(r"[<>&\"'`{}\\\x00-\x1f]")


def page_url(page: str) -> str:
    """``cases/YQ-2026-0001.md`` → ``cases/YQ-2026-0001/`` (directory URLs, as in mkdocs.yml)."""
    stem = page[:-3] if page.endswith(".md") else page
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def relative_url(from_page: str, to_page: str) -> str:
    """Link target from one generated page to another or to an asset (links inside raw HTML are
    not rewritten by MkDocs, so we write them final)."""
    base = page_url(from_page) or "."
    target = to_page if not to_page.endswith(".md") else (page_url(to_page) or ".")
    rel = posixpath.relpath(target, base.rstrip("/") or ".")
    if to_page.endswith(".md"):
        return "./" if rel == "." else rel + "/"
    return rel


@dataclass(frozen=True)
class SiteContext:
    repository: Any
    now: datetime
    evaluation: Evaluation
    history: History
    statuses: dict[str, str] = field(default_factory=dict)
    by_id: dict[str, Case] = field(default_factory=dict)

    @classmethod
    def build(cls, repository: Any, now: datetime, evaluation: Evaluation,
              history: History) -> SiteContext:
        statuses = {case.id: case_status(case) for case in repository.cases}
        by_id = {case.id: case for case in repository.cases}
        return cls(repository, now, evaluation, history, statuses, by_id)

    @property
    def tz(self) -> tzinfo:
        return self.repository.tz

    # --- names ------------------------------------------------------------------------------

    def unit_name(self, unit_id: str | None) -> str:
        if not unit_id:
            return "（未交办）"
        unit = self.repository.units.get(unit_id)
        return unit.name if unit else unit_id

    def person_name(self, person_id: str | None) -> str:
        if not person_id:
            return "—"
        if person_id in SYSTEM_ACTORS:
            return SYSTEM_ACTORS[person_id]
        person = self.repository.people.get(person_id)
        return person.name if person else person_id

    def category_name(self, category_id: str) -> str:
        category = self.repository.categories.get(category_id)
        return category.name if category else category_id

    def platform_name(self, platform_id: str) -> str:
        platform = self.repository.platforms.get(platform_id)
        return platform.name if platform else platform_id

    def leader_of(self, unit_id: str | None) -> str | None:
        unit = self.repository.units.get(unit_id) if unit_id else None
        return unit.leader if unit else None

    def responsible_unit(self, case: Case) -> str | None:
        return responsible_unit(case)

    def deadlines(self, case_id: str) -> tuple[Deadline, ...]:
        return self.evaluation.of(case_id)

    def worst_state(self, case_id: str) -> str | None:
        return self.evaluation.worst(case_id)

    def is_open(self, case: Case) -> bool:
        return self.statuses[case.id] in OPEN_STATUSES

    def time(self, moment: datetime | None) -> str:
        return escape_text(fmt_time(moment, self.tz))

    # --- widgets ----------------------------------------------------------------------------

    def case_link(self, from_page: str, case_id: str, label: str | None = None) -> str:
        return local_link(relative_url(from_page, case_page(case_id)), label or case_id)

    def unit_link(self, from_page: str, unit_id: str | None) -> str:
        if not unit_id or unit_id not in self.repository.units:
            return escape_text(self.unit_name(unit_id))
        return local_link(relative_url(from_page, unit_page(unit_id)), self.unit_name(unit_id))


def case_page(case_id: str) -> str:
    return f"cases/{slug(case_id)}.md"


_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,80}")


def slug(key: str) -> str:
    """An id as a file name: ids are validated by the schemas, but never trust a path part."""
    if _SLUG.fullmatch(key) and key != "index":
        return key
    return "x-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]  # noqa: S324 (a name)


def unit_page(unit_id: str) -> str:
    return f"units/{slug(unit_id)}.md"


def category_page(category_id: str) -> str:
    return f"categories/{slug(category_id)}.md"


def badge(kind: str, key: str, label: str) -> str:
    return f'<span class="yq-badge yq-{escape_text(kind)}-{escape_text(key)}">{escape_text(label)}</span>'


def status_badge(status: str) -> str:
    return badge("status", status, STATUSES.get(status, status))


def level_badge(level: str) -> str:
    return badge("level", level, LEVEL_NAMES.get(level, level))


def state_badge(state: str | None) -> str:
    if state is None:
        return badge("state", "none", "无时限")
    return badge("state", state, STATES.get(state, state))


def retention_name(retention: str) -> str:
    return RETENTION_NAMES.get(retention, retention)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "",
          empty: str = "（无）") -> str:
    """An HTML table; ``headers`` are our constants, cells are already-safe HTML."""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    if not body:
        return f'<p class="yq-empty">{escape_text(empty)}</p>'
    head = "".join(f"<th>{escape_text(h)}</th>" for h in headers)
    return (f'<div class="yq-table-wrap"><table class="yq-table {cls}"><thead><tr>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table></div>")


def front_matter(title: str, *, search: bool = False, hide: Sequence[str] = ()) -> str:
    """YAML front matter. The theme prints the title unescaped, so it is built from our constants
    and register names, stripped of markup characters and JSON-quoted (valid YAML)."""
    lines = ["---", "title: " + json.dumps(_TITLE_UNSAFE.sub("", title), ensure_ascii=False)]
    if not search:
        lines += ["search:", "  exclude: true"]
    if hide:
        lines += ["hide:"] + [f"  - {h}" for h in hide]
    return "\n".join([*lines, "---", ""]) + "\n"


def html_block(*parts: str) -> str:
    """Raw HTML for Markdown: one block, no blank lines inside, blank lines around."""
    return "\n" + "".join(parts).replace("\n\n", "\n") + "\n\n"


def worst_first(deadlines: Iterable[Deadline]) -> list[Deadline]:
    return sorted(deadlines, key=lambda d: (STATE_RANK[d.state], d.due, d.subject))


def group_cases(cases: Iterable[Case], key) -> dict[str, list[Case]]:
    groups: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        for k in key(case):
            groups[k].append(case)
    return groups


def case_rows(ctx: SiteContext, page: str, cases: Iterable[Case], *, archive: bool = False
              ) -> list[list[str]]:
    rows = []
    for case in sorted(cases, key=lambda c: c.id, reverse=True):
        row = [
            ctx.case_link(page, case.id),
            ctx.case_link(page, case.id, case.title),
            level_badge(case.level),
            status_badge(ctx.statuses[case.id]),
            state_badge(ctx.worst_state(case.id)),
            ctx.unit_link(page, ctx.responsible_unit(case)),
            ctx.time(case.source.posted_at),
        ]
        if archive:
            row += [escape_text(case.archive.number) if case.archive else "—",
                    escape_text(retention_name(case.archive.retention)) if case.archive else "—"]
        rows.append(row)
    return rows


CASE_HEADERS = ("编号", "标题", "级别", "状态", "时限", "责任单位", "发帖时间")
ARCHIVE_HEADERS = (*CASE_HEADERS, "档号", "保管期限")
