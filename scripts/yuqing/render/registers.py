"""Register pages: units and people, the 舆情隐患排查表 with its deadlines, sources and their health."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from yuqing.model import parse_time
from yuqing.render.context import (
    UNIT_KINDS,
    SiteContext,
    front_matter,
    html_block,
    state_badge,
    table,
)
from yuqing.render.text import escape_text


def render_units(ctx: SiteContext) -> str:
    page = "registers/units.md"
    rows = []
    for unit in ctx.repository.units.values():
        cases = [c for c in ctx.repository.cases if ctx.responsible_unit(c) == unit.id]
        rows.append([
            ctx.unit_link(page, unit.id), escape_text(UNIT_KINDS.get(unit.kind, unit.kind)),
            escape_text(ctx.person_name(unit.leader)),
            escape_text("、".join(ctx.person_name(p) for p in unit.officers) or "—"),
            escape_text(sum(1 for c in cases if ctx.is_open(c))),
            escape_text(sum(1 for c in cases if ctx.worst_state(c.id) == "overdue")),
        ])
    people = [[escape_text(p.name), escape_text(p.title or "—"),
               escape_text(ctx.unit_name(p.unit) if p.unit else "—")]
              for p in ctx.repository.people.values()]
    return front_matter("单位与人员", search=True) + html_block(
        '<h1 id="yq-title">单位与人员</h1>',
        '<h2 id="units">责任单位</h2>',
        table(("单位", "类型", "分管领导", "舆情信息员", "未办结", "有超期"), rows),
        '<h2 id="people">人员</h2>',
        "<p>联系方式不在仓库中保存。</p>",
        table(("姓名", "职务", "单位"), people),
    )


def render_hazards(ctx: SiteContext) -> str:
    deadlines = {d.subject: d for d in ctx.evaluation.deadlines if d.kind == "hazard"}
    rows = []
    for h in sorted(ctx.repository.hazards, key=lambda h: h.id):
        d = deadlines.get(h.id)
        rows.append([
            escape_text(h.id), ctx.unit_link("registers/hazards.md", h.unit),
            escape_text(h.found_on.isoformat()),
            f'<span class="yq-pre">{escape_text(h.content)}</span>',
            f'<span class="yq-pre">{escape_text(h.offline_measures)}</span>',
            f'<span class="yq-pre">{escape_text(h.online_measures)}</span>',
            ctx.time(h.deadline), state_badge(d.state if d else None),
            ctx.time(h.resolved_at) if h.resolved_at else "—",
        ])
    return front_matter("舆情隐患排查表", search=True) + html_block(
        '<h1 id="yq-title">网络舆情隐患排查表</h1>',
        "<p>各单位随时摸排舆情隐患，填写排查表报领导小组办公室汇总；解决时限到期未解决的标为超期。</p>",
        table(("编号", "科室", "排查日期", "舆情隐患内容", "线下处置措施",
               "线上管控措施及引导口径", "解决时限", "状态", "解决时间"), rows, "yq-hazards",
              empty="隐患排查表为空。"),
    )


def _when(ctx: SiteContext, value: Any) -> str:
    if not isinstance(value, str):
        return "—"
    try:
        moment: datetime = parse_time(value, ctx.tz)
    except ValueError:
        return escape_text(value)
    return ctx.time(moment)


def render_sources(ctx: SiteContext, state: Mapping[str, Any] | None) -> str:
    records = (state or {}).get("sources") or {}
    rows = []
    for src in ctx.repository.sources_data.get("sources", []):
        rec = records.get(src.get("id"), {}) if isinstance(records, Mapping) else {}
        error = rec.get("last_error") if isinstance(rec, Mapping) else None
        if not src.get("enabled", True):
            health = ("disabled", "已停用")
        elif isinstance(error, Mapping):
            health = ("error", "出错")
        elif rec.get("last_success"):
            health = ("ok", "正常")
        else:
            health = ("unknown", "尚未采集")
        host = urlsplit(str(src.get("url", ""))).hostname or "—"  # no path/query: may hold keys
        rows.append([
            escape_text(src.get("name", src.get("id"))), escape_text(ctx.platform_name(
                src.get("platform", ""))), escape_text(host),
            escape_text("、".join(map(str, src.get("keywords") or [])) or "—"),
            f'<span class="yq-badge yq-health-{health[0]}">{escape_text(health[1])}</span>',
            _when(ctx, rec.get("last_success")),
            escape_text(rec.get("entries_seen", "—")),
            escape_text(f"{error.get('message', '')}（{_when_text(ctx, error.get('at'))}）")
            if isinstance(error, Mapping) else "—",
        ])
    note = "" if state else "<p>尚无采集记录（state/sources.json 不存在）。</p>"
    return front_matter("采集来源", search=True) + html_block(
        '<h1 id="yq-title">舆情采集来源</h1>', note,
        table(("来源", "平台", "主机", "关键词", "状态", "上次成功", "条目数", "最近错误"), rows,
              empty="sources.yml 中没有订阅源。"),
    )


def _when_text(ctx: SiteContext, value: Any) -> str:
    if not isinstance(value, str):
        return "—"
    try:
        return parse_time(value, ctx.tz).astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return value
