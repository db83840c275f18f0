"""The strict YAML loader: values, refusals with Chinese problems, positions, robustness."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import yaml

from conftest import large_yaml, nested_yaml
from yuqing.loader import MAX_BYTES, MAX_DEPTH, Document, load, loads, locate, locates
from yuqing.problems import Problem

INVALID = Path(__file__).parent / "fixtures" / "invalid" / "yaml"
CJK = re.compile("[\u4e00-\u9fff]")

# file name → (code, line, column, field)
EXPECTED = {
    "alias-bomb.yml": ("yaml.alias", 1, 4, "a"),
    "alias-undefined.yml": ("yaml.alias", 4, 11, "reporter"),
    "comments-only.yml": ("yaml.empty", 1, 1, ""),
    "complex-key.yml": ("yaml.key", 2, 3, ""),
    "control-character.yml": ("yaml.control-character", 2, 11, ""),
    "duplicate-key.yml": ("yaml.duplicate-key", 6, 3, "source.url"),
    "empty.yml": ("yaml.empty", 1, 1, ""),
    "gbk.yml": ("yaml.encoding", 2, 8, ""),
    "local-tag.yml": ("yaml.tag", 2, 8, "title"),
    "python-object-tag.yml": ("yaml.tag", 2, 8, "title"),
    "str-tag.yml": ("yaml.tag", 2, 8, "quick"),
    "syntax-colon-in-value.yml": ("yaml.syntax", 2, 10, ""),
    "syntax-unclosed-bracket.yml": ("yaml.syntax", 3, 6, ""),
    "syntax-unclosed-quote.yml": ("yaml.syntax", 2, 8, ""),
    "tab-indentation.yml": ("yaml.tab", 3, 1, ""),
    "two-documents.yml": ("yaml.multiple-documents", 3, 1, ""),
}


def problem_of(result: Document | Problem) -> Problem:
    assert isinstance(result, Problem), result
    return result


def data_of(result: Document | Problem) -> object:
    assert isinstance(result, Document), result
    return result.data


def test_every_invalid_fixture_has_an_expectation():
    assert sorted(p.name for p in INVALID.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_fixture(name):
    code, line, column, field = EXPECTED[name]
    problem = problem_of(load(INVALID / name, f"cases/2026/{name}"))
    assert (problem.code, problem.line, problem.column, problem.field) == (code, line, column, field)
    assert problem.path == f"cases/2026/{name}"
    assert problem.severity == "error"
    assert CJK.search(problem.message)
    assert problem.hint
    assert CJK.search(problem.hint)


# --- values -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("null", None), ("~", None), ("", None), ("true", True), ("false", False),
    ("0", 0), ("7", 7), ("-12", -12), ("1.5", 1.5), ("-0.25", -0.25), ("2.5e3", 2500.0),
    # YAML 1.1 surprises stay strings
    ("yes", "yes"), ("no", "no"), ("NO", "NO"), ("on", "on"), ("off", "off"), ("y", "y"),
    ("True", "True"), ("NULL", "NULL"), ("0123", "0123"), ("00", "00"), ("1:30", "1:30"),
    ("0x1F", "0x1F"), ("0o17", "0o17"), ("1_000", "1_000"), ("+5", "+5"), ("1e5", "1e5"),
    (".5", ".5"), ("5.", "5."), (".inf", ".inf"), (".NaN", ".NaN"), ("=", "="),
    ("2026-11-18", "2026-11-18"), ("2026-11-18T09:05:00+08:00", "2026-11-18T09:05:00+08:00"),
    ("09:30", "09:30"), ("١٢", "١٢"), ("1" * 150, "1" * 150), ("温泉路", "温泉路"),
])
def test_plain_scalars_resolve_only_to_plain_json_values(text, value):
    data = data_of(loads(f"v: {text}\n".encode(), "t.yml"))
    assert data == {"v": value}
    assert type(data["v"]) is type(value)


def test_yes_no_and_leading_zero_samples_load_as_strings():
    raw = b"quick: yes\nconfidential: NO\nserial: 0123\nmeeting: 1:30\nfixed: on\n"
    assert data_of(loads(raw, "t.yml")) == {
        "quick": "yes", "confidential": "NO", "serial": "0123", "meeting": "1:30", "fixed": "on"}


def test_quoted_and_block_scalars_are_strings():
    raw = b"a: 'true'\nb: \"12\"\nc: |\n  12\nd: >\n  null\ne: \"\\u6e29\\t\"\n"
    assert data_of(loads(raw, "t.yml")) == {"a": "true", "b": "12", "c": "12\n", "d": "null\n",
                                             "e": "温\t"}


def test_keys_are_always_strings():
    raw = b"1: a\ntrue: b\nnull: c\n1.5: d\n~: e\n"
    assert data_of(loads(raw, "t.yml")) == {"1": "a", "true": "b", "null": "c", "1.5": "d", "~": "e"}


def test_same_data_as_pyyaml_when_nothing_is_ambiguous():
    raw = """\
