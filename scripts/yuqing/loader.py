"""The strict YAML loader: UTF-8, one document, plain data, no YAML 1.1 surprises.

libyaml's C parser produces events; a small loop of our own turns them into dicts, lists and
scalars. Walking events (instead of libyaml's recursive composer) bounds the nesting depth before
anything deep is built, and lets us reject anchors, aliases, tags and duplicate keys on the spot.
Plain scalars resolve only to ``None`` (``null``, ``~``, empty), ``True``/``False`` (``true``,
``false``), decimal ints without leading zeros and decimal floats; everything else — ``NO``,
``yes``, ``0123``, ``1:30``, ``2026-11-18`` — stays a string, and keys are always strings.

Errors are rare, so positions of nodes are only worked out again when a Problem needs them.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml._yaml import CParser
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from yuqing.problems import Problem, field_path

MAX_BYTES = 1_000_000
MAX_DEPTH = 64

Position = tuple[int, int]  # 1-based line, column

UTF8_HINT = (
    "请把文件另存为 UTF-8 编码（不要用 GBK、GB2312 或 ANSI）：Windows 记事本选“另存为”→ 编码选"
    "“UTF-8”；VS Code 点右下角的编码 →“通过编码保存”→ UTF-8"
)


@dataclass(frozen=True)
class Document:
    path: str
    data: Any


class _Failure(Exception):
    """A reason to reject the file; becomes a Problem at the edge of ``loads``."""

    def __init__(
        self,
        code: str,
        message: str,
        hint: str,
        line: int | None = None,
        column: int | None = None,
        field: str = "",
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint
        self.line, self.column, self.field = line, column, field


def load(path: Path, display: str) -> Document | Problem:
    """Read and parse one YAML file; ``display`` is the name shown in problems."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError as error:
        return Problem(
            display,
            None,
            None,
            "",
            f"无法读取文件：{error.strerror or error}",
            "检查文件是否存在、是不是目录、当前用户能否读取",
            code="yaml.read",
        )
    return loads(raw, display)


def loads(raw: bytes, display: str) -> Document | Problem:
    """Parse YAML bytes; never raises for bad input — every failure is a Problem."""
    try:
        return Document(display, _parse(raw))
    except _Failure as failure:
        return Problem(
            display,
            failure.line,
            failure.column,
            failure.field,
            failure.message,
            failure.hint,
            code=failure.code,
        )


def problem_at(
    file: Path,
    display: str,
    parts: Sequence[str | int],
    message: str,
    hint: str | None = None,
    *,
    code: str = "error",
    severity: str = "error",
) -> Problem:
    """A Problem pointing at the field ``parts`` of ``file`` (line and column found on demand)."""
    where = locate(file, parts)
    return Problem(
        display,
        where[0] if where else None,
        where[1] if where else None,
        field_path(parts),
        message,
        hint,
        severity,  # type: ignore[arg-type]
        code,
    )


