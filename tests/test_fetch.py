"""Fetching against a real HTTP server on 127.0.0.1: limits, redirects, retries, refusals."""

from __future__ import annotations

import pytest

from feedserver import (
    FeedServer,
    bomb,
    conditional,
    drip,
    drip_headers,
    fail_then,
    feed_server_fixture,  # noqa: F401  (fixture "feed_server")
    gzipped,
    huge,
    internal_server_fixture,  # noqa: F401  (fixture "internal_server")
    item,
    redirect,
    rss,
)
from yuqing.fetch import (
    FetchLimits,
    FetchRequest,
    fetch,
    fetch_all,
    is_public_address,
)

LOOPBACK = ("127.0.0.1",)
FAST = FetchLimits(
    connect_timeout=2,
    read_timeout=2,
    deadline=2,
    max_bytes=1024 * 1024,
    retries=2,
    backoff=0.05,
    max_retry_after=1,
)
FEED = rss(item("温泉路垃圾清运不及时", "https://example.org/p/1"))


def get(url: str, limits: FetchLimits = FAST, allow=LOOPBACK, **kw):
    return fetch(FetchRequest("src", url, **kw), limits, allow)


def test_good_feed(feed_server: FeedServer):
    url = feed_server.static("/feed.xml", FEED)
    result = get(url)
    assert result.status == "ok"
    assert result.body == FEED
    assert result.http_status == 200
    sent = dict(feed_server.headers_seen)["/feed.xml"]
    assert sent["Host"] == f"127.0.0.1:{feed_server.port}"
    assert "yuqing" in sent["User-Agent"]


def test_gzip_body_is_decoded(feed_server: FeedServer):
    url = feed_server.route("/gz.xml", gzipped(FEED))
    result = get(url)
    assert result.status == "ok"
    assert result.body == FEED


def test_loopback_refused_unless_allow_listed(feed_server: FeedServer):
    url = feed_server.static("/feed.xml", FEED)
    result = get(url, allow=())
    assert result.status == "error"
    assert "内部地址" in result.error
    assert "--allow-host 127.0.0.1" in result.hint
    assert feed_server.hits["/feed.xml"] == 0


def test_redirect_to_internal_address_refused(feed_server: FeedServer, internal_server: FeedServer):
    target = internal_server.static("/secret.xml", FEED)
    url = feed_server.route("/hop", redirect(target))
    result = get(url)
    assert result.status == "error"
    assert "127.0.0.2" in result.error
    assert internal_server.hits["/secret.xml"] == 0
    assert feed_server.hits["/hop"] == 1


def test_redirect_within_allowed_host_followed(feed_server: FeedServer):
    feed_server.static("/final.xml", FEED)
    feed_server.route("/r1", redirect("/r2", 301))
    url = feed_server.route("/r2", redirect(feed_server.url("/final.xml"), 307))
    result = get(feed_server.url("/r1"))
    assert result.status == "ok"
    assert result.final_url == feed_server.url("/final.xml")
    assert url


def test_redirect_loop(feed_server: FeedServer):
    feed_server.route("/a", redirect("/b"))
    feed_server.route("/b", redirect("/a"))
    result = get(feed_server.url("/a"))
    assert result.status == "error"
    assert "循环" in result.error


def test_too_many_redirects(feed_server: FeedServer):
    for n in range(8):
        feed_server.route(f"/hop{n}", redirect(f"/hop{n + 1}"))
    result = get(feed_server.url("/hop0"))
    assert result.status == "error"
    assert "重定向超过 5 次" in result.error
    assert feed_server.hits["/hop6"] == 0


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/feed", "file:///etc/passwd", "gopher://x/"])
def test_only_http_and_https(url: str):
    result = get(url)
    assert result.status == "error"
    assert "协议" in result.error


def test_redirect_to_other_scheme_refused(feed_server: FeedServer):
    url = feed_server.route("/to-file", redirect("file:///etc/passwd"))
    result = get(url)
    assert result.status == "error"
    assert "协议" in result.error


