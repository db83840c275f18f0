"""The built demo site in a real headless Chromium (Debian chromium through Playwright).

Served from 127.0.0.1 by a thread HTTP server; every request is recorded, so a request to any
other host fails the test.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import Page, sync_playwright

from test_site import NOW, XSS_ID, XSS_TITLE, make_site_repo
from yuqing.site import build_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    repo = make_site_repo(tmp_path_factory.mktemp("office"))
    out = tmp_path_factory.mktemp("out") / "site"
    result = build_site(repo, NOW, out, "mkdocs")
    assert result.ok, result.log
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser_page(base_url: str) -> Iterator[tuple[Page, dict[str, list[str]]]]:
    seen: dict[str, list[str]] = {"requests": [], "errors": [], "dialogs": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.on("request", lambda r: seen["requests"].append(r.url))
        page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))

        def on_dialog(dialog) -> None:
            seen["dialogs"].append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        yield page, seen
        browser.close()


def _own_host_only(base_url: str, requests: list[str]) -> None:
    own = urlsplit(base_url).netloc
    foreign = [u for u in requests if urlsplit(u).scheme in {"http", "https", "ws", "wss"}
               and urlsplit(u).netloc != own]
    assert not foreign, foreign


def test_dashboard_shows_overdue_cases(browser_page, base_url: str) -> None:
    page, seen = browser_page
    page.goto(base_url)
    overdue = page.locator("table.yq-overdue")
    assert overdue.count() == 1
    rows = overdue.locator("tbody tr")
    assert rows.count() >= 1
    assert "已超期" in rows.first.inner_text()
    assert page.locator("img[src$='trend.svg']").count() == 1
    page.wait_for_load_state("networkidle")
    _own_host_only(base_url, seen["requests"])
    assert not seen["errors"], seen["errors"]


def test_case_page_shows_timeline_and_commits(browser_page, base_url: str) -> None:
    page, seen = browser_page
    page.goto(base_url + f"cases/{XSS_ID}/")
    assert page.locator("ol.yq-timeline li").count() == 2
    audit = page.locator("section.yq-audit tbody tr")
    assert audit.count() == 2
    assert "标记为能迅速解决" in audit.first.inner_text()
    page.wait_for_load_state("networkidle")
    _own_host_only(base_url, seen["requests"])
    assert not seen["errors"], seen["errors"]


def test_hostile_case_is_plain_text(browser_page, base_url: str) -> None:
    page, seen = browser_page
    page.goto(base_url + f"cases/{XSS_ID}/")
    page.wait_for_load_state("networkidle")
    assert XSS_TITLE in page.locator("h1").first.inner_text()
    assert "<script>alert(1)</script>" in page.locator("h1").first.inner_text()
    assert not seen["dialogs"], seen["dialogs"]
    found = page.evaluate("""() => {
        const bad = [];
        for (const el of document.querySelectorAll('*')) {
            for (const a of el.attributes) {
                if (a.name.startsWith('on')) bad.push(el.tagName + ' ' + a.name);
                if ((a.name === 'href' || a.name === 'src')
                    && a.value.trim().toLowerCase().startsWith('javascript:')) bad.push(a.value);
            }
        }
        return bad;
    }""")
    assert found == []
    assert page.locator("article script").count() == 0
    # Hovering and clicking the hostile media link does nothing either.
    page.locator("section.yq-media a").first.hover()
    assert not seen["dialogs"]


def test_chinese_search_finds_case_by_title_word(browser_page, base_url: str) -> None:
    page, seen = browser_page
    page.goto(base_url)
    page.keyboard.press("s")  # Material's shortcut opens the search box
    search = page.locator(".md-search__input")
    search.fill("停车费")
    search.press("End")  # a key event makes Material run the query
    result = page.locator(".md-search-result__item").first
    result.wait_for(timeout=15000)
    assert "YQ-2026-0008" in page.locator(".md-search-result").inner_text()
    _own_host_only(base_url, seen["requests"])
    assert not seen["errors"], seen["errors"]


def test_print_view_shows_only_the_report(browser_page, base_url: str) -> None:
    page, _seen = browser_page
    page.goto(base_url + "cases/YQ-2026-0001/")
    page.emulate_media(media="print")
    try:
        assert page.locator(".yq-report-form").is_visible()
        assert "舆情处置情况报告单" in page.locator(".yq-report-form").inner_text()
        assert not page.locator("ol.yq-timeline").is_visible()
        assert not page.locator("section.yq-audit").is_visible()
        assert not page.locator(".md-header").is_visible()
    finally:
        page.emulate_media(media="screen")
