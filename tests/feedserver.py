"""A real HTTP server on a loopback address for feed tests (no mocks of the network).

    from feedserver import feed_server_fixture  # noqa: F401  (registers the fixture "feed_server")

    def test_x(feed_server):
        feed_server.static("/a.xml", b"<rss ...>", "application/rss+xml")
        url = feed_server.url("/a.xml")

Routes are plain functions of the request handler, so a test can drip bytes, stream a 50 MB
body generated on the fly, redirect, or count attempts. Every request is recorded in ``hits``.
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

import pytest

Route = Callable[["Handler"], None]


class Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        owner = self.server.owner
        with owner.lock:
            owner.hits[path] += 1
            owner.headers_seen.append((path, dict(self.headers.items())))
        route = owner.routes.get(path)
        if route is None:
            self.reply(404, b"not found", "text/plain")
            return
        # The client hanging up is what should happen to drips and bombs.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route(self)

    def reply(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many concurrent fetchers must not overflow the listen backlog
    owner: FeedServer

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up on hostile routes is the expected outcome, not noise to print


class FeedServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.headers_seen: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self._server = _Server((host, port), Handler)
        self._server.owner = self
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, fn: Route) -> str:
        self.routes[path] = fn
        return self.url(path)

    def static(
        self,
        path: str,
        body: bytes,
        content_type: str | None = "application/rss+xml",
        headers: dict[str, str] | None = None,
        status: int = 200,
    ) -> str:
        return self.route(path, lambda h: h.reply(status, body, content_type, headers))

    def directory(self, prefix: str, folder: Path, content_type: str = "application/xml") -> None:
        """Serve every file under ``folder`` at ``prefix + relative path`` (like the demo runner)."""
        for file in folder.rglob("*"):
            if file.is_file():
                self.static(
                    prefix + file.relative_to(folder).as_posix(), file.read_bytes(), content_type
                )


# --- hostile and flaky routes ------------------------------------------------------------------


def drip(h: Handler, total: int = 60) -> None:
    """Headers at once, then one byte a second: only a total deadline ends this."""
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Content-Length", str(total))
    h.end_headers()
    for _ in range(total):
        h.wfile.write(b" ")
        h.wfile.flush()
        time.sleep(1)


def drip_headers(h: Handler, total: int = 60) -> None:
    """The status line, then header bytes one a second: the deadline must cover headers too."""
    h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    for _ in range(total):
        h.wfile.write(b"a")
        h.wfile.flush()
        time.sleep(1)


def huge(h: Handler, size: int = 50 * 1024 * 1024) -> None:
    """A 50 MB body generated on the fly (never stored)."""
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Content-Length", str(size))
    h.end_headers()
    chunk = b"<!-- padding -->" * 4096
    sent = 0
    while sent < size:
        piece = chunk[: size - sent]
        h.wfile.write(piece)
        sent += len(piece)


@lru_cache(maxsize=1)
def gzip_bomb(expanded: int = 100 * 1024 * 1024) -> bytes:
    """~100 KB of gzip that inflates to 100 MB of zeros, built in memory."""
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)
    block = bytes(1024 * 1024)
    out = [comp.compress(block) for _ in range(expanded // len(block))]
    out.append(comp.flush())
    return b"".join(out)


def bomb(h: Handler) -> None:
    h.reply(200, gzip_bomb(), "application/rss+xml", {"Content-Encoding": "gzip"})


def gzipped(body: bytes) -> Route:
    data = gzip.compress(body)
    return lambda h: h.reply(200, data, "application/rss+xml", {"Content-Encoding": "gzip"})


def redirect(location: str, status: int = 302) -> Route:
    return lambda h: h.reply(status, b"", "text/plain", {"Location": location})


def fail_then(
    body: bytes, status: int = 503, times: int = 1, headers: dict[str, str] | None = None
) -> Route:
    """``status`` for the first ``times`` requests, then the feed."""
    count = [0]

    def route(h: Handler) -> None:
        count[0] += 1
        if count[0] <= times:
            h.reply(status, b"busy", "text/plain", headers)
        else:
            h.reply(200, body, "application/rss+xml")

    return route


def conditional(
    body: bytes, etag: str = '"v1"', last_modified: str = "Fri, 20 Nov 2026 07:30:00 GMT"
) -> Route:
    """200 with validators; 304 when the client sends them back."""

    def route(h: Handler) -> None:
        if (
            h.headers.get("If-None-Match") == etag
            or h.headers.get("If-Modified-Since") == last_modified
        ):
            h.send_response(304)
            h.send_header("ETag", etag)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        h.reply(200, body, "application/rss+xml", {"ETag": etag, "Last-Modified": last_modified})

    return route


def rss(
    *items: str, title: str = "测试订阅", encoding: str = "UTF-8", declare: bool = True
) -> bytes:
    """An RSS 2.0 document (RSSHub's shape) from item XML fragments."""
    decl = f'<?xml version="1.0" encoding="{encoding}"?>\n' if declare else ""
    text = (
        f'{decl}<rss version="2.0" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">'
        f"<channel><title>{title}</title><link>https://example.org/</link>"
        f"<description>{title} - Powered by RSSHub</description>{''.join(items)}</channel></rss>"
    )
    return text.encode("gb18030" if encoding.lower() in ("gbk", "gb2312", "gb18030") else "utf-8")


def item(
    title: str,
    guid: str,
    description: str = "",
    *,
    link: str | None = None,
    pub: str = "Thu, 19 Nov 2026 02:00:00 GMT",
    author: str = "网友",
    extra: str = "",
) -> str:
    link = guid if link is None else link
    return (
        f"<item><title><![CDATA[{title}]]></title>"
        f"<description><![CDATA[{description}]]></description>"
        f'<link>{link}</link><guid isPermaLink="false">{guid}</guid>'
        f"<pubDate>{pub}</pubDate><author><![CDATA[{author}]]></author>{extra}</item>"
    )


@pytest.fixture(name="feed_server")
def feed_server_fixture() -> Iterator[FeedServer]:
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(name="internal_server")
def internal_server_fixture() -> Iterator[FeedServer]:
    """A second server on 127.0.0.2: the "internal address" a redirect must not reach."""
    server = FeedServer("127.0.0.2").start()
    try:
        yield server
    finally:
        server.stop()
