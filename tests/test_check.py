"""`yuqing check` on the demo office and on small real repositories (real files, real git)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from yuqing.cli import main
from yuqing.deadlines import STATES, validation_problems
from yuqing.repo import load_repository

ROOT = Path(__file__).resolve().parents[1]
DEMO_NOW = "2026-11-20T16:00:00+08:00"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "PATH": "/usr/bin:/bin", "HOME": "/tmp"}


def run(*args: str):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def demo_json():
    result = run("--repo", str(ROOT), "--now", DEMO_NOW, "--format", "json", "--fail-on", "never")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def office_copy(target: Path, with_cases: bool = True) -> Path:
    for name in ("registers", "schemas"):
        shutil.copytree(ROOT / name, target / name)
    (target / "cases" / "2026").mkdir(parents=True)
    if with_cases:
        for path in (ROOT / "cases" / "2026").glob("*.yml"):
            shutil.copy(path, target / "cases" / "2026" / path.name)
    return target


def write_case(root: Path, serial: int, **changes) -> Path:
    data = yaml.safe_load((ROOT / "cases/2026/YQ-2026-0013.yml").read_text(encoding="utf-8"))
    data.update(id=f"YQ-2026-{serial:04d}", **changes)
    path = root / "cases" / "2026" / f"YQ-2026-{serial:04d}.yml"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text("# yaml-language-server: $schema=../../schemas/case.schema.json\n" + text,
                    encoding="utf-8")
    return path


def test_demo_office_shows_every_state(demo_json):
    states = {d["state"] for c in demo_json["cases"] for d in c["deadlines"]}
    assert states == set(STATES)
    assert demo_json["now"] == "2026-11-20T16:00:00+08:00"
    assert demo_json["problems"] == []


def test_json_shape(demo_json):
    case = demo_json["cases"][0]
    assert {"id", "title", "level", "status", "deadlines"} <= case.keys()
    deadline = case["deadlines"][0]
    assert {"rule", "due", "state", "met_at"} <= deadline.keys()
    summary = demo_json["summary"]
    assert set(summary["deadlines"]) == set(STATES)
    figures = summary["figures"]
    assert figures["cases"] == len(demo_json["cases"])
    for key in ("reply_rate", "close_rate", "on_time_rate", "median_first_response_hours"):
        assert key in figures
    for grouping in ("by_month", "by_unit", "by_category", "by_level"):
        assert summary[grouping]
    assert {h["state"] for h in demo_json["hazards"]} >= {"overdue", "met"}


def test_on_time_rate_counts_open_overdue_as_misses(demo_json):
    f = demo_json["summary"]["figures"]
    assert f["on_time_rate"] == round(f["closed_on_time"] / (f["closed"] + f["open_overdue"]), 4)
    assert f["open_overdue"] > 0


def test_fail_on_sets_the_exit_code():
    assert run("--repo", str(ROOT), "--now", DEMO_NOW).exit_code == 1
    assert run("--repo", str(ROOT), "--now", DEMO_NOW, "--fail-on", "never").exit_code == 0
    early = run("--repo", str(ROOT), "--now", "2026-08-01T00:00:00+08:00", "--fail-on",
                "due-soon")
    assert early.exit_code == 0, early.output


@pytest.mark.parametrize("args", [
    ["--format", "yaml"],
    ["--fail-on", "sometimes"],
    ["--now", "2026-13-01"],
])
def test_usage_errors_exit_2(args):
    assert run("--repo", str(ROOT), *args).exit_code == 2


def test_markdown_groups_by_unit_with_leader_and_ladder():
    result = run("--repo", str(ROOT), "--now", DEMO_NOW, "--format", "markdown")
    text = result.stdout
    assert text.startswith("## 舆情时限检查（温泉街道")
    assert "### 城市管理办公室（分管领导：王军）" in text
    assert "督办阶梯：提醒责任单位" in text
    assert "按时办结率" in text
    # worst first: the first unit section lists an overdue deadline
    first_section = text.split("### ")[1]
    assert "已超期" in first_section


def test_github_annotations():
    result = run("--repo", str(ROOT), "--now", DEMO_NOW, "--format", "github")
    lines = result.stdout.splitlines()
    assert any(line.startswith("::error file=cases/2026/") for line in lines)
    assert any(line.startswith("::warning file=") for line in lines)
    assert all(line.startswith("::") for line in lines)


def test_untrusted_titles_cannot_inject_markdown_or_mentions(tmp_path):
    root = office_copy(tmp_path / "office", with_cases=False)
    write_case(root, 1, title="<img src=x onerror=alert(1)> | @everyone [点我](https://evil.example)")
    text = run("--repo", str(root), "--now", DEMO_NOW, "--format", "markdown").stdout
    assert re.search(r"(?<!\\)<img", text) is None
    assert "\\<img" in text
    assert "@everyone" not in text
    assert "[点我](" not in text
    assert "\\| @\u200beveryone" in text


def test_paths_limit_the_report_to_those_cases():
    result = run("--repo", str(ROOT), "--now", DEMO_NOW, "--format", "json", "--fail-on", "never",
                 "--paths", "cases/2026/YQ-2026-0013.yml")
    data = json.loads(result.stdout)
    assert [c["id"] for c in data["cases"]] == ["YQ-2026-0013"]
    assert data["hazards"] == []


def test_changed_since_reports_the_cases_a_branch_touches(tmp_path):
    root = office_copy(tmp_path / "office")
    git = ["git", "-C", str(root)]
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=GIT_ENV)
    subprocess.run([*git, "add", "-A"], check=True, env=GIT_ENV)
    subprocess.run([*git, "commit", "-qm", "office"], check=True, env=GIT_ENV)
    subprocess.run([*git, "switch", "-qc", "reply"], check=True, env=GIT_ENV)
    path = root / "cases/2026/YQ-2026-0006.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["events"].append({"at": "2026-11-20T10:00:00+08:00", "type": "note", "by": "zhao-min",
                           "text": "已电话催办"})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    subprocess.run([*git, "commit", "-qam", "note"], check=True, env=GIT_ENV)
    result = run("--repo", str(root), "--now", DEMO_NOW, "--format", "markdown",
                 "--changed-since", "main")
    assert result.exit_code == 1  # YQ-2026-0006's promise is overdue
    assert "本次改动涉及案件的时限" in result.stdout
    assert "YQ-2026-0006" in result.stdout
    assert "YQ-2026-0013" not in result.stdout
    bad = run("--repo", str(root), "--changed-since", "no-such-branch")
    assert bad.exit_code == 2
    assert "no-such-branch" in bad.output


def _reply(at: str, promised_by: str) -> list[dict]:
    return [{"at": at, "type": "registered", "by": "zhao-min"},
            {"at": at, "type": "replied", "by": "li-hao", "channel": "留言板", "text": "正在办理",
             "promised_by": promised_by}]


def test_validate_side_promise_limits_with_lines(tmp_path):
    root = office_copy(tmp_path / "office", with_cases=False)
    source = {"platform": "gov-board", "posted_at": "2026-09-30T08:00:00+08:00"}
    discovered = {"at": "2026-09-30T08:10:00+08:00", "by": "zhao-min"}
    write_case(root, 1, source=source, discovered=discovered,
               events=_reply("2026-09-30T09:00:00+08:00", "2026-10-13"))
    write_case(root, 2, source=source, discovered=discovered,
               events=_reply("2026-09-30T09:00:00+08:00", "2026-10-14"))
    repository = load_repository(root)
    assert repository.problems == ()
    problems = validation_problems(repository, load_now("2026-10-01T00:00:00+08:00"))
    assert [(p.path, p.field, p.code) for p in problems] == [
        ("cases/2026/YQ-2026-0002.yml", "events[1].promised_by", "promise-too-long")]
    assert problems[0].line is not None


def test_validate_warns_in_november_about_next_year(tmp_path):
    root = office_copy(tmp_path / "office", with_cases=False)
    problems = validation_problems(load_repository(root), load_now(DEMO_NOW))
    assert [p.code for p in problems] == ["next-year-unknown"]


def test_2027_deadline_needs_the_register_and_works_once_it_has_2027(tmp_path):
    root = office_copy(tmp_path / "office", with_cases=False)
    source = {"platform": "gov-board", "posted_at": "2026-12-30T08:00:00+08:00"}
    discovered = {"at": "2026-12-30T08:10:00+08:00", "by": "zhao-min"}
    write_case(root, 1, source=source, discovered=discovered,
               events=_reply("2026-12-30T09:00:00+08:00", "2027-01-05"))
    problems = validation_problems(load_repository(root), load_now("2026-12-30T10:00:00+08:00"))
    codes = [p.code for p in problems]
    assert "unknown-year" in codes
    unknown = problems[codes.index("unknown-year")]
    assert unknown.path == "cases/2026/YQ-2026-0001.yml"
    assert "2027" in unknown.message
    holidays = root / "registers" / "holidays.yml"
    holidays.write_text(
        "years:\n  - year: 2027\n    basis: 测试数据\n    holidays:\n"
        "      - {name: 元旦, from: 2027-01-01, to: 2027-01-03}\n    workdays: []\n",
        encoding="utf-8")
    repository = load_repository(root)
    assert repository.problems == ()
    assert validation_problems(repository, load_now("2026-12-30T10:00:00+08:00")) == []


def load_now(text: str):
    from yuqing.model import parse_time

    return parse_time(text)


def test_switching_policy_needs_only_office_yml(tmp_path):
    root = office_copy(tmp_path / "office", with_cases=False)
    source = {"platform": "gov-board", "posted_at": "2026-11-18T08:00:00+08:00"}
    write_case(root, 1, source=source, level="general", quick=False,
               discovered={"at": "2026-11-18T08:10:00+08:00", "by": "zhao-min"},
               events=[{"at": "2026-11-18T08:20:00+08:00", "type": "registered",
                        "by": "zhao-min"}])
    office = root / "registers" / "office.yml"

    def first_response_due() -> tuple[str, str]:
        data = json.loads(run("--repo", str(root), "--now", DEMO_NOW, "--format", "json",
                              "--fail-on", "never").stdout)
        [deadline] = [d for d in data["cases"][0]["deadlines"] if d["rule"] == "first_response"]
        return data["policy"], deadline["due"]

    assert first_response_due() == ("seeds", "2026-11-19T08:00:00+08:00")
    office.write_text(office.read_text(encoding="utf-8").replace("policy: seeds",
                                                                 "policy: national"),
                      encoding="utf-8")
    assert first_response_due() == ("national", "2026-11-20T08:00:00+08:00")


def test_markdown_keeps_the_worst_rows_when_limited():
    full = run("--repo", str(ROOT), "--now", DEMO_NOW, "--format", "markdown").stdout
    short = run("--repo", str(ROOT), "--now", DEMO_NOW, "--format", "markdown",
                "--max-rows", "2").stdout
    rows = [line for line in short.splitlines() if line.startswith("| 🔴") or
            line.startswith("| 🟠")]
    assert len(rows) == 2
    assert all("已超期" in row for row in rows)
    assert "另有" in short
    assert "另有" not in full
