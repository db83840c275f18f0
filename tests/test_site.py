"""Real builds of the demo office (MkDocs + Material, and Zensical), with a hostile case added.

The demo repository is copied into a temp dir, a case carrying script tags, ``onerror=``,
``javascript:`` links, attribute lists, snippet and macro syntax in every text field is added,
with a canary in ``confidential``, and it all is committed to a real git repository.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from yuqing.model import parse_time
from yuqing.site import BuildResult, build_site, zensical_config

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[1]
NOW = parse_time("2026-11-20T16:00:00+08:00")
CANARY = "CANARY-7f3a91"
XSS_ID = "YQ-2026-0900"
XSS_TITLE = "恶意标题测试"
HOSTILE = (
    '<script>alert(1)</script><img src=x onerror="alert(2)">'
    "[点我](javascript:alert(3)) {: onclick=\"alert(4)\" } --8<-- \"mkdocs.yml\" "
    "{{ config }} {% include 'x' %} <a href=\"javascript:alert(5)\">x</a> *强调* `代码` # 标题 | 表格 |"
)
COPIED = ("registers", "schemas", "cases", "sources.yml", "mkdocs.yml", "docs/assets",
          "scripts/yuqing/mkdocs_hook.py")


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML flow scalar


def hostile_case() -> str:
    h = _q(HOSTILE)
    return f"""# yaml-language-server: $schema=../../schemas/case.schema.json
id: {XSS_ID}
title: {_q(XSS_TITLE + HOSTILE)}
summary: {h}
level: general
category: environment
sentiment: negative
quick: false
tags: [{h}]
source:
  platform: people-liuyan
  url: "https://evil.example/x\\"><img/src=x/onerror=alert(6)>"
  author: {h}
  posted_at: 2026-11-19T08:00:00+08:00
  excerpt: {h}
discovered: {{at: 2026-11-19T09:00:00+08:00, by: ingest}}
events:
  - {{at: 2026-11-19T09:00:00+08:00, type: registered, by: ingest, note: {h}}}
  - {{at: 2026-11-19T10:00:00+08:00, type: note, by: ingest, text: {h}}}
report: {{cause: {h}, measures: {h}, talking_points: {h}, result: {h}}}
media: [{{outlet: {h}, title: {h}, url: "https://news.example/a\\"onmouseover=\\"alert(7)"}}]
confidential: {{reporter: {{name: {CANARY}, phone: "13800001111"}}, note: {CANARY}}}
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout


def make_site_repo(root: Path) -> Path:
    """The demo office plus the hostile case, as a real git repository with history."""
    for name in COPIED:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.exists():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "测试员")
    git(root, "config", "user.email", "test@example.invalid")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "演示数据")
    case = root / "cases" / "2026" / f"{XSS_ID}.yml"
    case.write_text(hostile_case(), encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "新增恶意内容测试案件")
    text = case.read_text(encoding="utf-8").replace("quick: false", "quick: true")
    case.write_text(text, encoding="utf-8")
    git(root, "commit", "-qam", "标记为能迅速解决")
    return root


@pytest.fixture(scope="module")
def site_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_site_repo(tmp_path_factory.mktemp("office"))


