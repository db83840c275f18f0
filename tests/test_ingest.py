"""Ingest end to end: a copy of the demo office, feeds served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedserver import FeedServer, feed_server_fixture, item, rss  # noqa: F401
from yuqing import loader
from yuqing.cli import main
from yuqing.commands.ingest import format_markdown_report, md_text
from yuqing.fetch import FetchLimits
from yuqing.ingest import STATE_FILE, run_ingest
from yuqing.model import parse_time
from yuqing.problems import Problem
from yuqing.validate import validate_repository

PROJECT = Path(__file__).resolve().parents[1]
NOW = parse_time("2026-11-20T16:00:00+08:00")
LIMITS = FetchLimits(
    connect_timeout=2, read_timeout=2, deadline=3, retries=1, backoff=0.05, max_retry_after=0.5
)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and p.name != ".yuqing.lock"
    }


def case_files(root: Path) -> list[Path]:
    return sorted((root / "cases").rglob("YQ-*.yml"))


def errors(problems) -> list:
    return [p for p in problems if p.severity == "error"]


def new_ids(root: Path, n: int) -> list[str]:
    """The ids the next ``n`` new cases get (the demo cases may grow)."""
    top = max(int(p.stem.split("-")[2]) for p in case_files(root) if "-2026-" in p.name)
    return [f"YQ-2026-{top + i:04d}" for i in range(1, n + 1)]


def load(path: Path) -> dict:
    """With the project's strict loader: exactly what every other stage will read."""
    document = loader.load(path, path.name)
    assert not isinstance(document, Problem), document
    return document.data


def write_sources(root: Path, sources: list[dict], allow=("127.0.0.1",)) -> None:
    text = "# yaml-language-server: $schema=schemas/sources.schema.json\n"
    text += json.dumps({"allow_hosts": list(allow), "sources": sources}, ensure_ascii=False)
    (root / "sources.yml").write_text(text, encoding="utf-8")


def demo_sources(server: FeedServer) -> list[dict]:
    keywords = ["温泉街道", "温泉路", "龙岗社区", "汤泉村", "温泉社区", "温泉景区"]
    return [
        {
            "id": "people-liuyan-539",
            "name": "人民网领导留言板",
            "platform": "people-liuyan",
            "url": server.url("/people/liuyan/539.xml"),
            "keywords": keywords,
            "category": "social-livelihood",
            "unit": "party-office",
        },
        {
            "id": "tieba-wenquan",
            "name": "温泉吧",
            "platform": "tieba",
            "url": server.url("/baidu/tieba/forum/wenquan.xml"),
            "keywords": keywords,
            "exclude": ["出售", "求推荐"],
            "category": "urban-management",
            "unit": "party-office",
        },
        {
            "id": "tieba-search-wenquan",
            "name": "贴吧搜索",
            "platform": "tieba",
            "url": server.url("/baidu/tieba/search/wenquan.xml"),
            "keywords": ["温泉街道", "汤泉村"],
            "exclude": ["求推荐"],
        },
    ]


@pytest.fixture
def office(tmp_path: Path, feed_server: FeedServer) -> Path:
    """The demo office (registers, schemas, example cases), its feeds served as the demo does."""
    root = tmp_path / "office"
    root.mkdir()
    for name in ("registers", "schemas", "cases"):
        shutil.copytree(PROJECT / name, root / name)
    feed_server.directory("/", PROJECT / "demo" / "feeds")
    write_sources(root, demo_sources(feed_server))
    return root


def ingest(root: Path, **kw):
    kw.setdefault("limits", LIMITS)
    return run_ingest(root, NOW, **kw)


