"""The response policy as records: rules, grading thresholds, the escalation ladder.

The numbers live in ``registers/policies/<id>.yml`` (schema ``schemas/policy.schema.json``);
this module only gives them types and answers questions with them. Nothing here knows that a
first response takes 24 hours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from yuqing.model import LEVELS, Case, Event, Metrics
from yuqing.problems import Problem, field_path
from yuqing.workdays import Calendar, UnknownYear, unknown_year_problem

# Where a clock may start when it starts from a field rather than an event.
START_FIELDS: dict[str, Callable[[Case], datetime | None]] = {
    "source.posted_at": lambda case: case.source.posted_at,
    "discovered.at": lambda case: case.discovered_at,
}
METRIC_NAMES = ("views", "comments", "reposts", "mainstream_outlets")
PRESENT, ABSENT = "present", "absent"


@dataclass(frozen=True)
class Length:
    """Calendar time (``minutes``) or N working days ending at the end of the last one."""

    minutes: int = 0
    working_days: int = 0

    def due(self, start: datetime, calendar: Calendar) -> datetime:
        if self.working_days:
            return calendar.working_deadline(start, self.working_days)
        return start + timedelta(minutes=self.minutes)

    def describe(self) -> str:
        if self.working_days:
            return f"{self.working_days} 个工作日"
        hours, minutes = divmod(self.minutes, 60)
        if minutes == 0:
            return f"{hours} 小时"
        return f"{self.minutes} 分钟" if hours == 0 else f"{hours} 小时 {minutes} 分钟"


@dataclass(frozen=True)
class Trigger:
    """A field (``source.posted_at``) or an event type with conditions on the event's fields."""

    field: str | None = None
    event: str | None = None
    when: tuple[tuple[str, Any], ...] = ()
    occurrence: str = "first"  # or "last": the latest promise is the one that counts

    def matches(self, event: Event) -> bool:
        if event.type != self.event:
            return False
        for name, wanted in self.when:
            value = getattr(event, name, None)
            if wanted == PRESENT:
                ok = value is not None and value is not False
            elif wanted == ABSENT:
                ok = value is None or value is False
            else:
                ok = value == wanted
            if not ok:
                return False
        return True


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    starts: Trigger
    stops: tuple[Trigger, ...]
    basis: str
    length: Length | None = None
    by_level: tuple[tuple[str, Length], ...] = ()
    due_field: str | None = None  # the start event's field that holds the due time (promise)
    max: Length | None = None  # the longest a due_field may be set to
    levels: tuple[str, ...] = LEVELS
    quick: bool | None = None
    warn: Length = Length()

    def applies_to(self, case: Case) -> bool:
        if case.level not in self.levels:
            return False
        if self.quick is not None and case.quick != self.quick:
            return False
        return self.due_field is not None or self.length_for(case.level) is not None

    def length_for(self, level: str) -> Length | None:
        for name, length in self.by_level:
            if name == level:
                return length
        return self.length


@dataclass(frozen=True)
class GradeThreshold:
    level: str
    any_of: tuple[tuple[str, int], ...]  # metric → minimum; reaching any one suffices


@dataclass(frozen=True)
class EscalationStep:
    id: str
    name: str
    notify: str  # unit | leader | group
    overdue: bool = False
    allowed_time_multiple: float | None = None
    weekly_meeting: bool = False


@dataclass(frozen=True)
class HazardRule:
    name: str
    basis: str
    warn: Length = Length()


@dataclass(frozen=True)
class Policy:
    id: str
    name: str
    timezone: str
    rules: tuple[Rule, ...]
    grading: tuple[GradeThreshold, ...] = ()
    grading_default: str = "general"
    grading_basis: str = ""
    escalation: tuple[EscalationStep, ...] = ()
    repeat_overdue: int = 2  # 通报: a unit with this many overdue cases is listed
    weekly_meeting: Mapping[str, Any] | None = None  # fallback when office.yml has none
    hazards: HazardRule | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


# --- construction from schema-valid data -----------------------------------------------------


def _length(data: Mapping[str, Any] | None) -> Length | None:
    if data is None:
        return None
    if "working_days" in data:
        return Length(working_days=int(data["working_days"]))
    minutes = data.get("minutes", 0) + 60 * data.get("hours", 0) + 1440 * data.get("days", 0)
    return Length(minutes=int(minutes))


def _trigger(data: Mapping[str, Any]) -> Trigger:
    return Trigger(
        field=data.get("field"),
        event=data.get("event"),
        when=tuple(sorted((data.get("when") or {}).items())),
        occurrence=data.get("occurrence", "first"),
    )


def _rule(data: Mapping[str, Any]) -> Rule:
    applies = data.get("applies") or {}
    stops = data["stops"]
    return Rule(
        id=data["id"],
        name=data["name"],
        starts=_trigger(data["starts"]),
        stops=tuple(_trigger(s) for s in (stops if isinstance(stops, list) else [stops])),
        basis=data.get("basis", ""),
        length=_length(data.get("length")),
        by_level=tuple((k, _length(v)) for k, v in (data.get("by_level") or {}).items()),
        due_field=data.get("due_field"),
        max=_length(data.get("max")),
        levels=tuple(applies.get("levels") or LEVELS),
        quick=applies.get("quick"),
        warn=_length(data.get("warn")) or Length(),
    )


