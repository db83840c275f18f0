"""The JSON Schemas, the demo office's registers and cases, and the valid case fixtures.

Every schema is a valid 2020-12 schema whose every property carries a Chinese title and
description (STYLE.md 10: docs are checked); every demo file validates; hand-made bad cases fail
where they should.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from click.testing import CliRunner

from yuqing.cli import main
from yuqing.loader import Document, load
from yuqing.model import EVENT_TYPES, LEVELS, TimeFormatError, build_case
from yuqing.privacy import find_personal_data
from yuqing.status import STATUSES, case_status

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = sorted((ROOT / "schemas").glob("*.schema.json"))
REGISTERS = ("office", "units", "people", "categories", "platforms", "hazards", "holidays")
DEMO_CASES = sorted((ROOT / "cases").rglob("*.yml"))
VALID_FIXTURES = sorted((ROOT / "tests" / "fixtures" / "valid").glob("*.yml"))
DEMO_NOW = "2026-11-20T16:00:00+08:00"
CJK = re.compile(r"[\u4e00-\u9fff]")


def schema_document(kind: str) -> dict[str, Any]:
    return json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))


def validator(kind: str) -> Any:
    return jsonschema_rs.Draft202012Validator(schema_document(kind))


def load_data(path: Path) -> Any:
    document = load(path, str(path.relative_to(ROOT)))
    assert isinstance(document, Document), document
    return document.data


def errors(kind: str, data: Any) -> list[str]:
    return [
        f"{'.'.join(map(str, e.instance_path))}: {e.message}"
        for e in validator(kind).iter_errors(data)
    ]


def properties_without_chinese_docs(node: Any, where: str = "#") -> Iterator[str]:
    """Every property schema, wherever it sits ($defs, items, if/then, allOf …), needs both."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for name, sub in value.items():
                    for doc in ("title", "description"):
                        if not (isinstance(sub, dict) and CJK.search(str(sub.get(doc, "")))):
                            yield f"{where}/properties/{name}: {doc}"
            yield from properties_without_chinese_docs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from properties_without_chinese_docs(value, f"{where}/{index}")