def test_demo_ingest_opens_links_and_skips(office: Path):
    before = {p.name for p in case_files(office)}
    expected = new_ids(office, 3)
    report = ingest(office)
    assert errors(report.problems) == []
    assert [s.status for s in report.sources] == ["ok", "ok", "ok"]
    titles = [o.title for o in report.opened]
    assert titles == [
        "龙岗社区6号楼电梯反复故障，老人上下楼困难",
        "温泉景区周边停车场乱收费，一小时收二十元",
        "溫泉街道湯泉村村口路燈壞了一個月沒人修",  # traditional characters matched 温泉街道
    ]
    assert [o.case_id for o in report.opened] == expected
    (link,) = report.linked
    assert link.case_id == "YQ-2026-0012"  # the open garbage-station case
    assert report.skipped == {"unmatched": 3, "known": 1}  # YQ-2026-0009's post is known
    after = {p.name for p in case_files(office)}
    assert after - before == {f"{cid}.yml" for cid in expected}
    assert errors(validate_repository(office)) == []

    case = load(office / f"cases/2026/{expected[0]}.yml")
    assert case["source"]["feed"] == "people-liuyan-539"
    assert case["source"]["platform"] == "people-liuyan"
    assert case["source"]["posted_at"] == "2026-11-19T09:40:00+08:00"
    assert case["discovered"] == {"at": "2026-11-20T16:00:00+08:00", "by": "ingest"}
    assert case["events"] == [
        {"at": "2026-11-20T16:00:00+08:00", "type": "registered", "by": "ingest"}
    ]
    assert case["units"] == {"lead": "party-office"}
    assert (case["level"], case["sentiment"], case["quick"]) == ("general", "negative", False)
    text = (office / f"cases/2026/{expected[0]}.yml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schemas/case.schema.json\n")

    noted = load(office / "cases/2026/YQ-2026-0012.yml")["events"][-1]
    assert noted["type"] == "note"
    assert noted["text"].startswith("https://tieba.baidu.com/p/9123456701 （重复反映：")


def test_second_run_changes_nothing(office: Path):
    ingest(office)
    first = snapshot(office)
    report = ingest(office)
    assert report.opened == ()
    assert report.linked == ()
    assert snapshot(office) == first


def test_second_run_with_a_server_without_validators_changes_nothing(
    office: Path, feed_server: FeedServer
):
    ingest(office)
    first = snapshot(office)
    feed_server.directory("/", PROJECT / "demo" / "feeds")  # same bodies, still no ETag
    report = ingest(office)
    assert report.skipped.get("known", 0) >= 4
    assert snapshot(office) == first


def test_dry_run_writes_nothing(office: Path):
    before = snapshot(office)
    report = ingest(office, dry_run=True)
    assert [o.case_id for o in report.opened] == new_ids(office, 3)
    assert snapshot(office) == before


def test_deleted_case_is_not_opened_again(office: Path):
    report = ingest(office)
    (office / report.opened[1].path).unlink()  # a false positive, removed by a person
    report = ingest(office)
    assert report.opened == ()


def test_failing_sources_are_reported_and_others_still_run(office: Path, feed_server: FeedServer):
    feed_server.static("/login", b"<!DOCTYPE html><html><body>login</body></html>", "text/html")
    feed_server.static("/broken.xml", b"<rss><channel><item><title>x</channel>")
    sources = [
        *demo_sources(feed_server),
        {
            "id": "login-page",
            "name": "登录页",
            "platform": "weibo",
            "url": feed_server.url("/login"),
            "keywords": ["温泉"],
        },
        {
            "id": "broken",
            "name": "坏 XML",
            "platform": "weibo",
            "url": feed_server.url("/broken.xml"),
            "keywords": ["温泉"],
        },
        {
            "id": "missing",
            "name": "404",
            "platform": "weibo",
            "url": feed_server.url("/nope.xml"),
            "keywords": ["温泉"],
        },
    ]
    write_sources(office, sources)
    report = ingest(office)
    assert len(report.opened) == 3
    failed = {s.id: s for s in report.failed}
    assert set(failed) == {"login-page", "broken", "missing"}
    assert all(s.hint for s in failed.values())
    state = json.loads((office / STATE_FILE).read_text(encoding="utf-8"))["sources"]
    assert state["login-page"]["last_error"]["message"].startswith("返回的是网页")
    assert state["login-page"].get("last_success") is None
    assert state["tieba-wenquan"]["last_success"] == NOW.isoformat()
    assert state["tieba-wenquan"]["entries_seen"] == 3


