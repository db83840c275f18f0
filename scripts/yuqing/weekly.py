"""周报 / 月报: what came in during the period, how it was handled, what is late now.

The seeds' weekly meeting (例会) "总结本周发生的舆情事件、群众意见，公布舆情处理进度及结果";
this builds that summary from the same figures and deadlines as ``yuqing check``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from yuqing.checkreport import STATE_MARKS, Names, md_text
from yuqing.deadlines import STATE_RANK, STATES, Evaluation
from yuqing.model import LEVEL_NAMES, LEVELS, Case
from yuqing.stats import case_facts, figures, in_period, summarize
from yuqing.status import STATUSES

PERIOD_NAMES = {"week": "周报", "month": "月报"}
_ENDING = frozenset({"resolved", "closed"})


@dataclass(frozen=True)
class Period:
    kind: str  # week | month
    start: datetime
    end: datetime  # exclusive

    @property
    def label(self) -> str:
        last = self.end - timedelta(seconds=1)
        return f"{self.start:%Y年%m月%d日}—{last:%Y年%m月%d日}"


def period_of(kind: str, now: datetime, tz: tzinfo, *, previous: bool = False) -> Period:
    """The calendar week (Monday first) or month containing ``now`` — or the one before."""
    local = now.astimezone(tz)
    if kind == "week":
        start_day = local.date() - timedelta(days=local.weekday())
        if previous:
            start_day -= timedelta(days=7)
        end_day = start_day + timedelta(days=7)
    else:
        start_day = local.date().replace(day=1)
        if previous:
            start_day = (start_day - timedelta(days=1)).replace(day=1)
        end_day = (start_day + timedelta(days=32)).replace(day=1)
    return Period(kind, datetime.combine(start_day, time(), tzinfo=tz),
                  datetime.combine(end_day, time(), tzinfo=tz))


def _ended_in(case: Case, period: Period) -> bool:
    return any(
        period.start <= e.at < period.end
        and (e.type in _ENDING or (e.type == "replied" and e.resolves))
        for e in case.events
    )


def build_report(repository: Any, evaluation: Evaluation, period: Period) -> dict[str, Any]:
    """The report as plain data (``--format json``); ``render_markdown`` turns it into text."""
    tz = period.start.tzinfo
    facts = case_facts(repository.cases, evaluation, tz)
    current = sorted(in_period(facts, period.start, period.end), key=lambda f: f.case.id)
    names = Names.from_repository(repository)
    titles = {c.id: c.title for c in repository.cases} | {h.id: h.content
                                                           for h in repository.hazards}
    open_deadlines = sorted(
        (d for d in evaluation.deadlines if d.state in {"overdue", "due_soon"}),
        key=lambda d: (STATE_RANK[d.state], d.due, d.subject),
    )
    summary = summarize(repository.cases, evaluation, tz)
    return {
        "kind": period.kind,
        "office": repository.office.name,
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(),
                   "label": period.label},
        "now": evaluation.now.isoformat(),
        "new_cases": len(current),
        "ended_in_period": sum(1 for f in facts if _ended_in(f.case, period)),
        "by_level": dict(Counter(f.case.level for f in current)),
        "by_category": dict(Counter(f.case.category for f in current)),
        "by_unit": dict(Counter(names.unit(f.unit) for f in current)),
        "figures": figures(current).as_dict(),
        "figures_to_date": summary["figures"],
        "deadlines": [
            {"subject": d.subject, "kind": d.kind, "title": titles.get(d.subject, ""),
             "rule": d.rule, "name": d.name, "due": d.due.isoformat(), "state": d.state,
             "unit": d.unit, "unit_name": names.unit(d.unit),
             "leader_name": names.person(d.leader), "escalation": d.escalation_name}
            for d in open_deadlines
        ],
        "repeated_overdue_units": {names.unit(u): n
                                   for u, n in summary["repeated_overdue_units"].items()},
        "cases": [
            {"id": f.case.id, "title": f.case.title, "level": f.case.level,
             "category": f.case.category, "status": f.status, "unit_name": names.unit(f.unit),
             "posted_at": f.case.source.posted_at.isoformat()}
            for f in current
        ],
    }


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def render_markdown(report: dict[str, Any], categories: dict[str, str] | None = None) -> str:
    categories = categories or {}
    f = report["figures"]
    total = report["figures_to_date"]
    hours = f["median_first_response_hours"]
    out = [
        f"# {md_text(report['office'])}网络舆情{PERIOD_NAMES[report['kind']]}",
        "",
        f"统计期间：{report['period']['label']}（截至 {report['now'][:16].replace('T', ' ')}）",
        "",
        "## 一、总体情况",
        "",
        f"本期新增舆情 **{report['new_cases']}** 件，本期办结 **{report['ended_in_period']}** 件。"
        f"本期舆情回复率 {_percent(f['reply_rate'])}，办结率 {_percent(f['close_rate'])}，"
        f"按时办结率 {_percent(f['on_time_rate'])}，首次回应用时中位数 "
        f"{'—' if hours is None else f'{hours} 小时'}。",
        "",
        f"累计：{total['cases']} 件，回复率 {_percent(total['reply_rate'])}，"
        f"办结率 {_percent(total['close_rate'])}，按时办结率 {_percent(total['on_time_rate'])}"
        "（未办结且超期的计为未按时）。",
        "",
    ]
    if report["new_cases"]:
        out.append("按级别：" + "，".join(
            f"{LEVEL_NAMES[k]} {report['by_level'][k]} 件" for k in LEVELS
            if k in report["by_level"]))
        out.append("")
        out.append("按类别：" + "，".join(
            f"{md_text(categories.get(k, k))} {v} 件"
            for k, v in sorted(report["by_category"].items())))
        out.append("")
        out.append("按责任单位：" + "，".join(
            f"{md_text(k)} {v} 件" for k, v in sorted(report["by_unit"].items())))
        out.append("")
    out += ["## 二、超期与临期（督办）", ""]
    if report["deadlines"]:
        out += ["| 状态 | 编号 | 标题 | 时限 | 截止 | 责任单位 | 分管领导 | 督办 |",
                "|---|---|---|---|---|---|---|---|"]
        for d in report["deadlines"]:
            out.append(
                f"| {STATE_MARKS[d['state']]} {STATES[d['state']]} | {d['subject']} | "
                f"{md_text(d['title'])} | {d['name']} | {d['due'][:16].replace('T', ' ')} | "
                f"{md_text(d['unit_name'])} | {md_text(d['leader_name'])} | "
                f"{d['escalation'] or '—'} |")
    else:
        out.append("目前没有超期或即将到期的事项。")
    out.append("")
    if report["repeated_overdue_units"]:
        out += ["## 三、通报", ""]
        out += [f"- {md_text(u)}：{n} 件超期未办" for u, n in
                report["repeated_overdue_units"].items()]
        out.append("")
    out += ["## 本期舆情一览", ""]
    if report["cases"]:
        out += ["| 编号 | 标题 | 级别 | 类别 | 责任单位 | 状态 |", "|---|---|---|---|---|---|"]
        for c in report["cases"]:
            out.append(
                f"| {c['id']} | {md_text(c['title'])} | {LEVEL_NAMES.get(c['level'], c['level'])} "
                f"| {md_text(categories.get(c['category'], c['category']))} | "
                f"{md_text(c['unit_name'])} | {STATUSES.get(c['status'], c['status'])} |")
    else:
        out.append("本期没有新增舆情。")
    out.append("")
    return "\n".join(out)