def locate(path: Path, parts: Sequence[str | int]) -> Position | None:
    """1-based (line, column) of the node at ``parts`` in the file, for pointing at problems."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError:
        return None
    return locates(raw, parts)


def locates(raw: bytes, parts: Sequence[str | int]) -> Position | None:
    """Like ``locate`` for bytes in memory.

    A scalar is found at its value; a collection that is a key's value at its key (the line a
    person looks for). For a missing key or index the nearest existing ancestor answers, so
    "``source.url`` is required" points at ``source:``. ``None`` when nothing matches at all.
    """
    target = tuple(parts)
    best = None
    for node_path, is_collection, key_position, position in _nodes(_strip_bom(raw)):
        depth = len(node_path)
        if depth <= len(target) and node_path == target[:depth]:
            best = key_position if is_collection and key_position else position
            if depth == len(target):
                return best
    return best


# --- the fast path ------------------------------------------------------------------------------

_CONSTANTS: dict[str, Any] = {"": None, "~": None, "null": None, "true": True, "false": False}
_NUMBER_START = frozenset("-0123456789")
# Bounded digit counts keep int() away from its 4,300-digit limit; longer numbers stay strings.
_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,99})")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]{0,99})\.[0-9]{1,100}(?:[eE][-+]?[0-9]{1,3})?")
_NO_KEY = _MISSING = object()


def _plain(text: str) -> Any:
    """Resolve a plain (unquoted) scalar; anything not listed in the module doc is a string."""
    value = _CONSTANTS.get(text, _MISSING)
    if value is not _MISSING:
        return value
    if text[0] in _NUMBER_START:
        if _INT.fullmatch(text):
            return int(text)
        if _FLOAT.fullmatch(text):
            return float(text)
    return text


def _strip_bom(raw: bytes) -> bytes:
    return raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw


def _parse(raw: bytes) -> Any:
    if len(raw) > MAX_BYTES:
        raise _Failure(
            "yaml.too-large",
            f"文件超过 {MAX_BYTES:,} 字节（1 MB），不予读取",
            "台账文件不应这么大：长文本和附件请另存，只在文件里记链接；或拆成多个文件",
        )
    raw = _strip_bom(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _encoding_failure(raw, error.start) from None
    try:
        return _build(raw)
    except yaml.reader.ReaderError:
        raise _control_character_failure(text) from None
    except yaml.MarkedYAMLError as error:
        raise _syntax_failure(error, text) from None


def _build(raw: bytes) -> Any:
    parser = CParser(raw)
    get = parser.get_event
    get()  # StreamStartEvent
    if type(get()) is StreamEndEvent:
        raise _empty("文件是空的（没有任何内容）")
    stack: list[tuple[Any, bool, Any]] = []
    container: Any = None  # the dict or list being filled; None at the top level
    is_map = False
    key: Any = _NO_KEY  # in a mapping: the key waiting for its value
    root: Any = None
    while True:
        event = get()
        kind = type(event)
        if kind is ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                raise _decoration_failure(raw, event)
            if is_map and key is _NO_KEY:
                key = event.value
                if key in container:
                    raise _duplicate_failure(raw, event)
                if key == "" and not event.style:
                    raise _key_failure(event, "键是空的（冒号前面没有写键名）")
                continue
            value = _plain(event.value) if not event.style else event.value
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None or event.tag is not None:
                raise _decoration_failure(raw, event)
            if len(stack) >= MAX_DEPTH:
                raise _too_deep(event.start_mark.line + 1, event.start_mark.column + 1)
            value = {} if kind is MappingStartEvent else []
            if is_map:
                if key is _NO_KEY:
                    raise _key_failure(event, "键必须是简单的文字，不能是列表或映射")
                container[key] = value
            elif container is not None:
                container.append(value)
            else:
                root = value
            stack.append((container, is_map, _NO_KEY))
            container, is_map, key = value, kind is MappingStartEvent, _NO_KEY
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            container, is_map, key = stack.pop()
            continue
        elif kind is DocumentEndEvent:
            break
        elif kind is AliasEvent:
            raise _decoration_failure(raw, event)
        else:
            continue
        if is_map:
            container[key] = value
            key = _NO_KEY
        elif container is not None:
            container.append(value)
        else:
            if event.value == "" and not event.style:
                raise _empty("文件里只有注释或“---”，没有任何数据")
            root = value
    event = get()
    if type(event) is DocumentStartEvent:
        raise _Failure(
            "yaml.multiple-documents",
            f"文件里有多个 YAML 文档：第 {event.start_mark.line + 1} 行开始了第二个",
            "一个文件只写一份内容：删除多余的“---”分隔行，或把后一部分移到单独的文件",
            event.start_mark.line + 1,
            event.start_mark.column + 1,
        )
    return root


# --- failures (slow path) -----------------------------------------------------------------------


def _decoration_failure(raw: bytes, event: Any) -> _Failure:
    line, column = event.start_mark.line + 1, event.start_mark.column + 1
    field = _field_at(raw, (line, column))
    if getattr(event, "tag", None) is not None:
        tag = event.tag
        if tag.startswith("tag:yaml.org,2002:"):
            tag = "!!" + tag.removeprefix("tag:yaml.org,2002:")
        return _Failure(
            "yaml.tag",
            f"不允许使用 YAML 标签“{tag}”",
            "删除以 ! 开头的标签，直接写值；要表示文字就给值加引号",
            line,
            column,
            field,
        )
    what = f"别名“*{event.anchor}”" if type(event) is AliasEvent else f"锚点“&{event.anchor}”"
    return _Failure(
        "yaml.alias",
        f"不允许使用{what}（YAML 的锚点和别名引用）",
        "把内容直接写出来，不要用 & 和 * 引用；如果值本身以 & 或 * 开头，请给它加引号",
        line,
        column,
        field,
    )


def _field_at(raw: bytes, position: Position) -> str:
    for node_path, _, _, node_position in _nodes(raw):
        if node_position == position:
            return field_path(node_path)
    return ""


def _empty(message: str) -> _Failure:
    return _Failure(
        "yaml.empty", message, "写入内容或删除这个文件；新案件可以用 yuqing new 生成", 1, 1
    )


def _too_deep(line: int | None, column: int | None) -> _Failure:
    return _Failure(
        "yaml.too-deep",
        f"嵌套超过 {MAX_DEPTH} 层",
        "台账文件用不到这么深的嵌套：检查是否多写了 [ 或 {，或者缩进越来越深",
        line,
        column,
    )


def _key_failure(event: Any, message: str) -> _Failure:
    return _Failure(
        "yaml.key",
        message,
        "键要写成“名字: 值”，名字是一段简单的文字",
        event.start_mark.line + 1,
        event.start_mark.column + 1,
    )


def _duplicate_failure(raw: bytes, event: Any) -> _Failure:
    line, column = event.start_mark.line + 1, event.start_mark.column + 1
    seen: dict[tuple[str | int, ...], int] = {}
    first, path = None, (event.value,)
    for node_path, _, key_position, _ in _nodes(raw):
        if key_position is None:
            continue
        if node_path in seen and key_position[0] == line:
            first, path = seen[node_path], node_path
            break
        seen.setdefault(node_path, key_position[0])
    if first is None or first == line:
        where = f"第 {line} 行写了两次"
    else:
        where = f"第 {first} 行和第 {line} 行都写了它"
    return _Failure(
        "yaml.duplicate-key",
        f"键“{event.value}”重复出现：{where}",
        "同一层里每个键只能写一次：删除其中一个，或把两处内容合并",
        line,
        column,
        field_path(path),
    )


def _encoding_failure(raw: bytes, start: int) -> _Failure:
    line_start = raw.rfind(b"\n", 0, start) + 1
    line = raw.count(b"\n", 0, start) + 1
    column = len(raw[line_start:start].decode("utf-8", errors="replace")) + 1
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _Failure("yaml.encoding", "文件是 UTF-16 编码，不是 UTF-8", UTF8_HINT, 1, 1)
    message = (
        f"文件不是 UTF-8 编码：第 {line} 行第 {column} 列的字节 0x{raw[start]:02X} 不是合法的 UTF-8"
    )
    line_end = raw.find(b"\n", start)
    try:
        guess = raw[line_start : line_end if line_end >= 0 else len(raw)].decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        message += (
            f"；看起来是 GBK/GB18030 编码（常见于 Windows 编辑器），这一行按 GBK 读作“{guess[:40]}”"
        )
    return _Failure("yaml.encoding", message, UTF8_HINT, line, column)


_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _control_character_failure(text: str) -> _Failure:
    match = _NOT_PRINTABLE.search(text)
    if match is None:  # libyaml saw something we do not know about
        return _Failure(
            "yaml.control-character",
            "文件中有 YAML 不允许的字符",
            "删除不可见的控制字符后重新保存",
            None,
            None,
        )
    start = match.start()
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return _Failure(
        "yaml.control-character",
        f"第 {line} 行第 {column} 列有不可见的控制字符 U+{ord(match.group()):04X}",
        "删除这个字符后重新保存（常见于从网页或 Word 复制来的文字）",
        line,
        column,
    )


_TAB_HINT = "YAML 只能用空格缩进：把这一行开头的 Tab 换成空格（编辑器里可以打开“用空格代替 Tab”）"
_QUOTE_HINT = "值里含有英文冒号加空格（“: ”）、“#”或以特殊符号开头时，请给整个值加引号"
# libyaml's English problem → (Chinese message, hint, whether the context mark is the better place).
_SYNTAX: dict[str, tuple[str, str, bool]] = {
    "mapping values are not allowed in this context": (
        "这里不能出现“键: 值”",
        _QUOTE_HINT + '，例如 title: "时间: 上午"；也可能是缩进多了',
        False,
    ),
    "could not find expected ':'": (
        "这一行缺少“键: 值”中的冒号",
        "键后面要有英文冒号和空格；多行文字请用“|”块写法并缩进，或者给值加引号",
        True,
    ),
    "did not find expected key": (
        "缩进不一致，这里应当是一个键",
        "同一层的键要用同样多的空格左对齐；引号闭合后不能再跟文字",
        False,
    ),
    "did not find expected '-' indicator": (
        "列表项没有对齐",
        "同一个列表的“- ”要上下对齐，列表后面的键要回到上一层的缩进",
        False,
    ),
    "did not find expected node content": (
        "这里缺少值",
        "检查逗号、冒号和括号是否多写或漏写",
        False,
    ),
    "did not find expected ',' or ']'": (
        "方括号 [...] 没有正确结束",
        "检查是否漏了“]”；元素之间用英文逗号“,”分隔（不是中文逗号“，”），含逗号或冒号的元素加引号",
        False,
    ),
    "did not find expected ',' or '}'": (
        "花括号 {...} 没有正确结束",
        "检查是否漏了“}”；各项之间用英文逗号“,”分隔（不是中文逗号“，”），含逗号或冒号的值加引号",
        False,
    ),
    "found unexpected end of stream": (
        "引号没有闭合，一直到文件末尾",
        "检查这一行的引号（\" 或 '）是否成对",
        True,
    ),
    "found unexpected document indicator": (
        "引号没有闭合，遇到了“---”或“...”",
        "检查这一行的引号（\" 或 '）是否成对",
        True,
    ),
    "found unknown escape character": (
        "双引号里有无法识别的反斜杠转义",
        "双引号里的反斜杠要写成 \\\\，或者改用单引号",
        False,
    ),
    "found character that cannot start any token": (
        "这个字符不能出现在值的开头",
        "以 @、`、% 等符号开头的值请加引号",
        False,
    ),
    "block sequence entries are not allowed in this context": (
        "这里不能开始“- ”列表",
        "列表要另起一行并缩进，不能和“键: 值”写在同一行",
        False,
    ),
    "did not find expected alphabetic or numeric character": (
        "“&”或“*”后面缺少名字",
        "以 & 或 * 开头的值请加引号",
        False,
    ),
    "found undefined tag handle": (
        "不允许使用 YAML 标签",
        "删除以 ! 开头的标签；值本身以 ! 开头时请加引号",
        False,
    ),
    "did not find expected comment or line break": (
        "值后面有多余的内容",
        "一行只写一个值；整段都是值时请把整段放进引号",
        False,
    ),
}


def _syntax_failure(error: yaml.MarkedYAMLError, text: str) -> _Failure:
    problem = error.problem or ""
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    original = f"{error.context}: {problem}" if error.context else problem
    lines = text.split("\n")
    at = lines[mark.line][mark.column : mark.column + 1] if mark and mark.line < len(lines) else ""
    if "nesting depth" in problem:  # libyaml's own limit, hit while scanning ahead in [ and {
        return _too_deep(line, column)
    if "tab" in problem or at == "\t":
        return _Failure(
            "yaml.tab",
            f"第 {line} 行用了制表符（Tab）缩进（libyaml: {original}）",
            _TAB_HINT,
            line,
            column,
        )
    message, hint, at_context = _SYNTAX.get(
        problem, ("YAML 语法错误", "检查缩进、冒号和引号", False)
    )
    if at_context and error.context_mark is not None:
        line, column = error.context_mark.line + 1, error.context_mark.column + 1
    elif error.context_mark is not None and error.context_mark.line + 1 != line:
        message += f"，这个结构从第 {error.context_mark.line + 1} 行开始"
    code = "yaml.tag" if problem == "found undefined tag handle" else "yaml.syntax"
    return _Failure(code, f"{message}（libyaml: {original}）", hint, line, column)


# --- positions (slow path) ----------------------------------------------------------------------


class _Frame:
    __slots__ = ("index", "is_map", "key", "key_position", "path")

    def __init__(self, path: tuple[str | int, ...], is_map: bool) -> None:
        self.path, self.is_map = path, is_map
        self.index, self.key, self.key_position = 0, None, None


def _nodes(raw: bytes) -> Iterator[tuple[tuple[str | int, ...], bool, Position | None, Position]]:
    """Every value node of the first document as (path, is_collection, key position, position).

    Stops quietly at the first error: callers want whatever positions exist.
    """
    frames: list[_Frame] = []
    parser = CParser(raw)
    started = False
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is StreamEndEvent or (kind is DocumentStartEvent and started):
                return
            if kind is MappingEndEvent or kind is SequenceEndEvent:
                frames.pop()
                continue
            if kind not in (ScalarEvent, MappingStartEvent, SequenceStartEvent, AliasEvent):
                started = started or kind is DocumentStartEvent
                continue
            position = (event.start_mark.line + 1, event.start_mark.column + 1)
            is_collection = kind is MappingStartEvent or kind is SequenceStartEvent
            path: tuple[str | int, ...] = ()
            key_position = None
            if frames:
                frame = frames[-1]
                if frame.is_map and frame.key is None:  # this node is a key
                    frame.key = event.value if kind is ScalarEvent else "?"
                    frame.key_position = position
                    if is_collection:
                        frames.append(_Frame((*frame.path, "?"), kind is MappingStartEvent))
                    continue
                if frame.is_map:
                    path, key_position = (*frame.path, frame.key), frame.key_position
                    frame.key = None
                else:
                    path = (*frame.path, frame.index)
                    frame.index += 1
            yield path, is_collection, key_position, position
            if is_collection:
                frames.append(_Frame(path, kind is MappingStartEvent))
    except yaml.YAMLError:
        return
