"""The one place where values become page text, and where page HTML is sanitized.

Every value interpolated into a page goes through ``escape_text``: it turns each ASCII character
that is not a letter, digit or space into a numeric character reference. Browsers show the same
text, but nothing is left for Markdown, attribute lists (``{: …}``), snippets (``--8<--``),
macros (``{{ … }}``) or HTML to act on. Links go through ``safe_link`` (http/https only).
The final content HTML is sanitized with nh3 as a second wall.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from urllib.parse import urlsplit

import nh3

_SPECIAL = re.compile(r"[^A-Za-z0-9 \u0080-\U0010ffff]|[\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _reference(match: re.Match[str]) -> str:
    return f"&#{ord(match.group(0))};"


def escape_text(value: object) -> str:
    """Any value → inert text for HTML and Markdown alike (newlines kept as ``&#10;``)."""
    if value is None:
        return ""
    text = _CONTROL.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return _SPECIAL.sub(_reference, text)


def is_web_url(url: object) -> bool:
    if not isinstance(url, str) or any(c.isspace() or ord(c) < 32 for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def safe_link(url: object, label: object = None) -> str:
    """A link to an outside page when ``url`` is http(s); otherwise just the text, inert."""
    text = escape_text(label if label not in (None, "") else url)
    if not is_web_url(url):
        return text
    return f'<a href="{escape_text(url)}" class="yq-out" target="_blank">{text}</a>'


def local_link(href: str, label: object) -> str:
    """A link to one of our own pages; ``href`` is computed by us from ids, never from web text."""
    return f'<a href="{escape_text(href)}">{escape_text(label)}</a>'


def fmt_time(moment: datetime | None, tz: tzinfo, *, seconds: bool = False) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def fmt_duration(hours: float) -> str:
    if hours < 1:
        return f"{max(1, round(hours * 60))} 分钟"
    if hours < 48:
        return f"{hours:.1f} 小时"
    return f"{hours / 24:.1f} 天"


# --- sanitizing ------------------------------------------------------------------------------

_TAGS = {
    "a", "abbr", "article", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd",
    "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "nav", "ol", "p", "pre", "s",
    "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "u", "ul",
}
_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "data-search-exclude"},
    "a": {"href", "target"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "ol": {"start", "reversed"},
}


def sanitize_html(html: str) -> str:
    """Content HTML → the same with only harmless tags, attributes and http(s)/relative links."""
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_ARTICLE = re.compile(
    r'(<article\b[^>]*class="[^"]*md-content__inner[^"]*"[^>]*>)(.*?)(</article>)', re.S
)


def sanitize_page(page_html: str) -> str:
    """A whole themed page (Zensical output): sanitize the article body, keep the theme."""
    return _ARTICLE.sub(lambda m: m.group(1) + sanitize_html(m.group(2)) + m.group(3), page_html)
