"""`yuqing report --period week|month`: the weekly or monthly report (Chinese Markdown or JSON)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from yuqing.commands.options import now_option, repo_option


@click.command(name="report")
@repo_option
@now_option
@click.option("--period", type=click.Choice(["week", "month"]), default="week",
              show_default=True, help="week 周报（星期一至星期日）；month 月报。")
@click.option("--previous", is_flag=True, help="上一周或上一个月（默认：“现在”所在的这一期）。")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown",
              show_default=True, help="markdown 给人看、可贴到议题；json 给程序。")
def command(repo: Path, now: datetime, period: str, previous: bool, fmt: str) -> None:
    """生成舆情周报或月报：本期新增、回复率、办结率、按时办结率、超期与督办、通报。

    数字与 yuqing check 的统计同一来源。退出码：0 成功，2 用法错误。
    """
    from yuqing.deadlines import evaluate
    from yuqing.repo import load_repository
    from yuqing.weekly import build_report, period_of, render_markdown

    repository = load_repository(repo)
    evaluation = evaluate(repository, now)
    report = build_report(repository, evaluation, period_of(period, now, repository.tz,
                                                            previous=previous))
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(render_markdown(report, {k: c.name for k, c in repository.categories.items()}))
    if repository.problems:
        click.echo(f"另有 {len(repository.problems)} 个文件问题，相关案件可能未计入；"
                   "请运行 yuqing validate 查看。", err=True)
