"""JSON Schema validation (2020-12, jsonschema_rs) with errors translated into located Problems."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs

from yuqing.problems import Problem, field_path

SCHEMA_DIR = "schemas"

Locator = Callable[[list[str | int]], "tuple[int, int] | None"]


@dataclass(frozen=True)
class Schema:
    kind: str
    document: dict[str, Any]
    validator: Any

    def problems(self, data: Any, display: str, locate: Locator) -> list[Problem]:
        """Everything wrong with ``data``; the fast path (valid data) costs one ``is_valid``."""
        if self.validator.is_valid(data):
            return []
        out = []
        for error in self.validator.iter_errors(data):
            parts = list(error.instance_path)
            name = type(error.kind).__name__
            message, hint, target = _translate(
                error, name, self._subschema(error.schema_path), parts, self.property_schema
            )
            where = locate(target)
            out.append(
                Problem(
                    path=display,
                    line=where[0] if where else None,
                    column=where[1] if where else None,
                    field=field_path(target),
                    message=message,
                    hint=hint,
                    code=f"schema.{name.lower()}",
                )
            )
        return out

    def _subschema(self, schema_path: list[str | int]) -> dict[str, Any]:
        """The schema object whose keyword failed (its parent of the keyword), following local $refs."""
        node: Any = self.document
        for token in list(schema_path)[:-1]:
            if isinstance(node, dict) and "$ref" in node and token not in node:
                node = self._resolve(node["$ref"])
            try:
                node = node[token]
            except (KeyError, IndexError, TypeError):
                return {}
            if isinstance(node, dict) and "$ref" in node and len(node) == 1:
                node = self._resolve(node["$ref"])
        return node if isinstance(node, dict) else {}

    def _resolve(self, ref: str) -> Any:
        node: Any = self.document
        if not ref.startswith("#/"):
            return {}
        for token in ref[2:].split("/"):
            node = node.get(token, {}) if isinstance(node, dict) else {}
        return node

    def property_schema(self, parts: list[str | int]) -> dict[str, Any]:
        """The schema of the property at ``parts`` (best effort, for titles and descriptions)."""
        node: Any = self.document
        for token in parts:
            if isinstance(node, dict) and "$ref" in node:
                node = self._resolve(node["$ref"])
            if isinstance(token, int):
                node = node.get("items", {}) if isinstance(node, dict) else {}
            else:
                node = node.get("properties", {}).get(token, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict) and "$ref" in node:
            node = self._resolve(node["$ref"])
        return node if isinstance(node, dict) else {}


_TYPE_NAMES = {
    "string": "文本",
    "integer": "整数",
    "number": "数字",
    "boolean": "true 或 false",
    "object": "键值对（映射）",
    "array": "列表",
    "null": "空值",
}


def _translate(error: Any, kind: str, sub: dict[str, Any], parts: list[str | int], lookup):
    """(message, hint, field parts to point at) in Chinese for one jsonschema_rs error."""
    title = sub.get("title")
    label = f"（{title}）" if title else ""
    examples = sub.get("examples")
    example_hint = f"例如：{examples[0]}" if examples else None
    k = error.kind
    if parts[:1] == ["confidential"]:
        # Never echo a reporter's data: this message may end up in CI logs and annotations.
        return _translate_secret(kind, k, sub, parts, label, lookup)
    if kind == "Required":
        prop = k.property
        prop_schema = (sub.get("properties") or {}).get(prop) or lookup([*parts, prop])
        prop_title = prop_schema.get("title")
        named = f"{prop}（{prop_title}）" if prop_title else prop
        # A conditional requirement (if/then) explains itself in the property's description.
        hint = prop_schema.get("description") or sub.get("description") or "请补上该字段"
        return f"缺少必填字段 {named}", hint, [*parts, prop]
    if kind == "AdditionalProperties":
        unexpected = list(k.unexpected)
        allowed = ", ".join(sorted((sub.get("properties") or {}).keys()))
        hint = f"检查拼写；此处可用的字段：{allowed}" if allowed else "删除该字段"
        target = [*parts, unexpected[0]] if unexpected else parts
        return f"未知字段 {', '.join(map(str, unexpected))}", hint, target
    if kind == "Enum":
        options = "、".join(json.dumps(o, ensure_ascii=False) for o in sub.get("enum", []))
        value = json.dumps(error.instance, ensure_ascii=False)
        return f"{value} 不是允许的取值{label}", f"可选：{options}", parts
    if kind == "Const":
        return f"取值不对{label}", f"应为 {json.dumps(sub.get('const'), ensure_ascii=False)}", parts
    if kind == "Type":
        expected = sub.get("type")
        names = [expected] if isinstance(expected, str) else list(expected or [])
        want = " 或 ".join(_TYPE_NAMES.get(n, n) for n in names)
        value = json.dumps(error.instance, ensure_ascii=False)
        hint = example_hint
        if "boolean" in names and isinstance(error.instance, str):
            hint = "只写 true 或 false（yes/no/on/off 不算）"
        elif "integer" in names and isinstance(error.instance, str):
            hint = "写不带引号、不带前导 0 的整数"
        return f"{value} 应为{want}{label}", hint, parts
    if kind == "Pattern":
        value = json.dumps(error.instance, ensure_ascii=False)
        pattern = sub.get("pattern", "")
        if pattern.startswith("^\\d{4}-"):
            return (
                f"{value} 不是有效的日期或时间{label}",
                "写成 2026-11-20T09:30:00+08:00（或日期 2026-11-20）",
                parts,
            )
        return f"{value} 格式不对{label}", example_hint or sub.get("description"), parts
    if kind in {
        "MinLength",
        "MaxLength",
        "MinItems",
        "MaxItems",
        "Minimum",
        "Maximum",
        "ExclusiveMinimum",
        "ExclusiveMaximum",
        "UniqueItems",
        "MinProperties",
    }:
        return f"{error.message}{label}", example_hint, parts
    if kind in {"OneOfNotValid", "AnyOf"}:
        return (
            f"内容不符合任何一种允许的写法{label}",
            example_hint or "对照 schemas/ 中的说明检查此处",
            parts,
        )
    return f"{error.message}{label}", example_hint, parts


def _translate_secret(
    kind: str, k: Any, sub: dict[str, Any], parts: list[str | int], label: str, lookup
):
    if kind == "Required":
        return f"缺少必填字段 {k.property}", "请补上该字段", [*parts, k.property]
    if kind == "AdditionalProperties":
        allowed = ", ".join(sorted((sub.get("properties") or {}).keys()))
        unexpected = list(k.unexpected)
        return (
            f"未知字段 {', '.join(map(str, unexpected))}",
            f"可用的字段：{allowed}",
            [*parts, unexpected[0]] if unexpected else parts,
        )
    hint = '电话、身份证号等请加引号写成文本，例如 phone: "138xxxxxxxx"' if kind == "Type" else None
    return f"保密字段的内容不符合要求{label}（内容保密，不在此显示）", hint, parts


def load_schema(root: Path, kind: str) -> Schema | Problem:
    path = root / SCHEMA_DIR / f"{kind}.schema.json"
    display = f"{SCHEMA_DIR}/{kind}.schema.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Problem(
            display,
            None,
            None,
            "",
            "缺少 schema 文件",
            "从 yuqing 模板仓库复制 schemas/ 目录",
            code="schema.missing",
        )
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        return Problem(
            display, line, None, "", f"schema 不是有效的 JSON：{exc}", code="schema.invalid"
        )
    try:
        validator = jsonschema_rs.Draft202012Validator(document, validate_formats=False)
    except Exception as exc:  # jsonschema_rs raises ValidationError/ValueError for a bad schema
        return Problem(display, None, None, "", f"schema 本身无效：{exc}", code="schema.invalid")
    return Schema(kind, document, validator)
