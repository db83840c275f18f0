"""China's official working-day calendar, including make-up working days (调休).

Years the ``chinesecalendar`` package knows come from it; later years come from
``registers/holidays.yml``. A date in a year nobody knows raises ``UnknownYear`` — never a guess
from weekdays — and the deadline stage turns it into a ``Problem`` that says how to add the year.
Each year becomes one precomputed table of working days, so deadline arithmetic is a lookup.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from yuqing.model import DEFAULT_TZ
from yuqing.problems import Problem

HOLIDAYS_PATH = "registers/holidays.yml"


def holidays_hint(year: int) -> str:
    return (
        f"请在 registers/holidays.yml 的 years 下加入 {year} 年：year、basis（国务院办公厅关于"
        f"{year}年部分节假日安排的通知）、holidays（每个假期的 name、from、to）和 workdays"
        "（调休上班的周末日期）"
    )


class UnknownYear(Exception):
    """A working-day question about a year neither the package nor the register knows."""

    def __init__(self, year: int) -> None:
        super().__init__(year)
        self.year = year


@functools.cache
def _package_data() -> tuple[frozenset[date], frozenset[date], range]:
    """The package's holidays, make-up working days and the years they cover."""
    try:
        from chinese_calendar import constants
    except ImportError:  # pragma: no cover - a declared dependency; degrade to register-only
        return frozenset(), frozenset(), range(0)
    holidays, workdays = frozenset(constants.holidays), frozenset(constants.workdays)
    last = max(max(holidays), max(workdays)).year
    return holidays, workdays, range(min(holidays).year, last + 1)


@functools.cache
def _package_year(year: int) -> frozenset[date]:
    holidays, workdays, _ = _package_data()
    return frozenset(
        d for d in _year_days(year) if d in workdays or (d.weekday() < 5 and d not in holidays)
    )


def _year_days(year: int) -> list[date]:
    start = date(year, 1, 1)
    return [start + timedelta(days=i) for i in range((date(year + 1, 1, 1) - start).days)]


@dataclass(frozen=True)
class YearSource:
    year: int
    origin: str  # "chinesecalendar" or "registers/holidays.yml"
    basis: str | None = None


@dataclass
class Calendar:
    """Working days per known year. ``tz`` is the policy's time zone: a working day ends at
    23:59:59 local time there."""

    tz: tzinfo = DEFAULT_TZ
    # year → its working days; the package's years are filled in on first use
    years: dict[int, frozenset[date]] = field(default_factory=dict)
    sources: dict[int, YearSource] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    _add_cache: dict[tuple[date, int], date] = field(default_factory=dict, repr=False)

    def knows(self, year: int) -> bool:
        return year in self.years or year in _package_data()[2]

    def is_workday(self, day: date) -> bool:
        workdays = self.years.get(day.year)
        if workdays is None:
            if day.year not in _package_data()[2]:
                raise UnknownYear(day.year)
            workdays = self.years[day.year] = _package_year(day.year)  # built on first use
        return day in workdays

    def add_working_days(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (``day`` itself never counts)."""
        key = (day, count)
        cached = self._add_cache.get(key)
        if cached is not None:
            return cached
        current, left = day, count
        while left > 0:
            current += timedelta(days=1)
            if self.is_workday(current):
                left -= 1
        self._add_cache[key] = current
        return current

    def working_deadline(self, start: datetime, count: int) -> datetime:
        """End (23:59:59 local) of the ``count``-th working day after ``start``'s local date."""
        local_day = start.astimezone(self.tz).date()
        return datetime.combine(self.add_working_days(local_day, count), time(23, 59, 59),
                                tzinfo=self.tz)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            if self.is_workday(current):
                count += 1
        return count


def _parse_day(value: Any, where: str, problems: list[Problem]) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(Problem(HOLIDAYS_PATH, None, None, where, f"{value!r} 不是有效日期",
                                "请写成 2027-10-01 这样的日期"))
        return None


def _register_year(entry: Mapping[str, Any], index: int, problems: list[Problem]
                   ) -> tuple[int, frozenset[date], str | None] | None:
    year = entry.get("year")
    if not isinstance(year, int):
        problems.append(Problem(HOLIDAYS_PATH, None, None, f"years[{index}].year",
                                "缺少年份或年份不是整数", "例如 year: 2027"))
        return None
    days = _year_days(year)
    working = {d for d in days if d.weekday() < 5}
    for h, holiday in enumerate(entry.get("holidays") or ()):
        where = f"years[{index}].holidays[{h}]"
        first = _parse_day(holiday.get("from"), f"{where}.from", problems)
        last = _parse_day(holiday.get("to", holiday.get("from")), f"{where}.to", problems)
        if first is None or last is None:
            continue
        if last < first:
            problems.append(Problem(HOLIDAYS_PATH, None, None, where,
                                    f"假期结束日 {last} 早于开始日 {first}", "请交换 from 与 to"))
            continue
        current = first
        while current <= last:
            working.discard(current)
            current += timedelta(days=1)
    for w, value in enumerate(entry.get("workdays") or ()):
        day = _parse_day(value, f"years[{index}].workdays[{w}]", problems)
        if day is not None:
            working.add(day)
    return year, frozenset(d for d in working if d.year == year), entry.get("basis")


def build_calendar(holidays_data: Mapping[str, Any] | None, tz: tzinfo = DEFAULT_TZ) -> Calendar:
    """The package's years, then the register's years (the register wins for a year both know,
    so an office can correct a published change without waiting for a package release)."""
    calendar = Calendar(tz=tz)
    for year in _package_data()[2]:
        calendar.sources[year] = YearSource(year, "chinesecalendar")
    for index, entry in enumerate((holidays_data or {}).get("years") or ()):
        parsed = _register_year(entry, index, calendar.problems)
        if parsed is not None:
            year, workdays, basis = parsed
            calendar.years[year] = workdays
            calendar.sources[year] = YearSource(year, HOLIDAYS_PATH, basis)
    return calendar


def unknown_year_problem(year: int, path: str, field: str, what: str) -> Problem:
    return Problem(
        path, None, None, field,
        f"{what}需要 {year} 年的工作日安排，但 chinesecalendar 与 {HOLIDAYS_PATH} 都没有 {year} 年",
        holidays_hint(year),
        code="unknown-year",
    )


def calendar_warnings(calendar: Calendar, now: datetime) -> list[Problem]:
    """From November on, warn while next year's holidays are still unknown (the State Council
    usually publishes them in October or November)."""
    local = now.astimezone(calendar.tz)
    next_year = local.year + 1
    problems = list(calendar.problems)
    if local.month >= 11 and not calendar.knows(next_year):
        problems.append(Problem(
            HOLIDAYS_PATH, None, None, "years",
            f"还没有 {next_year} 年的节假日安排，{next_year} 年的工作日时限将无法计算",
            holidays_hint(next_year) + "；或升级 chinesecalendar",
            severity="warning", code="next-year-unknown",
        ))
    return problems
