"""Fetch feeds over HTTP without trusting the other end.

Every source gets connect and read timeouts plus a total deadline (retries included), a cap on the
*decoded* body (we decompress ourselves, so a gzip bomb stops at the cap), at most a few redirects
that we follow by hand so every hop is checked, http/https only, and no request to private,
loopback, link-local or reserved addresses unless the host is allow-listed. Each hop's name is
resolved once by our own httpcore network backend, checked, and the socket connects to exactly
that address (``Host``, SNI and certificate checks keep the name), so DNS cannot answer
differently in between. The same backend gives every socket operation only the time left before
the source's total deadline.

Results are values: a failure is a ``FetchResult`` with a Chinese message and a hint, never an
exception, so one bad source never stops the others.
"""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import httpcore
import httpx

from yuqing import __version__

USER_AGENT = f"yuqing/{__version__} (feed reader for public-opinion case tracking)"
T = TypeVar("T")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class FetchLimits:
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 60.0  # per source, redirects and retries included
    max_bytes: int = 10 * 1024 * 1024  # after decompression
    max_redirects: int = 5
    retries: int = 2
    backoff: float = 1.0  # first wait; doubles each retry
    max_retry_after: float = 30.0  # Retry-After above this is cut to this


DEFAULT_LIMITS = FetchLimits()
_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept-Encoding": "gzip, deflate",
    "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
    "text/xml;q=0.8, */*;q=0.1",
}


@dataclass(frozen=True)
class FetchRequest:
    key: str  # the source id, carried through to the result
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchResult:
    key: str
    url: str
    status: Literal["ok", "not_modified", "error"]
    body: bytes = field(default=b"", repr=False)
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None
    http_status: int | None = None
    attempts: int = 0
    error: str | None = None  # Chinese, for people
    hint: str | None = None  # what to do about it


