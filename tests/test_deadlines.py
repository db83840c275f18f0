"""The deadline engine on records: each rule met, met late, overdue; the ladder; hazards."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from yuqing.deadlines import evaluate_records
from yuqing.escalation import meeting_after, repeated_overdue_units
from yuqing.model import DEFAULT_TZ, Hazard, Unit, build_case, parse_time
from yuqing.policy import load_policy
from yuqing.workdays import build_calendar

ROOT = Path(__file__).resolve().parents[1]
POSTED = "2026-11-18T08:00:00+08:00"
UNITS = {"city-management": Unit("city-management", "城市管理科", "department", leader="wang-jun")}


def policy(name: str = "seeds"):
    path = ROOT / "registers" / "policies" / f"{name}.yml"
    return load_policy(yaml.safe_load(path.read_text(encoding="utf-8")))


def at(text: str) -> datetime:
    return parse_time(text)


def case(*events: tuple[str, str, dict], level: str = "general", quick: bool = False,
         posted: str = POSTED, discovered: str | None = None, serial: int = 1):
    return build_case(f"cases/2026/YQ-2026-{serial:04d}.yml", {
        "id": f"YQ-2026-{serial:04d}", "title": "温泉路垃圾清运不及时", "level": level,
        "category": "environment", "sentiment": "negative", "quick": quick,
        "source": {"platform": "people-liuyan", "posted_at": posted},
        "discovered": {"at": discovered or posted, "by": "zhao-min"},
        "units": {"lead": "city-management"},
        "events": [{"at": t, "type": kind, "by": "zhao-min", **extra} for t, kind, extra in events],
    })


def deadline(record, rule: str, now: str, *, name: str = "seeds", holidays=None, meeting=None):
    p = policy(name)
    evaluation = evaluate_records([record], [], p, build_calendar(holidays or {}), UNITS, at(now),
                                  meeting)
    found = [d for d in evaluation.deadlines if d.rule == rule]
    return (found[0] if found else None), evaluation


REPLY = {"channel": "留言板", "text": "已安排清运", "resolves": True}
PROMISE = {"channel": "留言板", "text": "正在协调", "promised_by": "2026-11-24"}


@pytest.mark.parametrize(("reply_at", "now", "state"), [
    ("2026-11-19T07:59:00+08:00", "2026-11-20T16:00:00+08:00", "met"),
    ("2026-11-19T08:00:00+08:00", "2026-11-20T16:00:00+08:00", "met"),
    ("2026-11-19T08:01:00+08:00", "2026-11-20T16:00:00+08:00", "met_late"),
    (None, "2026-11-19T08:01:00+08:00", "overdue"),
    (None, "2026-11-19T03:00:00+08:00", "due_soon"),
    (None, "2026-11-18T12:00:00+08:00", "pending"),
])
def test_24_hour_first_response_counts_holidays(reply_at, now, state):
    events = [(reply_at, "replied", PROMISE)] if reply_at else []
    found, _ = deadline(case(*events), "first_response", now)
    assert found.due == at("2026-11-19T08:00:00+08:00")
    assert found.state == state
    assert found.unit == "city-management"
    assert found.leader == "wang-jun"


def test_24_hours_run_through_a_weekend_and_national_day():
    found, _ = deadline(case(posted="2026-10-01T10:00:00+08:00"), "first_response",
                        "2026-10-03T10:00:00+08:00")
    assert found.due == at("2026-10-02T10:00:00+08:00")
    assert found.state == "overdue"


@pytest.mark.parametrize(("events", "now", "state"), [
    ([("2026-11-18T19:00:00+08:00", "replied", REPLY)], "2026-11-20T16:00:00+08:00", "met"),
    ([("2026-11-18T20:30:00+08:00", "replied", REPLY)], "2026-11-20T16:00:00+08:00", "met_late"),
    # a reply that only promises a date does not answer a quick case
    ([("2026-11-18T10:00:00+08:00", "replied", PROMISE)], "2026-11-18T20:01:00+08:00", "overdue"),
    ([("2026-11-18T19:00:00+08:00", "resolved", {"summary": "已清运"})],
     "2026-11-20T16:00:00+08:00", "met"),
    ([], "2026-11-18T18:00:00+08:00", "due_soon"),
])
def test_12_hour_quick_answer(events, now, state):
    found, _ = deadline(case(*events, quick=True), "quick_answer", now)
    assert found.due == at("2026-11-18T20:00:00+08:00")
    assert found.state == state


def test_quick_answer_applies_only_to_quick_cases():
    found, _ = deadline(case(), "quick_answer", "2026-11-20T16:00:00+08:00")
    assert found is None


ASSIGN = {"to": "city-management"}


@pytest.mark.parametrize(("assigned_at", "now", "state"), [
    ("2026-11-18T09:30:00+08:00", "2026-11-20T16:00:00+08:00", "met"),
    ("2026-11-18T10:00:00+08:00", "2026-11-20T16:00:00+08:00", "met"),
    ("2026-11-18T10:20:00+08:00", "2026-11-20T16:00:00+08:00", "met_late"),
    (None, "2026-11-18T10:00:01+08:00", "overdue"),
])
def test_2_hour_handover_from_discovery(assigned_at, now, state):
    events = [(assigned_at, "assigned", ASSIGN)] if assigned_at else []
    found, _ = deadline(case(*events), "handover", now)
    assert found.due == at("2026-11-18T10:00:00+08:00")
    assert found.state == state


@pytest.mark.parametrize(("level", "verified_at", "now", "state", "due"), [
    ("general", "2026-11-18T11:00:00+08:00", "2026-11-20T16:00:00+08:00", "met", "11:00"),
    ("general", "2026-11-18T11:05:00+08:00", "2026-11-20T16:00:00+08:00", "met_late", "11:00"),
    ("general", None, "2026-11-18T11:01:00+08:00", "overdue", "11:00"),
    ("major", "2026-11-18T09:30:00+08:00", "2026-11-20T16:00:00+08:00", "met", "09:30"),
    ("major", "2026-11-18T09:31:00+08:00", "2026-11-20T16:00:00+08:00", "met_late", "09:30"),
    ("critical", None, "2026-11-18T09:31:00+08:00", "overdue", "09:30"),
    ("critical", None, "2026-11-18T09:20:00+08:00", "due_soon", "09:30"),
])
def test_verification_2_hours_or_30_minutes(level, verified_at, now, state, due):
    events = [("2026-11-18T09:00:00+08:00", "assigned", ASSIGN)]
    if verified_at:
        events.append((verified_at, "verified", {"finding": "属实"}))
    found, _ = deadline(case(*events, level=level), "verification", now)
    assert found.due == at(f"2026-11-18T{due}:00+08:00")
    assert found.state == state


def test_verification_clock_waits_for_assignment():
    found, _ = deadline(case(), "verification", "2026-11-20T16:00:00+08:00")
    assert found is None


def test_promise_is_due_at_the_end_of_the_promised_day():
    events = [("2026-11-18T10:00:00+08:00", "replied", PROMISE)]
    found, _ = deadline(case(*events), "promise", "2026-11-24T23:00:00+08:00")
    assert found.due == at("2026-11-24T23:59:59+08:00")
    assert found.state == "due_soon"
    found, _ = deadline(case(*events), "promise", "2026-11-25T00:00:00+08:00")
    assert found.state == "overdue"
    done = [*events, ("2026-11-24T17:00:00+08:00", "resolved", {"summary": "已办结"})]
    found, _ = deadline(case(*done), "promise", "2026-11-26T00:00:00+08:00")
    assert found.state == "met"


def test_a_later_promise_replaces_the_earlier_one():
    later = {**PROMISE, "promised_by": "2026-11-27"}
    events = [("2026-11-18T10:00:00+08:00", "replied", PROMISE),
              ("2026-11-23T10:00:00+08:00", "replied", later)]
    found, _ = deadline(case(*events), "promise", "2026-11-25T10:00:00+08:00")
    assert found.due == at("2026-11-27T23:59:59+08:00")
    assert found.state == "pending"


def test_report_up_per_level():
    found, _ = deadline(case(level="critical"), "report_up", "2026-11-18T09:01:00+08:00")
    assert found.due == at("2026-11-18T09:00:00+08:00")
    assert found.state == "overdue"
    found, _ = deadline(case(level="general"), "report_up", "2026-11-20T16:00:00+08:00")
    assert found is None


def test_national_policy_gives_general_cases_48_hours():
    found, _ = deadline(case(), "first_response", "2026-11-19T10:00:00+08:00", name="national")
    assert found.due == at("2026-11-20T08:00:00+08:00")
    assert found.state == "pending"


def test_events_after_now_have_not_happened_yet():
    events = [("2026-11-19T07:00:00+08:00", "replied", REPLY)]
    found, _ = deadline(case(*events), "first_response", "2026-11-18T12:00:00+08:00")
    assert found.state == "pending"
    assert found.met_at is None


def test_closing_the_case_stops_running_clocks():
    events = [("2026-11-18T09:00:00+08:00", "assigned", ASSIGN),
              ("2026-11-18T12:00:00+08:00", "resolved", {"summary": "已办结"})]
    found, _ = deadline(case(*events), "verification", "2026-11-25T12:00:00+08:00")
    assert found.state == "met_late"
    assert found.met_at == at("2026-11-18T12:00:00+08:00")


def test_escalation_ladder():
    meeting = {"weekday": 1, "time": "09:00"}  # Monday
    found, _ = deadline(case(), "first_response", "2026-11-19T09:00:00+08:00", meeting=meeting)
    assert (found.state, found.escalation) == ("overdue", "remind")
    found, _ = deadline(case(), "first_response", "2026-11-20T08:00:00+08:00", meeting=meeting)
    assert found.escalation == "leader"  # 48 h since the post: twice the allowed time
    assert found.escalation_name == "报分管领导督办"
    found, _ = deadline(case(), "first_response", "2026-11-23T09:00:00+08:00", meeting=meeting)
    assert found.escalation == "group"  # Monday's meeting passed with the reply still missing
    found, _ = deadline(case(("2026-11-19T09:00:00+08:00", "replied", REPLY)), "first_response",
                        "2026-11-23T09:00:00+08:00", meeting=meeting)
    assert found.escalation is None


def test_meeting_after():
    meeting = {"weekday": 1, "time": "09:00"}
    assert meeting_after(at("2026-11-19T08:00:00+08:00"), meeting, DEFAULT_TZ) == at(
        "2026-11-23T09:00:00+08:00")
    assert meeting_after(at("2026-11-23T09:00:00+08:00"), meeting, DEFAULT_TZ) == at(
        "2026-11-30T09:00:00+08:00")


def test_repeated_overdue_units_count_cases_not_deadlines():
    pairs = [("a", "YQ-1"), ("a", "YQ-1"), ("a", "YQ-2"), ("b", "YQ-3"), (None, "YQ-4")]
    assert repeated_overdue_units(pairs, 2) == {"a": 2}


def test_hazard_rows_are_checked_against_their_deadline():
    rows = [
        Hazard("YH-2026-01", "city-management", date(2026, 11, 1), "内容", "线下", "线上",
               parse_time("2026-11-10", end_of_day=True)),
        Hazard("YH-2026-02", "city-management", date(2026, 11, 1), "内容", "线下", "线上",
               parse_time("2026-11-21", end_of_day=True)),
        Hazard("YH-2026-03", "city-management", date(2026, 11, 1), "内容", "线下", "线上",
               parse_time("2026-11-10", end_of_day=True), at("2026-11-09T15:00:00+08:00")),
    ]
    evaluation = evaluate_records([], rows, policy(), build_calendar({}), UNITS,
                                  at("2026-11-20T16:00:00+08:00"))
    states = {d.subject: d.state for d in evaluation.deadlines}
    assert states == {"YH-2026-01": "overdue", "YH-2026-02": "due_soon", "YH-2026-03": "met"}
    assert all(d.kind == "hazard" and d.path == "registers/hazards.yml"
               for d in evaluation.deadlines)


def _promise_2027():
    promise = {**PROMISE, "promised_by": "2027-01-05"}
    return case(("2026-12-30T10:00:00+08:00", "replied", promise),
                posted="2026-12-30T08:00:00+08:00")


def test_a_2027_working_day_deadline_without_a_register_is_a_clear_error():
    data = yaml.safe_load((ROOT / "registers/policies/seeds.yml").read_text(encoding="utf-8"))
    data["rules"].append({"id": "written_answer", "name": "书面答复", "basis": "测试",
                          "starts": {"field": "source.posted_at"},
                          "stops": [{"event": "resolved"}], "length": {"working_days": 3}})
    p = load_policy(data)
    record = _promise_2027()
    evaluation = evaluate_records([record], [], p, build_calendar({}), UNITS,
                                  at("2026-12-31T10:00:00+08:00"))
    assert "written_answer" not in {d.rule for d in evaluation.deadlines}
    [problem] = evaluation.problems
    assert problem.path == record.path
    assert problem.code == "unknown-year"
    assert "2027 年" in problem.message
    assert "registers/holidays.yml" in problem.hint
    register = {"years": [{"year": 2027, "basis": "测试", "holidays": [
        {"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}]}]}
    evaluation = evaluate_records([record], [], p, build_calendar(register), UNITS,
                                  at("2026-12-31T10:00:00+08:00"))
    assert evaluation.problems == ()
    [written] = [d for d in evaluation.deadlines if d.rule == "written_answer"]
    assert written.due == at("2027-01-05T23:59:59+08:00")  # posted Dec 30: Dec 31, Jan 4, Jan 5


def test_evaluation_indexes_by_case_and_ranks_worst_state():
    record = case()
    _, evaluation = deadline(record, "first_response", "2026-11-19T09:00:00+08:00")
    assert evaluation.worst(record.id) == "overdue"
    assert {d.rule for d in evaluation.of(record.id)} == {"first_response", "handover"}


def test_figures_count_open_overdue_cases_as_misses():
    from yuqing.stats import summarize

    on_time = case(("2026-11-18T09:00:00+08:00", "replied", REPLY), serial=1)
    late = case(("2026-11-19T09:00:00+08:00", "assigned", ASSIGN),
                ("2026-11-19T10:00:00+08:00", "replied", REPLY), serial=2)
    open_overdue = case(serial=3)
    open_fine = case(posted="2026-11-20T15:00:00+08:00", serial=4)
    records = [on_time, late, open_overdue, open_fine]
    now = at("2026-11-20T16:00:00+08:00")
    evaluation = evaluate_records(records, [], policy(), build_calendar({}), UNITS, now)
    summary = summarize(records, evaluation)
    f = summary["figures"]
    assert (f["cases"], f["replied"], f["closed"]) == (4, 2, 2)
    assert (f["closed_on_time"], f["open_overdue"]) == (1, 1)
    assert f["on_time_rate"] == round(1 / 3, 4)
    assert f["reply_rate"] == 0.5
    assert f["median_first_response_hours"] == 13.5  # 1 h and 26 h
    assert summary["by_level"]["general"]["cases"] == 4
    assert summary["by_month"]["2026-11"]["cases"] == 4
