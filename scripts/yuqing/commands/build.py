"""`yuqing build`: the archive site with MkDocs (default) or Zensical; `--serve` to preview."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from yuqing.commands.options import now_option, repo_option


@click.command(name="build")
@repo_option
@now_option
@click.option(
    "--engine",
    type=click.Choice(["mkdocs", "zensical"]),
    default="mkdocs",
    show_default=True,
    help="mkdocs 用 Material for MkDocs（默认）；zensical 用其后继者 Zensical 生成同一网站。",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="网站输出目录（默认：仓库下的 site/）。",
)
@click.option(
    "--serve",
    is_flag=True,
    help="不生成文件，在 http://127.0.0.1:8000 预览；案件或台账改动后自动刷新（仅 mkdocs）。",
)
@click.pass_context
def command(
    ctx: click.Context, repo: Path, now: datetime, engine: str, out: Path | None, serve: bool
) -> None:
    """生成资料归档网站：首页看板、每件舆情一页（含时限、处置时间线、报告单、Git 修改记录）、
    按年月/单位/类别/级别/状态的索引、台账和周报月报。

    网站只使用本机资源（无外部字体、CDN 或统计），可部署到内网 Web 服务器。
    保密信息（confidential）不会出现在网站、搜索索引或生成日志中。
    退出码：0 成功，1 生成失败，2 用法错误。
    """
    from yuqing.site import build_site, serve_site

    explicit_now = ctx.get_parameter_source("now") == click.core.ParameterSource.COMMANDLINE
    if serve:
        if engine != "mkdocs":
            raise click.UsageError("--serve 只支持 --engine mkdocs")
        raise SystemExit(serve_site(repo, now if explicit_now else None))
    target = (out or repo / "site").resolve()
    click.echo(f"正在生成网站（{engine}）……", err=True)
    result = build_site(repo, now, target, engine)
    for problem in result.problems:
        click.echo(problem.text(), err=True)
    if not result.ok:
        click.echo(result.log, err=True)
        click.echo("网站生成失败，见上方输出。", err=True)
        raise SystemExit(1)
    click.echo(
        f"网站已生成：{target}（用浏览器打开需经 Web 服务器，例如 "
        f"python -m http.server -d {target} -b 127.0.0.1）"
    )