def test_cli_exit_codes_and_formats(office: Path, feed_server: FeedServer):
    runner = CliRunner()
    args = ["ingest", "--repo", str(office), "--now", "2026-11-20T16:00:00+08:00"]
    result = runner.invoke(main, [*args, "--dry-run", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["opened"]) == 3
    assert data["failed"] == []

    result = runner.invoke(main, [*args, "--summary", str(office.parent / "summary.md")])
    assert result.exit_code == 0, result.output
    assert "新建案件 3 件" in result.output
    summary = (office.parent / "summary.md").read_text(encoding="utf-8")
    assert f"| {data['opened'][0]['case_id']} |" in summary

    write_sources(
        office,
        [
            {
                "id": "down",
                "name": "坏",
                "platform": "weibo",
                "url": feed_server.url("/nope.xml"),
                "keywords": ["温泉"],
            }
        ],
    )
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert "down" in result.output
    assert "路由" in result.output

    result = runner.invoke(main, [*args, "--format", "yaml"])
    assert result.exit_code == 2


HOSTILE = item(
    '<script>alert(1)</script>温泉街道 <img src=x onerror="alert(2)">噪音扰民',
    "hostile-1",
    '<p onmouseover="x()">温泉街道夜里施工</p><a href="javascript:alert(3)">点我</a>'
    "<p>{: onclick=alert(4)}</p>联系电话13812345678",
    link="javascript:alert(5)",
    author='<b onclick="y()">夜猫子</b>',
)


def test_hostile_entries_become_plain_text_cases(office: Path, feed_server: FeedServer):
    feed_server.static("/hostile.xml", rss(HOSTILE))
    write_sources(
        office,
        [
            {
                "id": "hostile",
                "name": "恶意",
                "platform": "weibo",
                "url": feed_server.url("/hostile.xml"),
                "keywords": ["温泉街道"],
            }
        ],
    )
    report = ingest(office)
    (opened,) = report.opened
    text = (office / opened.path).read_text(encoding="utf-8")
    for bad in ("<", "onerror", "onmouseover", "javascript:", "alert(1)", "13812345678"):
        assert bad not in text
    case = load(office / opened.path)
    assert case["title"] == "温泉街道 噪音扰民"
    assert "url" not in case["source"]
    assert case["source"]["author"] == "夜猫子"
    assert "{: onclick=alert(4)}" in case["source"]["excerpt"]  # inert text, escaped when shown
    assert "［电话已隐去］" in case["source"]["excerpt"]
    assert errors(validate_repository(office, [office / opened.path])) == []


def test_metrics_graded_by_policy_and_related_to_finished_case(
    office: Path, feed_server: FeedServer
):
    hot = item(
        "温泉路垃圾清运又不及时，居民反映异味严重",
        "hot-1",
        "温泉路",
        pub="Fri, 20 Nov 2026 01:00:00 GMT",
        extra="<slash:comments>150</slash:comments>",
    )
    future = item("温泉街道明天的帖子", "future-1", pub="Sat, 21 Nov 2026 01:00:00 GMT")
    feed_server.static("/hot.xml", rss(hot, future))
    write_sources(
        office,
        [
            {
                "id": "hot",
                "name": "热帖",
                "platform": "weibo",
                "url": feed_server.url("/hot.xml"),
                "keywords": ["温泉路", "温泉街道"],
            }
        ],
    )
    report = ingest(office)
    (opened,) = report.opened
    assert opened.level == "major"  # 跟帖 150 ≥ 100 (seed 001 via the policy)
    case = load(office / opened.path)
    assert case["source"]["metrics"] == {
        "comments": 150,
        "observed_at": "2026-11-20T16:00:00+08:00",
    }
    assert case["related"] == ["YQ-2026-0009"]  # same matter as the finished case
    assert report.skipped["future"] == 1
    assert errors(validate_repository(office, [office / opened.path])) == []


def test_gbk_feed_without_charset_header_or_declaration(office: Path, feed_server: FeedServer):
    body = rss(
        item("温泉街道龙岗社区垃圾分类亭无人值守", "gbk-1", "垃圾满地"),
        encoding="GBK",
        declare=False,
    )
    feed_server.static("/gbk.xml", body, "application/xml")  # no charset anywhere
    write_sources(
        office,
        [
            {
                "id": "gbk",
                "name": "老论坛",
                "platform": "local-forum",
                "url": feed_server.url("/gbk.xml"),
                "keywords": ["温泉街道"],
            }
        ],
    )
    (opened,) = ingest(office).opened
    case = load(office / opened.path)
    assert case["title"] == "温泉街道龙岗社区垃圾分类亭无人值守"
    assert case["source"]["excerpt"] == "垃圾满地"


def test_written_files_are_checked_against_the_registers(office: Path):
    from yuqing.ingest import check_written
    from yuqing.repo import load_repository

    repo = load_repository(office)
    bad = office / "cases/2026/YQ-2026-0999.yml"
    text = (office / "cases/2026/YQ-2026-0012.yml").read_text(encoding="utf-8")
    bad.write_text(
        text.replace("id: YQ-2026-0012", "id: YQ-2026-0999").replace(
            "category: environment", "category: no-such-category"
        ),
        encoding="utf-8",
    )
    problems = check_written(repo, [bad])
    assert any("no-such-category" in p.message for p in problems)


def test_corrupt_state_is_a_problem_not_an_empty_state(office: Path):
    (office / "state").mkdir()
    (office / STATE_FILE).write_text("{ not json", encoding="utf-8")
    before = snapshot(office)
    report = ingest(office)
    (problem,) = report.problems
    assert problem.path == STATE_FILE
    assert "损坏" in problem.message
    assert report.sources == ()
    assert snapshot(office) == before


def test_bad_sources_file_is_reported(office: Path, feed_server: FeedServer):
    write_sources(
        office,
        [
            {
                "id": "x",
                "name": "x",
                "platform": "no-such-platform",
                "url": feed_server.url("/a.xml"),
                "keywords": ["温泉"],
            }
        ],
    )
    report = ingest(office)
    assert report.sources == ()
    assert any("no-such-platform" in p.message for p in report.problems)


def test_not_allow_listed_feed_refused(office: Path, feed_server: FeedServer):
    write_sources(office, demo_sources(feed_server), allow=())
    report = ingest(office)
    assert report.all_failed
    assert "--allow-host 127.0.0.1" in report.failed[0].hint
    assert ingest(office, allow_hosts=["127.0.0.1"]).opened  # the command-line allow-list


def test_two_concurrent_ingests_open_each_case_once(office: Path):
    expected = new_ids(office, 3)
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "scripts")}
    cmd = [
        sys.executable,
        "-m",
        "yuqing",
        "ingest",
        "--repo",
        str(office),
        "--now",
        "2026-11-20T16:00:00+08:00",
        "--format",
        "json",
    ]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    reports = [json.loads(out) for out, _ in outputs]
    opened = [o["case_id"] for r in reports for o in r["opened"]]
    assert sorted(opened) == expected
    guids = [load(p)["source"].get("guid") for p in case_files(office)]
    guids = [g for g in guids if g]
    assert len(guids) == len(set(guids))
    notes = load(office / "cases/2026/YQ-2026-0012.yml")["events"]
    assert sum(e["type"] == "note" and e["by"] == "ingest" for e in notes) == 1
    assert errors(validate_repository(office)) == []


