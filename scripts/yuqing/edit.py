"""``new`` and ``event``: create and update case files so nobody has to hand-edit YAML.

Every edit is computed first (an ``Edit``: the bytes before and after), checked by the same
validator CI runs against the repository's registers, and only then written atomically under the
repository lock. An appended event changes nothing else in the file (``roundtrip``).
"""

from __future__ import annotations

import dataclasses
import difflib
import io
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from yuqing import loader
from yuqing.atomic import atomic_replace, atomic_write_new
from yuqing.model import CASE_ID, DEFAULT_TZ, EVENT_TYPES
from yuqing.problems import Problem
from yuqing.roundtrip import (
    PlainTime,
    append_event_bytes,
    flow_map,
    round_trip_yaml,
    text_scalar,
)

LOCK_FILE = ".yuqing.lock"
LOCK_TIMEOUT = 30.0
MODELINE = "# yaml-language-server: $schema=../../schemas/case.schema.json\n"

# Which options each event type takes, in the order they are written; every type may carry `note`.
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "registered": (),
    "reported": ("to",),
    "assessed": ("level", "reason"),
    "assigned": ("to", "co"),
    "verified": ("finding",),
    "replied": ("channel", "url", "text", "promised_by", "resolves"),
    "escalated": ("to", "reason"),
    "resolved": ("summary",),
    "closed": (),
    "reopened": ("reason",),
    "note": ("text",),
}
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "reported": ("to",),
    "assessed": ("level",),
    "assigned": ("to",),
    "escalated": ("to",),
    "note": ("text",),
}

# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """A computed change of one case file; ``before`` is None for a new file."""

    path: Path  # absolute
    display: str  # relative to the repository root, posix
    before: bytes | None
    after: bytes
    warnings: tuple[Problem, ...] = ()

    def diff(self) -> str:
        old = (self.before or b"").decode("utf-8-sig").splitlines(keepends=True)
        new = self.after.decode("utf-8-sig").splitlines(keepends=True)
        source = f"a/{self.display}" if self.before is not None else "/dev/null"
        return "".join(difflib.unified_diff(old, new, source, f"b/{self.display}"))

    def write(self) -> None:
        if self.before is None:
            atomic_write_new(self.path, self.after)
        else:
            atomic_replace(self.path, self.after)


def _problem(display: str, field: str, message: str, hint: str | None = None,
             code: str = "edit.refused") -> Problem:
    return Problem(display, None, None, field, message, hint, code=code)


# --- locking and ids -------------------------------------------------------------------------


