"""A case's status, computed from its events — never typed by hand, so the two cannot disagree."""

from __future__ import annotations

from collections.abc import Iterable

from yuqing.model import Case, Event

STATUSES = {
    "new": "待交办",
    "in_progress": "办理中",
    "replied": "已回复待办结",
    "resolved": "已办结",
    "closed": "已结案",
    "archived": "已归档",
}
OPEN_STATUSES = frozenset({"new", "in_progress", "replied"})


def case_status(case: Case) -> str:
    status = "new"
    for event in case.events:
        if event.type == "assigned" and status == "new":
            status = "in_progress"
        elif event.type == "replied":
            if event.resolves:
                status = "resolved"
            elif status in {"new", "in_progress"}:
                status = "replied"
        elif event.type == "resolved":
            status = "resolved"
        elif event.type == "closed":
            status = "closed"
        elif event.type == "reopened":
            status = "in_progress"
    if status == "closed" and case.archive is not None:
        return "archived"
    return status


def is_open(case: Case) -> bool:
    return case_status(case) in OPEN_STATUSES


def responsible_unit(case: Case, events: Iterable[Event] | None = None) -> str | None:
    """Whoever the latest 交办 went to, else the case's lead unit. ``yuqing event assigned``
    only appends, so the timeline, not ``units.lead``, says who holds the case now."""
    unit = case.lead_unit
    for event in case.events if events is None else events:
        if event.type == "assigned" and event.to:
            unit = event.to
    return unit
