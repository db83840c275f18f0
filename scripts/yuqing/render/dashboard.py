"""The dashboard (首页): what is open, due soon and overdue, the figures, and the charts."""

from __future__ import annotations

from collections import Counter

from yuqing.deadlines import Deadline
from yuqing.model import LEVEL_NAMES, LEVELS
from yuqing.render.charts import bar_chart, column_chart
from yuqing.render.context import (
    CASE_HEADERS,
    SiteContext,
    case_rows,
    front_matter,
    html_block,
    relative_url,
    state_badge,
    table,
)
from yuqing.render.text import escape_text, fmt_duration, local_link
from yuqing.stats import summarize

PAGE = "index.md"
OPEN_LIST_LIMIT = 100
CHARTS = {
    "trend": "每月新增舆情",
    "response": "首次回应用时中位数（小时）",
    "levels": "按级别",
    "units": "按责任单位（前 10）",
    "categories": "按类别",
}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _deadline_rows(ctx: SiteContext, deadlines: list[Deadline]) -> list[list[str]]:
    rows = []
    for d in deadlines:
        if d.kind == "case":
            case = ctx.by_id.get(d.subject)
            subject = ctx.case_link(PAGE, d.subject)
            title = ctx.case_link(PAGE, d.subject, case.title) if case else "—"
        else:
            subject = local_link(relative_url(PAGE, "registers/hazards.md"), d.subject)
            title = escape_text("隐患排查表")
        gap = abs((ctx.now - d.due).total_seconds()) / 3600
        rows.append([
            state_badge(d.state), subject, title, escape_text(d.name), ctx.time(d.due),
            escape_text(("已超期 " if d.state == "overdue" else "剩余 ") + fmt_duration(gap)),
            ctx.unit_link(PAGE, d.unit), escape_text(ctx.person_name(d.leader)),
            escape_text(d.escalation_name or "—"),
        ])
    return rows


DEADLINE_HEADERS = ("状态", "编号", "标题", "规则", "截止时间", "超期/剩余", "责任单位",
                    "分管领导", "督办")


def charts(ctx: SiteContext, summary: dict) -> dict[str, str]:
    months = sorted(summary["by_month"])[-12:]
    unit_counts = Counter({ctx.unit_name(k) if not k.startswith("（") else k: v["cases"]
                           for k, v in summary["by_unit"].items()})
    return {
        "trend": column_chart(CHARTS["trend"], [
            (m[2:].replace("-", "/"), summary["by_month"][m]["cases"]) for m in months]),
        "response": column_chart(CHARTS["response"], [
            (m[2:].replace("-", "/"), summary["by_month"][m]["median_first_response_hours"] or 0)
            for m in months], unit="小时"),
        "levels": bar_chart(CHARTS["levels"], [
            (LEVEL_NAMES[lv], summary["by_level"].get(lv, {}).get("cases", 0)) for lv in LEVELS]),
        "units": bar_chart(CHARTS["units"], unit_counts.most_common(10)),
        "categories": bar_chart(CHARTS["categories"], sorted(
            ((ctx.category_name(k), v["cases"]) for k, v in summary["by_category"].items()),
            key=lambda kv: -kv[1])),
    }


def _figure_rows(groups: dict[str, dict], label) -> list[list[str]]:
    rows = []
    for key, f in sorted(groups.items(), key=lambda kv: -kv[1]["cases"]):
        hours = f["median_first_response_hours"]
        rows.append([label(key), escape_text(f["cases"]), escape_text(f["open_overdue"]),
                     escape_text(_percent(f["reply_rate"])), escape_text(_percent(f["close_rate"])),
                     escape_text(_percent(f["on_time_rate"])),
                     escape_text("—" if hours is None else fmt_duration(hours))])
    return rows


FIGURE_HEADERS = ("", "件数", "未办结且超期", "回复率", "办结率", "按时办结率", "首次回应中位数")


