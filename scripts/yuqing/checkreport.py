"""``yuqing check`` output: text for the terminal, JSON for machines, Markdown for the tracking
issue and pull-request comment, workflow commands for GitHub annotations.

Titles come from the web and are untrusted: in Markdown they pass through ``md_text`` (the one
place this report escapes), which also defuses @mentions so a post title cannot ping anyone.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from yuqing.deadlines import STATE_RANK, STATES, Deadline, Evaluation
from yuqing.escalation import NOTIFY_NAMES
from yuqing.model import DEFAULT_TZ, LEVEL_NAMES, LEVELS, Case
from yuqing.problems import Problem, format_github
from yuqing.stats import FIGURE_NAMES
from yuqing.status import case_status

SHOWN_IN_ISSUE = ("overdue", "due_soon")
STATE_MARKS = {"overdue": "🔴", "due_soon": "🟠", "pending": "⚪", "met_late": "🟡", "met": "🟢"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def md_text(value: str | None) -> str:
    """Untrusted text → inert Markdown inline text (no links, HTML, tables, mentions)."""
    if not value:
        return ""
    flat = " ".join(value.split())
    return _MD_SPECIAL.sub(r"\\\1", flat).replace("@", "@\u200b")


@dataclass(frozen=True)
class Names:
    """Display names for ids, so reports say 城市管理科 and 王军 rather than city-management."""

    office: str = ""
    units: Mapping[str, str] | None = None
    people: Mapping[str, str] | None = None
    tz: tzinfo = DEFAULT_TZ

    @classmethod
    def from_repository(cls, repository: Any) -> Names:
        return cls(
            office=repository.office.name,
            units={k: u.name for k, u in repository.units.items()},
            people={k: p.name for k, p in repository.people.items()},
            tz=getattr(repository, "tz", DEFAULT_TZ),
        )

    def unit(self, unit_id: str | None) -> str:
        if not unit_id:
            return "（未交办）"
        return (self.units or {}).get(unit_id, unit_id)

    def person(self, person_id: str | None) -> str:
        if not person_id:
            return "（未设分管领导）"
        return (self.people or {}).get(person_id, person_id)

    def time(self, moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _sort_key(d: Deadline) -> tuple[int, datetime, str]:
    return STATE_RANK[d.state], d.due, d.subject


def _rules(evaluation: Evaluation) -> dict[str, dict[str, str]]:
    policy = evaluation.policy
    if policy is None:
        return {}
    rules = {r.id: {"name": r.name, "basis": r.basis} for r in policy.rules}
    if policy.hazards:
        rules["hazard"] = {"name": policy.hazards.name, "basis": policy.hazards.basis}
    return rules


def report_json(cases: Sequence[Case], evaluation: Evaluation, summary: Mapping[str, Any],
                hazard_names: Mapping[str, str] | None = None) -> str:
    def deadline(d: Deadline) -> dict[str, Any]:
        return {
            "rule": d.rule, "name": d.name, "starts": _iso(d.starts), "due": _iso(d.due),
            "state": d.state, "met_at": _iso(d.met_at), "unit": d.unit, "leader": d.leader,
            "escalation": d.escalation,
        }

    out = {
        "now": _iso(evaluation.now),
        "policy": evaluation.policy.id if evaluation.policy else None,
        "rules": _rules(evaluation),
        "cases": [
            {
                "id": c.id, "path": c.path, "title": c.title, "level": c.level,
                "status": case_status(c), "worst": evaluation.worst(c.id),
                "deadlines": [deadline(d) for d in evaluation.of(c.id)],
            }
            for c in cases
        ],
        "hazards": [
            {"id": d.subject, "title": (hazard_names or {}).get(d.subject), **deadline(d)}
            for d in evaluation.deadlines if d.kind == "hazard"
        ],
        "summary": summary,
        "problems": [p.text() for p in evaluation.problems],
    }
    # No indent: only the compact form uses the C encoder, which matters for 10,000 cases.
    return json.dumps(out, ensure_ascii=False)


def _line(d: Deadline, names: Names) -> str:
    when = f"已于 {names.time(d.met_at)} 完成" if d.met_at else f"截止 {names.time(d.due)}"
    step = f"；督办：{d.escalation_name}" if d.escalation_name else ""
    return (f"{d.subject} [{STATES[d.state]}] {d.name} {when}"
            f"（{names.unit(d.unit)}，分管领导 {names.person(d.leader)}{step}）")


def report_text(evaluation: Evaluation, summary: Mapping[str, Any], names: Names,
                show_all: bool = False) -> str:
    shown = sorted((d for d in evaluation.deadlines if show_all or d.is_open), key=_sort_key)
    counts = summary["deadlines"]
    lines = [f"时限检查（截至 {names.time(evaluation.now)}）："
             + "，".join(f"{STATES[s]} {counts.get(s, 0)}" for s in STATES)]
    lines += [_line(d, names) for d in shown]
    return "\n".join(lines)


def report_github(evaluation: Evaluation, names: Names) -> str:
    """Annotations: overdue as errors, due soon as warnings, on the case (or hazard) file."""
    problems = [
        Problem(d.path, None, None, d.name, _line(d, names),
                severity="error" if d.state == "overdue" else "warning", code=d.state)
        for d in sorted(evaluation.deadlines, key=_sort_key) if d.state in SHOWN_IN_ISSUE
    ]
    return format_github(problems)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _figures_table(summary: Mapping[str, Any], names: Names) -> list[str]:
    def row(label: str, f: Mapping[str, Any]) -> str:
        hours = f["median_first_response_hours"]
        return (f"| {label} | {f['cases']} | {_percent(f['reply_rate'])} | "
                f"{_percent(f['close_rate'])} | {_percent(f['on_time_rate'])} | "
                f"{'—' if hours is None else hours} |")

    lines = [
        f"| 范围 | {FIGURE_NAMES['cases']} | {FIGURE_NAMES['reply_rate']} | "
        f"{FIGURE_NAMES['close_rate']} | {FIGURE_NAMES['on_time_rate']} | 首次回应中位（小时） |",
        "|---|---:|---:|---:|---:|---:|",
        row("全部", summary["figures"]),
    ]
    by_level = summary["by_level"]
    lines += [row(f"{LEVEL_NAMES[k]}舆情", by_level[k]) for k in LEVELS if k in by_level]
    lines += [row(names.unit(k), v) for k, v in summary["by_unit"].items()]
    return lines


def report_markdown(cases: Sequence[Case], evaluation: Evaluation, summary: Mapping[str, Any],
                    names: Names, *, show_all: bool = False, title: str = "舆情时限检查",
                    hazard_names: Mapping[str, str] | None = None, max_rows: int = 300) -> str:
    """Chinese Markdown grouped by responsible unit, worst unit first; ``show_all`` lists every
    deadline (the pull-request comment), otherwise only overdue and due-soon ones (the issue).
    At most ``max_rows`` rows (the worst; 0 = no limit): an issue body holds 65,536 characters."""
    titles = {c.id: c.title for c in cases}
    titles.update(hazard_names or {})
    counts = summary["deadlines"]
    out = [f"## {title}（{md_text(names.office)}，截至 {names.time(evaluation.now)}）", ""]
    if evaluation.policy:
        out += [f"政策：{md_text(evaluation.policy.name)}", ""]
    out.append(" · ".join(f"{STATE_MARKS[s]} {STATES[s]} **{counts.get(s, 0)}**" for s in STATES))
    out.append("")
    wanted = set(STATES) if show_all else set(SHOWN_IN_ISSUE)
    shown = sorted((d for d in evaluation.deadlines if d.state in wanted and d.subject in titles),
                   key=_sort_key)
    left_out = len(shown) - max_rows if max_rows and len(shown) > max_rows else 0
    by_unit: dict[str | None, list[Deadline]] = defaultdict(list)
    for d in shown[:max_rows or None]:
        by_unit[d.unit].append(d)
    if not by_unit:
        out += ["没有超期或即将到期的时限。✅" if not show_all else "所涉案件没有时限。", ""]

    def unit_key(item: tuple[str | None, list[Deadline]]) -> tuple[int, int, str]:
        rows = item[1]
        return (min(STATE_RANK[d.state] for d in rows),
                -sum(d.state == "overdue" for d in rows), names.unit(item[0]))

    for unit, rows in sorted(by_unit.items(), key=unit_key):
        leader = rows[0].leader
        out += [f"### {md_text(names.unit(unit))}（分管领导：{md_text(names.person(leader))}）", "",
                "| 状态 | 编号 | 标题 | 时限 | 截止 | 完成 | 督办 |", "|---|---|---|---|---|---|---|"]
        for d in sorted(rows, key=_sort_key):
            out.append(
                f"| {STATE_MARKS[d.state]} {STATES[d.state]} | {d.subject} | "
                f"{md_text(titles.get(d.subject))} | {d.name} | {names.time(d.due)} | "
                f"{names.time(d.met_at) or '—'} | {d.escalation_name or '—'} |")
        out.append("")
    if left_out:
        out += [f"另有 {left_out} 项未列出（报告长度有限，以上为最严重的 {max_rows} 项）；"
                "完整清单请运行 `yuqing check` 或 `yuqing check --format json`。", ""]
    repeated = summary.get("repeated_overdue_units") or {}
    if repeated:
        out += ["### 通报：多件超期的单位", ""]
        out += [f"- {md_text(names.unit(u))}：{n} 件超期" for u, n in repeated.items()]
        out.append("")
    if evaluation.policy and evaluation.policy.escalation:
        ladder = " → ".join(
            f"{s.name}（通知{NOTIFY_NAMES.get(s.notify, s.notify)}）"
            for s in evaluation.policy.escalation)
        out += [f"督办阶梯：{ladder}", ""]
    if not show_all:
        out += ["### 统计", "", *_figures_table(summary, names), ""]
    if evaluation.problems:
        out += ["### 无法计算的时限", ""]
        out += [f"- {md_text(p.text())}" for p in evaluation.problems]
        out.append("")
    return "\n".join(out)

