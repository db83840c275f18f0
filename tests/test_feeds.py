"""Feed bytes → entries of plain text: encodings, non-feeds, hostile markup."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feedserver import item, rss
from yuqing.feeds import FeedError, clean_text, decode_body, parse_feed, plain_text

POST = item(
    "温泉路垃圾清运不及时",
    "https://tieba.baidu.com/p/1",
    "<p>垃圾桶满了</p><p>请尽快清运</p>",
    pub="Wed, 18 Nov 2026 08:12:00 +0800",
    author="温泉居民小李",
)


def test_utf8_feed():
    feed = parse_feed(rss(POST, title="温泉吧"), "application/rss+xml; charset=utf-8")
    assert feed.title == "温泉吧"
    (entry,) = feed.entries
    assert entry.title == "温泉路垃圾清运不及时"
    assert entry.text == "垃圾桶满了\n请尽快清运"
    assert entry.guid == "https://tieba.baidu.com/p/1"
    assert entry.url == "https://tieba.baidu.com/p/1"
    assert entry.author == "温泉居民小李"
    assert entry.published == datetime(2026, 11, 18, 0, 12, tzinfo=UTC)


@pytest.mark.parametrize("declared", ["GBK", "GB2312", "gb18030"])
def test_gbk_feed_declared(declared: str):
    body = rss(POST, encoding=declared)
    assert "温泉".encode() not in body  # really GBK bytes
    feed = parse_feed(body, "text/xml")
    assert feed.entries[0].title == "温泉路垃圾清运不及时"


def test_gbk_feed_without_any_declaration():
    body = rss(POST, encoding="GBK", declare=False)
    feed = parse_feed(body, "application/xml")
    assert feed.encoding == "gb18030"
    assert feed.entries[0].text.startswith("垃圾桶满了")


def test_gbk_only_characters_survive_a_gb2312_label():
    # 镕 and 喆 are in GBK but not in GB2312: a "GB2312" page must still decode them.
    body = rss(item("朱镕基 陶喆", "g1"), encoding="GB2312")
    assert parse_feed(body).entries[0].title == "朱镕基 陶喆"


def test_header_charset_wins_when_it_decodes():
    text, encoding = decode_body("温泉".encode("gbk"), "text/xml; charset=GBK")
    assert (text, encoding) == ("温泉", "gb18030")


def test_traditional_characters_are_kept_as_written():
    feed = parse_feed(rss(item("溫泉街道湯泉村路燈壞了", "g2")))
    assert feed.entries[0].title == "溫泉街道湯泉村路燈壞了"


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><head><title>\xe7\x99\xbb\xe5\xbd\x95</title></head><body>login</body></html>",
        b"  <html><body><form action=/login></form></body></html>",
    ],
)
def test_html_login_page_is_not_a_feed(body: bytes):
    with pytest.raises(FeedError) as info:
        parse_feed(body, "text/html; charset=utf-8")
    assert "网页" in info.value.message
    assert info.value.hint


def test_malformed_xml_is_an_error():
    with pytest.raises(FeedError) as info:
        parse_feed(b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>x</channel>')
    assert "XML" in info.value.message


def test_json_is_not_a_feed():
    with pytest.raises(FeedError):
        parse_feed(b'{"items": []}', "application/json")


def test_body_that_looks_like_a_path_is_not_opened():
    # feedparser opens a str/bytes argument as a file name; we always hand it a stream.
    with pytest.raises(FeedError):
        parse_feed(b"/etc/passwd")


HOSTILE = item(
    '<script>alert("t")</script>标题<img src=x onerror="alert(1)">',
    "g-hostile",
    '<p onclick="alert(2)">正文</p><script>document.cookie</script>'
    '<a href="javascript:alert(3)">链接</a><iframe src="https://evil.example/"></iframe>'
    "<p>{: onclick=alert(4)}</p><style>body{display:none}</style>",
    link="javascript:alert(5)",
    author="<b>坏人</b>",
)


def test_hostile_markup_becomes_inert_plain_text():
    (entry,) = parse_feed(rss(HOSTILE)).entries
    for text in (entry.title, entry.text, entry.author or ""):
        assert "<" not in text
        assert "alert(1)" not in text
        assert "document.cookie" not in text
        assert "javascript:" not in text
        assert "display:none" not in text
    assert entry.title == "标题"
    assert entry.text == "正文\n链接\n{: onclick=alert(4)}"  # attribute-list syntax stays text
    assert entry.author == "坏人"
    assert entry.url is None  # a javascript: link is dropped, not stored


def test_control_characters_bidi_and_surrogates_dropped():
    assert clean_text("a\x00b\x07c\u202ed\ud800e\r\nf") == "abcde\nf"


def test_entities_decoded_once():
    assert plain_text("A &amp;lt;b&amp;gt; &#x6e29;") == "A &lt;b&gt; 温"


def test_slash_comments_become_metrics():
    body = rss(item("温泉", "g3", extra="<slash:comments>120</slash:comments>"))
    assert parse_feed(body).entries[0].metrics == {"comments": 120}


def test_entry_without_guid_or_link_gets_a_stable_identity():
    bare = "<item><title>温泉街道路灯坏了</title><description>一周了</description></item>"
    first = parse_feed(rss(bare)).entries[0].guid
    assert first is not None
    assert first.startswith("sha256:")
    assert parse_feed(rss(bare)).entries[0].guid == first
