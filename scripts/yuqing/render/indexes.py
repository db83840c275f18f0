"""Index pages: the archive by year and month (档号, 保管期限), and by unit, category, level, status.

Index pages are kept out of the search index: they repeat case titles the case pages already carry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from yuqing.model import LEVEL_NAMES, LEVELS, Case
from yuqing.render.context import (
    ARCHIVE_HEADERS,
    CASE_HEADERS,
    UNIT_KINDS,
    SiteContext,
    case_rows,
    category_page,
    front_matter,
    group_cases,
    html_block,
    relative_url,
    table,
    unit_page,
)
from yuqing.render.text import escape_text, local_link
from yuqing.status import OPEN_STATUSES, STATUSES


def _month(ctx: SiteContext, case: Case) -> str:
    return case.source.posted_at.astimezone(ctx.tz).strftime("%Y-%m")


def _list_page(ctx: SiteContext, page: str, title: str, cases: Iterable[Case], intro: str = "",
               archive: bool = False) -> str:
    cases = list(cases)
    headers = ARCHIVE_HEADERS if archive else CASE_HEADERS
    return front_matter(title, hide=("toc",)) + html_block(
        f'<h1 id="yq-title">{escape_text(title)}</h1>', intro,
        f'<p class="yq-count">共 {len(cases)} 件</p>',
        table(headers, case_rows(ctx, page, cases, archive=archive), empty="无案件。"),
    )


def _overview(ctx: SiteContext, page: str, title: str, groups: dict[str, list[Case]],
              keys: Iterable[str], label: Callable[[str], str], target: Callable[[str], str],
              extra: str = "") -> str:
    rows = []
    for key in keys:
        cases = groups.get(key, [])
        open_count = sum(1 for c in cases if ctx.is_open(c))
        overdue = sum(1 for c in cases if ctx.worst_state(c.id) == "overdue")
        rows.append([local_link(relative_url(page, target(key)), label(key)),
                     escape_text(len(cases)), escape_text(open_count), escape_text(overdue)])
    return front_matter(title, hide=("toc",)) + html_block(
        f'<h1 id="yq-title">{escape_text(title)}</h1>', extra,
        table(("名称", "案件数", "未办结", "有超期时限"), rows),
    )


def render_archive(ctx: SiteContext) -> dict[str, str]:
    by_month = group_cases(ctx.repository.cases, lambda c: [_month(ctx, c)])
    pages: dict[str, str] = {}
    years = sorted({m[:4] for m in by_month}, reverse=True)
    blocks = []
    for year in years:
        months = sorted((m for m in by_month if m.startswith(year)), reverse=True)
        cells = []
        for m in months:
            archived = sum(1 for c in by_month[m] if c.archive)
            cells.append([local_link(relative_url("archive/index.md", f"archive/{m}.md"),
                                     f"{m[:4]}年{m[5:]}月"),
                          escape_text(len(by_month[m])), escape_text(archived)])
        blocks.append(f'<h2 id="y{escape_text(year)}">{escape_text(year)} 年</h2>'
                      + table(("月份", "案件数", "已归档"), cells))
    pages["archive/index.md"] = front_matter("资料归档", hide=("toc",)) + html_block(
        '<h1 id="yq-title">资料归档（按年月）</h1>',
        "<p>按发帖时间归档。归档后显示档号和保管期限。</p>", *blocks,
    )
    for m, cases in by_month.items():
        page = f"archive/{m}.md"
        pages[page] = _list_page(ctx, page, f"{m[:4]}年{m[5:]}月 舆情归档", cases, archive=True)
    return pages


def render_indexes(ctx: SiteContext) -> dict[str, str]:
    repo = ctx.repository
    pages = render_archive(ctx)

    def unit_keys(case: Case) -> list[str]:
        return list(dict.fromkeys(u for u in (ctx.responsible_unit(case), case.lead_unit,
                                              *case.co_units) if u))

    by_unit = group_cases(repo.cases, unit_keys)
    unit_ids = list(repo.units) + sorted(k for k in by_unit if k not in repo.units)
    pages["units/index.md"] = _overview(
        ctx, "units/index.md", "按单位", by_unit, unit_ids, ctx.unit_name,
        unit_page, "<p>含牵头、协办和被交办的案件。</p>")
    for unit_id in unit_ids:
        unit = repo.units.get(unit_id)
        intro = ""
        if unit:
            intro = (f'<p>类型：{escape_text(UNIT_KINDS.get(unit.kind, unit.kind))}　'
                     f"分管领导：{escape_text(ctx.person_name(unit.leader))}　信息员："
                     f"{escape_text('、'.join(ctx.person_name(p) for p in unit.officers) or '—')}</p>")
        page = unit_page(unit_id)
        pages[page] = _list_page(ctx, page, f"单位：{ctx.unit_name(unit_id)}",
                                 by_unit.get(unit_id, []), intro)

    by_category = group_cases(repo.cases, lambda c: [c.category])
    category_ids = list(repo.categories) + sorted(k for k in by_category
                                                  if k not in repo.categories)
    pages["categories/index.md"] = _overview(
        ctx, "categories/index.md", "按类别", by_category, category_ids, ctx.category_name,
        category_page)
    for key in category_ids:
        page = category_page(key)
        category = repo.categories.get(key)
        intro = f"<p>{escape_text(category.description)}</p>" if category and category.description else ""
        pages[page] = _list_page(ctx, page, f"类别：{ctx.category_name(key)}",
                                 by_category.get(key, []), intro)

    by_level = group_cases(repo.cases, lambda c: [c.level])
    pages["levels/index.md"] = _overview(
        ctx, "levels/index.md", "按级别", by_level, LEVELS, LEVEL_NAMES.__getitem__,
        lambda k: f"levels/{k}.md")
    for key in LEVELS:
        page = f"levels/{key}.md"
        pages[page] = _list_page(ctx, page, f"级别：{LEVEL_NAMES[key]}", by_level.get(key, []))

    by_status = group_cases(repo.cases, lambda c: [ctx.statuses[c.id]])
    pages["status/index.md"] = _overview(
        ctx, "status/index.md", "按状态", by_status, STATUSES, STATUSES.__getitem__,
        lambda k: f"status/{k}.md",
        f"<p>未办结：{escape_text('、'.join(STATUSES[s] for s in OPEN_STATUSES))}。</p>")
    for key, name in STATUSES.items():
        page = f"status/{key}.md"
        pages[page] = _list_page(ctx, page, f"状态：{name}", by_status.get(key, []))
    return pages
