"""Shared pytest helpers. Keep each stage's helpers in its own clearly marked section."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

# --- loader: generated YAML inputs (too big or too deep to commit) ------------------------------


def nested_yaml(depth: int, style: str = "flow") -> bytes:
    """A document nested ``depth`` collections deep, in one of several YAML spellings."""
    if style == "flow":
        return b"[" * depth + b"]" * depth + b"\n"
    if style == "flow-map":
        return b"{a: " * depth + b"1" + b"}" * depth + b"\n"
    if style == "dash":
        return b"- " * depth + b"x\n"
    if style == "block":
        return b"".join(b" " * level + b"k:\n" for level in range(depth - 1)) + b" " * (depth - 1) + b"k: 1\n"
    raise ValueError(style)


def large_yaml(size: int) -> bytes:
    """A valid YAML list of at most ``size`` bytes and less than 100 bytes short of it."""
    item = "- 温泉路垃圾清运不及时，居民反映异味严重，请相关部门尽快处理。\n".encode()
    return b"notes:\n" + item * ((size - 7) // len(item))


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str, bytes], Path]:
    """Write bytes to ``tmp_path/name`` and return the path."""

    def write(name: str, raw: bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
        return path

    return write