def test_markdown_summary_escapes_feed_text():
    assert md_text("[点我](javascript:x) @admin <b>") == (
        "\\[点我\\]\\(javascript:x\\) &#64;admin \\<b\\>"
    )


def test_markdown_report_of_a_real_run(office: Path):
    report = ingest(office)
    body = format_markdown_report(report)
    assert f"| {report.opened[0].case_id} |" in body
    assert "### 重复反映" in body
    assert datetime.fromisoformat(report.now) == NOW


def test_write_failure_is_a_problem_not_a_traceback(office: Path):
    # The year's folder cannot be created (a file has its name): works even when run as root.
    shutil.rmtree(office / "cases" / "2026")
    (office / "cases" / "2026").write_text("not a folder", encoding="utf-8")
    report = ingest(office)
    assert any(p.code == "ingest.write" and p.path == "cases/2026" for p in report.problems)
    assert report.opened == ()


def test_no_note_before_the_cases_last_event(office: Path):
    """Run "in the past" (before YQ-2026-0012's last event): the repeat report cannot be noted
    there without breaking the timeline, so it is opened as its own case."""
    last = load(office / "cases/2026/YQ-2026-0012.yml")["events"][-1]["at"]
    early = parse_time(last) - timedelta(minutes=1)
    report = run_ingest(office, early, limits=LIMITS)
    assert all(link.case_id != "YQ-2026-0012" for link in report.linked)
    assert errors(validate_repository(office)) == []
