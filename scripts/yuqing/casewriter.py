"""Case files on disk: new ones created atomically and never over an existing file, events
appended with the round-trip edit of ``yuqing event`` (every other byte stays as it was).

Ids come from file names only (``cases/<year>/YQ-<year>-<serial>.yml``): no case file is read to
find the next free id, and a name taken by a concurrent writer just moves us to the next one.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from filelock import FileLock
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from yuqing.atomic import atomic_replace, atomic_write_new
from yuqing.problems import Problem
from yuqing.roundtrip import append_event_bytes

MODELINE = "# yaml-language-server: $schema=../../schemas/case.schema.json\n"
_CASE_FILE = re.compile(r"^YQ-(\d{4})-(\d{4,})\.yml$")
# Small mappings read best on one line, as in docs/DESIGN.md.
_FLOW_KEYS = frozenset({"discovered", "metrics", "units"})
LOCK_NAME = ".yuqing.lock"  # the same lock `yuqing new` / `yuqing event` take


def repository_lock(root: Path, timeout: float = 600) -> FileLock:
    """One ingest at a time per repository; a second one waits (up to ``timeout`` seconds)."""
    return FileLock(str(root / LOCK_NAME), timeout=timeout)


class _Time(str):
    """An ISO time string, written plain (``at: 2026-11-20T16:00:00+08:00``) like people write it.

    ruamel would quote it because YAML 1.1 reads it as a timestamp; our strict loader reads every
    such scalar as a string, so the plain form is unambiguous for us and for editors."""


_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)$")


def _represent_time(representer: Any, value: _Time) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:timestamp", str(value))


def _yaml() -> YAML:
    yaml = YAML()  # round-trip
    yaml.representer.add_representer(_Time, _represent_time)
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.allow_unicode = True
    yaml.preserve_quotes = True
    return yaml


def next_serial(root: Path, year: int) -> int:
    """1 + the highest serial among ``cases/<year>/`` file names (1 for an empty year)."""
    highest = 0
    folder = root / "cases" / str(year)
    if folder.is_dir():
        for name in (entry.name for entry in folder.iterdir()):
            m = _CASE_FILE.match(name)
            if m and int(m[1]) == year:
                highest = max(highest, int(m[2]))
    return highest + 1


def case_id(year: int, serial: int) -> str:
    return f"YQ-{year}-{serial:04d}"


def _commented(value: Any, key: str | None = None) -> Any:
    if isinstance(value, Mapping):
        out = CommentedMap((k, _commented(v, k)) for k, v in value.items())
        if key in _FLOW_KEYS or key == "events_item":
            out.fa.set_flow_style()
        return out
    if isinstance(value, list | tuple):
        seq = CommentedSeq(_commented(v, "events_item" if key == "events" else None) for v in value)
        if key in ("tags", "co", "related"):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and _ISO_TIME.match(value):
        return _Time(value)
    return value


def render_case(data: Mapping[str, Any]) -> str:
    """A case as YAML text: the ``$schema`` modeline, then the fields in the order given."""
    stream = io.StringIO()
    _yaml().dump(_commented(data), stream)
    return MODELINE + stream.getvalue()


def write_new_case(
    root: Path, year: int, data: Mapping[str, Any], serial: int | None = None
) -> tuple[str, Path]:
    """Create the next free ``YQ-<year>-NNNN`` file holding ``data`` (``id`` is set here),
    starting the search at ``serial`` (default: scan the year's file names).

    Never overwrites: if a concurrent writer took the name, the next serial is tried.
    """
    if serial is None:
        serial = next_serial(root, year)
    folder = root / "cases" / str(year)
    folder.mkdir(parents=True, exist_ok=True)  # OSError if something else has the name
    while True:
        cid = case_id(year, serial)
        path = folder / f"{cid}.yml"
        text = render_case({"id": cid, **{k: v for k, v in data.items() if k != "id"}})
        try:
            atomic_write_new(path, text.encode("utf-8"))
        except FileExistsError:
            if not path.exists():
                raise  # not a taken name: let the caller report it
            serial += 1
            continue
        return cid, path


def append_events(path: Path, display: str, new_events: list[Mapping[str, Any]]) -> Problem | None:
    """Append events to a case file, changing no other byte (``roundtrip``, as ``yuqing event``
    does), then replace the file atomically. A Problem, and nothing written, when the file's
    layout cannot be kept."""
    raw = path.read_bytes()
    for event in new_events:
        result = append_event_bytes(raw, display, dict(event))
        if isinstance(result, Problem):
            return result
        raw = result
    atomic_replace(path, raw)
    return None
