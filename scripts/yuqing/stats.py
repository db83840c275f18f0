"""The figures the seed documents report: 回复率, 办结率, 按时办结率, 首次回应用时中位数 —
overall and per month, unit, category and level. ``yuqing check``, the weekly report and the site
all call ``summarize``/``figures`` so the numbers agree everywhere.

On-time rate counts open overdue cases as misses: closed on time ÷ (closed + open and overdue).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, tzinfo
from typing import Any

from yuqing.deadlines import STATES, Evaluation
from yuqing.escalation import repeated_overdue_units
from yuqing.model import DEFAULT_TZ, Case
from yuqing.status import OPEN_STATUSES, case_status, responsible_unit

FIGURE_NAMES = {
    "cases": "舆情件数",
    "replied": "已回复",
    "closed": "已办结",
    "closed_on_time": "按时办结",
    "open_overdue": "未办结且超期",
    "reply_rate": "回复率",
    "close_rate": "办结率",
    "on_time_rate": "按时办结率",
    "median_first_response_hours": "首次回应用时中位数（小时）",
}


@dataclass(frozen=True)
class Figures:
    cases: int
    replied: int
    closed: int
    closed_on_time: int
    open_overdue: int
    reply_rate: float | None
    close_rate: float | None
    on_time_rate: float | None
    median_first_response_hours: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CaseFacts:
    """What the figures need from one case, computed once."""

    case: Case
    status: str
    unit: str | None
    month: str
    first_response_hours: float | None
    has_overdue: bool
    has_late: bool

    @property
    def closed(self) -> bool:
        return self.status not in OPEN_STATUSES


def case_facts(cases: Iterable[Case], evaluation: Evaluation, tz: tzinfo = DEFAULT_TZ
               ) -> list[CaseFacts]:
    now = evaluation.now
    facts = []
    for case in cases:
        if case.source.posted_at > now:
            continue
        if case.events and case.events[-1].at > now:  # replaying the past: later events not yet
            case = replace(case, events=tuple(e for e in case.events if e.at <= now))
        unit = responsible_unit(case)
        first_reply = next((e.at for e in case.events if e.type == "replied"), None)
        states = {d.state for d in evaluation.of(case.id)}
        facts.append(CaseFacts(
            case=case,
            status=case_status(case),
            unit=unit,
            month=case.source.posted_at.astimezone(tz).strftime("%Y-%m"),
            first_response_hours=(
                None if first_reply is None
                else round((first_reply - case.source.posted_at).total_seconds() / 3600, 2)
            ),
            has_overdue="overdue" in states,
            has_late="met_late" in states,
        ))
    return facts


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(facts: Iterable[CaseFacts]) -> Figures:
    facts = list(facts)
    closed = [f for f in facts if f.closed]
    closed_on_time = sum(1 for f in closed if not f.has_late and not f.has_overdue)
    open_overdue = sum(1 for f in facts if not f.closed and f.has_overdue)
    replied = sum(1 for f in facts if f.first_response_hours is not None)
    hours = [f.first_response_hours for f in facts if f.first_response_hours is not None]
    return Figures(
        cases=len(facts),
        replied=replied,
        closed=len(closed),
        closed_on_time=closed_on_time,
        open_overdue=open_overdue,
        reply_rate=_rate(replied, len(facts)),
        close_rate=_rate(len(closed), len(facts)),
        on_time_rate=_rate(closed_on_time, len(closed) + open_overdue),
        median_first_response_hours=round(statistics.median(hours), 2) if hours else None,
    )


GROUPINGS: dict[str, Callable[[CaseFacts], str]] = {
    "by_month": lambda f: f.month,
    "by_unit": lambda f: f.unit or "（未交办）",
    "by_category": lambda f: f.case.category,
    "by_level": lambda f: f.case.level,
}


def grouped(facts: Iterable[CaseFacts], key: Callable[[CaseFacts], str]) -> dict[str, Figures]:
    groups: dict[str, list[CaseFacts]] = defaultdict(list)
    for fact in facts:
        groups[key(fact)].append(fact)
    return {name: figures(groups[name]) for name in sorted(groups)}


def summarize(cases: Iterable[Case], evaluation: Evaluation, tz: tzinfo = DEFAULT_TZ
              ) -> dict[str, Any]:
    """The ``summary`` object of ``yuqing check --format json``: deadline counts, the ladder,
    units to be named (通报), and the figures overall and per month/unit/category/level."""
    facts = case_facts(cases, evaluation, tz)
    states = Counter(d.state for d in evaluation.deadlines)
    overdue = [d for d in evaluation.deadlines if d.state == "overdue"]
    threshold = evaluation.policy.repeat_overdue if evaluation.policy else 2
    summary: dict[str, Any] = {
        "deadlines": {state: states.get(state, 0) for state in STATES},
        "hazards": dict(Counter(d.state for d in evaluation.deadlines if d.kind == "hazard")),
        "escalation": dict(Counter(d.escalation for d in overdue if d.escalation)),
        "repeated_overdue_units": repeated_overdue_units(
            ((d.unit, d.subject) for d in overdue if d.kind == "case"), threshold),
        "figures": figures(facts).as_dict(),
    }
    for name, key in GROUPINGS.items():
        summary[name] = {k: v.as_dict() for k, v in grouped(facts, key).items()}
    return summary


def in_period(facts: Iterable[CaseFacts], start: datetime, end: datetime) -> list[CaseFacts]:
    """Cases posted in ``[start, end)`` (the weekly and monthly reports)."""
    return [f for f in facts if start <= f.case.source.posted_at < end]
