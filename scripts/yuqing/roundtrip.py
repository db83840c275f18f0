"""Round-trip editing of YAML case files with ruamel.yaml that changes nothing but the edit.

An appended event must not disturb a single other byte: comments, key order, quoting, flow or
block style, indentation, line endings and a BOM all stay. After the dump the result is compared
with the original line by line and must differ by one inserted block only; anything else is
refused rather than written. Times stay the exact text of the file and new ones are written as
plain scalars (``at: 2026-11-20T09:30:00+08:00``), the way people write them.
"""

from __future__ import annotations

import dataclasses
import difflib
import io
from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from yuqing import loader
from yuqing.problems import Problem

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class PlainTime(str):
    """A date or time kept as the exact text of the file, and written back without quotes."""


def round_trip_yaml(mapping: int = 2, sequence: int = 4, offset: int = 2) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 16  # never re-wrap a long line of Chinese text
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    # ruamel would turn times into datetime objects and may print them back differently; keep text.
    yaml.constructor.add_constructor(_TIMESTAMP_TAG, lambda _c, node: PlainTime(node.value))
    yaml.representer.add_representer(
        PlainTime, lambda r, data: r.represent_scalar(_TIMESTAMP_TAG, str(data))
    )
    return yaml


def text_scalar(value: str) -> str | LiteralScalarString:
    """Several lines are written as a literal block (``|``), the way a person would type them."""
    return LiteralScalarString(value) if "\n" in value else value


def flow_map(items: Mapping[str, Any]) -> CommentedMap:
    node = CommentedMap(items)
    node.fa.set_flow_style()
    return node


def event_node(event: dict[str, Any], flow: bool) -> CommentedMap:
    node = CommentedMap()
    for key, value in event.items():
        if key in {"at", "promised_by"}:
            node[key] = PlainTime(value)
        elif key == "co":
            seq = CommentedSeq(value)
            seq.fa.set_flow_style()
            node[key] = seq
        elif isinstance(value, str) and not flow:
            node[key] = text_scalar(value)
        else:
            node[key] = value
    if flow:
        node.fa.set_flow_style()
    return node


def _indentation(data: CommentedMap) -> tuple[int, int, int]:
    """(mapping, sequence, offset) as the file already uses them, so a dump changes no old line."""
    mapping, sequence, offset = 2, 4, 2
    for value in data.values():
        if isinstance(value, CommentedMap) and value and not value.fa.flow_style():
            mapping = value.lc.col
            break
    seqs = [data.get("events"), *data.values()]
    for value in seqs:
        if isinstance(value, CommentedSeq) and value and not value.fa.flow_style():
            offset = value.lc.col
            sequence = value.lc.item(0)[1]
            break
    return max(mapping, 1), max(sequence, 2), max(offset, 0)


def _split_document_start(text: str) -> tuple[str, str]:
    """(everything up to a leading ``---`` line, the rest): ruamel drops comments above ``---``."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            if stripped == "---":
                return "".join(lines[: index + 1]), "".join(lines[index + 1:])
            break
    return "", text


def _only_inserted(old: list[str], new: list[str]) -> tuple[int, int, int] | None:
    """(old position, new start, new end) of the one inserted block, or None if anything else changed."""
    ops = [op for op in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
           if op[0] != "equal"]
    if len(ops) != 1 or ops[0][0] != "insert":
        return None
    _, i1, _, j1, j2 = ops[0]
    return i1, j1, j2


def _hoist(old: list[str], new: list[str], at: int, start: int, end: int, dash: int) -> list[str]:
    """Move the appended event above the blank lines and comments that end the events list.

    ruamel attaches a comment such as ``# 处置情况报告单`` above the next key to the last event, and
    would print the new event after it. A comment at the list's level (or outside it) describes
    what follows, so the new event goes above it; deeper comments stay with the previous event.
    """
    block = new[start:end]
    position = at
    while position > 0:
        line = old[position - 1]
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if stripped == "" or (stripped.startswith("#") and indent <= dash):
            position -= 1
        else:
            break
    return old[:position] + block + old[position:]


def append_event_bytes(raw: bytes, display: str, event: dict[str, Any]) -> bytes | Problem:
    """``raw`` with ``event`` appended to ``events``; every other byte stays as it was.

    ``event`` holds plain values as the strict loader reads them (times as ISO text). A Problem
    (code ``edit.layout``) when the file's layout cannot be kept; then nothing should be written.
    """
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    crlf = "\r\n" in text
    if crlf:
        text = text.replace("\r\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    head, body = _split_document_start(text)
    result = _append_to_body(body, display, event)
    if isinstance(result, Problem):
        if result.line is not None:
            result = dataclasses.replace(result, line=result.line + head.count("\n"))
        return result
    result = head + result
    if crlf:
        result = result.replace("\n", "\r\n")
    encoded = result.encode("utf-8")
    if bom:
        encoded = b"\xef\xbb\xbf" + encoded
    if not _same_except_event(raw, encoded, display, event):
        return Problem(display, None, None, "events", "自动追加的结果与预期不符，已放弃写入",
                       "请在网页上直接编辑此文件，并把此情况告诉维护人员", code="edit.layout")
    return encoded


def _append_to_body(text: str, display: str, event: dict[str, Any]) -> str | Problem:
    data = round_trip_yaml().load(text)
    if not isinstance(data, CommentedMap):
        return Problem(display, None, None, "", "案件文件的顶层应是字段表（id: …、title: …）",
                       "先用 yuqing validate 找出并改正文件的问题", code="edit.layout")
    events = data.get("events")
    if events is None:
        events = CommentedSeq()
        data["events"] = events
    elif not isinstance(events, CommentedSeq):
        return Problem(display, None, None, "events", "events 应是处置记录的列表",
                       "先改正文件再追加记录", code="edit.layout")
    mapping, sequence, offset = _indentation(data)
    previous = events[-1] if events else None
    flow = (previous is None or (isinstance(previous, CommentedMap) and previous.fa.flow_style())) \
        and not any(isinstance(v, str) and "\n" in v for v in event.values())
    events.append(event_node(event, flow))
    out = io.StringIO()
    round_trip_yaml(mapping, sequence, offset).dump(data, out)
    old = text.splitlines(keepends=True)
    new = out.getvalue().splitlines(keepends=True)
    inserted = _only_inserted(old, new)
    if inserted is None:
        changed = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
                       min(len(old), len(new)))
        return Problem(display, changed + 1, None, "",
                       "无法在不改动其他内容的情况下自动追加记录（文件的排版方式不受支持）",
                       "请在网页上直接编辑此文件，在 events 末尾照上一条的格式添加一条记录",
                       code="edit.layout")
    dash = offset if events.lc.col is None else events.lc.col
    return "".join(_hoist(old, new, *inserted, dash=dash))


def _same_except_event(before: bytes, after: bytes, display: str, event: dict[str, Any]) -> bool:
    """Read both versions with the strict loader: only the appended event may differ."""
    old, new = loader.loads(before, display), loader.loads(after, display)
    if isinstance(old, Problem) or isinstance(new, Problem):
        return False
    old_data, new_data = dict(old.data), dict(new.data)
    old_events = old_data.pop("events", None) or []
    new_events = new_data.pop("events", None) or []
    return old_data == new_data and new_events == [*old_events, event]
