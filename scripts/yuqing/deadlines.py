"""Every deadline of every case and hazard row, with its state at a given "now".

A rule's clock starts at a field or an event, stops at the first matching event after that, and
is due after the rule's length (or at the date the start event names, for promises). Events later
than ``now`` have not happened yet, so ``--now`` in the past replays the record faithfully.
A case that is resolved or closed stops every clock still running at that moment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from pathlib import Path
from typing import Any

from yuqing import loader
from yuqing.escalation import escalation_step
from yuqing.model import Case, Event, Hazard, Unit
from yuqing.policy import START_FIELDS, Policy, Rule, load_policy, promise_problems
from yuqing.problems import Problem
from yuqing.status import responsible_unit
from yuqing.workdays import (
    Calendar,
    UnknownYear,
    build_calendar,
    calendar_warnings,
    unknown_year_problem,
)

STATES = {
    "overdue": "已超期",
    "due_soon": "即将到期",
    "pending": "未到期",
    "met_late": "超期完成",
    "met": "按时完成",
}
STATE_RANK = {state: rank for rank, state in enumerate(STATES)}  # worst first
OPEN_STATES = frozenset({"overdue", "due_soon", "pending"})
_ENDED = frozenset({"resolved", "closed"})


@dataclass(frozen=True)
class Deadline:
    subject: str  # case id, or hazard row id
    kind: str  # "case" | "hazard"
    rule: str
    name: str  # Chinese name of the rule
    starts: datetime
    due: datetime
    state: str
    met_at: datetime | None
    unit: str | None  # responsible unit id
    leader: str | None  # its 分管领导 (person id)
    basis: str
    escalation: str | None = None  # ladder step id when overdue
    escalation_name: str | None = None
    path: str = ""

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass(frozen=True)
class Evaluation:
    now: datetime
    policy: Policy | None
    deadlines: tuple[Deadline, ...]
    problems: tuple[Problem, ...] = ()
    by_subject: dict[str, tuple[Deadline, ...]] = field(default_factory=dict, compare=False)

    def of(self, subject: str) -> tuple[Deadline, ...]:
        return self.by_subject.get(subject, ())

    def worst(self, subject: str) -> str | None:
        states = [d.state for d in self.of(subject)]
        return min(states, key=STATE_RANK.__getitem__) if states else None


def state_of(due: datetime, met_at: datetime | None, now: datetime, warn_minutes: int) -> str:
    if met_at is not None:
        return "met" if met_at <= due else "met_late"
    if now > due:
        return "overdue"
    if (due - now).total_seconds() <= warn_minutes * 60:
        return "due_soon"
    return "pending"


def _ended_at(events: Iterable[Event]) -> datetime | None:
    """When the case was last resolved or closed, unless it was reopened afterwards."""
    ended = None
    for event in events:
        if event.type == "reopened":
            ended = None
        elif ended is None and (event.type in _ENDED or (event.type == "replied" and event.resolves)):
            ended = event.at
    return ended


class _Evaluator:
    def __init__(self, policy: Policy, calendar: Calendar, units: Mapping[str, Unit],
                 now: datetime, meeting: Mapping[str, Any] | None) -> None:
        self.policy, self.calendar, self.units = policy, calendar, units
        self.now, self.meeting, self.tz = now, meeting, calendar.tz
        self.deadlines: list[Deadline] = []
        self.problems: list[Problem] = []
        # Until a case is assigned, hand-over and the first reply are the office's (领导小组办公室).
        self.office_unit = next((u.id for u in units.values() if u.kind == "office"), None)

    def _finish(self, subject: str, kind: str, rule_id: str, name: str, basis: str,
                start: datetime, due: datetime, met_at: datetime | None, warn: int,
                unit: str | None, path: str) -> None:
        state = state_of(due, met_at, self.now, warn)
        step = None
        if state == "overdue":
            step = escalation_step(self.policy.escalation, start, due, self.now, self.meeting,
                                   self.tz)
        unit_record = self.units.get(unit) if unit else None
        self.deadlines.append(Deadline(
            subject=subject, kind=kind, rule=rule_id, name=name, starts=start, due=due,
            state=state, met_at=met_at, unit=unit,
            leader=unit_record.leader if unit_record else None, basis=basis,
            escalation=step.id if step else None, escalation_name=step.name if step else None,
            path=path,
        ))

    def case(self, case: Case) -> None:
        now = self.now
        events = case.events
        if events and events[-1].at > now:  # replaying the past: later events have not happened
            events = tuple(e for e in events if e.at <= now)
        unit = responsible_unit(case, events) or self.office_unit
        by_type: dict[str, list[Event]] = {}
        for event in events:
            by_type.setdefault(event.type, []).append(event)
        ended = _ended_at(events)
        for rule in self.policy.rules:
            if rule.applies_to(case):
                self._rule(case, rule, by_type, unit, ended)

    def _rule(self, case: Case, rule: Rule, by_type: Mapping[str, list[Event]],
              unit: str | None, ended: datetime | None) -> None:
        start_event = None
        if rule.starts.field is not None:
            start = START_FIELDS[rule.starts.field](case)
            if start is None or start > self.now:
                return
        else:
            matching = [e for e in by_type.get(rule.starts.event, ()) if rule.starts.matches(e)]
            if not matching:
                return
            start_event = matching[-1] if rule.starts.occurrence == "last" else matching[0]
            start = start_event.at
        met_at = None
        for stop in rule.stops:  # the earliest event that matches any stop, after the start
            for event in by_type.get(stop.event, ()):
                after = event.index > start_event.index if start_event else event.at >= start
                if after and stop.matches(event):
                    if met_at is None or event.at < met_at:
                        met_at = event.at
                    break
        if met_at is None and ended is not None and ended >= start:
            met_at = ended
        try:
            if rule.due_field is not None:
                due = getattr(start_event, rule.due_field, None)
                if due is None:
                    return
            else:
                length = rule.length_for(case.level)
                if length is None:
                    return
                due = length.due(start, self.calendar)
        except UnknownYear as exc:
            self.problems.append(unknown_year_problem(
                exc.year, case.path, rule.id, f"案件 {case.id} 的“{rule.name}”时限"))
            return
        self._finish(case.id, "case", rule.id, rule.name, rule.basis, start, due, met_at,
                     rule.warn.minutes, unit, case.path)

    def hazard(self, hazard: Hazard, path: str) -> None:
        rule = self.policy.hazards
        if rule is None:
            return
        start = datetime.combine(hazard.found_on, time(), tzinfo=self.tz)
        if start > self.now:
            return
        met_at = hazard.resolved_at if hazard.resolved_at and hazard.resolved_at <= self.now else None
        self._finish(hazard.id, "hazard", "hazard", rule.name, rule.basis, start, hazard.deadline,
                     met_at, rule.warn.minutes, hazard.unit, path)


def evaluate_records(cases: Iterable[Case], hazards: Iterable[Hazard], policy: Policy,
                     calendar: Calendar, units: Mapping[str, Unit], now: datetime,
                     meeting: Mapping[str, Any] | None = None,
                     hazards_path: str = "registers/hazards.yml") -> Evaluation:
    """The engine on plain records (tests and other stages call this; ``evaluate`` wraps it)."""
    evaluator = _Evaluator(policy, calendar, units, now, meeting or policy.weekly_meeting)
    for case in cases:
        evaluator.case(case)
    for hazard in hazards:
        evaluator.hazard(hazard, hazards_path)
    by_subject: dict[str, list[Deadline]] = {}
    for deadline in evaluator.deadlines:
        by_subject.setdefault(deadline.subject, []).append(deadline)
    return Evaluation(
        now=now, policy=policy, deadlines=tuple(evaluator.deadlines),
        problems=tuple(calendar.problems) + tuple(evaluator.problems),
        by_subject={k: tuple(v) for k, v in by_subject.items()},
    )


def repository_policy(repository: Any) -> tuple[Policy | None, Calendar, list[Problem]]:
    """The repository's active policy and its calendar (or the problems with the policy)."""
    office = repository.office
    path = f"registers/policies/{getattr(office, 'policy', 'seeds')}.yml"
    data = getattr(repository, "policy_data", None)
    if not data:
        problem = Problem(path, None, None, "", "找不到应对时限政策文件",
                          "请在 registers/office.yml 的 policy 中写 seeds 或 national，"
                          "并确认 registers/policies/ 下有同名 .yml 文件", code="policy")
        return None, build_calendar(getattr(repository, "holidays", None)), [problem]
    loaded = load_policy(data, path)
    if isinstance(loaded, list):
        return None, build_calendar(getattr(repository, "holidays", None)), loaded
    return loaded, build_calendar(getattr(repository, "holidays", None), loaded.tz), []


