"""Frozen records that flow between stages, and their construction from schema-valid data.

The loader gives plain data, the schema has checked its shape; here it becomes typed records.
``confidential`` is deliberately not part of ``Case``: nothing after this stage can leak it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")

LEVELS = ("general", "significant", "major", "critical")
LEVEL_NAMES = {"general": "一般", "significant": "较大", "major": "重大", "critical": "特别重大"}
SENTIMENTS = {"negative": "负面", "neutral": "中性", "positive": "正面"}
EVENT_TYPES = {
    "registered": "登记",
    "reported": "报送",
    "assessed": "研判定级",
    "assigned": "交办",
    "verified": "核实",
    "replied": "回复",
    "escalated": "督办",
    "resolved": "办结",
    "closed": "结案",
    "reopened": "重新办理",
    "note": "备注",
}
RETENTION_NAMES = {"permanent": "永久", "30y": "30年", "10y": "10年"}
SYSTEM_ACTORS = {"ingest": "自动采集 (yuqing ingest)"}

CASE_ID = re.compile(r"^YQ-(?P<year>\d{4})-(?P<serial>\d{4,})$")
_TIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)"
    r"(?P<offset>Z|[+-]\d{2}:\d{2})?)?$"
)


class TimeFormatError(ValueError):
    """A string that looks like a time but is not a real one (2026-13-01, 25:00)."""


def parse_time(value: str, tz: tzinfo = DEFAULT_TZ, *, end_of_day: bool = False) -> datetime:
    """ISO 8601 text → aware datetime. No offset means ``tz``; a bare date means its start
    (or, with ``end_of_day``, the last second of that day — how a promised date is read)."""
    m = _TIME.match(value.strip())
    if not m:
        raise TimeFormatError(value)
    try:
        day = date.fromisoformat(m["date"])
        if m["time"] is None:
            moment = datetime.combine(day, time(23, 59, 59) if end_of_day else time())
            return moment.replace(tzinfo=tz)
        moment = datetime.fromisoformat(
            f"{m['date']}T{m['time']}{m['offset'] or ''}".replace("Z", "+00:00")
        )
    except ValueError as exc:
        raise TimeFormatError(value) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


@dataclass(frozen=True)
class Metrics:
    views: int | None = None
    comments: int | None = None
    reposts: int | None = None
    mainstream_outlets: int | None = None
    observed_at: datetime | None = None


@dataclass(frozen=True)
class Source:
    platform: str
    posted_at: datetime
    url: str | None = None
    author: str | None = None
    feed: str | None = None
    guid: str | None = None
    excerpt: str | None = None
    metrics: Metrics | None = None


@dataclass(frozen=True)
class Event:
    index: int
    at: datetime
    type: str
    by: str
    note: str | None = None
    to: str | None = (
        None  # assigned: unit id; reported: the body reported to; escalated: person/unit
    )
    co: tuple[str, ...] = ()  # assigned: 协办单位
    level: str | None = None  # assessed
    reason: str | None = None  # assessed, escalated, reopened
    channel: str | None = None  # replied
    url: str | None = None  # replied
    text: str | None = None  # replied, note
    promised_by: datetime | None = None  # replied: 承诺办理时限 (a date means the end of that day)
    resolves: bool = False  # replied: this reply is the 正式解答 that resolves the matter
    finding: str | None = None  # verified
    summary: str | None = None  # resolved


@dataclass(frozen=True)
class Report:
    """舆情处置情况报告单."""

    cause: str | None = None
    measures: str | None = None
    talking_points: str | None = None
    result: str | None = None
    review: str | None = None


@dataclass(frozen=True)
class MediaReport:
    outlet: str
    title: str
    url: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class Archive:
    number: str  # 档号
    retention: str  # 保管期限
    archived_at: datetime | None = None


@dataclass(frozen=True)
class Case:
    id: str
    path: str  # relative to the repository root, posix
    title: str
    level: str
    category: str
    sentiment: str
    quick: bool
    source: Source
    discovered_at: datetime
    discovered_by: str
    lead_unit: str | None
    co_units: tuple[str, ...]
    events: tuple[Event, ...]
    summary: str | None = None
    report: Report | None = None
    media: tuple[MediaReport, ...] = ()
    related: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    archive: Archive | None = None
    has_confidential: bool = False

    @property
    def year(self) -> int:
        return int(self.id.split("-")[1])

    def events_of(self, *types: str) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.type in types)


# --- registers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: str
    leader: str | None = None  # 分管领导 (person id)
    officers: tuple[str, ...] = ()  # 舆情信息员 (person ids)


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    title: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    description: str | None = None


@dataclass(frozen=True)
class Platform:
    id: str
    name: str
    kind: str
    url: str | None = None


@dataclass(frozen=True)
class Hazard:
    """One row of the 网络舆情隐患排查表 (seed 002, 附件3)."""

    id: str
    unit: str
    found_on: date
    content: str
    offline_measures: str
    online_measures: str
    deadline: datetime  # 解决时限: end of that day
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class Office:
    name: str
    short_name: str
    timezone: str = "Asia/Shanghai"
    policy: str = "seeds"
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


# --- construction from schema-valid data -----------------------------------------------------


def _t(value: Any, tz: tzinfo, *, end_of_day: bool = False) -> datetime | None:
    return None if value is None else parse_time(str(value), tz, end_of_day=end_of_day)


def build_event(index: int, data: dict[str, Any], tz: tzinfo = DEFAULT_TZ) -> Event:
    co = data.get("co") or ()
    return Event(
        index=index,
        at=parse_time(str(data["at"]), tz),
        type=data["type"],
        by=data["by"],
        note=data.get("note"),
        to=data.get("to"),
        co=tuple(co),
        level=data.get("level"),
        reason=data.get("reason"),
        channel=data.get("channel"),
        url=data.get("url"),
        text=data.get("text"),
        promised_by=_t(data.get("promised_by"), tz, end_of_day=True),
        resolves=bool(data.get("resolves", False)),
        finding=data.get("finding"),
        summary=data.get("summary"),
    )


def build_case(path: str, data: dict[str, Any], tz: tzinfo = DEFAULT_TZ) -> Case:
    """Schema-valid case data → ``Case``. Raises ``TimeFormatError`` for impossible dates."""
    src = data["source"]
    m = src.get("metrics")
    metrics = None
    if m is not None:
        metrics = Metrics(
            views=m.get("views"),
            comments=m.get("comments"),
            reposts=m.get("reposts"),
            mainstream_outlets=m.get("mainstream_outlets"),
            observed_at=_t(m.get("observed_at"), tz),
        )
    source = Source(
        platform=src["platform"],
        posted_at=parse_time(str(src["posted_at"]), tz),
        url=src.get("url"),
        author=src.get("author"),
        feed=src.get("feed"),
        guid=src.get("guid"),
        excerpt=src.get("excerpt"),
        metrics=metrics,
    )
    units = data.get("units") or {}
    report = data.get("report")
    archive = data.get("archive")
    return Case(
        id=data["id"],
        path=path,
        title=data["title"],
        level=data["level"],
        category=data["category"],
        sentiment=data["sentiment"],
        quick=bool(data.get("quick", False)),
        source=source,
        discovered_at=parse_time(str(data["discovered"]["at"]), tz),
        discovered_by=data["discovered"]["by"],
        lead_unit=units.get("lead"),
        co_units=tuple(units.get("co") or ()),
        events=tuple(build_event(i, e, tz) for i, e in enumerate(data.get("events") or ())),
        summary=data.get("summary"),
        report=Report(**report) if report else None,
        media=tuple(
            MediaReport(
                outlet=x["outlet"], title=x["title"], url=x.get("url"), at=_t(x.get("at"), tz)
            )
            for x in data.get("media") or ()
        ),
        related=tuple(data.get("related") or ()),
        tags=tuple(data.get("tags") or ()),
        archive=(
            Archive(archive["number"], archive["retention"], _t(archive.get("archived_at"), tz))
            if archive
            else None
        ),
        has_confidential=bool(data.get("confidential")),
    )


def end_of_day(day: date, tz: tzinfo = DEFAULT_TZ) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)
