"""督办: where overdue work stands on the policy's escalation ladder, and who gets 通报.

The ladder is data (``escalation.steps`` in the policy): each step says when it is reached —
as soon as the deadline is missed, once the overdue time reaches a multiple of the allowed time,
or once a weekly meeting (例会) has passed with the work still open — and whom it notifies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from yuqing.policy import EscalationStep

NOTIFY_NAMES = {"unit": "责任单位", "leader": "分管领导", "group": "领导小组"}


def meeting_after(moment: datetime, meeting: Mapping[str, Any], tz: tzinfo) -> datetime:
    """The first weekly meeting strictly after ``moment``; ``weekday`` 1 = Monday … 7 = Sunday."""
    local = moment.astimezone(tz)
    hour, minute = (int(x) for x in str(meeting.get("time", "09:00")).split(":")[:2])
    days_ahead = (int(meeting.get("weekday", 1)) - 1 - local.weekday()) % 7
    candidate = datetime.combine(local.date() + timedelta(days=days_ahead), time(hour, minute),
                                 tzinfo=tz)
    if candidate <= local:
        candidate += timedelta(days=7)
    return candidate


def _reached(step: EscalationStep, start: datetime, due: datetime, now: datetime,
             meeting: Mapping[str, Any] | None, tz: tzinfo) -> bool:
    if now <= due:
        return False
    if step.overdue:
        return True
    if step.allowed_time_multiple is not None:
        return now - start >= (due - start) * step.allowed_time_multiple
    if step.weekly_meeting:
        return meeting is not None and now >= meeting_after(due, meeting, tz)
    return False


def escalation_step(steps: Iterable[EscalationStep], start: datetime, due: datetime,
                    now: datetime, meeting: Mapping[str, Any] | None, tz: tzinfo
                    ) -> EscalationStep | None:
    """The highest step of the ladder an open, overdue deadline has reached (None if not overdue).
    Steps are listed lowest first; a later step wins."""
    reached = None
    for step in steps:
        if _reached(step, start, due, now, meeting, tz):
            reached = step
    return reached


def repeated_overdue_units(overdue: Iterable[tuple[str | None, str]], threshold: int
                           ) -> dict[str, int]:
    """Units with at least ``threshold`` distinct overdue cases (the seeds' 通报), from
    ``(unit, case id)`` pairs; most first."""
    cases: dict[str, set[str]] = defaultdict(set)
    for unit, subject in overdue:
        if unit:
            cases[unit].add(subject)
    counted = {unit: len(ids) for unit, ids in cases.items() if len(ids) >= threshold}
    return dict(sorted(counted.items(), key=lambda kv: (-kv[1], kv[0])))
