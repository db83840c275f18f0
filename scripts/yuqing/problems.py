"""Problems: every failure is a value, never a traceback.

A ``Problem`` names the file, line, column and field, says what is wrong in Chinese and, where we
know it, how to fix it. Every stage returns problems; only the CLI decides how to print them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    column: int | None
    field: str
    message: str
    hint: str | None = None
    severity: Severity = "error"
    code: str = "error"

    def text(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        parts = [where]
        if self.field:
            parts.append(self.field)
        body = self.message if self.severity == "error" else f"警告: {self.message}"
        if self.hint:
            body = f"{body} — {self.hint}"
        parts.append(body)
        return ": ".join(parts)


def field_path(parts: Iterable[str | int]) -> str:
    """``("events", 3, "at")`` → ``events[3].at``: how a person names a place in a case file."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.path, p.line or 0, p.column or 0, p.field, p.message))


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def format_text(problems: Iterable[Problem]) -> str:
    return "\n".join(p.text() for p in problems)


def format_json(problems: Iterable[Problem]) -> str:
    items = [asdict(p) for p in problems]
    return json.dumps(
        {"problems": items, "errors": sum(p["severity"] == "error" for p in items)},
        ensure_ascii=False,
        indent=2,
    )


def _escape_annotation(value: str, *, prop: bool = False) -> str:
    # GitHub workflow-command escaping (toolkit/core command.ts).
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def format_github(problems: Iterable[Problem]) -> str:
    """Workflow commands that show each problem as an annotation on the pull request's diff."""
    lines = []
    for p in problems:
        props = [f"file={_escape_annotation(p.path, prop=True)}"]
        if p.line is not None:
            props.append(f"line={p.line}")
        if p.column is not None:
            props.append(f"col={p.column}")
        if p.field:
            props.append(f"title={_escape_annotation(p.field, prop=True)}")
        message = p.message + (f" — {p.hint}" if p.hint else "")
        lines.append(f"::{p.severity} {','.join(props)}::{_escape_annotation(message)}")
    return "\n".join(lines)
