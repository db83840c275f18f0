"""Options several verbs share, so they read and behave the same everywhere."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from yuqing.model import DEFAULT_TZ, TimeFormatError, parse_time


def find_repository(start: Path) -> Path | None:
    """The office repository: the nearest directory upwards that has ``registers/``."""
    for candidate in (start, *start.parents):
        if (candidate / "registers").is_dir():
            return candidate
    return None


def _repo_callback(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path:
    root = value if value is not None else find_repository(Path.cwd().resolve())
    if root is None or not (root / "registers").is_dir():
        raise click.UsageError(
            "找不到台账仓库（含 registers/ 目录的文件夹）。请在仓库目录下运行，或用 --repo 指定。"
        )
    return root.resolve()


def _now_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime:
    if value is None:
        return datetime.now(DEFAULT_TZ)
    try:
        return parse_time(value, DEFAULT_TZ)
    except TimeFormatError:
        raise click.BadParameter(
            f"{value!r} 不是有效时间，请写成 2026-11-20T09:30:00+08:00", param=param
        ) from None


repo_option = click.option(
    "--repo",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    callback=_repo_callback,
    help="台账仓库根目录（默认：当前目录或其上级中含 registers/ 的目录）。",
)
now_option = click.option(
    "--now",
    callback=_now_callback,
    metavar="ISO",
    help="把“现在”设为此时刻（ISO 8601），使结果可重现；不带时区按 Asia/Shanghai。",
)
