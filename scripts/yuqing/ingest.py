"""Ingest: fetch every enabled source, find the entries that matter, open each case once.

The whole run holds the repository lock, so two ingests at once are serialized: the second one
loads the repository after the first one's cases exist and finds nothing new. Nothing here reads
a case file to deduplicate: the loaded ``Repository`` and the state file are enough.

State (``state/sources.json``, kept in the repository for the site): per source the conditional
GET validators, last success, last error, entries seen, and the keys of entries that opened or
joined a case (so a case people deleted as irrelevant is not opened again).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from yuqing import casewriter, loader, matching
from yuqing.atomic import atomic_replace
from yuqing.feeds import EXCERPT_LIMIT, FeedEntry, FeedError, ParsedFeed, one_line, parse_feed
from yuqing.fetch import FetchLimits, FetchRequest, FetchResult, fetch_all, normalize_host
from yuqing.model import Case, Metrics, build_case
from yuqing.privacy import ID_NUMBER, LANDLINE, MOBILE
from yuqing.problems import Problem, field_path, has_errors
from yuqing.repo import Repository, load_repository
from yuqing.status import is_open

STATE_FILE = "state/sources.json"
STATE_VERSION = 1
SEEN_LIMIT = 5000  # remembered entry keys per source
TITLE_LIMIT = 120


@dataclass(frozen=True)
class Opened:
    case_id: str
    path: str
    title: str
    source: str
    url: str | None
    level: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Linked:
    case_id: str
    title: str
    source: str
    url: str | None
    similarity: float


@dataclass(frozen=True)
class SourceOutcome:
    id: str
    name: str
    status: str  # ok | not_modified | error
    entries: int = 0
    matched: int = 0
    error: str | None = None
    hint: str | None = None


@dataclass(frozen=True)
class IngestReport:
    now: str
    dry_run: bool
    sources: tuple[SourceOutcome, ...] = ()
    opened: tuple[Opened, ...] = ()
    linked: tuple[Linked, ...] = ()
    skipped: dict[str, int] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    @property
    def failed(self) -> tuple[SourceOutcome, ...]:
        return tuple(s for s in self.sources if s.status == "error")

    @property
    def all_failed(self) -> bool:
        return bool(self.sources) and len(self.failed) == len(self.sources)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failed"] = [s.id for s in self.failed]
        return data


SKIP_REASONS = {
    "unmatched": "未命中关键词",
    "known": "已登记（guid 或网址相同）",
    "future": "发布时间晚于本次运行时间",
    "duplicate_in_run": "本次抓取中重复出现",
}


# --- state -----------------------------------------------------------------------------------


def load_state(root: Path) -> dict[str, Any] | Problem:
    path = root / STATE_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {"version": STATE_VERSION, "sources": {}}
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("sources"), dict):
            raise ValueError("顶层应为含 sources 对象的 JSON 对象")
        for value in data["sources"].values():
            if not isinstance(value, dict) or not isinstance(value.get("seen", []), list):
                raise ValueError("每个来源的状态应为对象，seen 应为列表")
    except (UnicodeDecodeError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return Problem(
            STATE_FILE,
            line,
            None,
            "",
            f"采集状态文件已损坏，无法读取（{exc}）",
            "用 git 恢复上一版（git checkout -- state/sources.json）；确实无法恢复时删除它，"
            "下次采集会重新抓取全部条目（已删除的误报案件可能再次出现）",
            code="ingest.state",
        )
    return data


def _save_state(root: Path, state: Mapping[str, Any]) -> None:
    text = json.dumps(state, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    atomic_replace(root / STATE_FILE, text.encode("utf-8"))


# --- sources ---------------------------------------------------------------------------------


def _source_problems(repo: Repository, sources: list[dict[str, Any]]) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for i, src in enumerate(sources):
        sid = src["id"]
        if sid in seen:
            problems.append(
                Problem(
                    "sources.yml",
                    None,
                    None,
                    f"sources[{i}].id",
                    f"来源 id {sid} 重复",
                    "每个来源的 id 必须唯一",
                    code="sources.duplicate",
                )
            )
        seen.add(sid)
        checks = (
            ("platform", repo.platforms, "registers/platforms.yml"),
            ("category", repo.categories, "registers/categories.yml"),
            ("unit", repo.units, "registers/units.yml"),
        )
        for key, known, where in checks:
            value = src.get(key)
            if value is not None and value not in known:
                problems.append(
                    Problem(
                        "sources.yml",
                        None,
                        None,
                        f"sources[{i}].{key}",
                        f"{value} 不在 {where} 中",
                        f"改成 {where} 中已有的 id，或先在其中登记",
                        code="sources.reference",
                    )
                )
    return problems


def _mask_personal(text: str) -> str:
    """Phone and ID numbers in web text would be published; the case keeps only a marker."""
    text = ID_NUMBER.sub("［身份证号已隐去］", text)
    text = MOBILE.sub("［电话已隐去］", text)
    return LANDLINE.sub("［电话已隐去］", text)


def _iso(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).replace(microsecond=0).isoformat()


def _default_category(repo: Repository, src: Mapping[str, Any]) -> str:
    if src.get("category"):
        return src["category"]
    if "other" in repo.categories:
        return "other"
    return next(iter(repo.categories), "other")


def _grade(repo: Repository, metrics: Mapping[str, int]) -> str:
    if not metrics:
        return (repo.policy_data.get("grading") or {}).get("default", "general")
    from yuqing.policy import load_policy, suggest_level

    policy = load_policy(repo.policy_data)
    if isinstance(policy, list):  # a broken policy is validate's business; grade conservatively
        return "general"
    return suggest_level(Metrics(**metrics), policy)


def _case_data(
    repo: Repository,
    src: Mapping[str, Any],
    entry: FeedEntry,
    posted: datetime,
    now: datetime,
    keywords: tuple[str, ...],
) -> dict[str, Any]:
    tz = repo.tz
    title = one_line(_mask_personal(entry.title), TITLE_LIMIT)
    body = _mask_personal(entry.text)
    excerpt = one_line(body, EXCERPT_LIMIT) or title
    if not title:
        title = one_line(body, 40) or f"{src['name']} 新帖"
    source: dict[str, Any] = {"platform": src["platform"]}
    if entry.url:
        source["url"] = entry.url
    if entry.author:
        source["author"] = one_line(_mask_personal(entry.author), 60)
    source["posted_at"] = _iso(posted, tz)
    source["feed"] = src["id"]
    if entry.guid:
        source["guid"] = entry.guid
    if excerpt:
        source["excerpt"] = excerpt
    if entry.metrics:
        source["metrics"] = {**entry.metrics, "observed_at": _iso(now, tz)}
    data: dict[str, Any] = {
        "title": title,
        "level": _grade(repo, entry.metrics),
        "category": _default_category(repo, src),
        "sentiment": "negative",
        "quick": False,
    }
    if keywords:
        data["tags"] = list(dict.fromkeys(keywords))
    data["source"] = source
    data["discovered"] = {"at": _iso(now, tz), "by": "ingest"}
    if src.get("unit"):
        data["units"] = {"lead": src["unit"]}
    data["events"] = [{"at": _iso(now, tz), "type": "registered", "by": "ingest"}]
    return data


def _index(repo: Repository, state: Mapping[str, Any]) -> matching.DuplicateIndex:
    index = matching.DuplicateIndex()
    for case in repo.cases:
        index.remember(case.id, case.source.guid, case.source.url)
        for event in case.events_of("note"):
            for url in matching.urls_in_note(event.text):
                index.remember(case.id, None, url)
        index.add_case(case.id, case.title, open_=is_open(case))
    for record in state["sources"].values():
        for key in record.get("seen", []):
            if isinstance(key, str):
                index.remember_key(key)
    return index


# --- the run ---------------------------------------------------------------------------------


def run_ingest(
    root: Path,
    now: datetime,
    *,
    dry_run: bool = False,
    allow_hosts: Iterable[str] = (),
    limits: FetchLimits | None = None,
    max_workers: int = 8,
    lock_timeout: float = 600,
) -> IngestReport:
    root = root.resolve()
    limits = limits or FetchLimits()
    if dry_run:
        return _run(root, now, dry_run, allow_hosts, limits, max_workers)
    with casewriter.repository_lock(root, lock_timeout):
        return _run(root, now, dry_run, allow_hosts, limits, max_workers)


def _run(
    root: Path,
    now: datetime,
    dry_run: bool,
    allow_hosts: Iterable[str],
    limits: FetchLimits,
    max_workers: int,
) -> IngestReport:
    stamp = now.isoformat()
    repo = load_repository(root)
    state = load_state(root)
    if isinstance(state, Problem):
        return IngestReport(stamp, dry_run, problems=(state,))
    if not (root / "sources.yml").exists():
        return IngestReport(
            stamp,
            dry_run,
            problems=(
                Problem(
                    "sources.yml",
                    None,
                    None,
                    "",
                    "缺少 sources.yml（要采集的订阅源）",
                    "按 docs 中的示例新建 sources.yml",
                    code="sources.missing",
                ),
            ),
        )
    source_problems = [p for p in repo.problems if p.path == "sources.yml"]
    sources = [s for s in repo.sources_data.get("sources", []) if s.get("enabled", True)]
    source_problems += _source_problems(repo, sources)
    if has_errors(source_problems):
        return IngestReport(stamp, dry_run, problems=tuple(source_problems))
    hosts = {normalize_host(h) for h in (*allow_hosts, *repo.sources_data.get("allow_hosts", []))}

    records: dict[str, dict[str, Any]] = state["sources"]
    requests = []
    for src in sources:
        rec = records.get(src["id"], {})
        same_url = rec.get("url") == src["url"]
        requests.append(
            FetchRequest(
                src["id"],
                src["url"],
                rec.get("etag") if same_url else None,
                rec.get("last_modified") if same_url else None,
            )
        )
    results = fetch_all(requests, limits, hosts, max_workers, then=_parsed)

    index = _index(repo, state)
    outcomes: list[SourceOutcome] = []
    candidates: list[tuple[datetime, int, int, dict[str, Any], FeedEntry, tuple[str, ...]]] = []
    skipped = dict.fromkeys(SKIP_REASONS, 0)
    for order, (src, (result, parsed)) in enumerate(zip(sources, results, strict=True)):
        rec = records.setdefault(src["id"], {"seen": []})
        previous_success = rec.get("last_success")
        outcome = _source_outcome(src, result, rec, now)
        if outcome.status != "ok":
            outcomes.append(outcome)
            continue
        if not isinstance(parsed, ParsedFeed):
            error = parsed or FeedError("订阅内容为空", "检查订阅地址")
            rec["last_success"] = previous_success
            _record_failure(rec, now, error.message, error.hint)
            outcomes.append(
                SourceOutcome(src["id"], src["name"], "error", error=error.message, hint=error.hint)
            )
            continue
        feed = parsed
        rec["etag"], rec["last_modified"] = result.etag, result.last_modified
        rec["entries_seen"] = len(feed.entries)
        rule = matching.KeywordRule.of(src.get("keywords", []), src.get("exclude", []))
        matched = 0
        for position, entry in enumerate(feed.entries):
            keywords = rule.match(entry.title, entry.text)
            if not keywords:
                skipped["unmatched"] += 1
                continue
            matched += 1
            posted = entry.published or now
            if posted > now:
                skipped["future"] += 1
                continue
            candidates.append((posted, order, position, src, entry, keywords))
        outcomes.append(SourceOutcome(src["id"], src["name"], "ok", len(feed.entries), matched))

    opened: list[Opened] = []
    linked: list[Linked] = []
    notes: dict[str, list[tuple[str, str]]] = {}  # case id → (address, title) of repeat reports
    new_files: list[Path] = []
    case_paths = {cid: root / paths[0] for cid, paths in repo.case_paths.items() if paths}
    in_run: set[str] = set()
    serial_taken: dict[int, int] = {}
    latest = {c.id: c.events[-1].at for c in repo.cases if c.events}
    problems: list[Problem] = [p for p in source_problems if p.severity != "error"]
    for posted, _order, _pos, src, entry, keywords in sorted(candidates, key=lambda c: c[:3]):
        keys = matching.entry_keys(entry.guid, entry.url)
        if any(k in in_run for k in keys):
            skipped["duplicate_in_run"] += 1
            continue
        in_run.update(keys)
        if index.seen(entry.guid, entry.url):
            skipped["known"] += 1
            continue
        rec = records[src["id"]]
        similar, finished = index.similar_cases(entry.title)
        if similar and latest.get(similar[0], now) > now:
            similar = None  # a note at `now` would come before the case's last event: open anew
        if similar:
            case_id, score = similar
            notes.setdefault(case_id, []).append((entry.url or entry.guid or "", entry.title))
            linked.append(Linked(case_id, entry.title, src["id"], entry.url, round(score, 2)))
            index.remember(case_id, entry.guid, entry.url)
            _remember(rec, keys)
            continue
        data = _case_data(repo, src, entry, posted, now, keywords)
        if finished:
            data["related"] = [finished[0]]
        year = now.astimezone(repo.tz).year
        if year not in serial_taken:
            serial_taken[year] = casewriter.next_serial(root, year)
        if dry_run:
            cid, path = casewriter.case_id(year, serial_taken[year]), None
        else:
            try:
                cid, path = casewriter.write_new_case(root, year, data, serial_taken[year])
            except OSError as exc:
                problems.append(_write_problem(f"cases/{year}", exc))
                break  # nothing half-written; the remaining entries wait for the next run
            new_files.append(path)
            case_paths[cid] = path
        serial_taken[year] = int(cid.rsplit("-", 1)[1]) + 1
        rel = path.relative_to(root).as_posix() if path else f"cases/{year}/{cid}.yml"
        opened.append(
            Opened(cid, rel, data["title"], src["id"], entry.url, data["level"], keywords)
        )
        index.remember(cid, entry.guid, entry.url)
        index.add_case(cid, data["title"], open_=True)
        _remember(rec, keys)

    if not dry_run:
        grouped = {
            cid: _repeat_notes(reports, _iso(now, repo.tz)) for cid, reports in notes.items()
        }
        for case_id, events in grouped.items():
            if case_id in case_paths:
                path = case_paths[case_id]
                display = path.relative_to(root).as_posix()
                try:
                    refused = casewriter.append_events(path, display, events)
                except OSError as exc:
                    refused = _write_problem(display, exc)
                if refused is not None:
                    problems.append(refused)
                elif path not in new_files:
                    new_files.append(path)
        try:
            _save_state(root, {"version": STATE_VERSION, "sources": records})
        except OSError as exc:
            problems.append(_write_problem(STATE_FILE, exc))
        if new_files:
            problems += check_written(repo, new_files)
    return IngestReport(
        stamp,
        dry_run,
        tuple(outcomes),
        tuple(opened),
        tuple(linked),
        {k: v for k, v in skipped.items() if v},
        tuple(problems),
    )


def _write_problem(display: str, exc: OSError) -> Problem:
    return Problem(
        display,
        None,
        None,
        "",
        f"无法写入：{exc.strerror or exc}",
        "检查磁盘空间和目录权限后重新运行 yuqing ingest（已写入的文件都是完整的）",
        code="ingest.write",
    )


NOTE_BATCH = 20  # repeat reports per note event


def _repeat_notes(reports: list[tuple[str, str]], at: str) -> list[dict[str, Any]]:
    """One ``note`` per batch of repeat reports of a case: the addresses first (a post id inside
    one must not read as a phone number to the privacy check, which skips text starting with a
    URL), then the titles."""
    events = []
    for start in range(0, len(reports), NOTE_BATCH):
        batch = reports[start : start + NOTE_BATCH]
        links = " ".join(link for link, _ in batch if link)
        titles = "；".join(_mask_personal(title) for _, title in batch)
        count = f" {len(batch)} 条" if len(batch) > 1 else ""
        text = f"{links} （{matching.REPEAT_NOTE_PREFIX}{count}：{titles}）".strip()
        events.append(
            {"at": at, "type": "note", "by": "ingest", "text": one_line(text, len(links) + 400)}
        )
    return events


def check_written(repo: Repository, paths: list[Path]) -> list[Problem]:
    """What ``yuqing validate`` would say about the files just written, checked against the
    repository already in memory: only the written files are read (no second pass over 10,000
    cases)."""
    from yuqing.privacy import find_personal_data
    from yuqing.schema import load_schema
    from yuqing.validate import cross_check

    schema = load_schema(repo.root, "case")
    if isinstance(schema, Problem):
        return [schema]
    problems: list[Problem] = []
    written: list[Case] = []
    shown = set()
    for path in paths:
        display = path.relative_to(repo.root).as_posix()
        shown.add(display)
        document = loader.load(path, display)
        if isinstance(document, Problem):
            problems.append(document)
            continue
        found = schema.problems(
            document.data, display, lambda parts, p=path: loader.locate(p, parts)
        )
        found += [
            Problem(
                display,
                None,
                None,
                field_path(parts),
                f"{what}不能写在公开字段里",
                code="privacy.personal-data",
            )
            for parts, what in find_personal_data(document.data)
        ]
        if found:
            problems += found
            continue
        written.append(build_case(display, document.data, repo.tz))
    cases = tuple(c for c in repo.cases if c.path not in shown) + tuple(written)
    problems += [p for p in cross_check(replace(repo, cases=cases)) if p.path in shown]
    return problems


def _parsed(result: FetchResult) -> tuple[FetchResult, ParsedFeed | FeedError | None]:
    """Parse in the fetching thread; the body is not kept once parsed."""
    if result.status != "ok":
        return result, None
    try:
        parsed: ParsedFeed | FeedError = parse_feed(result.body, result.content_type)
    except FeedError as exc:
        parsed = exc
    return replace(result, body=b""), parsed


def _remember(rec: dict[str, Any], keys: list[str]) -> None:
    seen = rec.setdefault("seen", [])
    for key in keys:
        if key not in seen:
            seen.append(key)
    del seen[:-SEEN_LIMIT]


def _record_failure(rec: dict[str, Any], now: datetime, message: str, hint: str | None) -> None:
    rec["last_error"] = {"at": now.isoformat(), "message": message, "hint": hint}
    rec["failures"] = int(rec.get("failures", 0)) + 1


def _source_outcome(
    src: Mapping[str, Any], result: FetchResult, rec: dict[str, Any], now: datetime
) -> SourceOutcome:
    rec["url"] = src["url"]
    rec["name"] = src["name"]
    rec["last_attempt"] = now.isoformat()
    if result.status == "error":
        _record_failure(rec, now, result.error or "", result.hint)
        return SourceOutcome(src["id"], src["name"], "error", error=result.error, hint=result.hint)
    rec["last_success"] = now.isoformat()
    rec["last_error"] = None
    rec["failures"] = 0
    if result.status == "not_modified":
        return SourceOutcome(src["id"], src["name"], "not_modified")
    return SourceOutcome(src["id"], src["name"], "ok")
