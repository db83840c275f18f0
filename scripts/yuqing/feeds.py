"""Fetched bytes → feed entries carrying plain text only.

We decode the bytes ourselves (BOM, the HTTP charset, the XML declaration, then UTF-8, then
GB18030 — a superset of GBK and GB2312 — for the many Chinese feeds that declare nothing), hand
feedparser clean UTF-8, and refuse what is not a well-formed RSS/Atom feed (an HTML login page, a
truncated document). Every string that leaves this module is plain text: markup stripped, entities
decoded, control characters, bidi overrides and lone surrogates dropped.
"""

from __future__ import annotations

import calendar
import codecs
import hashlib
import html
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import feedparser
import nh3

# Chinese legacy encodings are all read as GB18030: it decodes every GBK/GB2312 byte sequence,
# and real "GB2312" pages routinely contain GBK-only characters.
_ENCODING_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "gb18030": "gb18030",
    "csgb2312": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
}
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?\?>", re.IGNORECASE)
_DECL_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""", re.IGNORECASE)
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])",
    re.IGNORECASE | re.DOTALL,
)
_BLOCK = re.compile(r"(?i)<\s*/?\s*(?:br|p|div|li|tr|h[1-6]|blockquote)\b[^>]*>")
# C0/C1 controls except \t and \n (category Cc), bidi embeddings/overrides/isolates and marks,
# and surrogates (only lone ones can reach a str).
_UNWANTED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_BLANK_LINES = re.compile(r"\n{2,}")
EXCERPT_LIMIT = 500
GUID_LIMIT = 300
URL_LIMIT = 2000


class FeedError(Exception):
    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class FeedEntry:
    title: str
    text: str
    guid: str | None = None
    url: str | None = None  # http(s) only; anything else (javascript:, data:) is dropped
    author: str | None = None
    published: datetime | None = None  # aware (UTC)
    metrics: dict[str, int] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: tuple[FeedEntry, ...]
    encoding: str


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    key = name.strip().lower()
    key = _ENCODING_ALIASES.get(key, key)
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def decode_body(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Bytes → (text, encoding used). Tries BOM, HTTP charset, XML declaration, UTF-8, GB18030."""
    candidates: list[str | None] = []
    if body.startswith(codecs.BOM_UTF8):
        candidates.append("utf-8-sig")
    elif body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates.append("utf-16")
    if content_type and (m := _CHARSET.search(content_type)):
        candidates.append(_codec(m[1]))
    if (decl := _XML_DECL.match(body)) and (m := _DECL_ENCODING.search(decl[0])):
        candidates.append(_codec(m[1].decode("ascii")))
    candidates += ["utf-8", "gb18030"]
    for encoding in candidates:
        if encoding is None:
            continue
        try:
            return body.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("utf-8", errors="replace"), "utf-8 (有无法识别的字节)"


def clean_text(value: str) -> str:
    """Drop control characters (keeping newlines), bidi overrides, lone surrogates, NUL."""
    text = _UNWANTED.sub("", value.replace("\r\n", "\n").replace("\t", " "))
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n", text).strip()


def plain_text(value: str | None) -> str:
    """Markup (or text) from the web → plain text. Script and style contents are dropped."""
    if not value:
        return ""
    if "<" in value or "&" in value:
        value = _BLOCK.sub("\n", value)
        value = nh3.clean(value, tags=set(), attributes={}, clean_content_tags={"script", "style"})
        value = html.unescape(value)
    return clean_text(value)


def one_line(value: str, limit: int | None = None) -> str:
    text = " ".join(value.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _http_url(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    url = clean_text(value).strip()
    if len(url) > URL_LIMIT:
        return None
    if re.match(r"(?i)^https?://[^\s/?#]+", url) and not any(c.isspace() for c in url):
        return url
    return None


def _published(entry: feedparser.FeedParserDict) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    return None


def _metrics(entry: feedparser.FeedParserDict) -> dict[str, int]:
    metrics: dict[str, int] = {}
    for key, name in (("slash_comments", "comments"), ("thr_total", "comments")):
        value = entry.get(key)
        if isinstance(value, str) and value.strip().isdigit():
            metrics[name] = int(value.strip())
    return metrics


def _entry(raw: feedparser.FeedParserDict) -> FeedEntry:
    body = ""
    for content in raw.get("content") or ():
        body = content.get("value") or ""
        if body:
            break
    if not body:
        body = raw.get("summary") or raw.get("description") or ""
    guid = raw.get("id") or raw.get("guid")
    title = one_line(plain_text(raw.get("title")))
    text = plain_text(body)
    url = _http_url(raw.get("link"))
    published = _published(raw)
    if isinstance(guid, str) and guid.strip():
        guid = one_line(clean_text(guid))
        if len(guid) > GUID_LIMIT:  # a hostile feed must not bloat case files
            guid = "sha256:" + hashlib.sha256(guid.encode("utf-8")).hexdigest()[:32]
    elif url is None:
        # Neither guid nor link: a stable stand-in, so the entry is still recognised next time.
        seed = "\n".join((title, published.isoformat() if published else "", text[:500]))
        guid = "sha256:" + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:32]
    else:
        guid = None
    return FeedEntry(
        title=title,
        text=text,
        guid=guid,
        url=url,
        author=one_line(plain_text(raw.get("author"))) or None,
        published=published,
        metrics=_metrics(raw),
    )


def parse_feed(body: bytes, content_type: str | None = None) -> ParsedFeed:
    """Parse RSS/Atom bytes. Raises ``FeedError`` (Chinese message + hint) when it is not a feed."""
    if _HTML_START.match(body[:4096]):
        raise FeedError(
            "返回的是网页而不是 RSS/Atom 订阅（可能是登录页、验证码页或错误页）",
            "在浏览器中打开该地址检查；RSSHub 路由需要登录时请在自建 RSSHub 中配置 Cookie",
        )
    text, encoding = decode_body(body, content_type)
    text = text.lstrip("\ufeff")
    # The declaration's encoding no longer applies: we hand feedparser UTF-8.
    text = _XML_DECL.sub(b"", text.encode("utf-8"), count=1).decode("utf-8")
    data = text.encode("utf-8")
    # A file object, never a str/bytes: feedparser would treat a string as a URL or a file name.
    parsed = feedparser.parse(
        io.BytesIO(data),
        response_headers={"content-type": "application/xml; charset=utf-8"},
        sanitize_html=False,  # we strip all markup ourselves (nh3), more thoroughly and faster
        resolve_relative_uris=False,
    )
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        where = ""
        if exc is not None and hasattr(exc, "getLineNumber"):
            where = f"第 {exc.getLineNumber()} 行附近："
        raise FeedError(
            f"订阅内容不是格式正确的 XML（{where}{exc.__class__.__name__ if exc else '解析失败'}）",
            "订阅服务器返回了损坏或被截断的内容；稍后重试，或在浏览器中检查该地址",
        )
    if not parsed.get("version"):
        raise FeedError(
            "返回的内容不是 RSS/Atom 订阅",
            "检查 url 是否指向订阅地址（RSSHub 路由），而不是普通网页",
        )
    feed_title = one_line(plain_text(parsed.feed.get("title")))
    return ParsedFeed(feed_title, tuple(_entry(e) for e in parsed.entries), encoding)
