"""One page per case: fields, status, deadlines, timeline, 处置情况报告单, media, related, audit trail.

Only the head of the page (title, summary, ids, units, category) is searchable; every heavier part
carries ``data-search-exclude`` so Material's search index stays small.
"""

from __future__ import annotations

from yuqing.model import EVENT_TYPES, LEVEL_NAMES, SENTIMENTS, Case, Event
from yuqing.render.context import (
    SiteContext,
    case_page,
    front_matter,
    html_block,
    level_badge,
    retention_name,
    state_badge,
    status_badge,
    table,
    worst_first,
)
from yuqing.render.text import escape_text, fmt_duration, safe_link

FIELD_NAMES = {
    "id": "编号", "title": "标题", "summary": "概述", "level": "级别", "category": "类别",
    "sentiment": "情感倾向", "quick": "能迅速解决", "tags": "标签", "source": "来源",
    "discovered": "发现", "units": "责任单位", "events": "处置记录", "report": "报告单",
    "media": "媒体报道", "related": "相关案件", "confidential": "保密信息",
    "archive": "归档",
}
CHANGE_NAMES = {"added": "新建", "modified": "修改", "deleted": "删除"}
REPORT_FIELDS = (
    ("cause", "舆情产生原因（事实真相）"),
    ("measures", "具体处置措施及网络舆论引导措施"),
    ("talking_points", "应对口径"),
    ("result", "处置结果"),
    ("review", "总结评估"),
)
SECTIONS = (
    ("deadlines", "时限"), ("timeline", "处置时间线"), ("report", "处置情况报告单"),
    ("source", "原帖"), ("media", "媒体报道"), ("related", "相关案件"), ("audit", "修改记录"),
)