# --- the schemas themselves ----------------------------------------------------------------------


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_schema_is_valid_2020_12(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/schemas/{path.name}")
    jsonschema_rs.meta.validate(schema)
    jsonschema_rs.Draft202012Validator(schema)  # compiles: patterns and $refs resolve


def test_check_jsonschema_accepts_every_schema() -> None:
    """The same check editors and pre-commit hooks run (check-jsonschema, a second implementation)."""
    tool = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(tool), "--check-metaschema", *map(str, SCHEMAS)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_every_property_has_chinese_title_and_description(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert CJK.search(schema["title"])
    assert CJK.search(schema["description"])
    assert list(properties_without_chinese_docs(schema)) == []


def test_the_docs_check_notices_a_missing_description() -> None:
    schema = {
        "properties": {"a": {"title": "甲", "description": "说明"}},
        "$defs": {
            "x": {"then": {"properties": {"b": {"title": "乙", "description": "no Chinese"}}}}
        },
    }
    assert list(properties_without_chinese_docs(schema)) == [
        "#/$defs/x/then/properties/b: description"
    ]


# --- the demo office -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", REGISTERS)
def test_demo_register_validates(kind: str) -> None:
    path = ROOT / "registers" / f"{kind}.yml"
    assert path.read_text(encoding="utf-8").startswith(
        f"# yaml-language-server: $schema=../schemas/{kind}.schema.json\n"
    )
    assert errors(kind, load_data(path)) == []


@pytest.mark.parametrize("path", DEMO_CASES, ids=lambda p: p.name)
def test_demo_case_validates(path: Path) -> None:
    assert path.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=../../schemas/case.schema.json\n"
    )
    data = load_data(path)
    assert errors("case", data) == []
    assert data["id"] == path.stem
    assert list(find_personal_data(data)) == []  # phones and ID numbers only under confidential


@pytest.mark.parametrize("path", VALID_FIXTURES, ids=lambda p: p.name)
def test_valid_fixture_validates(path: Path) -> None:
    data = load_data(path)
    assert errors("case", data) == []
    assert data["id"] == path.stem


def test_demo_covers_every_level_status_and_event_type() -> None:
    cases = [build_case(str(p), load_data(p)) for p in DEMO_CASES]
    assert {c.level for c in cases} == set(LEVELS)
    assert {case_status(c) for c in cases} == set(STATUSES)
    assert {e.type for c in cases for e in c.events} == set(EVENT_TYPES)
    assert {c.source.posted_at.month for c in cases} >= {9, 10, 11}
    assert any(c.media for c in cases)
    assert any(c.has_confidential for c in cases)
    related = {c.id: set(c.related) for c in cases}
    assert any(
        other in related and case_id in related[other]
        for case_id, others in related.items()
        for other in others
    )


def test_demo_shows_every_deadline_state_at_the_demo_now() -> None:
    result = CliRunner().invoke(
        main,
        [
            "check",
            "--repo",
            str(ROOT),
            "--now",
            DEMO_NOW,
            "--all",
            "--fail-on",
            "never",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    states: dict[str, set[str]] = {}
    for case in json.loads(result.output)["cases"]:
        for deadline in case["deadlines"]:
            states.setdefault(deadline["rule"], set()).add(deadline["state"])
    every = {"pending", "due_soon", "overdue", "met", "met_late"}
    assert states["first_response"] == every
    assert states["promise"] == every
    assert states["verification"] == every
    assert {"overdue", "met", "met_late", "due_soon"} <= states["handover"]
    assert {"overdue", "met", "met_late", "pending"} <= states["quick_answer"]
    assert {"overdue", "met", "met_late"} <= states["report_up"]


# --- bad cases fail where they should ---------------------------------------------------------


@pytest.fixture(scope="module")
def full_case() -> dict[str, Any]:
    return load_data(ROOT / "tests" / "fixtures" / "valid" / "YQ-2026-9003.yml")


def event_index(case: dict[str, Any], kind: str) -> int:
    return next(i for i, e in enumerate(case["events"]) if e["type"] == kind)


def replace_event(case: dict[str, Any], kind: str, **changes: Any) -> dict[str, Any]:
    bad = copy.deepcopy(case)
    event = bad["events"][event_index(bad, kind)]
    for key, value in changes.items():
        if value is None:
            del event[key]
        else:
            event[key] = value
    return bad


def changed(case: dict[str, Any], **changes: Any) -> dict[str, Any]:
    bad = copy.deepcopy(case)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = bad
        for key in parents:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return bad


BAD_CASES = {
    "unknown top-level field": lambda c: changed(c, status="closed"),
    "unknown source field": lambda c: changed(c, source__phone="13800000000"),
    "wrong level enum": lambda c: changed(c, level="high"),
    "bad case id": lambda c: changed(c, id="YQ-26-1"),
    "bad related id": lambda c: changed(c, related=["2026-0003"]),
    "bad unit id": lambda c: changed(c, units={"lead": "City_Management"}),
    "date where a time is needed": lambda c: changed(
        c, discovered={"at": "2026-09-02", "by": "zhao-min"}
    ),
    "time written with slashes": lambda c: changed(
        c, source={"platform": "weibo", "posted_at": "2026/09/02 08:00"}
    ),
    "negative metric": lambda c: changed(
        c, source={"platform": "weibo", "posted_at": "2026-09-02T08:00", "metrics": {"views": -1}}
    ),
    "missing required field": lambda c: changed(c, sentiment=None),
    "closed without report": lambda c: changed(c, report=None),
    "closed with an incomplete report": lambda c: changed(c, report={"cause": "原因"}),
    "wrong retention": lambda c: changed(c, archive={"number": "WQ-1", "retention": "5y"}),
    "unknown confidential field": lambda c: changed(c, confidential={"wechat": "x"}),
    "replied without channel": lambda c: replace_event(c, "replied", channel=None),
    "replied without promise or resolves": lambda c: replace_event(c, "replied", promised_by=None),
    "replied resolves false without promise": lambda c: replace_event(
        c, "replied", promised_by=None, resolves=False
    ),
    "assessed without reason": lambda c: replace_event(c, "assessed", reason=None),
    "assessed with a wrong level": lambda c: replace_event(c, "assessed", level="urgent"),
    "assigned without to": lambda c: replace_event(c, "assigned", to=None),
    "assigned to a unit name": lambda c: replace_event(c, "assigned", to="城市管理办公室"),
    "reported without to": lambda c: replace_event(c, "reported", to=None),
    "registered with a finding": lambda c: replace_event(c, "registered", finding="x"),
    "note without text": lambda c: replace_event(c, "note", text=None),
    "verified with a summary": lambda c: replace_event(c, "verified", summary="x"),
    "unknown event type": lambda c: replace_event(c, "note", type="commented"),
    "event time without minutes": lambda c: replace_event(c, "note", at="2026-09-10T12"),
    "event by a person name": lambda c: replace_event(c, "note", by="李浩"),
    "misspelt event field": lambda c: replace_event(c, "verified", fnding="x"),
}


# Where each bad case must be reported ("path: message" of one of the errors starts with this).
BAD_CASE_WHERE = {
    "unknown top-level field": ": Additional properties",
    "unknown source field": "source: Additional properties",
    "wrong level enum": "level:",
    "bad case id": "id:",
    "bad related id": "related.0:",
    "bad unit id": "units.lead:",
    "date where a time is needed": "discovered.at:",
    "time written with slashes": "source.posted_at:",
    "negative metric": "source.metrics.views:",
    "missing required field": ': "sentiment"',
    "closed without report": ': "report"',
    "closed with an incomplete report": 'report: "measures"',
    "wrong retention": "archive.retention:",
    "unknown confidential field": "confidential:",
    "replied without channel": 'events.5: "channel"',
    "replied without promise or resolves": 'events.5: "promised_by"',
    "replied resolves false without promise": 'events.5: "promised_by"',
    "assessed without reason": 'events.2: "reason"',
    "assessed with a wrong level": "events.2.level:",
    "assigned without to": 'events.3: "to"',
    "assigned to a unit name": "events.3.to:",
    "reported without to": 'events.1: "to"',
    "registered with a finding": "events.0: Additional properties",
    "note without text": 'events.11: "text"',
    "verified with a summary": "events.4: Additional properties",
    "unknown event type": "events.11.type:",
    "event time without minutes": "events.11.at:",
    "event by a person name": "events.11.by:",
    "misspelt event field": "events.4: Additional properties",
}


@pytest.mark.parametrize("name", BAD_CASES)
def test_bad_case_fails(full_case: dict[str, Any], name: str) -> None:
    assert errors("case", full_case) == []
    found = errors("case", BAD_CASES[name](full_case))
    assert any(e.startswith(BAD_CASE_WHERE[name]) for e in found), found


GOOD_VARIANTS = {
    "space instead of T, no offset": lambda c: replace_event(c, "note", at="2026-09-10 12:00"),
    "seconds with fraction and Z": lambda c: replace_event(c, "note", at="2026-09-10T04:00:00.5Z"),
    "promise as a time": lambda c: replace_event(c, "replied", promised_by="2026-09-04T17:00"),
    "reply that both resolves and promised": lambda c: replace_event(c, "replied", resolves=True),
    "no optional fields": lambda c: changed(c, quick=None, units=None, related=None),
}


@pytest.mark.parametrize("mutate", GOOD_VARIANTS.values(), ids=GOOD_VARIANTS.keys())
def test_good_variant_passes(full_case: dict[str, Any], mutate: Any) -> None:
    assert errors("case", mutate(full_case)) == []


def test_a_misspelt_event_field_is_reported_once(full_case: dict[str, Any]) -> None:
    found = errors("case", replace_event(full_case, "registered", nte="x"))
    assert found == ["events.0: Additional properties are not allowed ('nte' was unexpected)"]


def test_impossible_dates_are_left_to_the_model(full_case: dict[str, Any]) -> None:
    """The schema checks the shape; month 13 gets the model's Chinese message instead of a regex."""
    bad = changed(full_case, source={"platform": "weibo", "posted_at": "2026-13-02T08:00:00+08:00"})
    assert errors("case", bad) == []
    with pytest.raises(TimeFormatError):
        build_case("x.yml", bad)


def test_error_points_at_the_event_field(full_case: dict[str, Any]) -> None:
    bad = replace_event(full_case, "replied", channel=None)
    found = list(validator("case").iter_errors(bad))
    assert [list(e.instance_path) for e in found] == [["events", event_index(bad, "replied")]]
    assert "channel" in found[0].message


BAD_REGISTERS = {
    "units: wrong kind": ("units", {"units": [{"id": "x", "name": "某科", "kind": "bureau"}]}),
    "units: unknown field": (
        "units",
        {"units": [{"id": "x", "name": "某科", "kind": "office", "phone": "1"}]},
    ),
    "people: bad id": ("people", {"people": [{"id": "Zhao Min", "name": "赵敏"}]}),
    "office: weekday 8": (
        "office",
        {
            "name": "甲",
            "short_name": "甲",
            "policy": "seeds",
            "weekly_meeting": {"weekday": 8, "time": "09:00"},
        },
    ),
    "office: unquoted-looking time": (
        "office",
        {
            "name": "甲",
            "short_name": "甲",
            "policy": "seeds",
            "weekly_meeting": {"weekday": 1, "time": 540},
        },
    ),
    "hazards: no deadline": (
        "hazards",
        {
            "hazards": [
                {
                    "id": "YH-2026-01",
                    "unit": "x",
                    "found_on": "2026-01-01",
                    "content": "甲",
                    "offline_measures": "乙",
                    "online_measures": "丙",
                }
            ]
        },
    ),
    "holidays: bad date": (
        "holidays",
        {
            "years": [
                {
                    "year": 2027,
                    "basis": "通知",
                    "workdays": ["2027-2-14"],
                    "holidays": [{"name": "春节", "from": "2027-02-05", "to": "2027-02-12"}],
                }
            ]
        },
    ),
    "platforms: missing kind": ("platforms", {"platforms": [{"id": "x", "name": "某论坛"}]}),
    "categories: top-level typo": ("categories", {"category": []}),
}


@pytest.mark.parametrize(("kind", "data"), BAD_REGISTERS.values(), ids=BAD_REGISTERS.keys())
def test_bad_register_fails(kind: str, data: Any) -> None:
    assert errors(kind, data) != []