def render_dashboard(ctx: SiteContext) -> dict[str, str]:
    summary = summarize(ctx.repository.cases, ctx.evaluation, ctx.tz)
    fig = summary["figures"]
    open_cases = [c for c in ctx.repository.cases if ctx.is_open(c)]
    overdue = sorted((d for d in ctx.evaluation.deadlines if d.state == "overdue"),
                     key=lambda d: (d.due, d.subject))
    due_soon = sorted((d for d in ctx.evaluation.deadlines if d.state == "due_soon"),
                      key=lambda d: (d.due, d.subject))
    month = ctx.now.astimezone(ctx.tz).strftime("%Y-%m")
    this_month = summary["by_month"].get(month, {}).get("cases", 0)
    hours = fig["median_first_response_hours"]
    cards = [
        ("未办结", len(open_cases), "open"),
        ("超期时限", len(overdue), "overdue"),
        ("即将到期", len(due_soon), "due_soon"),
        ("本月新增", this_month, "month"),
        ("累计舆情", fig["cases"], "total"),
        ("回复率", _percent(fig["reply_rate"]), "rate"),
        ("办结率", _percent(fig["close_rate"]), "rate"),
        ("按时办结率", _percent(fig["on_time_rate"]), "rate"),
        ("首次回应中位数", "—" if hours is None else fmt_duration(hours), "rate"),
    ]
    card_html = "".join(
        f'<div class="yq-card yq-card-{kind}"><div class="yq-card-value">{escape_text(value)}</div>'
        f'<div class="yq-card-label">{escape_text(label)}</div></div>'
        for label, value, kind in cards
    )
    chart_html = "".join(
        f'<figure class="yq-chart"><img src="{escape_text(relative_url(PAGE, f"assets/charts/{k}.svg"))}" '
        f'alt="{escape_text(title)}" loading="lazy"><figcaption>{escape_text(title)}</figcaption>'
        "</figure>"
        for k, title in CHARTS.items()
    )
    open_sorted = sorted(open_cases, key=lambda c: c.source.posted_at, reverse=True)
    more = ""
    if len(open_sorted) > OPEN_LIST_LIMIT:
        more = (f'<p>仅列出最近 {OPEN_LIST_LIMIT} 件，全部见 '
                f'{local_link(relative_url(PAGE, "status/index.md"), "按状态")}。</p>')
    office = ctx.repository.office.name
    body = html_block(
        f'<div class="yq-dashboard"><h1 id="yq-title">{escape_text(office)}网络舆情台账</h1>',
        f'<p class="yq-asof">数据截至 {ctx.time(ctx.now)}</p>',
        f'<div class="yq-cards">{card_html}</div>',
        f'<h2 id="overdue">超期（{len(overdue)}）</h2>',
        table(DEADLINE_HEADERS, _deadline_rows(ctx, overdue), "yq-overdue",
              empty="没有超期的时限。"),
        f'<h2 id="due-soon">即将到期（{len(due_soon)}）</h2>',
        table(DEADLINE_HEADERS, _deadline_rows(ctx, due_soon), "yq-due-soon",
              empty="没有即将到期的时限。"),
        f'<h2 id="open">未办结案件（{len(open_cases)}）</h2>',
        table(CASE_HEADERS, case_rows(ctx, PAGE, open_sorted[:OPEN_LIST_LIMIT]), empty="无。"),
        more,
        '<h2 id="charts">统计图表</h2>',
        f'<div class="yq-charts">{chart_html}</div>',
        '<h2 id="by-unit">按责任单位</h2>',
        table(("责任单位", *FIGURE_HEADERS[1:]), _figure_rows(
            summary["by_unit"], lambda k: ctx.unit_link(PAGE, None if k.startswith("（") else k))),
        '<h2 id="by-category">按类别</h2>',
        table(("类别", *FIGURE_HEADERS[1:]), _figure_rows(
            summary["by_category"], lambda k: escape_text(ctx.category_name(k)))),
        '<h2 id="by-level">按级别</h2>',
        table(("级别", *FIGURE_HEADERS[1:]), _figure_rows(
            summary["by_level"], lambda k: escape_text(LEVEL_NAMES.get(k, k)))),
        "<p>按时办结率 = 按时办结 ÷（已办结 + 未办结且超期）。</p>",
        "</div>",
    )
    pages = {PAGE: front_matter("首页", hide=("toc",)) + body}
    for key, svg in charts(ctx, summary).items():
        pages[f"assets/charts/{key}.svg"] = svg
    return pages
