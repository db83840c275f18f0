"""`yuqing ingest`: exit 0 when it ran (failed sources are listed), 1 when every source failed or
the run could not start (bad sources.yml, corrupt state), 2 usage error."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from pathlib import Path

import click

from yuqing.commands.options import now_option, repo_option
from yuqing.problems import format_text, has_errors, sort_problems

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")
MARKDOWN_LIMIT = 200  # rows per table; a pull request body has a size limit


def md_text(value: str | None) -> str:
    """Web text inside Markdown: one line, every Markdown character escaped, no @-mentions."""
    text = " ".join((value or "").split())
    return _MD_SPECIAL.sub(r"\\\1", text).replace("@", "&#64;")


def md_url(value: str | None) -> str:
    if not value:
        return "—"
    return "`" + value.replace("`", "%60") + "`"


def format_text_report(report) -> str:
    lines = []
    ok = sum(s.status == "ok" for s in report.sources)
    same = sum(s.status == "not_modified" for s in report.sources)
    prefix = "（试运行，未写入任何文件）" if report.dry_run else ""
    lines.append(
        f"{prefix}抓取 {len(report.sources)} 个来源：成功 {ok}，未变化 {same}，"
        f"失败 {len(report.failed)}。"
    )
    entries = sum(s.entries for s in report.sources)
    matched = sum(s.matched for s in report.sources)
    lines.append(
        f"条目 {entries} 条，命中关键词 {matched} 条；新建案件 {len(report.opened)} 件，"
        f"关联重复反映 {len(report.linked)} 条。"
    )
    for item in report.opened:
        lines.append(f"  新建 {item.case_id} [{item.source}] {item.title}  → {item.path}")
    for item in report.linked:
        lines.append(f"  重复反映 → {item.case_id} [{item.source}] {item.title} {item.url or ''}")
    if report.skipped:
        from yuqing.ingest import SKIP_REASONS

        parts = [f"{SKIP_REASONS.get(k, k)} {v}" for k, v in report.skipped.items()]
        lines.append("跳过：" + "，".join(parts) + "。")
    for s in report.failed:
        lines.append(f"  失败 {s.id}（{s.name}）：{s.error} — {s.hint}")
    return "\n".join(lines)


def format_markdown_report(report) -> str:
    """The pull request body. Every string from a feed is escaped: it is untrusted."""
    out = ["## 舆情自动采集结果", ""]
    out.append(f"运行时间：{report.now}" + ("（试运行）" if report.dry_run else ""))
    out.append("")
    out.append(f"- 新建案件：**{len(report.opened)}** 件")
    out.append(f"- 重复反映（已记入原案件）：**{len(report.linked)}** 条")
    out.append(f"- 失败的来源：**{len(report.failed)}** 个")
    out.append("")
    if report.opened:
        out += [
            "### 新建案件（请研判定级、交办）",
            "",
            "| 编号 | 标题 | 来源 | 级别建议 | 原帖 |",
            "|---|---|---|---|---|",
        ]
        for item in report.opened[:MARKDOWN_LIMIT]:
            out.append(
                f"| {item.case_id} | {md_text(item.title)} | {md_text(item.source)} "
                f"| {item.level} | {md_url(item.url)} |"
            )
        out.append("")
    if report.linked:
        out += ["### 重复反映", "", "| 原案件 | 新帖标题 | 来源 | 原帖 |", "|---|---|---|---|"]
        for item in report.linked[:MARKDOWN_LIMIT]:
            out.append(
                f"| {item.case_id} | {md_text(item.title)} | {md_text(item.source)} "
                f"| {md_url(item.url)} |"
            )
        out.append("")
    if report.failed:
        out += ["### 失败的来源", "", "| 来源 | 原因 | 处理办法 |", "|---|---|---|"]
        for s in report.failed:
            out.append(f"| {md_text(s.id)} | {md_text(s.error)} | {md_text(s.hint)} |")
        out.append("")
    if report.problems:
        out += ["### 问题", ""]
        out += [f"- {md_text(p.text())}" for p in sort_problems(report.problems)]
        out.append("")
    out.append("合并前请逐件核对：自动采集只代替“看帖”，不代替研判。")
    return "\n".join(out) + "\n"


@click.command(name="ingest")
@repo_option
@now_option
@click.option("--dry-run", is_flag=True, help="只抓取和比对，不写任何文件。")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="输出格式：text 给人看；json 给程序；markdown 用作拉取请求正文。",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="HOST",
    help="允许访问的内网主机（如自建 RSSHub 的 127.0.0.1 或 rsshub.intra）；可重复。"
    "也可写在 sources.yml 的 allow_hosts 中。",
)
@click.option(
    "--summary",
    "summary",
    type=click.Path(dir_okay=False, path_type=Path),
    help="另把 Markdown 摘要写入此文件（CI 用作拉取请求正文）。",
)
def command(
    repo: Path,
    now: datetime,
    dry_run: bool,
    fmt: str,
    allow_hosts: tuple[str, ...],
    summary: Path | None,
) -> None:
    """抓取 sources.yml 中的订阅源，为命中关键词的新帖建立案件文件。

    同一帖子（guid 或网址相同）只登记一次；与未办结案件标题相近的帖子记为“重复反映”，
    写入原案件的备注，不另建案件。连续运行两次，第二次不会改动任何文件。

    退出码：0 已运行（个别来源失败会列出），1 全部来源失败或无法开始，2 用法错误。
    """
    from yuqing.ingest import run_ingest

    report = run_ingest(repo, now, dry_run=dry_run, allow_hosts=allow_hosts)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str))
    elif fmt == "markdown":
        click.echo(format_markdown_report(report), nl=False)
    else:
        click.echo(format_text_report(report))
        if report.problems:
            click.echo(format_text(sort_problems(report.problems)), err=True)
    if summary is not None:
        summary.write_text(format_markdown_report(report), encoding="utf-8")
    started = bool(report.sources) or not has_errors(report.problems)
    sys.exit(0 if started and not report.all_failed else 1)