id: YQ-2026-0007
title: 温泉路垃圾清运不及时，居民反映异味严重
quick: true
tags: [垃圾清运, "a, b", 'it''s']
source: {platform: people-liuyan, url: "https://x.example/?a=1&b=2", metrics: {views: 320}}
events:
  - type: registered
    by: zhao-min
  - {type: replied, text: "第一行\\n第二行", resolves: false}
  -
  - - nested
    - -1.5
report:
  cause: |
    车辆故障
    备用车辆不足

  measures: >-
    协调
    备用车辆
empty:
empty_list: []
empty_map: {}
""".encode()
    assert data_of(loads(raw, "t.yml")) == yaml.safe_load(raw)


def test_bom_is_dropped_and_crlf_accepted():
    raw = b"\xef\xbb\xbfid: YQ-1\r\ntitle: x\r\n"
    assert data_of(loads(raw, "t.yml")) == {"id": "YQ-1", "title": "x"}


def test_explicit_document_markers_are_one_document():
    assert data_of(loads(b"---\na: 1\n...\n", "t.yml")) == {"a": 1}


def test_null_document_and_scalar_root():
    assert data_of(loads(b"~\n", "t.yml")) is None
    assert data_of(loads(b"just text\n", "t.yml")) == "just text"


def test_load_reads_a_file_and_keeps_the_display_name(write_yaml):
    path = write_yaml("cases/2026/YQ-2026-0001.yml", b"id: YQ-2026-0001\n")
    assert load(path, "cases/2026/YQ-2026-0001.yml") == Document(
        "cases/2026/YQ-2026-0001.yml", {"id": "YQ-2026-0001"})


# --- refusals -----------------------------------------------------------------------------------

def test_missing_file_and_directory_are_problems(tmp_path):
    assert problem_of(load(tmp_path / "nope.yml", "nope.yml")).code == "yaml.read"
    assert problem_of(load(tmp_path, "dir")).code == "yaml.read"


def test_gbk_file_names_byte_line_column_and_says_utf8():
    problem = problem_of(load(INVALID / "gbk.yml", "gbk.yml"))
    assert "0xCE" in problem.message
    assert "第 2 行第 8 列" in problem.message
    assert "GBK" in problem.message
    assert "温泉路垃圾清运不及时" in problem.message  # the line, read as GBK
    assert "UTF-8" in problem.hint


def test_bad_byte_column_counts_characters():
    raw = "a: 1\nb: 1\n标题: 温泉".encode() + b"\xff\n"
    problem = problem_of(loads(raw, "t.yml"))
    assert (problem.code, problem.line, problem.column) == ("yaml.encoding", 3, 7)
    assert "0xFF" in problem.message


def test_utf16_is_named():
    problem = problem_of(loads("a: 1\n".encode("utf-16"), "t.yml"))
    assert problem.code == "yaml.encoding"
    assert "UTF-16" in problem.message


def test_duplicate_key_names_both_lines():
    problem = problem_of(load(INVALID / "duplicate-key.yml", "d.yml"))
    assert "第 4 行和第 6 行" in problem.message
    assert "“url”" in problem.message


def test_duplicate_key_in_flow_mapping_and_between_spellings():
    problem = problem_of(loads(b"events:\n  - {at: 1, at: 2}\n", "t.yml"))
    assert (problem.code, problem.line, problem.field) == ("yaml.duplicate-key", 2, "events[0].at")
    assert problem_of(loads(b"1: a\n'1': b\n", "t.yml")).code == "yaml.duplicate-key"


def test_same_key_in_different_mappings_is_fine():
    assert data_of(loads(b"a: {x: 1}\nb: {x: 2}\nc: [{x: 1}, {x: 2}]\n", "t.yml"))


def test_anchor_without_alias_is_refused():
    assert problem_of(loads(b"a: &x 1\n", "t.yml")).code == "yaml.alias"


def test_empty_key_is_refused_but_quoted_empty_key_is_kept():
    assert problem_of(loads(b"? \n: x\n", "t.yml")).code == "yaml.key"
    assert data_of(loads(b'"": x\n', "t.yml")) == {"": "x"}


def test_document_start_only_is_empty():
    assert problem_of(loads(b"---\n", "t.yml")).code == "yaml.empty"


@pytest.mark.parametrize("raw", [b"a:\n\tb: 1\n", b"a: x\n\tb: 2\n", b"a:\n  b: 1\n\t c: 2\n",
                                 b"- a\n-\tb\n"])
def test_tabs_get_a_tab_message(raw):
    problem = problem_of(loads(raw, "t.yml"))
    assert problem.code == "yaml.tab"
    assert "Tab" in problem.message
    assert "空格" in problem.hint


@pytest.mark.parametrize(("raw", "line", "english"), [
    (b"a: 1\nb\nc: 2\n", 2, "could not find expected ':'"),
    (b"a:\n  b: 1\n c: 2\n", 3, "did not find expected key"),
    (b"- a\nb: 1\n", 2, "did not find expected '-' indicator"),
    (b'a: "\\q"\n', 1, "found unknown escape character"),
    (b"a: @x\n", 1, "found character that cannot start any token"),
    (b"a: {b: 1\n", 2, "did not find expected ',' or '}'"),
    (b"%YAML 1.1\n%YAML 1.1\n---\na\n", 2, "found duplicate %YAML directive"),
])
def test_libyaml_errors_are_translated_and_keep_the_original(raw, line, english):
    problem = problem_of(loads(raw, "t.yml"))
    assert (problem.code, problem.line) == ("yaml.syntax", line)
    assert CJK.search(problem.message)
    assert f"{english}）" in problem.message
    assert problem.column is not None


def test_size_cap(write_yaml):
    path = write_yaml("big.yml", large_yaml(10_000_000))
    problem = problem_of(load(path, "big.yml"))
    assert (problem.code, problem.line) == ("yaml.too-large", None)
    assert problem_of(loads(path.read_bytes(), "big.yml")).code == "yaml.too-large"
    assert isinstance(loads(large_yaml(MAX_BYTES), "ok.yml"), Document)


@pytest.mark.parametrize("style", ["flow", "flow-map", "dash", "block"])
def test_depth_cap(style):
    assert isinstance(loads(nested_yaml(MAX_DEPTH, style), "t.yml"), Document)
    assert problem_of(loads(nested_yaml(MAX_DEPTH + 1, style), "t.yml")).code == "yaml.too-deep"


@pytest.mark.parametrize("style", ["flow", "flow-map", "dash"])
def test_five_thousand_levels_are_refused_quickly(style):
    problem = problem_of(loads(nested_yaml(5000, style), "t.yml"))
    assert (problem.code, problem.line) == ("yaml.too-deep", 1)


def test_fifty_thousand_levels_do_not_crash(write_yaml):
    path = write_yaml("deep.yml", nested_yaml(50_000, "flow"))
    assert problem_of(load(path, "deep.yml")).code == "yaml.too-deep"


# --- locate -------------------------------------------------------------------------------------

CASE = """\
# yaml-language-server: $schema=../../schemas/case.schema.json
id: YQ-2026-0007
title: 温泉路垃圾清运不及时
source:
  platform: people-liuyan
  metrics: {views: 320, comments: 12}