def evaluate(repository: Any, now: datetime) -> Evaluation:
    """All case and hazard deadlines of a loaded repository (``yuqing.repo.Repository``)."""
    policy, calendar, problems = repository_policy(repository)
    if policy is None:
        return Evaluation(now=now, policy=None, deadlines=(), problems=tuple(problems))
    extra = getattr(repository.office, "extra", None) or {}
    return evaluate_records(
        repository.cases, repository.hazards, policy, calendar, repository.units, now,
        extra.get("weekly_meeting"),
    )


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _parts(field_text: str) -> list[str | int]:
    return [int(index) if index else name for name, index in _PART.findall(field_text)]


def validation_problems(repository: Any, now: datetime) -> list[Problem]:
    """What ``yuqing validate`` needs from this stage: the policy's own problems, the holidays
    register's, the November warning about next year, and promises longer than the policy allows
    (with file lines)."""
    policy, calendar, problems = repository_policy(repository)
    problems += calendar_warnings(calendar, now)
    if policy is None:
        return problems
    root = Path(repository.root)
    for case in repository.cases:
        for problem in promise_problems(case, policy, calendar):
            where = loader.locate(root / case.path, _parts(problem.field))
            problems.append(replace(problem, line=where[0], column=where[1]) if where else problem)
    return problems
