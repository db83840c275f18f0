"""`yuqing check`: every deadline's state; exit 0 clear, 1 when --fail-on is hit, 2 usage error."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import click

from yuqing.commands.options import now_option, repo_option

FAIL_STATES = {"overdue": {"overdue"}, "due-soon": {"overdue", "due_soon"}, "never": set()}


def changed_files(root: Path, ref: str) -> set[str]:
    """Files changed between ``ref`` and HEAD (a pull request's diff against its base)."""
    result = subprocess.run(
        ["git", "-C", str(root), "diff", "--name-only", "--diff-filter=d", f"{ref}...HEAD", "--"],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise click.UsageError(
            f"无法比较 {ref!r} 与当前提交：{result.stderr.strip() or 'git diff 失败'}。"
            "请确认该分支或提交存在（CI 中检出时需 fetch-depth: 0）。"
        )
    return {line.strip() for line in result.stdout.splitlines() if line.strip()}


def _relative(root: Path, value: str) -> str:
    path = Path(value)
    if path.is_absolute():
        try:
            return path.resolve().relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()
    return path.as_posix().removeprefix("./")


@click.command(name="check")
@repo_option
@now_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "markdown", "github"]), default="text",
    show_default=True,
    help="text 给人看；json 给程序；markdown 用于议题或评论；github 在文件上标注超期与临期。",
)
@click.option(
    "--fail-on", type=click.Choice(["overdue", "due-soon", "never"]), default="overdue",
    show_default=True,
    help="overdue：有超期时退出码为 1；due-soon：有超期或临期时为 1；never：总是 0。"
    "时限因缺少节假日安排而无法计算时也为 1（never 除外）。",
)
@click.option("--paths", "paths", multiple=True, metavar="PATH",
              help="只检查这些案件文件（可多次给出）。")
@click.option("--changed-since", metavar="REF",
              help="只检查自 REF（如 origin/main）以来改动过的案件文件，用于拉取请求评论。")
@click.option("--all", "show_all", is_flag=True,
              help="列出全部时限（默认只列超期、临期和未到期的；markdown 默认只列超期和临期）。")
@click.option("--max-rows", type=click.IntRange(min=0), default=300, show_default=True,
              help="markdown 报告最多列出的行数（最严重的在前；0 表示不限）。议题正文有长度上限。")
def command(repo: Path, now: datetime, fmt: str, fail_on: str, paths: tuple[str, ...],
            changed_since: str | None, show_all: bool, max_rows: int) -> None:
    """计算每件舆情、每条适用规则的截止时间和状态。

    状态：pending 未到期、due_soon 即将到期、overdue 已超期、met 按时完成、met_late 超期完成；
    同时列出责任单位、分管领导和督办阶梯，并检查隐患排查表的解决时限。

    退出码：0 正常，1 触发 --fail-on（或有时限无法计算），2 用法错误。
    """
    from yuqing.checkreport import (
        Names,
        report_github,
        report_json,
        report_markdown,
        report_text,
    )
    from yuqing.deadlines import Evaluation, evaluate
    from yuqing.repo import load_repository
    from yuqing.stats import summarize

    repository = load_repository(repo)
    evaluation = evaluate(repository, now)
    cases = sorted(repository.cases, key=lambda c: c.id)
    selected = None
    if paths or changed_since:
        selected = {_relative(repo, p) for p in paths}
        if changed_since:
            selected |= changed_files(repo, changed_since)
        cases = [c for c in cases if c.path in selected]
        keep = {c.id for c in cases}
        if "registers/hazards.yml" in selected:
            keep |= {d.subject for d in evaluation.deadlines if d.kind == "hazard"}
        evaluation = Evaluation(
            now=evaluation.now, policy=evaluation.policy,
            deadlines=tuple(d for d in evaluation.deadlines if d.subject in keep),
            problems=tuple(p for p in evaluation.problems
                           if p.path in selected or not p.path.startswith("cases/")),
            by_subject={k: v for k, v in evaluation.by_subject.items() if k in keep},
        )
    summary = summarize(cases, evaluation, repository.tz)
    names = Names.from_repository(repository)
    hazard_names = {h.id: h.content for h in repository.hazards}
    if fmt == "json":
        click.echo(report_json(cases, evaluation, summary, hazard_names))
    elif fmt == "markdown":
        title = "本次改动涉及案件的时限" if selected is not None else "舆情时限检查"
        click.echo(report_markdown(cases, evaluation, summary, names, hazard_names=hazard_names,
                                   show_all=show_all or selected is not None, title=title,
                                   max_rows=max_rows))
    elif fmt == "github":
        output = report_github(evaluation, names)
        if output:
            click.echo(output)
    else:
        click.echo(report_text(evaluation, summary, names, show_all=show_all))
    if fmt != "json" and evaluation.problems:
        click.echo("\n".join(p.text() for p in evaluation.problems), err=True)
    if repository.problems:
        click.echo(f"另有 {len(repository.problems)} 个文件问题，相关案件可能未计入；"
                   "请运行 yuqing validate 查看。", err=True)
    failing = FAIL_STATES[fail_on]
    hit = any(d.state in failing for d in evaluation.deadlines)
    broken = fail_on != "never" and any(p.severity == "error" for p in evaluation.problems)
    sys.exit(1 if hit or broken else 0)
