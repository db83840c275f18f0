"""`yuqing new` and `yuqing event` on a copy of the demo repository."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from yuqing.atomic import atomic_replace, atomic_write_new
from yuqing.cli import main
from yuqing.edit import next_case_id
from yuqing.loader import loads
from yuqing.problems import Problem
from yuqing.repo import load_repository
from yuqing.roundtrip import append_event_bytes
from yuqing.validate import validate_repository

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-11-20T10:00:00+08:00"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for name in ("registers", "schemas"):
        shutil.copytree(ROOT / name, tmp_path / name)
    (tmp_path / "cases").mkdir()
    if (ROOT / "sources.yml").exists():
        shutil.copy(ROOT / "sources.yml", tmp_path / "sources.yml")
    return tmp_path


@pytest.fixture
def ids(repo: Path) -> dict[str, str]:
    """Ids that exist in the demo registers, whatever they are called today."""
    registers = load_repository(repo)
    people = sorted(registers.people)
    return {
        "platform": sorted(registers.platforms)[0],
        "category": sorted(registers.categories)[0],
        "unit": sorted(registers.units)[0],
        "co": sorted(registers.units)[1],
        "person": people[0],
        "other": people[1],
    }


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def new_case(repo: Path, ids: dict[str, str], *extra: str, now: str = NOW) -> Path:
    code, out, err = run(
        "new", "--repo", str(repo), "--now", now, "--title", "温泉路路灯不亮，夜间行人摔倒",
        "--platform", ids["platform"], "--posted-at", "2026-11-20T08:00:00+08:00",
        "--category", ids["category"], "--by", ids["person"], *extra,
    )
    assert code == 0, err
    return Path(out.strip())


def errors_of(repo: Path, path: Path) -> list[str]:
    return [p.text() for p in validate_repository(repo, [path]) if p.severity == "error"]


def all_files(repo: Path) -> list[str]:
    return sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*")
                  if p.is_file() and p.name != ".yuqing.lock")


def added_only(before: str, after: str) -> list[str]:
    """The lines ``after`` adds to ``before``; fails if any line was changed or removed."""
    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
    changed = [line for line in diff[2:] if not line.startswith("@@")]
    assert all(line.startswith("+") for line in changed), "\n".join(diff)
    return [line[1:] for line in changed]


# --- new -------------------------------------------------------------------------------------


def test_new_case_is_created_valid_with_modeline_and_registered_event(repo, ids):
    path = new_case(repo, ids, "--url", "https://example.org/t/1", "--author", "温泉居民",
                    "--excerpt", "第一行\n第二行: 含冒号", "--unit", ids["unit"], "--quick")
    assert path == repo / "cases" / "2026" / "YQ-2026-0001.yml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schemas/case.schema.json\n")
    assert f"discovered: {{at: {NOW}, by: {ids['person']}}}" in text
    assert f"  - {{at: {NOW}, type: registered, by: {ids['person']}}}" in text
    assert "posted_at: 2026-11-20T08:00:00+08:00\n" in text  # times are plain scalars
    assert errors_of(repo, path) == []
    case = load_repository(repo).case("YQ-2026-0001")
    assert case is not None
    assert case.quick
    assert case.lead_unit == ids["unit"]
    assert case.source.excerpt == "第一行\n第二行: 含冒号"
    assert [e.type for e in case.events] == ["registered"]


def test_new_case_ids_follow_the_highest_serial_of_the_discovery_year(repo, ids):
    (repo / "cases" / "2026").mkdir()
    (repo / "cases" / "2025").mkdir()
    (repo / "cases" / "2026" / "YQ-2026-0041.yml").write_text("x", encoding="utf-8")
    (repo / "cases" / "2025" / "YQ-2025-0099.yml").write_text("x", encoding="utf-8")
    (repo / "cases" / "2025" / "YQ-2026-0050.yml").write_text("x", encoding="utf-8")  # misplaced
    assert next_case_id(repo, 2026) == "YQ-2026-0051"
    assert next_case_id(repo, 2025) == "YQ-2025-0100"
    assert next_case_id(repo, 2027) == "YQ-2027-0001"


def test_new_case_takes_the_year_of_discovery_in_beijing_time(repo, ids):
    path = new_case(repo, ids, now="2026-12-31T17:00:00Z")  # 2027-01-01 01:00 in Beijing
    assert path.name == "YQ-2027-0001.yml"
    assert path.parent.name == "2027"
    assert "discovered: {at: 2027-01-01T01:00:00+08:00," in path.read_text(encoding="utf-8")


def test_unknown_platform_unit_and_person_are_refused_and_nothing_is_written(repo, ids):
    before = all_files(repo)
    code, out, err = run(
        "new", "--repo", str(repo), "--now", NOW, "--title", "标题", "--platform", "no-such-board",
        "--posted-at", "2026-11-20T08:00", "--category", ids["category"], "--unit", "no-unit",
        "--by", "nobody",
    )
    assert code == 1
    assert out == ""
    assert all_files(repo) == before
    registers = load_repository(repo)
    platform_line = next(line for line in err.splitlines() if line.startswith("--platform:"))
    assert "no-such-board" in platform_line
    assert all(p in platform_line for p in registers.platforms)  # the whole list, not a sample
    assert any(line.startswith("--unit:") and "no-unit" in line for line in err.splitlines())
    by_line = next(line for line in err.splitlines() if line.startswith("--by:"))
    assert all(p in by_line for p in registers.people)
    assert "未新建案件" in err


def test_missing_category_lists_the_categories(repo, ids):
    code, _, err = run("new", "--repo", str(repo), "--now", NOW, "--title", "标题",
                       "--platform", ids["platform"], "--posted-at", "2026-11-20T08:00",
                       "--by", ids["person"])
    assert code == 2
    assert "--category" in err
    assert ids["category"] in err
    assert not (repo / "cases" / "2026").exists()


def test_new_refuses_a_post_time_after_discovery(repo, ids):
    code, _, err = run("new", "--repo", str(repo), "--now", NOW, "--title", "标题",
                       "--platform", ids["platform"], "--posted-at", "2026-11-21T08:00",
                       "--category", ids["category"], "--by", ids["person"])
    assert code == 1
    assert "发帖" in err
    assert not (repo / "cases" / "2026").exists()


def test_two_new_in_parallel_processes_get_different_ids(repo, ids):
    args = [sys.executable, "-m", "yuqing", "new", "--repo", str(repo), "--now", NOW,
            "--title", "并发登记", "--platform", ids["platform"],
            "--posted-at", "2026-11-20T08:00:00+08:00", "--category", ids["category"],
            "--by", ids["person"]]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    procs = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 3, outputs
    paths = sorted(out.strip() for out, _ in outputs)
    assert len(set(paths)) == 3
    assert [Path(p).name for p in paths] == [f"YQ-2026-000{i}.yml" for i in range(1, 4)]
    assert not [p for p in (repo / "cases" / "2026").iterdir() if p.name.startswith(".")]


# --- event -----------------------------------------------------------------------------------

HAND_WRITTEN = """\
# yaml-language-server: $schema=../../schemas/case.schema.json
id: YQ-2026-0001
title: "温泉路垃圾清运不及时：居民反映异味严重"   # 手写的标题
level: general            # 一般
category: {category}
sentiment: negative
quick: false
tags: ['垃圾清运', "异味"]
source:
  platform: {platform}  # 平台
  posted_at: 2026-11-18 08:12
  author: 温泉居民小李
  excerpt: >
    楼下垃圾桶三天没人清运，
    气味很大。
