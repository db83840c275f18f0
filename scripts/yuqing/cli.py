"""The command line: the only place that touches argv, exit codes and the terminal.

Each verb lives in ``yuqing/commands/<verb>.py`` and is imported only when it runs, so
``yuqing validate`` does not pay for the site builder's imports.
"""

from __future__ import annotations

import importlib

import click

from yuqing import __version__

COMMANDS = {
    "validate": "检查案件与台账文件（格式、引用、隐私）。",
    "check": "计算每件舆情的时限状态，列出超期与临期。",
    "ingest": "抓取舆情来源订阅，为命中的帖子新建案件文件。",
    "new": "新建一件舆情案件文件。",
    "event": "给案件追加一条处置记录（交办、核实、回复……）。",
    "report": "生成周报、月报。",
    "build": "生成资料归档网站（MkDocs / Zensical）。",
    "render": "把网站页面写成 Markdown 文件（供其他生成器使用）。",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(f"yuqing.commands.{name}")
        return module.command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help straight from the table: listing the verbs must not import all of them.
        with formatter.section("命令 Commands"):
            formatter.write_dl(list(COMMANDS.items()))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="yuqing")
def main() -> None:
    """舆情台账 yuqing：每件网络舆情一个 YAML 文件，由 Git 管理，CI 检查时限，网站归档。"""
