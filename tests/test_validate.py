"""`yuqing validate`: the whole demo repository passes; every invalid fixture fails with its file,
line and field named; all problems of all files in one run; machine formats carry the same."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import large_yaml, nested_yaml
from yuqing.cli import main
from yuqing.validate import validate_repository

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-11-20T16:00:00+08:00"
CASE_FIXTURES = sorted((ROOT / "tests" / "fixtures" / "invalid" / "cases").rglob("*.yml"))
YAML_FIXTURES = sorted((ROOT / "tests" / "fixtures" / "invalid" / "yaml").glob("*.yml"))
VALID_FIXTURES = sorted((ROOT / "tests" / "fixtures" / "valid").glob("*.yml"))


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", "--repo", str(ROOT), "--now", NOW, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def expectation(path: Path) -> tuple[str, str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.match(r"# expect: (\S+) \| (.+)$", first)
    assert match, f"{path.name} must start with '# expect: FIELD | MESSAGE'"
    return match[1], match[2]


def test_the_demo_repository_is_valid() -> None:
    code, output = run()
    assert code == 0, output
    assert "0 个错误" in output or "检查通过" in output


def test_valid_fixtures_pass_against_the_demo_registers() -> None:
    # Validated together: one of them names another in ``related``.
    assert len(VALID_FIXTURES) >= 3
    code, output = run(*(str(p) for p in VALID_FIXTURES))
    assert code == 0, output


@pytest.mark.parametrize(
    "fixture", CASE_FIXTURES, ids=lambda p: p.relative_to(p.parents[1]).as_posix()
)
def test_invalid_case_names_file_line_and_field(fixture: Path) -> None:
    field, message = expectation(fixture)
    code, output = run(str(fixture))
    assert code == 1, output
    shown = fixture.relative_to(ROOT).as_posix()
    pattern = rf"^{re.escape(shown)}:(\d+): {re.escape(field)}: .*{re.escape(message)}"
    match = re.search(pattern, output, re.M)
    assert match, f"expected {field!r} / {message!r} in:\n{output}"
    assert int(match[1]) >= 1
    assert "Traceback" not in output


@pytest.mark.parametrize("fixture", YAML_FIXTURES, ids=lambda p: p.name)
def test_broken_yaml_is_reported_with_file_and_line(fixture: Path) -> None:
    code, output = run(str(fixture))
    shown = fixture.relative_to(ROOT).as_posix()
    if code == 0:
        pytest.fail(f"{fixture.name} passed validation:\n{output}")
    assert re.search(rf"^{re.escape(shown)}:\d+: ", output, re.M), output
    assert "Traceback" not in output


def test_all_problems_of_all_files_in_one_run() -> None:
    files = [str(p) for p in CASE_FIXTURES[:5]]
    code, output = run(*files)
    assert code == 1
    for path in CASE_FIXTURES[:5]:
        assert path.relative_to(ROOT).as_posix() in output


def test_json_and_github_formats_carry_the_same_problems() -> None:
    fixture = ROOT / "tests" / "fixtures" / "invalid" / "cases" / "phone-in-title.yml"
    code, output = run("--format", "json", str(fixture))
    assert code == 1
    data = json.loads(output)
    [problem] = [p for p in data["problems"] if p["code"] == "privacy.personal-data"]
    assert problem["field"] == "title"
    assert problem["line"] == 3
    assert problem["hint"]
    code, output = run("--format", "github", str(fixture))
    assert code == 1
    assert re.search(
        r"^::error file=tests/fixtures/invalid/cases/phone-in-title\.yml,line=3,"
        r"col=\d+,title=title::",
        output,
        re.M,
    ), output


def test_usage_error_exits_2() -> None:
    code, _ = run("no/such/file.yml")
    assert code == 2
    result = CliRunner().invoke(main, ["validate", "--format", "xml", "--repo", str(ROOT)])
    assert result.exit_code == 2


def test_a_broken_file_does_not_hide_the_others(tmp_path: Path) -> None:
    office = tmp_path / "office"
    for name in ("registers", "schemas", "cases"):
        shutil.copytree(ROOT / name, office / name)
    (office / "cases" / "2026" / "YQ-2026-0002.yml").write_bytes("title: 垃圾\n".encode("gbk"))
    bad = office / "cases" / "2026" / "YQ-2026-0003.yml"
    bad.write_text(
        bad.read_text(encoding="utf-8").replace("level: general", "level: huge", 1),
        encoding="utf-8",
    )
    problems = validate_repository(office)
    paths = {p.path for p in problems if p.severity == "error"}
    assert paths == {"cases/2026/YQ-2026-0002.yml", "cases/2026/YQ-2026-0003.yml"}
    encoding = next(p for p in problems if p.path.endswith("0002.yml"))
    assert encoding.line == 1
    assert "UTF-8" in (encoding.message + (encoding.hint or ""))


def test_case_outside_its_year_folder_is_reported(tmp_path: Path) -> None:
    office = tmp_path / "office"
    for name in ("registers", "schemas", "cases"):
        shutil.copytree(ROOT / name, office / name)
    (office / "cases" / "2025").mkdir()
    shutil.move(office / "cases" / "2026" / "YQ-2026-0004.yml", office / "cases" / "2025")
    problems = validate_repository(office)
    [moved] = [p for p in problems if p.code == "case.location"]
    assert moved.path == "cases/2025/YQ-2026-0004.yml"
    assert "cases/2026/YQ-2026-0004.yml" in moved.message


def test_personal_data_inside_confidential_is_fine(tmp_path: Path) -> None:
    demo_with_reporter = [
        p
        for p in (ROOT / "cases").rglob("*.yml")
        if "confidential:" in p.read_text(encoding="utf-8")
    ]
    assert demo_with_reporter, "the demo office should show a confidential reporter"
    code, output = run(*(str(p) for p in demo_with_reporter))
    assert code == 0, output


@pytest.mark.parametrize(
    ("name", "make", "code"),
    [
        ("deep.yml", lambda: nested_yaml(5000, "flow"), "yaml.too-deep"),
        ("huge.yml", lambda: large_yaml(10_000_000), "yaml.too-large"),
    ],
)
def test_generated_hostile_files_fail_cleanly(tmp_path: Path, name: str, make, code: str) -> None:
    # Too big to commit as fixtures: made here, checked through the same command a clerk runs.
    path = tmp_path / name
    path.write_bytes(make())
    result = CliRunner().invoke(
        main, ["validate", "--repo", str(ROOT), "--now", NOW, "--format", "json", str(path)]
    )
    assert result.exit_code == 1, result.output
    [problem] = json.loads(result.output)["problems"]
    assert problem["code"] == code
    assert problem["path"] == path.as_posix()
    # Depth has a place in the file; size is a property of the whole file.
    assert (problem["line"] is not None) == (code == "yaml.too-deep")
    assert problem["hint"]


def test_register_references_are_checked_with_lines(tmp_path: Path) -> None:
    office = tmp_path / "office"
    for name in ("registers", "schemas", "cases"):
        shutil.copytree(ROOT / name, office / name)
    units = office / "registers" / "units.yml"
    units.write_text(
        units.read_text(encoding="utf-8").replace("leader: zhou-jianguo", "leader: nobody", 1),
        encoding="utf-8",
    )
    [problem] = [p for p in validate_repository(office) if p.code == "ref.person"]
    assert problem.path == "registers/units.yml"
    assert problem.field == "units[0].leader"
    assert "nobody" in problem.message
    assert problem.line is not None


def test_problems_inside_confidential_never_echo_the_value(tmp_path: Path) -> None:
    # An unquoted phone number is an integer: the schema rejects it, but the message is read in
    # CI logs and annotations, so it must not repeat the reporter's number.
    case = ROOT / "tests" / "fixtures" / "valid" / "YQ-2026-9001.yml"
    text = case.read_text(encoding="utf-8").replace("YQ-2026-9001", "YQ-2026-9301")
    path = tmp_path / "YQ-2026-9301.yml"
    path.write_text(
        text + "confidential:\n  reporter:\n    phone: 13912345678\n    name: ''\n",
        encoding="utf-8",
    )
    code, output = run("--format", "json", str(path))
    assert code == 1
    assert "13912345678" not in output
    fields = {p["field"] for p in json.loads(output)["problems"]}
    assert "confidential.reporter.phone" in fields