discovered: {{at: '2026-11-18T09:00:00+08:00', by: {person}}}
units: {{lead: {unit}}}

events:                   # 只追加
  - {{at: 2026-11-18T09:05:00+08:00, type: registered, by: {person}}}
  # 交办前先研判
  - at: 2026-11-18T09:30:00+08:00
    type: assigned
    by: {person}
    to: {unit}
    note: 请尽快核实

# 处置情况报告单（结案前填写）
report:
  cause: 清运车辆故障   # 原因
"""


def write_case(repo: Path, ids: dict[str, str], text: str = HAND_WRITTEN) -> Path:
    path = repo / "cases" / "2026" / "YQ-2026-0001.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.format(**ids).encode("utf-8"))
    assert errors_of(repo, path) == []
    return path


def event(repo: Path, *args: str) -> tuple[int, str, str]:
    return run("event", "--repo", str(repo), "--now", NOW, *args)


def test_event_is_appended_and_nothing_else_changes(repo, ids):
    path = write_case(repo, ids)
    before = path.read_text(encoding="utf-8")
    code, out, err = event(repo, "YQ-2026-0001", "verified", "--by", ids["other"],
                           "--at", "2026-11-18T10:00:00+08:00", "--finding", "情况属实: 车辆故障")
    assert code == 0, err
    assert out.strip() == str(path)
    after = path.read_text(encoding="utf-8")
    assert added_only(before, after) == [
        "  - at: 2026-11-18T10:00:00+08:00",
        "    type: verified",
        f"    by: {ids['other']}",
        "    finding: '情况属实: 车辆故障'",
    ]
    # The new event sits at the end of the list, above the comment that introduces `report`.
    assert after.index("finding:") < after.index("# 处置情况报告单")
    assert errors_of(repo, path) == []
    case = load_repository(repo).case("YQ-2026-0001")
    assert case is not None
    assert [e.type for e in case.events] == ["registered", "assigned", "verified"]


def test_flow_style_events_get_a_flow_style_event(repo, ids):
    path = write_case(repo, ids, HAND_WRITTEN.replace(
        """  - at: 2026-11-18T09:30:00+08:00
    type: assigned
    by: {person}
    to: {unit}
    note: 请尽快核实
