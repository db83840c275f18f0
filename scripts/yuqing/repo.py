"""The office repository on disk → one ``Repository`` value (registers, cases, problems).

Loading collects every problem of every file and keeps going: a broken case never hides the others.
The raw YAML of a case is dropped once its record is built, and ``confidential`` never becomes part of
a record.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from yuqing import loader
from yuqing.model import (
    DEFAULT_TZ,
    Case,
    Category,
    Hazard,
    Office,
    Person,
    Platform,
    TimeFormatError,
    Unit,
    build_case,
    parse_time,
)
from yuqing.privacy import find_personal_data
from yuqing.problems import Problem
from yuqing.schema import Schema, load_schema

CASES_DIR = "cases"
REGISTERS_DIR = "registers"
POLICIES_DIR = "registers/policies"
SOURCES_FILE = "sources.yml"
REGISTER_FILES = ("office", "units", "people", "categories", "platforms", "hazards", "holidays")


@dataclass(frozen=True)
class Repository:
    root: Path
    office: Office
    units: dict[str, Unit]
    people: dict[str, Person]
    categories: dict[str, Category]
    platforms: dict[str, Platform]
    hazards: tuple[Hazard, ...]
    holidays: dict[str, Any]
    policy_data: dict[str, Any]
    sources_data: dict[str, Any]
    cases: tuple[Case, ...]
    problems: tuple[Problem, ...] = ()
    case_paths: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id → every file using it

    @property
    def tz(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.office.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return DEFAULT_TZ

    def case(self, case_id: str) -> Case | None:
        for case in self.cases:
            if case.id == case_id:
                return case
        return None


def relative(root: Path, path: Path) -> str:
    text, base = str(path), str(root)
    if text.startswith(base) and text[len(base) : len(base) + 1] == os.sep:
        return text[len(base) + 1 :].replace(os.sep, "/")
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


class _Loader:
    """Loads files against their schemas, remembering schemas and collecting problems."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self._schemas: dict[str, Schema | None] = {}

    def schema(self, kind: str) -> Schema | None:
        if kind not in self._schemas:
            result = load_schema(self.root, kind)
            if isinstance(result, Problem):
                self.problems.append(result)
                self._schemas[kind] = None
            else:
                self._schemas[kind] = result
        return self._schemas[kind]

    def load(self, path: Path, kind: str, *, required: bool = True) -> Any | None:
        """Schema-valid data of one file, or None (its problems recorded)."""
        display = relative(self.root, path)
        if not path.exists():
            if required:
                self.problems.append(
                    Problem(
                        display,
                        None,
                        None,
                        "",
                        "缺少此文件",
                        "从 yuqing 模板仓库复制一份，再按本单位情况修改",
                        code="file.missing",
                    )
                )
            return None
        result = loader.load(path, display)
        if isinstance(result, Problem):
            self.problems.append(result)
            return None
        schema = self.schema(kind)
        if schema is None:
            return None
        found = schema.problems(result.data, display, lambda parts: loader.locate(path, parts))
        if found:
            self.problems.extend(found)
            return None
        return result.data

    def problem_at(
        self,
        path: Path,
        parts: Iterable[str | int],
        message: str,
        hint: str | None = None,
        code: str = "error",
    ) -> None:
        self.problems.append(
            loader.problem_at(
                path, relative(self.root, path), list(parts), message, hint, code=code
            )
        )


