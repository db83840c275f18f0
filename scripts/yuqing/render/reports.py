"""周报 / 月报 pages from ``yuqing.weekly.build_report`` (the same data as ``yuqing report``)."""

from __future__ import annotations

from typing import Any

from yuqing.deadlines import STATES
from yuqing.model import LEVEL_NAMES
from yuqing.render.context import (
    SiteContext,
    front_matter,
    html_block,
    level_badge,
    relative_url,
    state_badge,
    status_badge,
    table,
)
from yuqing.render.text import escape_text, local_link
from yuqing.weekly import PERIOD_NAMES, build_report, period_of

REPORTS = {
    "week": ("week", False, "本周周报"),
    "last-week": ("week", True, "上周周报"),
    "month": ("month", False, "本月月报"),
    "last-month": ("month", True, "上月月报"),
}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _counts(items: dict[str, int], names: dict[str, str] | None = None) -> str:
    if not items:
        return "—"
    return escape_text("，".join(f"{(names or {}).get(k, k)} {v} 件" for k, v in items.items()))


def _report_page(ctx: SiteContext, page: str, title: str, report: dict[str, Any]) -> str:
    f, total = report["figures"], report["figures_to_date"]
    categories = {k: c.name for k, c in ctx.repository.categories.items()}
    hours = f["median_first_response_hours"]
    summary = (
        f"本期新增舆情 {report['new_cases']} 件，本期办结 {report['ended_in_period']} 件；"
        f"回复率 {_percent(f['reply_rate'])}，办结率 {_percent(f['close_rate'])}，"
        f"按时办结率 {_percent(f['on_time_rate'])}，首次回应用时中位数 "
        f"{'—' if hours is None else f'{hours} 小时'}。累计 {total['cases']} 件，"
        f"按时办结率 {_percent(total['on_time_rate'])}（未办结且超期的计为未按时）。"
    )
    case_rows = [[ctx.case_link(page, c["id"]), ctx.case_link(page, c["id"], c["title"]),
                  level_badge(c["level"]), status_badge(c["status"]), escape_text(c["unit_name"])]
                 for c in report["cases"]]
    deadline_rows = []
    for d in report["deadlines"]:
        subject = (ctx.case_link(page, d["subject"]) if d["kind"] == "case"
                   else local_link(relative_url(page, "registers/hazards.md"), d["subject"]))
        deadline_rows.append([state_badge(d["state"]), subject, escape_text(d["title"]),
                              escape_text(d["name"]), escape_text(d["due"][:16].replace("T", " ")),
                              escape_text(d["unit_name"]), escape_text(d["leader_name"]),
                              escape_text(d["escalation"] or "—")])
    repeated = "".join(f"<li>{escape_text(u)}：{escape_text(n)} 件超期</li>"
                       for u, n in report["repeated_overdue_units"].items())
    return front_matter(title, hide=("toc",)) + html_block(
        f'<h1 id="yq-title">{escape_text(report["office"])}网络舆情{escape_text(PERIOD_NAMES[report["kind"]])}</h1>',
        f'<p class="yq-asof">统计期间：{escape_text(report["period"]["label"])}</p>',
        '<h2 id="summary">一、总体情况</h2>', f"<p>{escape_text(summary)}</p>",
        f"<p>按级别：{_counts(report['by_level'], LEVEL_NAMES)}</p>",
        f"<p>按类别：{_counts(report['by_category'], categories)}</p>",
        f"<p>按单位：{_counts(report['by_unit'])}</p>",
        '<h2 id="cases">二、本期舆情</h2>',
        table(("编号", "标题", "级别", "状态", "责任单位"), case_rows, empty="本期无新增舆情。"),
        f'<h2 id="deadlines">三、超期与即将到期（{escape_text(STATES["overdue"])}在前）</h2>',
        table(("状态", "编号", "标题", "规则", "截止时间", "责任单位", "分管领导", "督办"),
              deadline_rows, empty="没有超期或即将到期的时限。"),
        '<h2 id="notice">四、通报</h2>',
        f"<ul>{repeated}</ul>" if repeated else "<p>没有多件超期的单位。</p>",
    )


def render_reports(ctx: SiteContext) -> dict[str, str]:
    pages: dict[str, str] = {}
    links = []
    for key, (kind, previous, title) in REPORTS.items():
        period = period_of(kind, ctx.now, ctx.tz, previous=previous)
        report = build_report(ctx.repository, ctx.evaluation, period)
        page = f"reports/{key}.md"
        pages[page] = _report_page(ctx, page, title, report)
        links.append(f"<li>{local_link(relative_url('reports/index.md', page), title)}"
                     f"（{escape_text(period.label)}）</li>")
    pages["reports/index.md"] = front_matter("周报月报") + html_block(
        '<h1 id="yq-title">周报与月报</h1>',
        "<p>与 <code>yuqing report</code> 的数据相同；每次生成网站时按“现在”重新计算。</p>",
        f"<ul>{''.join(links)}</ul>",
    )
    return pages