""", "  - {{at: 2026-11-18T09:30:00+08:00, type: assigned, by: {person}, to: {unit}}}\n"))
    before = path.read_text(encoding="utf-8")
    code, _, err = event(repo, "YQ-2026-0001", "assigned", "--by", ids["person"],
                         "--at", "2026-11-18T09:40", "--to", ids["unit"], "--co", ids["co"],
                         "--note", "追加协办")
    assert code == 0, err
    at = "2026-11-18T09:40:00+08:00"
    assert added_only(before, path.read_text(encoding="utf-8")) == [
        f"  - {{at: {at}, type: assigned, by: {ids['person']}, to: {ids['unit']}, "
        f"co: [{ids['co']}], note: 追加协办}}"
    ]


@pytest.mark.parametrize(
    "layout",
    [
        pytest.param(lambda t: t.replace("\n  - ", "\n- ").replace("\n    type", "\n  type")
                     .replace("\n    by", "\n  by").replace("\n    to", "\n  to")
                     .replace("\n    note", "\n  note").replace("\n  # 交办", "\n# 交办"),
                     id="sequence-offset-0"),
        pytest.param(lambda t: t.replace("\n  platform", "\n    platform")
                     .replace("\n  posted_at", "\n    posted_at")
                     .replace("\n  author", "\n    author")
                     .replace("\n  excerpt: >\n    ", "\n    excerpt: >\n        ")
                     .replace("\n    气味", "\n        气味")
                     .replace("\n  cause", "\n    cause"), id="mapping-indent-4"),
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="crlf"),
        pytest.param(lambda t: t.rstrip("\n"), id="no-final-newline"),
        pytest.param(lambda t: t.replace("\nid:", "\n---\nid:", 1), id="document-start"),
        pytest.param(lambda t: "\ufeff" + t, id="utf8-bom"),
    ],
)
def test_other_layouts_are_preserved(repo, ids, layout):
    path = write_case(repo, ids, layout(HAND_WRITTEN))
    before = path.read_bytes()
    code, _, err = event(repo, "YQ-2026-0001", "note", "--by", ids["person"], "--text", "已电话联系")
    assert code == 0, err
    after = path.read_bytes()
    crlf = b"\r\n" in before
    assert after.startswith(b"\xef\xbb\xbf") == before.startswith(b"\xef\xbb\xbf")
    added = added_only(before.decode().replace("\r\n", "\n"), after.decode().replace("\r\n", "\n"))
    assert len(added) == 4
    assert added[0].lstrip(" -") == f"at: {NOW}"
    assert (after.count(b"\r\n") == after.count(b"\n")) if crlf else b"\r\n" not in after
    assert after.decode().index("已电话联系") < after.decode().index("# 处置情况报告单")
    assert errors_of(repo, path) == []


@pytest.mark.parametrize("flow", [True, False], ids=["flow-events", "block-events"])
@pytest.mark.parametrize("text", [
    "a, b", "{x}", "[1]", "#标签", "- 列表", "yes", "NO", "123", "0123", "2026-11-20", "null", "~",
    "多行\n文本\n", "多行\n无结尾", " 前导空格", "'单引号'", '说 "好"', "冒号: 空格", "1:30", "@提及",
    "tab\t字符", "结尾空格 ",
])
def test_any_text_round_trips_exactly(flow, text):
    last = ("  - {at: 2026-11-18T09:05:00+08:00, type: registered, by: a}\n" if flow else
            "  - at: 2026-11-18T09:05:00+08:00\n    type: registered\n    by: a\n")
    raw = ("# c\nid: YQ-2026-0001\nevents:\n" + last + "# tail\nreport: {cause: x}\n").encode()
    event = {"at": "2026-11-18T10:00:00+08:00", "type": "note", "by": "a", "text": text}
    after = append_event_bytes(raw, "x.yml", event)
    assert isinstance(after, bytes), after
    added_only(raw.decode(), after.decode())
    parsed = loads(after, "x.yml")
    assert not isinstance(parsed, Problem)
    assert parsed.data["events"][-1] == event


DEMO_CASES = sorted((ROOT / "cases").glob("*/YQ-*.yml"))


@pytest.mark.parametrize("path", DEMO_CASES, ids=[p.stem for p in DEMO_CASES])
def test_every_demo_case_takes_an_event_without_other_changes(path):
    raw = path.read_bytes()
    event = {"at": "2026-12-31T12:00:00+08:00", "type": "note", "by": "zhao-min", "text": "回访"}
    after = append_event_bytes(raw, path.name, event)
    assert isinstance(after, bytes), after
    added = added_only(raw.decode("utf-8-sig"), after.decode("utf-8-sig"))
    assert added[0].lstrip(" -{").startswith("at: 2026-12-31T12:00:00+08:00")


def test_new_case_in_the_demo_repository_follows_its_highest_id(tmp_path, ids):
    demo = tmp_path / "demo"
    for name in ("registers", "schemas", "cases"):
        shutil.copytree(ROOT / name, demo / name)
    if (ROOT / "sources.yml").exists():
        shutil.copy(ROOT / "sources.yml", demo / "sources.yml")
    serials = [int(p.stem.split("-")[2]) for p in (ROOT / "cases").glob("*/YQ-2026-*.yml")]
    path = new_case(demo, ids)
    assert path.stem == f"YQ-2026-{max(serials, default=0) + 1:04d}"
    assert errors_of(demo, path) == []


def test_dry_run_prints_the_diff_and_writes_nothing(repo, ids):
    path = write_case(repo, ids)
    before = path.read_bytes()
    code, out, _ = event(repo, "YQ-2026-0001", "note", "--by", ids["person"], "--text", "试运行",
                         "--dry-run")
    assert code == 0
    assert out.startswith("--- a/cases/2026/YQ-2026-0001.yml\n+++ b/cases/2026/YQ-2026-0001.yml\n")
    assert "+    text: 试运行\n" in out
    assert path.read_bytes() == before


def test_reply_without_promise_is_refused(repo, ids):
    path = write_case(repo, ids)
    before = path.read_bytes()
    code, out, err = event(repo, "YQ-2026-0001", "replied", "--by", ids["person"],
                           "--channel", "人民网领导留言板", "--text", "已收到，正在处理")
    assert code == 1
    assert out == ""
    assert "promised_by" in err
    assert "未写入" in err
    assert path.read_bytes() == before
    code, _, err = event(repo, "YQ-2026-0001", "replied", "--by", ids["person"],
                         "--channel", "人民网领导留言板", "--text", "已收到，正在处理",
                         "--promised-by", "2026-11-24")
    assert code == 0, err
    code, _, err = event(repo, "YQ-2026-0001", "replied", "--by", ids["person"],
                         "--channel", "人民网领导留言板", "--text", "已清运完毕", "--resolves")
    assert code == 0, err
    case = load_repository(repo).case("YQ-2026-0001")
    assert case is not None
    assert [(e.type, e.resolves) for e in case.events][-2:] == [("replied", False), ("replied", True)]


def test_promise_longer_than_five_working_days_is_refused(repo, ids):
    path = write_case(repo, ids)
    before = path.read_bytes()
    # Replied on Friday 2026-11-20: five working days end on Friday 2026-11-27.
    code, _, err = event(repo, "YQ-2026-0001", "replied", "--by", ids["person"],
                         "--channel", "人民网领导留言板", "--text", "正在协调", "--promised-by",
                         "2026-11-30")
    assert code == 1
    assert err.startswith("--promised-by: ")
    assert "2026-11-27" in err
    assert path.read_bytes() == before
    code, _, err = event(repo, "YQ-2026-0001", "replied", "--by", ids["person"],
                         "--channel", "人民网领导留言板", "--text", "正在协调", "--promised-by",
                         "2026-11-27")
    assert code == 0, err


def test_event_out_of_time_order_is_refused(repo, ids):
    path = write_case(repo, ids)
    before = path.read_bytes()
    code, _, err = event(repo, "YQ-2026-0001", "verified", "--by", ids["person"],
                         "--at", "2026-11-18T09:10:00+08:00", "--finding", "属实")
    assert code == 1
    assert err.startswith("--at: ")
    assert "顺序" in err
    assert path.read_bytes() == before


def test_event_in_the_future_and_misused_options_are_usage_errors(repo, ids):
    path = write_case(repo, ids)
    before = path.read_bytes()
    code, _, err = event(repo, "YQ-2026-0001", "note", "--by", ids["person"], "--text", "x",
                         "--at", "2026-11-21T10:00")
    assert code == 2
    assert "--at" in err
    code, _, err = event(repo, "YQ-2026-0001", "assigned", "--by", ids["person"],
                         "--to", ids["unit"], "--finding", "x")
    assert code == 2
    assert "--finding" in err
    code, _, err = event(repo, "YQ-2026-0001", "assigned", "--by", ids["person"])
    assert code == 2
    assert "--to" in err
    assert path.read_bytes() == before


def test_unknown_case_and_unknown_unit_are_refused(repo, ids):
    write_case(repo, ids)
    code, _, err = event(repo, "YQ-2026-0099", "note", "--by", ids["person"], "--text", "x")
    assert code == 1
    assert "找不到案件 YQ-2026-0099" in err
    code, _, err = event(repo, "YQ-2026-0001", "assigned", "--by", ids["person"], "--to", "no-unit")
    assert code == 1
    assert err.startswith("--to: 未知的单位 no-unit")
    assert ids["unit"] in err


def test_a_layout_that_cannot_be_preserved_is_refused(repo, ids):
    text = HAND_WRITTEN.split("\nevents:")[0] + (
        "\nevents: [{{at: 2026-11-18T09:05:00+08:00, type: registered, by: {person}}}]\n")
    path = write_case(repo, ids, text)
    before = path.read_bytes()
    code, _, err = event(repo, "YQ-2026-0001", "note", "--by", ids["person"], "--text", "x")
    assert code == 1
    assert "排版" in err
    assert path.read_bytes() == before


def test_new_then_events_through_the_whole_flow(repo, ids):
    path = new_case(repo, ids, now="2026-11-20T09:00:00+08:00")
    case_id = path.stem
    steps = [
        ("assessed", "--level", "significant", "--reason", "跟帖增长快"),
        ("assigned", "--to", ids["unit"]),
        ("verified", "--finding", "属实"),
        ("replied", "--channel", "微博", "--text", "已处理", "--resolves"),
    ]
    for minute, (kind, *options) in enumerate(steps):
        code, _, err = run("event", "--repo", str(repo), "--now", f"2026-11-20T09:{10 + minute}",
                           case_id, kind, "--by", ids["person"], *options)
        assert code == 0, err
    assert errors_of(repo, path) == []
    case = load_repository(repo).case(case_id)
    assert case is not None
    assert [e.type for e in case.events] == ["registered", "assessed", "assigned", "verified",
                                             "replied"]


# --- atomic writes ---------------------------------------------------------------------------


def test_atomic_write_new_never_overwrites(tmp_path):
    path = tmp_path / "a" / "YQ-2026-0001.yml"
    atomic_write_new(path, b"first\n")
    with pytest.raises(FileExistsError):
        atomic_write_new(path, b"second\n")
    assert path.read_bytes() == b"first\n"
    atomic_replace(path, b"third\n")
    assert path.read_bytes() == b"third\n"
    assert os.listdir(path.parent) == ["YQ-2026-0001.yml"]  # no temporary files left behind
    assert path.stat().st_mode & 0o777 != 0o600  # readable like any other file, not mkstemp's mode


# --- pre-commit ------------------------------------------------------------------------------


def test_pre_commit_hooks_select_case_and_register_files():
    import re

    import yaml

    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    assert hooks["ruff-check"]
    cases, registers = hooks["yuqing-validate-cases"], hooks["yuqing-validate-registers"]
    assert cases["entry"] == registers["entry"] == "yuqing validate"
    assert registers["pass_filenames"] is False

    def selected(path: str) -> list[str]:
        return [h["id"] for h in (cases, registers) if re.search(h["files"], path)]

    assert selected("cases/2026/YQ-2026-0001.yml") == ["yuqing-validate-cases"]
    assert selected("registers/units.yml") == ["yuqing-validate-registers"]
    assert selected("registers/policies/seeds.yml") == ["yuqing-validate-registers"]
    assert selected("sources.yml") == ["yuqing-validate-registers"]
    assert selected("schemas/case.schema.json") == []
    assert selected("docs/sources.yml") == []


@pytest.mark.parametrize("verb", ["new", "event"])
def test_commands_explain_themselves(verb):
    code, out, _ = run(verb, "--help")
    assert code == 0
    assert "例：" in out
    assert "退出码" in out