def _bad_time_fields(data: Any, tz: ZoneInfo, path: tuple[str | int, ...] = ()):
    """Fields whose text looks like a date or time but is not a real one (2026-13-01)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key != "confidential":
                yield from _bad_time_fields(value, tz, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _bad_time_fields(value, tz, (*path, index))
    elif isinstance(data, str) and data[:1].isdigit() and data[4:5] == "-":
        try:
            parse_time(data, tz)
        except TimeFormatError:
            yield path, data


def _records(data: dict[str, Any] | None, key: str, make) -> dict[str, Any]:
    return {item["id"]: make(item) for item in (data or {}).get(key, [])}


def _load_registers(ld: _Loader, root: Path) -> dict[str, Any]:
    reg = root / REGISTERS_DIR
    raw = {name: ld.load(reg / f"{name}.yml", name) for name in REGISTER_FILES}
    office_data = raw["office"] or {}
    office = Office(
        name=office_data.get("name", "（未命名单位）"),
        short_name=office_data.get("short_name", office_data.get("name", "")),
        timezone=office_data.get("timezone", "Asia/Shanghai"),
        policy=office_data.get("policy", "seeds"),
        extra={
            k: v
            for k, v in office_data.items()
            if k not in {"name", "short_name", "timezone", "policy"}
        },
    )
    tz = ZoneInfo(office.timezone) if office.timezone else DEFAULT_TZ
    hazards = []
    hazards_path = reg / "hazards.yml"
    for index, row in enumerate((raw["hazards"] or {}).get("hazards", [])):
        try:
            hazards.append(
                Hazard(
                    id=row["id"],
                    unit=row["unit"],
                    found_on=parse_time(str(row["found_on"]), tz).date(),
                    content=row["content"],
                    offline_measures=row["offline_measures"],
                    online_measures=row["online_measures"],
                    deadline=parse_time(str(row["deadline"]), tz, end_of_day=True),
                    resolved_at=(
                        parse_time(str(row["resolved_at"]), tz, end_of_day=True)
                        if row.get("resolved_at")
                        else None
                    ),
                )
            )
        except TimeFormatError as exc:
            ld.problem_at(
                hazards_path,
                ["hazards", index],
                f"{exc} 不是有效日期",
                "写成 2026-11-20 这样的日期",
                code="time.invalid",
            )
    policy_path = root / POLICIES_DIR / f"{office.policy}.yml"
    policy_data = ld.load(policy_path, "policy") or {}
    return {
        "office": office,
        "units": _records(
            raw["units"],
            "units",
            lambda u: Unit(
                u["id"],
                u["name"],
                u.get("kind", "other"),
                u.get("leader"),
                tuple(u.get("officers") or ()),
            ),
        ),
        "people": _records(
            raw["people"],
            "people",
            lambda p: Person(p["id"], p["name"], p.get("title"), p.get("unit")),
        ),
        "categories": _records(
            raw["categories"],
            "categories",
            lambda c: Category(c["id"], c["name"], c.get("description")),
        ),
        "platforms": _records(
            raw["platforms"],
            "platforms",
            lambda p: Platform(p["id"], p["name"], p.get("kind", "other"), p.get("url")),
        ),
        "hazards": tuple(hazards),
        "holidays": raw["holidays"] or {},
        "policy_data": policy_data,
        "tz": tz,
    }


def case_files(root: Path) -> list[Path]:
    return sorted((root / CASES_DIR).rglob("*.yml"))


def _load_case(ld: _Loader, path: Path, tz: ZoneInfo) -> Case | None:
    data = ld.load(path, "case")
    if data is None:
        return None
    for parts, what in find_personal_data(data):
        ld.problem_at(
            path,
            parts,
            f"{what}不能写在公开字段里",
            "举报人或当事人的联系方式、身份证号只能写在 confidential 下（不会公开）；此处请删除或打码",
            code="privacy.personal-data",
        )
    display = relative(ld.root, path)
    try:
        return build_case(display, data, tz)
    except TimeFormatError:
        for parts, text in _bad_time_fields(data, tz):
            ld.problem_at(
                path,
                parts,
                f"{text!r} 不是有效的日期或时间",
                "写成 2026-11-20T09:30:00+08:00（或日期 2026-11-20）",
                code="time.invalid",
            )
        return None


def load_repository(root: Path, extra_case_files: Iterable[Path] = ()) -> Repository:
    """Load registers, policy, sources and every case; ``extra_case_files`` (outside ``cases/``) are
    loaded as cases too, so a single file can be checked against the office's registers."""
    root = root.resolve()
    ld = _Loader(root)
    registers = _load_registers(ld, root)
    sources_data = ld.load(root / SOURCES_FILE, "sources", required=False) or {}
    cases: list[Case] = []
    paths: dict[str, list[str]] = {}
    files = case_files(root)
    extra = [p.resolve() for p in extra_case_files]
    if extra:
        seen = {p.resolve() for p in files}
        files += [p for p in extra if p not in seen]
    for path in files:
        case = _load_case(ld, path, registers["tz"])
        if case is not None:
            cases.append(case)
            paths.setdefault(case.id, []).append(case.path)
    stray = [
        p
        for p in (root / CASES_DIR).rglob("*")
        if p.is_file() and p.suffix != ".yml" and p.name != ".gitkeep"
    ]
    for path in stray:
        ld.problems.append(
            Problem(
                relative(root, path),
                None,
                None,
                "",
                "cases/ 下只能放案件文件 cases/<年份>/YQ-<年份>-<编号>.yml",
                "改用 .yml 扩展名，或把此文件移出 cases/",
                code="file.stray",
            )
        )
    return Repository(
        root=root,
        office=registers["office"],
        units=registers["units"],
        people=registers["people"],
        categories=registers["categories"],
        platforms=registers["platforms"],
        hazards=registers["hazards"],
        holidays=registers["holidays"],
        policy_data=registers["policy_data"],
        sources_data=sources_data,
        cases=tuple(cases),
        problems=tuple(ld.problems),
        case_paths={k: tuple(v) for k, v in paths.items()},
    )