def test_not_modified(feed_server: FeedServer):
    url = feed_server.route("/c.xml", conditional(FEED))
    first = get(url)
    assert first.status == "ok"
    assert first.etag == '"v1"'
    second = get(url, etag=first.etag, last_modified=first.last_modified)
    assert second.status == "not_modified"
    assert second.body == b""
    assert second.etag == '"v1"'


def test_503_then_success(feed_server: FeedServer):
    url = feed_server.route("/flaky.xml", fail_then(FEED, 503))
    result = get(url)
    assert result.status == "ok"
    assert result.attempts == 2


def test_429_honours_retry_after(feed_server: FeedServer):
    url = feed_server.route("/busy.xml", fail_then(FEED, 429, headers={"Retry-After": "1"}))
    result = get(url)
    assert result.status == "ok"
    assert result.attempts == 2


def test_gives_up_after_retries(feed_server: FeedServer):
    url = feed_server.route("/down.xml", fail_then(FEED, 503, times=99))
    result = get(url)
    assert result.status == "error"
    assert "HTTP 503" in result.error
    assert feed_server.hits["/down.xml"] == FAST.retries + 1


def test_404_says_what_to_do(feed_server: FeedServer):
    result = get(feed_server.url("/missing"))
    assert result.status == "error"
    assert result.http_status == 404
    assert "路由" in result.hint


def test_drip_cut_by_total_deadline(feed_server: FeedServer):
    url = feed_server.route("/drip.xml", drip)
    result = get(url)
    assert result.status == "error"
    assert "总时限" in result.error


def test_dripping_headers_cut_by_total_deadline(feed_server: FeedServer):
    url = feed_server.route("/slow-headers.xml", drip_headers)
    result = get(url)
    assert result.status == "error"
    assert "总时限" in result.error


def test_50mb_body_cut_at_cap(feed_server: FeedServer):
    url = feed_server.route("/huge.xml", huge)
    result = get(url, limits=FetchLimits(deadline=30, max_bytes=1024 * 1024))
    assert result.status == "error"
    assert "上限" in result.error
    assert result.body == b""


def test_gzip_bomb_cut_at_cap(feed_server: FeedServer):
    url = feed_server.route("/bomb.xml", bomb)
    result = get(url, limits=FetchLimits(deadline=30, max_bytes=1024 * 1024))
    assert result.status == "error"
    assert "解压后" in result.error


def test_unreachable_port_is_an_error_not_an_exception():
    server = FeedServer()  # bound, never started: nobody answers, then closed
    url = server.url("/x")
    server._server.server_close()
    result = get(url)
    assert result.status == "error"
    assert result.error.startswith("无法连接 127.0.0.1:")


def test_fetch_all_keeps_order_and_isolates_failures(feed_server: FeedServer):
    good = feed_server.static("/good.xml", FEED)
    bad = feed_server.url("/nope")
    requests = [FetchRequest("a", good), FetchRequest("b", bad), FetchRequest("c", good)]
    results = fetch_all(requests, FAST, LOOPBACK, max_workers=3)
    assert [r.key for r in results] == ["a", "b", "c"]
    assert [r.status for r in results] == ["ok", "error", "ok"]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("127.0.0.2", False),
        ("10.1.2.3", False),
        ("192.168.1.1", False),
        ("172.16.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("224.0.0.1", False),
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
    ],
)
def test_public_address(address: str, public: bool):
    assert is_public_address(address) is public


def test_dns_answer_is_checked_and_pinned(feed_server: FeedServer):
    """A name resolving to loopback is refused; allow-listed, the connection goes to the address
    the check saw while Host names the original host."""
    url = f"http://feeds.example.test:{feed_server.port}/feed.xml"
    feed_server.static("/feed.xml", FEED)

    def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    refused = fetch(FetchRequest("s", url), FAST, (), resolve)
    assert refused.status == "error"
    assert "feeds.example.test" in refused.error
    allowed = fetch(FetchRequest("s", url), FAST, ("feeds.example.test",), resolve)
    assert allowed.status == "ok"
    assert (
        dict(feed_server.headers_seen)["/feed.xml"]["Host"]
        == f"feeds.example.test:{feed_server.port}"
    )
