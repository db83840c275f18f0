"""The policy files: schema-valid, loadable, and answering grading and promise questions."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema_rs
import pytest
import yaml

from yuqing.model import LEVELS, Metrics, build_case
from yuqing.policy import Length, load_policy, promise_problems, suggest_level
from yuqing.workdays import build_calendar

ROOT = Path(__file__).resolve().parents[1]
POLICIES = sorted((ROOT / "registers" / "policies").glob("*.yml"))
SCHEMA = json.loads((ROOT / "schemas" / "policy.schema.json").read_text(encoding="utf-8"))
REQUIRED_RULES = {"first_response", "quick_answer", "handover", "verification", "promise",
                  "report_up"}


def _data(name: str) -> dict:
    return yaml.safe_load((ROOT / "registers" / "policies" / f"{name}.yml").read_text("utf-8"))


@pytest.fixture(scope="module")
def seeds():
    return load_policy(_data("seeds"))


def reply_case(reply_at: str, promised_by: str) -> object:
    return build_case("cases/2026/YQ-2026-0001.yml", {
        "id": "YQ-2026-0001", "title": "测试", "level": "general", "category": "livelihood",
        "sentiment": "negative",
        "source": {"platform": "people-liuyan", "posted_at": "2026-09-29T08:00:00+08:00"},
        "discovered": {"at": "2026-09-29T09:00:00+08:00", "by": "zhao-min"},
        "units": {"lead": "city-management"},
        "events": [{"at": reply_at, "type": "replied", "by": "zhao-min", "channel": "留言板",
                    "text": "正在办理", "promised_by": promised_by}],
    })


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_policy_files_are_schema_valid_and_load(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema_rs.validator_for(SCHEMA).validate(data)
    policy = load_policy(data, f"registers/policies/{path.name}")
    assert not isinstance(policy, list), policy
    assert policy.id == path.stem
    assert {r.id for r in policy.rules} >= REQUIRED_RULES
    assert all(r.basis for r in policy.rules)


def test_every_schema_property_has_a_chinese_title_and_description():
    def walk(node, where):
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                assert sub.get("title"), f"{where}.{name}"
                assert sub.get("description"), f"{where}.{name}"
                assert any("\u4e00" <= ch <= "\u9fff" for ch in sub["description"]), name
            for key, sub in node.items():
                walk(sub, f"{where}.{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{where}[{i}]")

    walk(SCHEMA, "$")


def test_schema_rejects_mixed_length_and_unknown_keys():
    validator = jsonschema_rs.validator_for(SCHEMA)
    data = _data("seeds")
    data["rules"][0]["length"] = {"hours": 24, "working_days": 1}
    assert not validator.is_valid(data)
    data = _data("seeds")
    data["rules"][0]["lenght"] = {"hours": 24}
    assert not validator.is_valid(data)


def test_seed_numbers_come_from_the_file(seeds):
    assert seeds.rule("first_response").length == Length(minutes=24 * 60)
    assert seeds.rule("quick_answer").length == Length(minutes=12 * 60)
    assert seeds.rule("handover").length == Length(minutes=120)
    verification = seeds.rule("verification")
    assert verification.length_for("general") == Length(minutes=120)
    assert verification.length_for("critical") == Length(minutes=30)
    assert seeds.rule("promise").max == Length(working_days=5)
    assert "一天内" in seeds.rule("first_response").basis


def test_national_policy_uses_61_and_80(seeds):
    national = load_policy(_data("national"))
    first = national.rule("first_response")
    assert first.length_for("general") == Length(minutes=48 * 60)
    assert first.length_for("major") == Length(minutes=24 * 60)
    assert "61号" in first.basis
    authoritative = national.rule("authoritative_info")
    assert authoritative.length == Length(minutes=5 * 60)
    assert authoritative.levels == ("major", "critical")
    assert "80号" in authoritative.basis


def test_editing_a_number_needs_no_python():
    data = _data("seeds")
    data["rules"][0]["length"] = {"hours": 36}
    assert load_policy(data).rule("first_response").length == Length(minutes=36 * 60)


def test_semantic_problems_name_the_field():
    data = _data("seeds")
    data["rules"][0]["starts"] = {"field": "source.author"}
    problems = load_policy(data, "registers/policies/seeds.yml")
    assert isinstance(problems, list)
    assert problems[0].field == "rules[0].starts.field"
    assert "source.posted_at" in problems[0].hint


@pytest.mark.parametrize(("metrics", "level"), [
    ({"views": 999, "comments": 99, "mainstream_outlets": 0}, "general"),
    ({"views": 1000}, "major"),
    ({"views": 2999}, "major"),
    ({"comments": 100}, "major"),
    ({"comments": 499}, "major"),
    ({"mainstream_outlets": 1}, "major"),
    ({"mainstream_outlets": 4}, "major"),
    ({"views": 3000}, "critical"),
    ({"comments": 500}, "critical"),
    ({"mainstream_outlets": 5}, "critical"),
    ({"views": 10, "comments": 600}, "critical"),
    ({}, "general"),
    (None, "general"),
])
def test_suggest_level_follows_seed_001(seeds, metrics, level):
    assert suggest_level(metrics, seeds) == level
    assert level in LEVELS


def test_suggest_level_accepts_metrics_records(seeds):
    assert suggest_level(Metrics(views=1200, comments=3), seeds) == "major"


def test_promise_of_exactly_five_working_days_passes(seeds):
    calendar = build_calendar({})
    assert promise_problems(reply_case("2026-09-30T10:00:00+08:00", "2026-10-13"), seeds,
                            calendar) == []


def test_promise_of_six_working_days_fails(seeds):
    calendar = build_calendar({})
    problems = promise_problems(reply_case("2026-09-30T10:00:00+08:00", "2026-10-14"), seeds,
                                calendar)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.path == "cases/2026/YQ-2026-0001.yml"
    assert problem.field == "events[0].promised_by"
    assert "2026-10-13" in problem.message
    assert "5 个工作日" in problem.message
    assert problem.severity == "error"
    assert problem.code == "promise-too-long"


def test_promise_into_an_unknown_year_is_a_clear_error(seeds):
    case = reply_case("2026-12-29T10:00:00+08:00", "2027-01-04")
    problems = promise_problems(case, seeds, build_calendar({}))
    assert [p.code for p in problems] == ["unknown-year"]
    assert "2027" in problems[0].message
    assert "registers/holidays.yml" in problems[0].hint
    register = {"years": [{"year": 2027, "basis": "测试", "holidays": [
        {"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}]}]}
    assert promise_problems(case, seeds, build_calendar(register)) == []
