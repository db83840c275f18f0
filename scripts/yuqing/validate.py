"""Checks a schema cannot express: ids and file names, references, time order, closing rules.

Input is a loaded ``Repository``; output is a list of located Problems. File-local checks (syntax,
schema, personal data, impossible dates) already happened while loading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from yuqing import loader
from yuqing.deadlines import repository_policy, validation_problems
from yuqing.model import CASE_ID, LEVEL_NAMES, LEVELS, SYSTEM_ACTORS, Case
from yuqing.policy import suggest_level
from yuqing.problems import Problem
from yuqing.repo import CASES_DIR, Repository, load_repository

REPORT_REQUIRED = ("cause", "measures", "talking_points", "result")
REPORT_NAMES = {
    "cause": "舆情产生原因（事实真相）",
    "measures": "具体处置措施及网络舆论引导措施",
    "talking_points": "应对口径",
    "result": "处置结果",
    "review": "总结评估",
}
_CASE_FILE_NAME = re.compile(r"^YQ-\d{4}-\d+\.yml$")


class _Out:
    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.items: list[Problem] = []

    def add(
        self,
        case: Case,
        parts: Iterable[str | int],
        message: str,
        hint: str | None = None,
        code: str = "error",
        severity: str = "error",
    ) -> None:
        self.items.append(
            loader.problem_at(
                self.repo.root / case.path,
                case.path,
                list(parts),
                message,
                hint,
                code=code,
                severity=severity,
            )
        )


def _choices(ids: Iterable[str], limit: int = 12) -> str:
    ids = sorted(ids)
    shown = "、".join(ids[:limit])
    return f"可用：{shown}" + ("……" if len(ids) > limit else "")


def _check_identity(out: _Out, case: Case) -> None:
    path = Path(case.path)
    m = CASE_ID.match(case.id)
    in_cases = path.parts[:1] == (CASES_DIR,)
    if (in_cases or _CASE_FILE_NAME.match(path.name)) and path.stem != case.id:
        out.add(
            case,
            ["id"],
            f"编号 {case.id} 与文件名 {path.name} 不一致",
            f"把文件改名为 {case.id}.yml，或改正 id",
            code="case.id-file-name",
        )
    if in_cases and m:
        expected = Path(CASES_DIR, m["year"], f"{case.id}.yml").as_posix()
        if case.path != expected:
            out.add(
                case,
                ["id"],
                f"案件文件应放在 {expected}",
                f"用 git mv 把文件移到 {expected}",
                code="case.location",
            )


# What a case may name, and where those names are registered.
_REGISTERS = {
    "category": ("分类", "registers/categories.yml"),
    "platform": ("平台", "registers/platforms.yml"),
    "feed": ("订阅来源", "sources.yml"),
    "person": ("人员", "registers/people.yml"),
    "unit": ("单位", "registers/units.yml"),
}


def _references(case: Case) -> Iterator[tuple[list[str | int], str | None, str]]:
    """(field, value, register) for every id a case names."""
    yield ["category"], case.category, "category"
    yield ["source", "platform"], case.source.platform, "platform"
    yield ["source", "feed"], case.source.feed, "feed"
    yield ["discovered", "by"], case.discovered_by, "person"
    yield ["units", "lead"], case.lead_unit, "unit"
    for i, unit in enumerate(case.co_units):
        yield ["units", "co", i], unit, "unit"
    for event in case.events:
        base: list[str | int] = ["events", event.index]
        yield [*base, "by"], event.by, "person"
        if event.type == "assigned":
            yield [*base, "to"], event.to, "unit"
            for j, unit in enumerate(event.co):
                yield [*base, "co", j], unit, "unit"


def _registered(repo: Repository) -> dict[str, set[str]]:
    return {
        "category": set(repo.categories),
        "platform": set(repo.platforms),
        "feed": {s.get("id") for s in repo.sources_data.get("sources", [])},
        "person": set(repo.people),
        "unit": set(repo.units),
    }


def _check_references(
    out: _Out, case: Case, case_ids: set[str], registered: dict[str, set[str]]
) -> None:
    repo = out.repo
    for parts, value, register in _references(case):
        ids = registered[register]
        if value is None or value in ids or (register == "person" and value in SYSTEM_ACTORS):
            continue
        if register == "feed" and not ids:
            continue  # an office without sources.yml: nothing to check a feed id against
        name, where = _REGISTERS[register]
        out.add(
            case,
            parts,
            f"未知的{name} {value}",
            _choices(ids) + f"（{where}）",
            code=f"ref.{register}",
        )
    people = registered["person"] | set(SYSTEM_ACTORS)
    for event in case.events:
        base = ["events", event.index]
        if event.type == "escalated" and event.to not in people and event.to not in repo.units:
            out.add(
                case,
                [*base, "to"],
                f"督办对象 {event.to} 既不是登记的人员也不是单位",
                "写 registers/people.yml 中的人员编号或 registers/units.yml 中的单位编号",
                code="ref.escalated-to",
            )
    for i, other in enumerate(case.related):
        if other == case.id:
            out.add(
                case, ["related", i], "相关案件不能是本案自身", "删除此项", code="ref.related-self"
            )
        elif other not in case_ids:
            out.add(
                case,
                ["related", i],
                f"相关案件 {other} 不存在",
                "检查编号，或先登记该案件",
                code="ref.related",
            )


def _check_timeline(out: _Out, case: Case) -> None:
    posted = case.source.posted_at
    if case.discovered_at < posted:
        out.add(
            case,
            ["discovered", "at"],
            "发现时间早于发帖时间",
            f"发帖时间是 {posted.isoformat()}，请核对",
            code="time.order",
        )
    previous: datetime | None = None
    for event in case.events:
        base = ["events", event.index]
        if event.at < posted:
            out.add(
                case,
                [*base, "at"],
                "处置记录早于发帖时间",
                f"发帖时间是 {posted.isoformat()}，请核对这条记录的时间",
                code="time.before-post",
            )
        if previous is not None and event.at < previous:
            out.add(
                case,
                [*base, "at"],
                "处置记录的时间顺序颠倒：比上一条更早",
                "记录只能按时间先后追加；请核对时间或调整顺序",
                code="time.order",
            )
        previous = event.at
        if event.type == "replied" and not event.resolves and event.promised_by is None:
            out.add(
                case,
                base,
                "回复未办结时必须承诺办理时限",
                "种子文件要求「暂时不能办理的，必须在回复中说明理由并承诺办理时限」："
                "加 promised_by: 2026-11-25；若此回复已正式解答，加 resolves: true",
                code="event.promise-missing",
            )
        if (
            event.type == "replied"
            and event.promised_by is not None
            and event.promised_by < event.at
        ):
            out.add(
                case,
                [*base, "promised_by"],
                "承诺办理时限早于回复时间",
                "承诺的日期应在回复之后",
                code="event.promise-past",
            )


def _closed(case: Case) -> bool:
    state = False
    for event in case.events:
        if event.type == "closed":
            state = True
        elif event.type == "reopened":
            state = False
    return state


def _check_closing(out: _Out, case: Case) -> None:
    closed = _closed(case)
    if closed:
        for name in REPORT_REQUIRED:
            if case.report is None or not getattr(case.report, name):
                out.add(
                    case,
                    ["report", name] if case.report else ["report"],
                    f"结案前须填写处置情况报告单：{REPORT_NAMES[name]}（report.{name}）",
                    "在 report 下补写该项后再结案",
                    code="case.report-missing",
                )
    if case.archive is not None and not closed:
        out.add(
            case,
            ["archive"],
            "未结案的案件不能归档",
            "先追加 closed 记录，或删除 archive",
            code="case.archive-open",
        )
    if case.events and case.events[0].type != "registered":
        out.add(
            case,
            ["events", 0, "type"],
            "第一条处置记录应为登记（registered）",
            "在 events 开头补一条 type: registered",
            code="event.first",
        )


def _check_duplicates(repo: Repository) -> Iterator[Problem]:
    for case_id, paths in repo.case_paths.items():
        if len(paths) > 1:
            for path in paths:
                others = "、".join(p for p in paths if p != path)
                yield loader.problem_at(
                    repo.root / path,
                    path,
                    ["id"],
                    f"编号 {case_id} 重复（也用于 {others}）",
                    "给后登记的案件换一个未用过的编号（yuqing new 会自动分配）",
                    code="case.id-duplicate",
                )


def _check_registers(repo: Repository) -> Iterator[Problem]:
    def at(register: str, parts: list[str | int], message: str, hint: str, code: str) -> Problem:
        display = f"registers/{register}.yml"
        return loader.problem_at(repo.root / display, display, parts, message, hint, code=code)

    for i, unit in enumerate(repo.units.values()):
        for j, person in enumerate((unit.leader, *unit.officers)):
            if person is not None and person not in repo.people:
                where = ["units", i, "leader"] if j == 0 else ["units", i, "officers", j - 1]
                yield at(
                    "units",
                    where,
                    f"单位 {unit.name} 引用了未登记的人员 {person}",
                    "在 registers/people.yml 中登记此人",
                    "ref.person",
                )
    for i, person in enumerate(repo.people.values()):
        if person.unit is not None and person.unit not in repo.units:
            yield at(
                "people",
                ["people", i, "unit"],
                f"人员 {person.name} 所属单位 {person.unit} 未登记",
                "在 registers/units.yml 中登记该单位",
                "ref.unit",
            )
    for i, hazard in enumerate(repo.hazards):
        if hazard.unit not in repo.units:
            yield at(
                "hazards",
                ["hazards", i, "unit"],
                f"隐患 {hazard.id} 的科室 {hazard.unit} 未登记",
                _choices(repo.units),
                "ref.unit",
            )


def cross_check(repo: Repository) -> list[Problem]:
    out = _Out(repo)
    case_ids = {case.id for case in repo.cases}
    registered = _registered(repo)
    for case in repo.cases:
        _check_identity(out, case)
        _check_references(out, case, case_ids, registered)
        _check_timeline(out, case)
        _check_closing(out, case)
    out.items.extend(_check_duplicates(repo))
    out.items.extend(_check_registers(repo))
    return out.items


def _grading_warnings(repo: Repository) -> Iterator[Problem]:
    """Seed 001's thresholds: warn when a case's metrics have outgrown its level (people decide)."""
    policy, _, _ = repository_policy(repo)
    if policy is None:
        return
    for case in repo.cases:
        suggested = suggest_level(case.source.metrics, policy)
        if LEVELS.index(suggested) > LEVELS.index(case.level):
            yield loader.problem_at(
                repo.root / case.path,
                case.path,
                ["level"],
                f"传播数据已达到「{LEVEL_NAMES[suggested]}」的分级标准，当前定级为「{LEVEL_NAMES[case.level]}」",
                "请研判是否升级：追加 type: assessed 记录（level、reason），并同步修改 level",
                code="grading.outgrown",
                severity="warning",
            )


def validate_repository(
    root: Path, paths: Iterable[Path] = (), now: datetime | None = None
) -> list[Problem]:
    """Every problem in the repository. With ``paths``, only problems of those files (checked in the
    context of the whole repository: references and duplicate ids need all of it)."""
    root = root.resolve()
    wanted = [p.resolve() for p in paths]
    extra = [
        p
        for p in wanted
        if p.suffix in {".yml", ".yaml"} and "registers" not in p.parts and p.name != "sources.yml"
    ]
    repo = load_repository(root, extra_case_files=extra)
    problems = [
        *repo.problems,
        *cross_check(repo),
        *validation_problems(repo, now or datetime.now(repo.tz)),
        *_grading_warnings(repo),
    ]
    if wanted:
        shown = {_display(root, p) for p in wanted}
        problems = [p for p in problems if p.path in shown]
    return problems


def _display(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