@contextmanager
def repository_lock(root: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Serialise writers of one repository (``new``, ``event``, ``ingest``) across processes."""
    lock = FileLock(str(root / LOCK_FILE), timeout=timeout)
    with lock:
        yield


def next_case_id(root: Path, year: int) -> str:
    """The next free ``YQ-<year>-<serial>`` after the highest serial in use.

    Only file names are read (``cases/*/YQ-<year>-*.yml``), so it stays fast for a large archive.
    Call it while holding ``repository_lock`` and create the file with ``atomic_write_new``.
    """
    pattern = re.compile(rf"^YQ-{year:04d}-(\d{{4,}})\.yml$")
    highest = 0
    cases = root / "cases"
    # Every year's folder, not only <year>/: a misplaced file still holds its id.
    for directory in (p for p in cases.iterdir() if p.is_dir()) if cases.is_dir() else ():
        for entry in directory.iterdir():
            m = pattern.match(entry.name)
            if m:
                highest = max(highest, int(m.group(1)))
    return f"YQ-{year:04d}-{highest + 1:04d}"


def case_path(root: Path, case_id: str) -> Path:
    m = CASE_ID.match(case_id)
    if m is None:
        raise ValueError(case_id)
    return root / "cases" / m["year"] / f"{case_id}.yml"


def _iso(moment: datetime) -> str:
    """Times are written in Beijing time like the rest of the archive (the instant is kept)."""
    return moment.astimezone(DEFAULT_TZ).isoformat(timespec="seconds")


# --- validation in the context of the repository ---------------------------------------------


# Cross-case checks whose outcome an appended event or a new case cannot change; they need every
# case file loaded, which costs seconds in a large archive, so they are left to `yuqing validate`.
_OTHER_CASES_CODES = frozenset({"ref.related", "case.id-duplicate"})


def check_in_repository(root: Path, display: str, data: bytes) -> list[Problem]:
    """Problems of ``data`` if it were the file ``display``, judged by the repository validator.

    The validator runs on a scratch copy of the registers, schemas and ``sources.yml`` with the
    candidate as its only case, so every reference to a unit, person, category, platform or feed
    and the case's own timeline are checked exactly as CI will, without loading the whole archive.
    """
    from yuqing.validate import validate_repository

    with tempfile.TemporaryDirectory(prefix="yuqing-edit-") as tmp:
        scratch = Path(tmp).resolve()
        for name in ("registers", "schemas"):
            if (root / name).is_dir():
                shutil.copytree(root / name, scratch / name)
        if (root / "sources.yml").is_file():
            shutil.copyfile(root / "sources.yml", scratch / "sources.yml")
        (scratch / "cases").mkdir()
        candidate = scratch / "candidate" / Path(display).name
        candidate.parent.mkdir()
        candidate.write_bytes(data)
        found = validate_repository(scratch, [candidate])
        shown = candidate.relative_to(scratch).as_posix()
    return [dataclasses.replace(p, path=display) for p in found
            if p.path == shown and p.code not in _OTHER_CASES_CODES]


def register_ids(root: Path, register: str) -> list[str]:
    """The ids in ``registers/<register>.yml`` (``units``, ``people``…), read without the cases."""
    data = _read_register(root, f"registers/{register}.yml")
    items = data.get(register) if isinstance(data, dict) else None
    return sorted(str(item["id"]) for item in items or () if isinstance(item, dict) and "id" in item)


def _split(problems: list[Problem]) -> tuple[list[Problem], tuple[Problem, ...]]:
    errors = [p for p in problems if p.severity == "error"]
    return errors, tuple(p for p in problems if p.severity != "error")


# --- new -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewCase:
    title: str
    platform: str
    posted_at: datetime
    by: str
    now: datetime
    category: str
    url: str | None = None
    author: str | None = None
    excerpt: str | None = None
    unit: str | None = None
    level: str = "general"
    sentiment: str = "negative"
    quick: bool = False


def render_new_case(case_id: str, spec: NewCase) -> bytes:
    data = CommentedMap()
    data["id"] = case_id
    data["title"] = spec.title
    data["level"] = spec.level
    data["category"] = spec.category
    data["sentiment"] = spec.sentiment
    data["quick"] = spec.quick
    source = CommentedMap()
    source["platform"] = spec.platform
    if spec.url:
        source["url"] = spec.url
    if spec.author:
        source["author"] = spec.author
    source["posted_at"] = PlainTime(_iso(spec.posted_at))
    if spec.excerpt:
        source["excerpt"] = text_scalar(spec.excerpt)
    data["source"] = source
    data["discovered"] = flow_map({"at": PlainTime(_iso(spec.now)), "by": spec.by})
    if spec.unit:
        data["units"] = flow_map({"lead": spec.unit})
    events = CommentedSeq()
    events.append(flow_map({"at": PlainTime(_iso(spec.now)), "type": "registered", "by": spec.by}))
    data["events"] = events
    out = io.StringIO()
    round_trip_yaml().dump(data, out)
    return (MODELINE + out.getvalue()).encode("utf-8")


def plan_new_case(root: Path, spec: NewCase) -> Edit | list[Problem]:
    """The new case file with the next free id, or the problems that forbid it. Hold the lock."""
    year = spec.now.astimezone(DEFAULT_TZ).year  # the office's calendar year, not UTC's
    case_id = next_case_id(root, year)
    path = case_path(root, case_id)
    display = path.relative_to(root).as_posix()
    data = render_new_case(case_id, spec)
    errors, warnings = _split(check_in_repository(root, display, data))
    if errors:
        return errors
    return Edit(path, display, None, data, warnings)


def create_case(root: Path, spec: NewCase, attempts: int = 5) -> Edit | list[Problem]:
    """Allocate an id, validate and write a new case file; never overwrites an existing file."""
    root = root.resolve()
    try:
        with repository_lock(root):
            for _ in range(attempts):
                edit = plan_new_case(root, spec)
                if isinstance(edit, list):
                    return edit
                try:
                    edit.write()
                except FileExistsError:
                    continue  # another writer that does not take the lock got there first
                return edit
    except Timeout:
        return [_lock_problem(root)]
    return [_problem("cases", "", "无法分配新的案件编号：编号被其他程序连续占用", "稍后重试")]


def _lock_problem(root: Path) -> Problem:
    return _problem(LOCK_FILE, "", "仓库正被另一个 yuqing 命令修改（等待超时）",
                    f"等它结束后重试；若确认没有其他命令在运行，可删除 {root / LOCK_FILE}",
                    code="edit.locked")


# --- event -----------------------------------------------------------------------------------


def build_event(event_type: str, at: datetime, by: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The new event as plain data (field order as written), or ValueError with a Chinese reason."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"未知的记录类型 {event_type}，可用：{'、'.join(EVENT_TYPES)}")
    allowed = EVENT_FIELDS[event_type]
    given = {k: v for k, v in fields.items() if v not in (None, False, (), [], "")}
    extra = [k for k in given if k not in allowed and k != "note"]
    if extra:
        names = "、".join("--" + k.replace("_", "-") for k in extra)
        usable = "、".join("--" + k.replace("_", "-") for k in (*allowed, "note"))
        raise ValueError(f"{event_type}（{EVENT_TYPES[event_type]}）记录不使用 {names}；可用：{usable}")
    missing = [k for k in REQUIRED_FIELDS.get(event_type, ()) if k not in given]
    if missing:
        names = "、".join("--" + k.replace("_", "-") for k in missing)
        raise ValueError(f"{event_type}（{EVENT_TYPES[event_type]}）记录必须给出 {names}")
    event: dict[str, Any] = {"at": _iso(at), "type": event_type, "by": by}
    for key in (*allowed, "note"):
        if key in given:
            event[key] = list(given[key]) if key == "co" else given[key]
    return event


def find_case_file(root: Path, case_id: str) -> Path | None:
    """``cases/<year>/<id>.yml``, or a file of that name misplaced under another year."""
    path = case_path(root, case_id)
    if path.is_file():
        return path
    found = sorted((root / "cases").glob(f"*/{case_id}.yml"))
    return found[0] if found else None


def event_count(root: Path, case_id: str) -> int | None:
    """How many events the case has now: the index the next appended event will get."""
    path = find_case_file(root.resolve(), case_id) if CASE_ID.match(case_id) else None
    if path is None:
        return None
    parsed = loader.loads(path.read_bytes(), case_id)
    if isinstance(parsed, Problem) or not isinstance(parsed.data, dict):
        return None
    events = parsed.data.get("events")
    return len(events) if isinstance(events, list) else 0


def _read_register(root: Path, relative_path: str) -> Any:
    parsed = loader.load(root / relative_path, relative_path)
    return None if isinstance(parsed, Problem) else parsed.data


def promise_problems_of_event(root: Path, display: str, data: bytes, index: int) -> list[Problem]:
    """The appended reply's promise against the office's policy (seed 000: ≤ 5 working days).

    Only the new event is judged, so an old over-long promise does not block today's note. When
    the policy itself is unusable the validator already says so; nothing is added here.
    """
    from yuqing.model import build_case
    from yuqing.policy import load_policy, promise_problems
    from yuqing.workdays import build_calendar

    parsed = loader.loads(data, display)
    office = _read_register(root, "registers/office.yml")
    if isinstance(parsed, Problem) or not isinstance(office, dict):
        return []
    policy_path = f"registers/policies/{office.get('policy', 'seeds')}.yml"
    policy_data = _read_register(root, policy_path)
    if not isinstance(policy_data, dict):
        return []
    policy = load_policy(policy_data, policy_path)
    if isinstance(policy, list):
        return []
    calendar = build_calendar(_read_register(root, "registers/holidays.yml"), policy.tz)
    try:
        case = build_case(display, parsed.data, policy.tz)
    except (KeyError, TypeError, ValueError):  # the validator reports malformed cases
        return []
    prefix = f"events[{index}]"
    found = []
    for p in promise_problems(case, policy, calendar):
        if p.field == prefix or p.field.startswith(prefix + "."):
            where = loader.locates(data, ["events", index, "promised_by"])
            found.append(dataclasses.replace(p, path=display, line=where[0] if where else None,
                                             column=where[1] if where else None))
    return found


def plan_event(root: Path, case_id: str, event: dict[str, Any]) -> Edit | list[Problem]:
    """The case file with ``event`` appended, checked by the validator; nothing is written."""
    root = root.resolve()
    if CASE_ID.match(case_id) is None:
        return [_problem(case_id, "", f"{case_id} 不是案件编号", "案件编号形如 YQ-2026-0007",
                         code="edit.case-id")]
    path = find_case_file(root, case_id)
    if path is None:
        return [_problem(f"cases/{case_id}.yml", "", f"找不到案件 {case_id}",
                         "检查编号；案件文件在 cases/<年份>/ 下", code="edit.case-missing")]
    display = path.relative_to(root).as_posix()
    before = path.read_bytes()
    parsed = loader.loads(before, display)
    if isinstance(parsed, Problem):
        return [parsed]
    after = append_event_bytes(before, display, event)
    if isinstance(after, Problem):
        return [after]
    problems = check_in_repository(root, display, after)
    if event["type"] == "replied" and "promised_by" in event:
        index = len(parsed.data.get("events") or []) if isinstance(parsed.data, dict) else 0
        seen = {(p.field, p.message) for p in problems}
        problems += [p for p in promise_problems_of_event(root, display, after, index)
                     if (p.field, p.message) not in seen]
    errors, warnings = _split(problems)
    if errors:
        return errors
    return Edit(path, display, before, after, warnings)


def append_event(root: Path, case_id: str, event: dict[str, Any], *,
                 dry_run: bool = False) -> Edit | list[Problem]:
    """Append ``event`` to a case under the repository lock; with ``dry_run`` only compute it."""
    root = root.resolve()
    try:
        with repository_lock(root):
            edit = plan_event(root, case_id, event)
            if isinstance(edit, Edit) and not dry_run:
                edit.write()
            return edit
    except Timeout:
        return [_lock_problem(root)]
