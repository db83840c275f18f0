"""`yuqing render --out DIR`: the site's pages as Markdown files, for any static site generator."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from yuqing.commands.options import now_option, repo_option


@click.command(name="render")
@repo_option
@now_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="写入页面的目录（会新建；已有同名文件会被覆盖）。",
)
def command(repo: Path, now: datetime, out: Path) -> None:
    """把网站的全部页面写成 Markdown 文件（及统计图 SVG），供 Zensical 等其他生成器使用。

    页面内容已转义，来自网络的文字不会被当作 Markdown 或 HTML 执行。
    退出码：0 成功，2 用法错误。
    """
    from yuqing.render import write_pages
    from yuqing.site import build_pages

    pages, problems = build_pages(repo, now)
    for problem in problems:
        click.echo(problem.text(), err=True)
    written = write_pages(pages, out)
    click.echo(f"已写入 {len(written)} 个文件到 {out}")