@pytest.fixture(scope="module")
def mkdocs_site(site_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    result = build_site(site_repo, NOW, tmp_path_factory.mktemp("out") / "site", "mkdocs")
    assert result.ok, result.log
    return result


@pytest.fixture(scope="module")
def zensical_site(site_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    result = build_site(site_repo, NOW, tmp_path_factory.mktemp("zout") / "site", "zensical")
    assert result.ok, result.log
    return result


def all_text(root: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8", errors="replace") for p in root.rglob("*")
            if p.is_file() and p.suffix in {".html", ".json", ".xml", ".svg", ".js", ".css", ".txt"}}


def test_hostile_case_is_loaded(site_repo: Path) -> None:
    from yuqing.repo import load_repository

    repository = load_repository(site_repo)
    case = repository.case(XSS_ID)
    assert case is not None, [p.text() for p in repository.problems]
    assert case.has_confidential
    assert CANARY not in repr(case)


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
def test_site_has_every_page(engine: str, request: pytest.FixtureRequest) -> None:
    result: BuildResult = request.getfixturevalue(f"{engine}_site")
    out = result.out
    for page in ("index.html", "archive/index.html", "units/index.html", "categories/index.html",
                 "levels/index.html", "status/index.html", "registers/hazards/index.html",
                 "registers/units/index.html", "registers/sources/index.html",
                 "reports/week/index.html", f"cases/{XSS_ID}/index.html",
                 "cases/YQ-2026-0001/index.html", "assets/charts/trend.svg"):
        assert (out / page).is_file(), page
    assert not [p for p in out.rglob("*") if p.suffix in {".yml", ".yaml"}]
    assert not [p for p in out.rglob("*") if p.name in {"DESIGN", "readme-parts"}]


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
def test_canary_appears_nowhere(engine: str, request: pytest.FixtureRequest) -> None:
    result: BuildResult = request.getfixturevalue(f"{engine}_site")
    assert CANARY not in result.log
    assert "13800001111" not in result.log
    for path, text in all_text(result.out).items():
        assert CANARY not in text, path
        assert "13800001111" not in text, path


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
def test_hostile_text_is_inert(engine: str, request: pytest.FixtureRequest) -> None:
    result: BuildResult = request.getfixturevalue(f"{engine}_site")
    page = (result.out / "cases" / XSS_ID / "index.html").read_text(encoding="utf-8")
    article = re.search(r"<article.*?</article>", page, re.S)
    assert article, "no article in the page"
    body = article.group(0)
    assert XSS_TITLE in body
    tags = elements(body)
    assert "script" not in {t for t, _ in tags}
    for tag, attrs in tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            if name in {"href", "src"}:
                assert not (value or "").strip().lower().startswith("javascript"), (tag, value)
        if tag == "img":
            assert dict(attrs).get("src") != "x"
    # The hostile text is shown as text: nothing included by a snippet, no macro expanded.
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    for raw in ("{{ config }}", '--8<-- "mkdocs.yml"', "{: onclick", "<script>alert(1)"):
        assert raw in text
    assert "site_name" not in text


def elements(markup: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collector().feed(markup)
    return found


def test_search_index_small_and_clean(mkdocs_site: BuildResult) -> None:
    index = json.loads((mkdocs_site.out / "search" / "search_index.json").read_text("utf-8"))
    docs = index["docs"]
    locations = {d["location"].split("#")[0] for d in docs}
    assert f"cases/{XSS_ID}/" in locations
    # A case page gives its head only (plus the page's empty lead-in): timeline, report and
    # audit trail are not indexed.
    case_entries = [d for d in docs if d["location"].startswith("cases/YQ-2026-0003/")]
    assert len(case_entries) <= 2
    assert sum(1 for d in case_entries if d["text"]) == 1
    assert "处置时间线" not in json.dumps(case_entries, ensure_ascii=False)
    # Index pages are excluded; they would repeat every title.
    assert not any(d["location"].startswith(("status/", "levels/", "archive/")) for d in docs)
    # Chinese is segmented (jieba) with zero-width spaces.
    assert any("\u200b" in d["title"] for d in case_entries)
    assert "<script" not in json.dumps(docs)


def test_case_page_has_trail_and_report(mkdocs_site: BuildResult, site_repo: Path) -> None:
    page = (mkdocs_site.out / "cases" / XSS_ID / "index.html").read_text(encoding="utf-8")
    head = git(site_repo, "log", "-1", "--format=%H").strip()
    for expected in (head[:8], "标记为能迅速解决", "新增恶意内容测试案件",
                     "能迅速解决",  # the changed field, named in Chinese
                     "舆情处置情况报告单", "YQCZBG-2026-0900", "已登记（保密，不公开）", "处置时间线"):
        assert expected in page


def test_no_external_resources(mkdocs_site: BuildResult) -> None:
    for path, text in all_text(mkdocs_site.out).items():
        if path.suffix == ".html":
            assert "fonts.googleapis" not in text, path
            assert "fonts.gstatic" not in text, path
            for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', text):
                # Only links inside case content (clicked by a person) may point outside.
                assert 'class="yq-out"' in text or "material" in url, (path, url)
            assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="https?://', text), path


def test_zensical_config_drops_what_it_rejects() -> None:
    config = zensical_config(PROJECT)
    assert not {"hooks", "watch"} & set(config)
    search = next(p["search"] for p in config["plugins"] if "search" in p)
    assert set(search) <= {"enabled", "separator"}
    assert config["theme"]["font"] is False


def test_build_command(site_repo: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from yuqing.cli import main

    out = tmp_path / "rendered"
    result = CliRunner().invoke(main, ["render", "--repo", str(site_repo), "--now",
                                       "2026-11-20T16:00:00+08:00", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "cases" / f"{XSS_ID}.md").read_text(encoding="utf-8")
    for raw in ("<script", "--8<--", "{{", "{:"):
        assert raw not in page
    assert CANARY not in page
    assert (out / "index.md").is_file()


def test_serve_needs_mkdocs(site_repo: Path) -> None:
    from click.testing import CliRunner

    from yuqing.cli import main

    result = CliRunner().invoke(main, ["build", "--repo", str(site_repo), "--serve",
                                       "--engine", "zensical"])
    assert result.exit_code == 2
    assert "--serve" in result.output