class FetchError(Exception):
    def __init__(self, message: str, hint: str | None = None, http_status: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.http_status = http_status


class _Retry(Exception):
    def __init__(self, status: int, wait: float):
        super().__init__(status)
        self.status = status
        self.wait = wait


def normalize_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for *_, sockaddr in infos:
        address = str(sockaddr[0]).split("%")[0]
        if address not in seen:
            seen.append(address)
    return seen


def _check_scheme(url: httpx.URL) -> None:
    if url.scheme not in ("http", "https"):
        raise FetchError(
            f"不支持的地址协议 {url.scheme or '（空）'}:，只能抓取 http/https",
            "把 url 改成 http:// 或 https:// 开头的订阅地址",
        )


def checked_address(host: str, port: int, allow_hosts: frozenset[str], resolve: Resolver) -> str:
    """Resolve ``host`` once and return the address to connect to, or refuse an internal one."""
    name = normalize_host(host)
    if not name:
        raise FetchError("订阅地址缺少主机名", "检查 sources.yml 中的 url")
    try:
        addresses = [str(ipaddress.ip_address(name))]
    except ValueError:
        try:
            addresses = resolve(name, port)
        except (OSError, UnicodeError) as exc:
            raise FetchError(
                f"无法解析域名 {name}（{exc.__class__.__name__}）",
                "检查域名是否写错、本机能否访问 DNS",
            ) from None
    if not addresses:
        raise FetchError(f"域名 {name} 没有可用的地址", "检查域名是否写错")
    if name not in allow_hosts:
        internal = [a for a in addresses if not is_public_address(a)]
        if internal:
            raise FetchError(
                f"拒绝访问内部地址：{name} 解析为 {', '.join(internal)}"
                "（内网、回环、链路本地或保留地址）",
                f"若这是本单位自建的 RSSHub，请在 sources.yml 的 allow_hosts 中加入 {name}，"
                f"或运行时加 --allow-host {name}",
            )
    return addresses[0]


class _GuardedStream(httpcore.NetworkStream):
    """Every socket operation gets at most the time left before the source's total deadline, so
    a server dripping bytes (in headers or body) cannot hold a fetch open past it."""

    def __init__(self, inner: httpcore.NetworkStream, deadline_at: float):
        self._inner = inner
        self._deadline_at = deadline_at

    def _timeout(self, timeout: float | None) -> float:
        remaining = self._deadline_at - time.monotonic()
        if remaining <= 0:
            raise httpcore.ReadTimeout("total deadline reached")
        return remaining if timeout is None else min(timeout, remaining)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._timeout(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._timeout(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, self._timeout(timeout))
        return _GuardedStream(inner, self._deadline_at)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend with two rules: the name is resolved here, checked, and the
    socket connects to exactly that address (no second DNS answer); and the total deadline."""

    def __init__(self, allow_hosts: frozenset[str], resolve: Resolver, deadline_at: float):
        self._inner = httpcore.SyncBackend()
        self._allow_hosts = allow_hosts
        self._resolve = resolve
        self._deadline_at = deadline_at

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        address = checked_address(host, port, self._allow_hosts, self._resolve)
        remaining = self._deadline_at - time.monotonic()
        if remaining <= 0:
            raise httpcore.ConnectTimeout("total deadline reached")
        stream = self._inner.connect_tcp(
            address,
            port,
            remaining if timeout is None else min(timeout, remaining),
            local_address,
            socket_options,
        )
        return _GuardedStream(stream, self._deadline_at)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise FetchError("不支持 Unix 套接字地址", "使用 http:// 或 https:// 地址")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _ByteStream(httpx.SyncByteStream):
    def __init__(self, inner: Any):
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        if hasattr(self._inner, "close"):
            self._inner.close()


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport on an httpcore pool that uses ``_GuardedBackend`` (public APIs only)."""

    def __init__(self, allow_hosts: Iterable[str], resolve: Resolver, deadline_at: float):
        backend = _GuardedBackend(
            frozenset(normalize_host(h) for h in allow_hosts), resolve, deadline_at
        )
        self._pool = httpcore.ConnectionPool(network_backend=backend, retries=0)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        req = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        resp = self._pool.handle_request(req)
        return httpx.Response(
            status_code=resp.status,
            headers=resp.headers,
            stream=_ByteStream(resp.stream),
            extensions=resp.extensions,
        )

    def close(self) -> None:
        self._pool.close()


def _retry_after(value: str | None, now: float | None = None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class _Decompressor:
    """Content-Encoding gzip/deflate, never producing more than ``limit`` bytes per call, so a
    gzip bomb costs at most the cap in memory (zlib's ``max_length``)."""

    def __init__(self, encoding: str):
        parts = [p.strip().lower() for p in encoding.split(",") if p.strip()]
        parts = [p for p in parts if p != "identity"]
        self.active = bool(parts)
        if parts and (len(parts) > 1 or parts[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError(
                f"服务器使用了不支持的压缩方式 {encoding}",
                "请让订阅服务器返回不压缩或 gzip 压缩的内容",
            )
        # 47 = auto-detect gzip or zlib header; deflate is zlib-wrapped per RFC 9110.
        self._state = zlib.decompressobj(47) if self.active else None

    def feed(self, chunk: bytes, limit: int) -> bytes:
        if self._state is None:
            return chunk
        try:
            out = self._state.decompress(chunk, limit)
            while len(out) < limit and self._state.unconsumed_tail:
                out += self._state.decompress(self._state.unconsumed_tail, limit - len(out))
        except zlib.error:
            raise FetchError(
                "订阅内容的压缩数据损坏，无法解压", "稍后重试；若持续出现请检查订阅服务器"
            ) from None
        return out


def _read_body(response: httpx.Response, limits: FetchLimits, deadline_at: float) -> bytes:
    decompressor = _Decompressor(response.headers.get("content-encoding", ""))
    out = bytearray()
    cap = limits.max_bytes
    for chunk in response.iter_raw():
        if time.monotonic() > deadline_at:
            raise _too_slow(limits)
        out += decompressor.feed(chunk, cap - len(out) + 1)
        if len(out) > cap:
            size = f"{cap / 1024 / 1024:g} MB" if cap >= 1024 * 1024 else f"{cap} 字节"
            raise FetchError(
                f"订阅内容（解压后）超过 {size} 上限，已中止下载",
                "这不像正常的订阅源；请检查地址，或减少该路由返回的条目数（如 ?limit=50）",
            )
    if time.monotonic() > deadline_at:
        raise _too_slow(limits)
    return bytes(out)


def _too_slow(limits: FetchLimits) -> FetchError:
    return FetchError(
        f"超过总时限 {limits.deadline:g} 秒仍未完成",
        "订阅服务器响应过慢；稍后重试，或检查自建 RSSHub 的运行状态",
    )


def _http_error(status: int) -> FetchError:
    hints = {
        401: "该地址需要登录；RSSHub 路由可能需要配置 Cookie，请在自建 RSSHub 中配置",
        403: "访问被拒绝；检查自建 RSSHub 的访问控制（ACCESS_KEY）或目标网站的反爬限制",
        404: "地址不存在；检查 RSSHub 路由是否写错（参见 docs.rsshub.app）",
        410: "该订阅已下线；从 sources.yml 中停用（enabled: false）或更换地址",
    }
    return FetchError(
        f"服务器返回 HTTP {status}",
        hints.get(status, "检查订阅地址；若是服务器故障请稍后重试"),
        http_status=status,
    )


def _attempt(
    client: httpx.Client, request: FetchRequest, limits: FetchLimits, deadline_at: float
) -> FetchResult:
    url = httpx.URL(request.url)
    visited = {str(url)}
    for hop in range(limits.max_redirects + 1):
        _check_scheme(url)
        remaining = deadline_at - time.monotonic()
        if remaining <= 0:
            raise _too_slow(limits)
        timeout = httpx.Timeout(
            connect=min(limits.connect_timeout, remaining),
            read=min(limits.read_timeout, remaining),
            write=min(limits.read_timeout, remaining),
            pool=min(limits.connect_timeout, remaining),
        )
        headers = {}
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        req = client.build_request("GET", url, headers=headers, timeout=timeout)
        response = client.send(req, stream=True)
        try:
            status = response.status_code
            if status in REDIRECT_STATUSES:
                location = response.headers.get("location")
                if not location:
                    raise FetchError(f"HTTP {status} 重定向缺少 Location", "检查订阅地址")
                if hop == limits.max_redirects:
                    raise FetchError(
                        f"重定向超过 {limits.max_redirects} 次",
                        "直接把最终的订阅地址写进 sources.yml",
                    )
                url = url.join(location)
                if str(url) in visited:
                    raise FetchError("重定向形成循环", "订阅服务器配置有误；检查地址或联系其维护者")
                visited.add(str(url))
                continue
            if status == 304:
                return FetchResult(
                    request.key,
                    request.url,
                    "not_modified",
                    etag=response.headers.get("etag") or request.etag,
                    last_modified=response.headers.get("last-modified") or request.last_modified,
                    final_url=str(url),
                    http_status=304,
                )
            if status in RETRY_STATUSES:
                wait = _retry_after(response.headers.get("retry-after"))
                raise _Retry(status, 0.0 if wait is None else wait)
            if status >= 400 or status < 200 or status == 204:
                raise _http_error(status)
            body = _read_body(response, limits, deadline_at)
            return FetchResult(
                request.key,
                request.url,
                "ok",
                body=body,
                content_type=response.headers.get("content-type"),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                final_url=str(url),
                http_status=status,
            )
        finally:
            response.close()
    raise AssertionError("unreachable")  # pragma: no cover


_TIMEOUTS = (httpx.TimeoutException, httpcore.TimeoutException)
_NETWORK = (
    httpx.HTTPError,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    OSError,
    ValueError,
)


def fetch(
    request: FetchRequest,
    limits: FetchLimits = DEFAULT_LIMITS,
    allow_hosts: Iterable[str] = (),
    resolve: Resolver = system_resolver,
) -> FetchResult:
    """Fetch one feed. Never raises for network or server trouble: the result says what happened."""
    deadline_at = time.monotonic() + limits.deadline
    transport = GuardedTransport(allow_hosts, resolve, deadline_at)
    attempts = 0
    with httpx.Client(
        transport=transport, follow_redirects=False, trust_env=False, headers=_HEADERS
    ) as client:
        while True:
            attempts += 1
            try:
                return _with_attempts(_attempt(client, request, limits, deadline_at), attempts)
            except _Retry as retry:
                wait = min(
                    max(retry.wait, limits.backoff * 2 ** (attempts - 1)), limits.max_retry_after
                )
                if attempts > limits.retries or time.monotonic() + wait > deadline_at:
                    return _failure(request, attempts, _gave_up(retry, attempts))
                time.sleep(wait)
            except FetchError as exc:
                return _failure(request, attempts, exc)
            except _TIMEOUTS as exc:
                if time.monotonic() >= deadline_at:
                    return _failure(request, attempts, _too_slow(limits))
                connect = isinstance(exc, httpx.ConnectTimeout | httpcore.ConnectTimeout)
                return _failure(
                    request,
                    attempts,
                    FetchError(
                        f"{'连接' if connect else '读取'}超时",
                        "订阅服务器响应过慢或不可达；稍后重试，检查网络与地址",
                    ),
                )
            except _NETWORK as exc:
                return _failure(request, attempts, _network_error(exc, request.url))


def _network_error(exc: Exception, url: str) -> FetchError:
    try:
        where = httpx.URL(url).netloc.decode("ascii")
    except (httpx.InvalidURL, UnicodeError, ValueError):
        where = url
    detail = str(exc)
    if "CERTIFICATE" in detail.upper() or "SSL" in detail.upper():
        return FetchError(
            f"{where} 的 HTTPS 证书校验失败",
            "确认证书有效且未过期；内网自签证书请把签发机构证书加入本机信任列表",
        )
    if isinstance(exc, httpx.ConnectError | httpcore.ConnectError | ConnectionError):
        return FetchError(
            f"无法连接 {where}",
            "确认地址和端口正确、订阅服务器（如自建 RSSHub）正在运行、本机网络能访问它",
        )
    if isinstance(exc, httpx.RemoteProtocolError | httpcore.ProtocolError):
        return FetchError(f"{where} 的响应不符合 HTTP 协议", "检查地址是否指向网站或 RSSHub")
    return FetchError(
        f"与 {where} 通信时出错（{exc.__class__.__name__}）", "稍后重试；若持续出现请检查网络"
    )


def _gave_up(retry: _Retry, attempts: int) -> FetchError:
    word = (
        "请求过于频繁 (HTTP 429)"
        if retry.status == 429
        else f"服务器暂时故障 (HTTP {retry.status})"
    )
    return FetchError(
        f"{word}，重试 {attempts - 1} 次后仍失败",
        "稍后再运行；若是自建 RSSHub，检查其日志与目标网站的访问频率限制",
        http_status=retry.status,
    )


def _with_attempts(result: FetchResult, attempts: int) -> FetchResult:
    return FetchResult(**{**result.__dict__, "attempts": attempts})


def _failure(request: FetchRequest, attempts: int, exc: FetchError) -> FetchResult:
    return FetchResult(
        request.key,
        request.url,
        "error",
        attempts=attempts,
        http_status=exc.http_status,
        error=exc.message,
        hint=exc.hint,
    )


def fetch_all(
    requests: Sequence[FetchRequest],
    limits: FetchLimits = DEFAULT_LIMITS,
    allow_hosts: Iterable[str] = (),
    max_workers: int = 8,
    resolve: Resolver = system_resolver,
    then: Callable[[FetchResult], T] | None = None,
) -> list[FetchResult] | list[T]:
    """Fetch many feeds at once (bounded threads); results come back in the order asked.

    ``then`` runs on each result in the same worker thread (e.g. parsing), so one source's
    processing overlaps with the others' network waits."""
    allowed = tuple(allow_hosts)
    if not requests:
        return []

    def work(request: FetchRequest) -> Any:
        result = fetch(request, limits, allowed, resolve)
        return result if then is None else then(result)

    workers = max(1, min(max_workers, len(requests)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="yuqing-fetch") as pool:
        return list(pool.map(work, requests))