def _check(policy_path: str, data: Mapping[str, Any]) -> list[Problem]:
    """What the schema cannot say: known start fields, a length or due field for every rule."""
    problems = []

    def problem(parts: tuple[str | int, ...], message: str, hint: str) -> None:
        problems.append(Problem(policy_path, None, None, field_path(parts), message, hint,
                                code="policy"))

    try:
        ZoneInfo(str(data.get("timezone", "Asia/Shanghai")))
    except (ZoneInfoNotFoundError, ValueError):
        problem(("timezone",), f"未知时区 {data.get('timezone')!r}", "一般写 Asia/Shanghai")
    seen: set[str] = set()
    for i, rule in enumerate(data.get("rules") or ()):
        if rule.get("id") in seen:
            problem(("rules", i, "id"), f"规则编号 {rule.get('id')!r} 重复", "每条规则的 id 须唯一")
        seen.add(rule.get("id"))
        start = rule.get("starts") or {}
        if "field" in start and start["field"] not in START_FIELDS:
            problem(("rules", i, "starts", "field"), f"不支持从字段 {start['field']!r} 起算",
                    "可用：" + "、".join(START_FIELDS))
        if not (rule.get("length") or rule.get("by_level") or rule.get("due_field")):
            problem(("rules", i), "规则没有时长", "请写 length、by_level 或 due_field")
        if rule.get("due_field") and "event" not in start:
            problem(("rules", i, "due_field"), "due_field 只能用于从事件起算的规则",
                    "starts 请写 event")
    return problems


def load_policy(data: Mapping[str, Any], path: str = "registers/policies/seeds.yml"
                ) -> Policy | list[Problem]:
    """Schema-valid policy data → ``Policy``, or the problems that make it unusable."""
    problems = _check(path, data)
    if problems:
        return problems
    grading = data.get("grading") or {}
    escalation = data.get("escalation") or {}
    hazards = data.get("hazards")
    return Policy(
        id=data["id"],
        name=data["name"],
        timezone=data.get("timezone", "Asia/Shanghai"),
        rules=tuple(_rule(r) for r in data["rules"]),
        grading=tuple(
            GradeThreshold(t["level"], tuple(sorted(t["any_of"].items())))
            for t in grading.get("levels") or ()
        ),
        grading_default=grading.get("default", "general"),
        grading_basis=grading.get("basis", ""),
        escalation=tuple(
            EscalationStep(
                id=s["id"], name=s["name"], notify=s.get("notify", "unit"),
                overdue=bool(s["when"].get("overdue", False)),
                allowed_time_multiple=s["when"].get("allowed_time_multiple"),
                weekly_meeting=bool(s["when"].get("weekly_meeting", False)),
            )
            for s in escalation.get("steps") or ()
        ),
        repeat_overdue=int(escalation.get("repeat_overdue", 2)),
        weekly_meeting=escalation.get("weekly_meeting"),
        hazards=(
            HazardRule(hazards["name"], hazards.get("basis", ""),
                       _length(hazards.get("warn")) or Length())
            if hazards else None
        ),
    )


# --- questions the other stages ask ----------------------------------------------------------


def _metric(metrics: Metrics | Mapping[str, Any], name: str) -> int | None:
    if isinstance(metrics, Mapping):
        return metrics.get(name)
    return getattr(metrics, name, None)


def suggest_level(metrics: Metrics | Mapping[str, Any] | None, policy: Policy) -> str:
    """The level the policy's grading thresholds suggest for these metrics (seed 001: 重大 =
    views ≥ 1000 or comments ≥ 100 or ≥ 1 mainstream site …). The highest level reached wins."""
    if metrics is None:
        return policy.grading_default
    rank = {level: i for i, level in enumerate(LEVELS)}
    best = policy.grading_default
    for threshold in policy.grading:
        reached = any(
            (value := _metric(metrics, name)) is not None and value >= minimum
            for name, minimum in threshold.any_of
        )
        if reached and rank.get(threshold.level, -1) > rank.get(best, -1):
            best = threshold.level
    return best


def promise_problems(case: Case, policy: Policy, calendar: Calendar) -> list[Problem]:
    """Replies whose promised date (承诺办理时限) is later than the policy allows
    (seed 000: at most 5 working days). Problems name ``events[i].promised_by``; the caller may
    fill in the line with ``loader.locate``."""
    problems = []
    for rule in policy.rules:
        if rule.due_field is None or rule.max is None:
            continue
        for event in case.events:
            if not rule.starts.matches(event):
                continue
            promised = getattr(event, rule.due_field, None)
            if promised is None:
                continue
            where = field_path(("events", event.index, rule.due_field))
            try:
                latest = rule.max.due(event.at, calendar)
            except UnknownYear as exc:
                problems.append(replace(
                    unknown_year_problem(exc.year, case.path, where, f"检查{rule.name}"),
                    severity="warning"))
                continue
            if promised > latest:
                local = latest.astimezone(calendar.tz)
                problems.append(Problem(
                    case.path, None, None, where,
                    f"承诺的办理时限 {promised.astimezone(calendar.tz):%Y-%m-%d} 超过了政策允许的"
                    f"最长时限（回复后 {rule.max.describe()}，即 {local:%Y-%m-%d} 前）",
                    f"请把承诺时限改为不晚于 {local:%Y-%m-%d}，或在回复中说明理由另行报批。"
                    f"依据：{rule.basis}",
                    code="promise-too-long",
                ))
    return problems
