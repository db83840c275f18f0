"""`yuqing new`: create a case file with the next free id; exit 0 written, 1 refused, 2 usage."""

from __future__ import annotations

import dataclasses
import sys
from datetime import datetime
from pathlib import Path

import click

from yuqing.commands.options import now_option, repo_option
from yuqing.model import DEFAULT_TZ, LEVELS, SENTIMENTS, TimeFormatError, parse_time
from yuqing.problems import Problem, format_text

# Fields of the would-be file that come from one option: a refusal names the option to change.
OPTION_OF_FIELD = {
    "title": "--title",
    "source.platform": "--platform",
    "source.url": "--url",
    "source.author": "--author",
    "source.posted_at": "--posted-at",
    "source.excerpt": "--excerpt",
    "category": "--category",
    "units.lead": "--unit",
    "level": "--level",
    "sentiment": "--sentiment",
    "discovered.by": "--by",
    "events[0].by": "--by",
    "discovered.at": "--now",
    "events[0].at": "--now",
}


def parse_time_option(value: str, name: str) -> datetime:
    """An ISO time given on the command line; without an offset it means Beijing time."""
    try:
        return parse_time(value, DEFAULT_TZ)
    except TimeFormatError:
        raise click.BadParameter(f"{value!r} 不是有效时间，请写成 2026-11-20T09:30:00+08:00",
                                 param_hint=name) from None


# Unknown ids: the refusal lists every valid id, not the validator's shortened list.
_REGISTER_OF_CODE = {
    "ref.platform": "platforms",
    "ref.category": "categories",
    "ref.unit": "units",
    "ref.person": "people",
}


def valid_ids(root: Path, register: str) -> str:
    from yuqing.edit import register_ids

    listed = "、".join(register_ids(root, register)) or "（尚未登记）"
    return f"可用：{listed}（registers/{register}.yml）"


def explain(problems: list[Problem], options: dict[str, str], root: Path) -> str:
    """Problems of a refused edit, each led by the option that caused it when there is one."""
    lines: list[str] = []
    for p in problems:
        hint = p.hint
        if p.code in _REGISTER_OF_CODE:
            hint = valid_ids(root, _REGISTER_OF_CODE[p.code])
        option = options.get(p.field)
        if option:
            line = f"{option}: {p.message}" + (f" — {hint}" if hint else "")
        else:
            line = dataclasses.replace(p, hint=hint).text()
        if line not in lines:
            lines.append(line)
    return "\n".join(lines)


@click.command(name="new")
@click.option("--title", required=True, help="标题（一句话说清是什么事）。")
@click.option("--platform", required=True, metavar="ID",
              help="发帖平台编号（registers/platforms.yml），如 people-liuyan。")
@click.option("--posted-at", "posted_at", required=True, metavar="ISO",
              help="发帖时间，如 2026-11-18T08:12:00+08:00；不带时区按北京时间。")
@click.option("--url", help="帖子链接。")
@click.option("--author", help="发帖人网络名（不要写真实姓名、电话）。")
@click.option("--excerpt", help="帖子摘录（纯文本）。")
@click.option("--category", metavar="ID", help="分类编号（registers/categories.yml）。必填。")
@click.option("--unit", metavar="ID", help="牵头单位编号（registers/units.yml），可以以后交办时再定。")
@click.option("--level", type=click.Choice(LEVELS), default="general", show_default=True,
              help="等级：general 一般、significant 较大、major 重大、critical 特别重大。")
@click.option("--sentiment", type=click.Choice(list(SENTIMENTS)), default="negative",
              show_default=True, help="情感倾向：negative 负面、neutral 中性、positive 正面。")
@click.option("--quick", is_flag=True, help="能够迅速解决的一般问题（适用 12 小时答复规则）。")
@click.option("--by", "by", envvar="YUQING_BY", metavar="PERSON",
              help="登记人编号（registers/people.yml）；也可设环境变量 YUQING_BY。必填。")
@repo_option
@now_option
def command(title: str, platform: str, posted_at: str, url: str | None, author: str | None,
            excerpt: str | None, category: str | None, unit: str | None, level: str,
            sentiment: str, quick: bool, by: str | None, repo: Path, now: datetime) -> None:
    """新建一件舆情案件：自动分配编号 YQ-<年份>-<序号>，写入登记记录。

    写入前按全仓库检查（平台、分类、单位、人员是否已登记等），有问题则不写任何文件。

    成功时在标准输出打印新文件的路径。退出码：0 已新建，1 被拒绝，2 用法错误。

    \b
    例：yuqing new --title "温泉路垃圾清运不及时" --platform people-liuyan \\
          --posted-at 2026-11-18T08:12:00+08:00 --category environment --by zhao-min
    """
    from yuqing.edit import NewCase, create_case

    missing = [(name, register) for name, register, value in (
        ("--category", "categories", category), ("--by", "people", by)) if not value]
    if missing:
        for name, register in missing:
            click.echo(f"{name}: 必须给出。{valid_ids(repo, register)}", err=True)
        sys.exit(2)
    spec = NewCase(title=title, platform=platform, by=by or "", category=category or "", now=now,
                   posted_at=parse_time_option(posted_at, "--posted-at"), url=url,
                   author=author, excerpt=excerpt, unit=unit, level=level, sentiment=sentiment,
                   quick=quick)
    result = create_case(repo, spec)
    if isinstance(result, list):
        click.echo(explain(result, OPTION_OF_FIELD, repo), err=True)
        click.echo("未新建案件：请按上面的提示改正后重试。", err=True)
        sys.exit(1)
    if result.warnings:
        click.echo(format_text(result.warnings), err=True)
    click.echo(f"已新建 {result.display}", err=True)
    click.echo(str(result.path))
