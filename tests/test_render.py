"""The render stage: escaping at one place, safe links, sanitizing, pages for the demo office."""

from __future__ import annotations

from pathlib import Path

import pytest

from yuqing.history import History
from yuqing.model import parse_time
from yuqing.render import escape_text, render_site, safe_link, sanitize_html
from yuqing.render.context import relative_url
from yuqing.render.text import sanitize_page
from yuqing.repo import load_repository

PROJECT = Path(__file__).resolve().parents[1]
NOW = parse_time("2026-11-20T16:00:00+08:00")


@pytest.mark.parametrize("raw", [
    "<script>alert(1)</script>", "{: onclick=\"x\" }", "--8<-- \"mkdocs.yml\"", "{{ config }}",
    "[a](javascript:alert(1))", "# 标题", "| a | b |", "`code`", "*em* _em_", "&amp;", "![x](y)",
])
def test_escape_text_leaves_nothing_to_interpret(raw: str) -> None:
    out = escape_text(raw)
    for char in "<>{}[]()`*_#|&-!\"'":
        if char in raw:
            assert char not in out.replace("&#", "").replace(";", ""), (char, out)
    assert escape_text("温泉路 垃圾 abc 123") == "温泉路 垃圾 abc 123"


def test_escape_text_keeps_lines_and_drops_controls() -> None:
    assert escape_text("一\n二\x00\x1b") == "一&#10;二"
    assert escape_text(None) == ""


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "ftp://x/y",
                                 "//evil.example/x", "https://", "http://a b/"])
def test_safe_link_refuses_other_schemes(url: str) -> None:
    assert "<a" not in safe_link(url, "点我")


def test_safe_link_escapes_attribute() -> None:
    link = safe_link('https://e.example/x"onmouseover="alert(1)', "看")
    assert link.startswith('<a href="https&#58;')
    assert '"onmouseover' not in link


def test_sanitize_html_strips_active_content() -> None:
    dirty = ('<p onclick="x">a</p><script>alert(1)</script><a href="javascript:alert(1)">b</a>'
             '<img src="x" onerror="y"><div data-search-exclude class="k">c</div>')
    clean = sanitize_html(dirty)
    for bad in ("onclick", "<script", "javascript:", "onerror"):
        assert bad not in clean
    assert "data-search-exclude" in clean
    page = '<html><script src="bundle.js"></script><article class="md-content__inner md-typeset"><img src=x onerror=y></article></html>'
    assert '<script src="bundle.js">' in sanitize_page(page)
    assert "onerror" not in sanitize_page(page)


def test_relative_urls() -> None:
    assert relative_url("index.md", "cases/YQ-2026-0001.md") == "cases/YQ-2026-0001/"
    assert relative_url("cases/YQ-2026-0001.md", "units/x.md") == "../../units/x/"
    assert relative_url("cases/YQ-2026-0001.md", "index.md") == "../../"
    assert relative_url("units/index.md", "units/x.md") == "x/"
    assert relative_url("index.md", "assets/charts/trend.svg") == "assets/charts/trend.svg"


def test_demo_pages() -> None:
    repository = load_repository(PROJECT)
    pages = render_site(repository, NOW, history=History())
    for case in repository.cases:
        page = pages[f"cases/{case.id}.md"]
        assert page.startswith("---\ntitle: ")
        assert "data-search-exclude" in page
    for name in ("index.md", "archive/index.md", "registers/hazards.md", "registers/sources.md",
                 "reports/week.md", "reports/month.md", "assets/charts/trend.svg"):
        assert name in pages
    assert pages["assets/charts/trend.svg"].startswith("<svg")
    dashboard = pages["index.md"]
    assert "yq-overdue" in dashboard
    assert "已超期" in dashboard
    # Index pages are left out of the search index (they repeat titles).
    assert "search:\n  exclude: true" in pages["status/index.md"]
    assert "search:\n  exclude: true" not in pages[f"cases/{repository.cases[0].id}.md"]