def _kv(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{escape_text(k)}</th><td>{v}</td></tr>" for k, v in rows if v)
    return f'<table class="yq-fields">{body}</table>'


def _section(anchor: str, title: str, body: str) -> str:
    return (f'<section class="yq-section yq-{anchor}" data-search-exclude>'
            f'<h2 id="{anchor}" data-search-exclude>{escape_text(title)}</h2>{body}</section>')


def _event_details(ctx: SiteContext, page: str, event: Event) -> str:
    parts: list[str] = []

    def add(label: str, value: str | None) -> None:
        if value:
            parts.append(f'<span class="yq-k">{escape_text(label)}</span>{value}')

    if event.type == "assigned":
        add("牵头：", ctx.unit_link(page, event.to))
        add("协办：", "、".join(ctx.unit_link(page, u) for u in event.co))
    elif event.type in {"reported", "escalated"}:
        target = event.to
        if target and target in ctx.repository.people:
            target = ctx.person_name(target)
        elif target and target in ctx.repository.units:
            target = ctx.unit_name(target)
        add("报送/督办对象：", escape_text(target))
    if event.level:
        add("定级：", escape_text(LEVEL_NAMES.get(event.level, event.level)))
    add("理由：", escape_text(event.reason))
    add("核实情况：", escape_text(event.finding))
    add("渠道：", escape_text(event.channel))
    if event.url:
        add("链接：", safe_link(event.url, "查看回复"))
    add("内容：", escape_text(event.text))
    if event.promised_by:
        add("承诺办理时限：", ctx.time(event.promised_by))
    if event.type == "replied":
        add("性质：", escape_text("正式解答（办结）" if event.resolves else "阶段性回复"))
    add("办结情况：", escape_text(event.summary))
    add("备注：", escape_text(event.note))
    return "".join(f'<div class="yq-detail">{p}</div>' for p in parts)


def _timeline(ctx: SiteContext, page: str, case: Case) -> str:
    if not case.events:
        return '<p class="yq-empty">尚无处置记录。</p>'
    items = []
    for event in case.events:
        items.append(
            f'<li class="yq-event yq-event-{escape_text(event.type)}">'
            f'<div class="yq-event-head"><time>{ctx.time(event.at)}</time> '
            f'<span class="yq-badge yq-event-type">{escape_text(EVENT_TYPES.get(event.type, event.type))}</span> '
            f'<span class="yq-actor">{escape_text(ctx.person_name(event.by))}</span></div>'
            f"{_event_details(ctx, page, event)}</li>"
        )
    return f'<ol class="yq-timeline">{"".join(items)}</ol>'


def _deadlines(ctx: SiteContext, case: Case) -> str:
    rows = []
    for d in worst_first(ctx.deadlines(case.id)):
        late = ""
        if d.state == "overdue":
            late = "已超期 " + fmt_duration((ctx.now - d.due).total_seconds() / 3600)
        elif d.state == "met_late" and d.met_at:
            late = "超期 " + fmt_duration((d.met_at - d.due).total_seconds() / 3600)
        rows.append([
            escape_text(d.name), state_badge(d.state), ctx.time(d.due), ctx.time(d.met_at)
            if d.met_at else "—", escape_text(late or "—"),
            escape_text(d.escalation_name or "—"), escape_text(d.basis),
        ])
    return table(("规则", "状态", "截止时间", "完成时间", "超期", "督办", "依据"), rows,
                 empty="本案没有适用的时限规则。")


def _report(ctx: SiteContext, case: Case) -> str:
    unit = ctx.responsible_unit(case)
    serial = case.id.split("-", 1)[1]
    report = case.report
    rows = "".join(
        f'<tr><th>{escape_text(label)}</th><td class="yq-pre">'
        f"{escape_text(getattr(report, key) if report else None) or '（未填写）'}</td></tr>"
        for key, label in REPORT_FIELDS
    )
    return (
        '<div class="yq-report-form">'
        f'<p class="yq-report-title">舆情处置情况报告单</p>'
        f'<p class="yq-report-no">编号：YQCZBG-{escape_text(serial)}　'
        f'填报时间：{ctx.time(ctx.now)}</p>'
        f'<table class="yq-report-table"><tr><th>标题</th><td>{escape_text(case.title)}</td></tr>'
        f"<tr><th>责任单位</th><td>{escape_text(ctx.unit_name(unit))}</td></tr>"
        f"<tr><th>分管领导</th><td>{escape_text(ctx.person_name(ctx.leader_of(unit)))}</td></tr>"
        f"{rows}</table>"
        '<p class="yq-print-hint">打印本页即得 A4 报告单（浏览器“打印”，仅打印此表）。</p>'
        "</div>"
    )


def _source(ctx: SiteContext, case: Case) -> str:
    src = case.source
    m = src.metrics
    metrics = ""
    if m is not None:
        metrics = escape_text("，".join(
            f"{label} {value}" for label, value in (
                ("点击", m.views), ("跟帖", m.comments), ("转发", m.reposts),
                ("主流网站转发", m.mainstream_outlets)) if value is not None
        ))
        if m.observed_at:
            metrics += escape_text("（统计于 ") + ctx.time(m.observed_at) + escape_text("）")
    return _kv([
        ("平台", escape_text(ctx.platform_name(src.platform))),
        ("网络名", escape_text(src.author)),
        ("发帖时间", ctx.time(src.posted_at)),
        ("原帖链接", safe_link(src.url) if src.url else ""),
        ("摘录", f'<span class="yq-pre">{escape_text(src.excerpt)}</span>' if src.excerpt else ""),
        ("传播数据", metrics),
        ("采集来源", escape_text(src.feed)),
    ])


def _media(case: Case, ctx: SiteContext) -> str:
    rows = [[escape_text(m.outlet), safe_link(m.url, m.title) if m.url else escape_text(m.title),
             ctx.time(m.at) if m.at else "—"] for m in case.media]
    return table(("媒体", "标题", "时间"), rows, empty="无相关媒体报道。")


def _related(ctx: SiteContext, page: str, case: Case) -> str:
    known = ctx.by_id
    rows = []
    for rid in case.related:
        other = known.get(rid)
        rows.append([ctx.case_link(page, rid) if other else escape_text(rid),
                     escape_text(other.title) if other else "（未找到此案件）",
                     status_badge(ctx.statuses[rid]) if other else "—"])
    return table(("编号", "标题", "状态"), rows, empty="无重复反映或相关案件。")


def _audit(ctx: SiteContext, case: Case) -> str:
    revisions = ctx.history.of(case.path)
    if not revisions:
        note = ctx.history.problem.message if ctx.history.problem else "此文件尚未提交到 Git。"
        return f'<p class="yq-empty">{escape_text(note)}</p>'
    rows = []
    for rev in reversed(revisions):
        fields = "、".join(FIELD_NAMES.get(f, f) for f in rev.fields)
        rows.append([
            ctx.time(rev.when), escape_text(rev.author),
            f"<code>{escape_text(rev.short)}</code>", escape_text(CHANGE_NAMES[rev.change]),
            escape_text(fields or "—"), escape_text(rev.message),
        ])
    note = ""
    if ctx.history.shallow:
        note = '<p class="yq-warn">仓库是浅克隆，更早的修改记录不在此列。</p>'
    return note + table(("时间", "修改人", "提交", "类型", "修改字段", "提交说明"), rows)


def render_case(ctx: SiteContext, case: Case) -> str:
    page = case_page(case.id)
    status = ctx.statuses[case.id]
    unit = ctx.responsible_unit(case)
    head = (
        f'<div class="yq-case-head"><h1 id="yq-title">{escape_text(case.id)} '
        f"{escape_text(case.title)}</h1>"
        f'<p class="yq-badges">{status_badge(status)} {level_badge(case.level)} '
        f"{state_badge(ctx.worst_state(case.id))}</p>"
        + (f'<p class="yq-summary">{escape_text(case.summary)}</p>' if case.summary else "")
        + _kv([
            ("编号", escape_text(case.id)),
            ("类别", escape_text(ctx.category_name(case.category))),
            ("级别", escape_text(LEVEL_NAMES.get(case.level, case.level))),
            ("情感倾向", escape_text(SENTIMENTS.get(case.sentiment, case.sentiment))),
            ("能迅速解决", escape_text("是（12 小时规则）" if case.quick else "")),
            ("责任单位", ctx.unit_link(page, unit)),
            ("牵头单位", ctx.unit_link(page, case.lead_unit) if case.lead_unit else ""),
            ("协办单位", "、".join(ctx.unit_link(page, u) for u in case.co_units)),
            ("分管领导", escape_text(ctx.person_name(ctx.leader_of(unit)))),
            ("标签", escape_text("、".join(case.tags))),
            ("发现", ctx.time(case.discovered_at) + " "
             + escape_text(ctx.person_name(case.discovered_by))),
            ("举报人信息", escape_text("已登记（保密，不公开）" if case.has_confidential else "")),
            ("档号", escape_text(case.archive.number) if case.archive else ""),
            ("保管期限", escape_text(retention_name(case.archive.retention))
             if case.archive else ""),
            ("归档日期", ctx.time(case.archive.archived_at)
             if case.archive and case.archive.archived_at else ""),
        ])
        + "</div>"
    )
    toc = "".join(f'<a href="#{a}">{escape_text(t)}</a>' for a, t in SECTIONS)
    body = [
        f'<div class="yq-case">{head}<nav class="yq-case-toc" data-search-exclude>{toc}</nav>',
        _section("deadlines", "时限", _deadlines(ctx, case)),
        _section("timeline", "处置时间线", _timeline(ctx, page, case)),
        _section("report", "处置情况报告单", _report(ctx, case)),
        _section("source", "原帖", _source(ctx, case)),
        _section("media", "媒体报道", _media(case, ctx)),
        _section("related", "相关案件", _related(ctx, page, case)),
        _section("audit", "修改记录（Git 审计）", _audit(ctx, case)),
        "</div>",
    ]
    return front_matter(case.id, search=True, hide=("toc",)) + html_block(*body)
