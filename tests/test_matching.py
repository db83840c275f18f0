"""Keyword matching across scripts and widths; URL normalization; near-duplicates."""

from __future__ import annotations

import pytest

from yuqing.matching import (
    DuplicateIndex,
    KeywordRule,
    entry_keys,
    normalize,
    normalize_url,
    similarity,
    title_key,
    urls_in_note,
)


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("溫泉街道湯泉村路燈壞了", "温泉街道"),  # traditional text, simplified keyword
        ("温泉街道汤泉村", "溫泉街道"),  # simplified text, traditional keyword
        ("温泉 街道的垃圾", "温泉街道"),  # spaces inside
        ("ＷＥＮＱＵＡＮ ｓｔｒｅｅｔ", "wenquan"),  # full-width and case
        ("１２３４５热线", "12345"),
        ("温\u200b泉街道", "温泉街道"),  # zero-width space hidden inside
    ],
)
def test_keyword_matches_across_forms(text: str, keyword: str):
    assert KeywordRule.of([keyword]).match(text) == (keyword,)


def test_exclude_wins():
    rule = KeywordRule.of(["温泉街道"], ["出售"])
    assert rule.match("温泉街道 出售二手车") == ()
    assert rule.match("溫泉街道", "正文") == ("温泉街道",)


def test_no_match_and_empty_keywords_ignored():
    rule = KeywordRule.of(["温泉", " "])
    assert rule.keywords == ("温泉",)
    assert rule.match("汤泉村") == ()


def test_normalize_is_stable():
    assert normalize("溫泉ＡＢＣ") == normalize(normalize("溫泉ＡＢＣ")) == "温泉abc"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://tieba.baidu.com/p/1?utm_source=rss#reply", "http://TIEBA.baidu.com/p/1/"),
        ("https://x.org:443/a?b=2&a=1", "https://x.org/a?a=1&b=2"),
        (
            "http://liuyan.people.com.cn/threads/content?tid=1&spm=abc",
            "http://liuyan.people.com.cn/threads/content?tid=1",
        ),
    ],
)
def test_same_post_same_url(a: str, b: str):
    assert normalize_url(a) == normalize_url(b)


def test_different_posts_differ():
    assert normalize_url("https://x.org/p?tid=1") != normalize_url("https://x.org/p?tid=2")
    assert normalize_url(None) is None


def test_title_key_ignores_punctuation_and_script():
    assert title_key("溫泉路：垃圾，清運！") == title_key("温泉路垃圾清运")


def test_similarity_of_repeat_reports():
    original = title_key("居民再次反映温泉路垃圾站异味，要求搬迁垃圾中转站")
    repeat = title_key("温泉路垃圾站异味太大，要求搬迁垃圾中转站")
    other = title_key("龙岗社区6号楼电梯反复故障，老人上下楼困难")
    assert similarity(original, repeat) >= 0.5
    assert similarity(original, other) < 0.5


def test_duplicate_index():
    index = DuplicateIndex()
    index.remember("YQ-2026-0001", "guid-1", "https://x.org/p/1?utm_source=a")
    index.add_case("YQ-2026-0001", "温泉路垃圾清运不及时，居民反映异味严重", open_=True)
    index.add_case("YQ-2026-0002", "汤泉村低保评定结果迟迟不公示", open_=False)
    assert index.seen("guid-1", None) == ("guid", "YQ-2026-0001")
    assert index.seen(None, "http://x.org/p/1") == ("url", "YQ-2026-0001")
    assert index.seen("guid-2", "https://x.org/p/2") is None
    open_match, closed_match = index.similar_cases("温泉路垃圾清运不及时，异味严重")
    assert open_match is not None
    assert open_match[0] == "YQ-2026-0001"
    assert closed_match is None
    open_match, closed_match = index.similar_cases("汤泉村低保评定结果为何迟迟不公示")
    assert open_match is None
    assert closed_match is not None
    assert closed_match[0] == "YQ-2026-0002"
    assert index.similar_cases("短") == (None, None)


def test_state_keys_and_note_urls():
    assert entry_keys("g", "https://x.org/a/") == ["guid:g", "url:x.org/a"]
    index = DuplicateIndex()
    index.remember_key("url:x.org/a")
    assert index.seen(None, "http://x.org/a") == ("url", "")
    assert urls_in_note("https://x.org/p/9 （重复反映：标题）") == ["https://x.org/p/9"]
    assert urls_in_note("别的备注 https://x.org") == []
