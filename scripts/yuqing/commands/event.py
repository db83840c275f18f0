"""`yuqing event CASE_ID TYPE`: append one event; exit 0 written, 1 refused, 2 usage."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from yuqing.commands.new import explain, parse_time_option
from yuqing.commands.options import now_option, repo_option
from yuqing.model import EVENT_TYPES, LEVELS
from yuqing.problems import format_text

HELP = f"""给案件 CASE_ID 追加一条 TYPE 类型的处置记录，文件其余内容一字不改。

\b
TYPE：{"、".join(f"{k} {v}" for k, v in EVENT_TYPES.items())}

写入前按全仓库检查：时间不得早于上一条记录；未办结的回复必须有 --promised-by（不超过 5 个工作日）或 --resolves。

有问题则不写文件，并说明改哪个选项。退出码：0 已写入，1 被拒绝，2 用法错误。

\b
例：yuqing event YQ-2026-0007 assigned --by wang-jun --to city-management --co wenquan-community
    yuqing event YQ-2026-0007 replied --by li-hao --channel 人民网领导留言板 \\
        --text "已安排清运" --promised-by 2026-11-25
    yuqing event YQ-2026-0007 note --by zhao-min --text "已回访" --dry-run
"""


def _split_ids(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.replace("，", ",").split(",")
            if part.strip()]


@click.command(name="event", help=HELP)
@click.argument("case_id", metavar="CASE_ID")
@click.argument("event_type", metavar="TYPE", type=click.Choice(list(EVENT_TYPES)))
@click.option("--at", "at", metavar="ISO", help="发生时间（默认：现在）。")
@click.option("--by", "by", envvar="YUQING_BY", required=True, metavar="PERSON",
              help="经办人编号（registers/people.yml）；也可设环境变量 YUQING_BY。")
@click.option("--to", help="reported：报送对象；assigned：牵头单位编号；escalated：督办对象（人员或单位编号）。")
@click.option("--co", multiple=True, metavar="UNIT",
              help="assigned：协办单位编号，可重复或用逗号分隔。")
@click.option("--level", type=click.Choice(LEVELS), help="assessed：研判后的等级。")
@click.option("--reason", help="assessed / escalated / reopened：理由。")
@click.option("--channel", help="replied：回复渠道，如 人民网领导留言板。")
@click.option("--url", help="replied：回复的链接。")
@click.option("--text", help="replied：回复全文；note：备注内容。")
@click.option("--promised-by", "promised_by", metavar="DATE",
              help="replied：承诺办理时限（日期 2026-11-25 或时间），不超过 5 个工作日。")
@click.option("--resolves", is_flag=True, help="replied：此回复已正式解答、办结。")
@click.option("--finding", help="verified：核实情况。")
@click.option("--summary", help="resolved：办结情况。")
@click.option("--note", help="任何记录都可附的备注。")
@click.option("--dry-run", is_flag=True, help="只显示将要做的改动（diff），不写文件。")
@repo_option
@now_option
def command(case_id: str, event_type: str, at: str | None, by: str, to: str | None,
            co: tuple[str, ...], level: str | None, reason: str | None, channel: str | None,
            url: str | None, text: str | None, promised_by: str | None, resolves: bool,
            finding: str | None, summary: str | None, note: str | None, dry_run: bool,
            repo: Path, now: datetime) -> None:
    from yuqing.edit import append_event, build_event, event_count

    moment = now if at is None else parse_time_option(at, "--at")
    if moment > now:
        raise click.BadParameter(f"{moment.isoformat()} 晚于现在（{now.isoformat()}），不能预先记录",
                                 param_hint="--at")
    if promised_by is not None:
        parse_time_option(promised_by, "--promised-by")
    fields = {"to": to, "co": _split_ids(co), "level": level, "reason": reason,
              "channel": channel, "url": url, "text": text, "promised_by": promised_by,
              "resolves": resolves, "finding": finding, "summary": summary, "note": note}
    try:
        event = build_event(event_type, moment, by, fields)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    result = append_event(repo, case_id, event, dry_run=dry_run)
    if isinstance(result, list):
        index = event_count(repo, case_id)
        options = {} if index is None else {
            f"events[{index}].{key}": "--" + key.replace("_", "-") for key in event}
        click.echo(explain(result, options, repo), err=True)
        click.echo("未写入：请按上面的提示改正后重试。", err=True)
        sys.exit(1)
    if result.warnings:
        click.echo(format_text(result.warnings), err=True)
    if dry_run:
        click.echo(result.diff(), nl=False)
        click.echo("（--dry-run：未写入文件）", err=True)
        return
    click.echo(f"已在 {result.display} 追加 {event_type}（{EVENT_TYPES[event_type]}）记录", err=True)
    click.echo(str(result.path))