events:
  - at: 2026-11-18T09:05:00+08:00
    type: registered
  - {text: 备注说明, at: 2026-13-01, type: note}
  -
    type: closed
report:
  cause: |
    车辆故障
"""


@pytest.fixture
def case_file(write_yaml):
    return write_yaml("case.yml", CASE.encode())


@pytest.mark.parametrize(("parts", "position"), [
    ((), (2, 1)),
    (("id",), (2, 5)),
    (("title",), (3, 8)),
    (("source",), (4, 1)),  # a collection under a key: the key's line
    (("source", "platform"), (5, 13)),
    (("source", "metrics", "comments"), (6, 35)),
    (("events",), (7, 1)),
    (("events", 0), (8, 5)),
    (("events", 0, "type"), (9, 11)),
    (("events", 1), (10, 5)),
    (("events", 1, "text"), (10, 12)),
    (("events", 1, "at"), (10, 22)),  # column counts characters, not bytes
    (("events", 1, "type"), (10, 40)),
    (("events", 2, "type"), (12, 11)),
    (("report", "cause"), (14, 10)),
    # missing: the nearest existing parent
    (("source", "url"), (4, 1)),
    (("events", 7), (7, 1)),
    (("events", 0, "by"), (8, 5)),
    (("report", "measures"), (13, 1)),
    (("nope", "deeper"), (2, 1)),
    (("events", "0"), (7, 1)),  # a string is not an index
])
def test_locate(case_file, parts, position):
    assert locate(case_file, parts) == position


def test_locate_points_at_the_first_of_duplicate_keys():
    assert locates(b"a: 1\nb: 2\na: 3\n", ("a",)) == (1, 4)


def test_locate_is_quiet_about_bad_files(tmp_path):
    assert locate(tmp_path / "missing.yml", ("id",)) is None
    assert locates(b"", ("id",)) is None
    assert locates(b"a: 1\nb: [\n", ("b",)) == (2, 1)  # positions found before the error
    assert locates(b"a: 1\n---\na: 2\n", ("a",)) == (1, 4)
    assert locates(b"\xef\xbb\xbfa: 1\n", ("a",)) == (1, 4)


# --- robustness ---------------------------------------------------------------------------------

TOKENS = [
    b" ", b"  ", b"\n", b"\n  ", b"- ", b": ", b":", b",", b"[", b"]", b"{", b"}", b"'", b'"', b"&a ",
    b"*a", b"!", b"!!str ", b"|", b">", b"#", b"%", b"@", b"`", b"? ", b"~", b"\\", b"---\n",
    b"...\n", b"0", b"12", b"1.5", b"0123", b"yes", b"null", b"a", b"id", b"at", "温泉".encode(),
    b"\t", b"\r\n", b"\xef\xbb\xbf", b"\nid: 1\n", b"{id: 1, id: 2}",
]
RARE = [b"\xff", b"\xce", b"\x00", b"\x07", "，".encode()[:2]]


def fuzz_inputs(count: int) -> list[bytes]:
    """Token soup and mutations of a real case file; a few carry bytes that are not UTF-8."""
    rng = random.Random(20261127)
    seed = CASE.encode()

    def token() -> bytes:
        return rng.choice(RARE) if rng.random() < 0.005 else rng.choice(TOKENS)

    inputs = []
    for _ in range(count):
        inputs.append(b"".join(token() for _ in range(rng.randrange(1, 40))))
        mutated = bytearray(seed)
        for _ in range(rng.randrange(1, 5)):
            at = rng.randrange(len(mutated))
            if rng.random() < 0.4:
                del mutated[at:at + rng.randrange(1, 8)]
            else:
                mutated[at:at] = token()
        inputs.append(bytes(mutated))
    return inputs


def test_fuzz_never_raises():
    kinds = set()
    for raw in fuzz_inputs(200):
        result = loads(raw, "fuzz.yml")
        assert isinstance(result, Document | Problem), raw
        if isinstance(result, Problem):
            kinds.add(result.code)
            assert result.message
            assert result.hint
            assert result.line is None or result.line >= 1
            assert result.column is None or result.column >= 1
        else:
            kinds.add("ok")
        locates(raw, ("events", 0, "at"))
    assert {"ok", "yaml.syntax", "yaml.alias", "yaml.tag", "yaml.duplicate-key"} <= kinds
