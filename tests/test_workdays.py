"""The working-day calendar against real dates, including 调休 and years from the register."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from yuqing.model import DEFAULT_TZ
from yuqing.workdays import UnknownYear, build_calendar, calendar_warnings

REGISTER_2027 = {
    "years": [
        {
            "year": 2027,
            "basis": "测试用：国务院办公厅关于2027年部分节假日安排的通知（示例数据）",
            "holidays": [
                {"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
                {"name": "春节", "from": "2027-02-05", "to": "2027-02-11"},
            ],
            "workdays": ["2027-02-13"],
        }
    ]
}


@pytest.fixture(scope="module")
def calendar():
    return build_calendar({})


def test_make_up_saturday_is_a_working_day(calendar):
    assert date(2026, 10, 10).weekday() == 5
    assert calendar.is_workday(date(2026, 10, 10))


def test_national_day_is_not_a_working_day(calendar):
    assert not calendar.is_workday(date(2026, 10, 1))
    assert not calendar.is_workday(date(2026, 10, 7))
    assert calendar.is_workday(date(2026, 10, 8))


def test_five_working_days_after_september_30_end_on_october_13(calendar):
    assert calendar.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    due = calendar.working_deadline(datetime(2026, 9, 30, 15, 0, tzinfo=DEFAULT_TZ), 5)
    assert due == datetime(2026, 10, 13, 23, 59, 59, tzinfo=DEFAULT_TZ)


def test_working_deadline_uses_the_local_date():
    calendar = build_calendar({})
    # 2026-09-30T17:00Z is already 2026-10-01 01:00 in Beijing: counting starts from October 1.
    utc = datetime.fromisoformat("2026-09-30T17:00:00+00:00")
    assert calendar.working_deadline(utc, 1).date() == date(2026, 10, 8)


def test_unknown_year_is_an_error_not_a_weekday_guess(calendar):
    with pytest.raises(UnknownYear) as info:
        calendar.is_workday(date(2027, 1, 4))
    assert info.value.year == 2027


def test_register_adds_a_year_with_holidays_and_make_up_days():
    calendar = build_calendar(REGISTER_2027)
    assert not calendar.is_workday(date(2027, 1, 1))
    assert calendar.is_workday(date(2027, 1, 4))
    assert not calendar.is_workday(date(2027, 2, 8))  # Monday inside 春节
    assert calendar.is_workday(date(2027, 2, 13))  # Saturday, 调休
    assert calendar.add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 4)
    assert calendar.sources[2027].origin == "registers/holidays.yml"


def test_bad_register_dates_are_problems_not_crashes():
    calendar = build_calendar({"years": [{"year": 2027, "holidays": [
        {"name": "春节", "from": "2027-02-30", "to": "2027-02-11"}]}]})
    assert calendar.problems
    assert calendar.problems[0].field == "years[0].holidays[0].from"


def test_november_warns_when_next_year_is_unknown(calendar):
    warnings = calendar_warnings(calendar, datetime(2026, 11, 2, tzinfo=DEFAULT_TZ))
    assert [w.code for w in warnings] == ["next-year-unknown"]
    assert "2027" in warnings[0].message
    assert "registers/holidays.yml" in warnings[0].hint
    assert warnings[0].severity == "warning"
    assert calendar_warnings(calendar, datetime(2026, 10, 31, tzinfo=DEFAULT_TZ)) == []
    assert calendar_warnings(build_calendar(REGISTER_2027),
                             datetime(2026, 11, 2, tzinfo=DEFAULT_TZ)) == []
