"""`yuqing validate [PATH...]`: exit 0 valid, 1 invalid, 2 usage error."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from yuqing.commands.options import now_option, repo_option
from yuqing.problems import format_github, format_json, format_text, has_errors, sort_problems


def _expand(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in {".yml", ".yaml"}))
        else:
            files.append(path)
    return files


@click.command(name="validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@repo_option
@now_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="输出格式：text 给人看；json 给程序；github 在拉取请求的改动上标注。",
)
def command(paths: tuple[Path, ...], repo: Path, now, fmt: str) -> None:
    """检查案件文件与台账（默认检查整个仓库）。

    报告语法、字段、引用、时间顺序、结案报告单、隐私（电话、身份证号）等全部问题，
    每条写明文件、行号、字段和改法。退出码：0 全部通过，1 有错误，2 用法错误。
    """
    from yuqing.validate import validate_repository

    problems = sort_problems(validate_repository(repo, _expand(paths), now))
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if fmt == "json":
        click.echo(format_json(problems))
    elif fmt == "github":
        if problems:
            click.echo(format_github(problems))
    else:
        if problems:
            click.echo(format_text(problems))
        summary = (
            f"发现 {errors} 个错误、{warnings} 个警告。" if problems else "检查通过：没有发现问题。"
        )
        click.echo(summary)
    sys.exit(1 if has_errors(problems) else 0)
