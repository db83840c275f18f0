"""Git in one module: the audit trail of every case file from a single ``git log`` pass.

One ``git log -p -U0`` over ``cases/`` gives, per commit, the changed lines of every case file.
Which top-level fields a change touched is read from the diff itself: a changed line that starts
in column 0 names its key (``title: …``), and a changed line further in belongs to the key git
prints in the hunk header — git's default function-name rule is "the nearest earlier line that
starts with a letter", which in a YAML mapping is exactly the enclosing top-level key. So the
trail costs one ``git log`` and no blob reads or YAML parsing per revision; never one git call
per file.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from yuqing.problems import Problem

CASES_DIR = "cases"
_COMMIT = b"\x00\x00"  # our --format marker: a commit message cannot start a diff line with NULs
_FORMAT = "--format=%x00%x00%H%x00%an%x00%aI%x00%s"
_KEY = re.compile(rb"([A-Za-z_][A-Za-z0-9_-]*)\s*:")
_HUNK = re.compile(rb"^@@ [^@]* @@ ?(.*)$")


@dataclass(frozen=True)
class Revision:
    """One commit that touched one case file."""

    commit: str
    author: str
    when: datetime
    message: str
    fields: tuple[str, ...]  # top-level fields the commit changed, in the order first seen
    change: str = "modified"  # "added" | "modified" | "deleted"

    @property
    def short(self) -> str:
        return self.commit[:8]


@dataclass(frozen=True)
class History:
    """Every case file's revisions, oldest first; ``problem`` says why it may be empty."""

    revisions: dict[str, tuple[Revision, ...]] = field(default_factory=dict)
    problem: Problem | None = None
    shallow: bool = False

    def of(self, path: str) -> tuple[Revision, ...]:
        return self.revisions.get(path, ())


def _unquote(raw: bytes) -> str:
    """A path as git prints it (``b/…``; C-quoted when it has odd characters)."""
    if raw.startswith(b'"') and raw.endswith(b'"'):
        raw = raw[1:-1].decode("unicode_escape").encode("latin-1")
    return raw.decode("utf-8", errors="replace")


class _Builder:
    """Folds the streamed ``git log`` output into per-file revisions."""

    def __init__(self) -> None:
        self.by_path: dict[str, list[Revision]] = {}
        self.header: tuple[str, str, datetime, str] | None = None
        self.path: str | None = None
        self.change = "modified"
        self.fields: dict[str, None] = {}
        self.section: str | None = None

    def flush_file(self) -> None:
        if self.path is not None and self.header is not None and self.path.endswith(".yml"):
            commit, author, when, message = self.header
            self.by_path.setdefault(self.path, []).append(
                Revision(commit, author, when, message, tuple(self.fields), self.change)
            )
        self.path = None
        self.change = "modified"
        self.fields = {}
        self.section = None

    def commit(self, line: bytes) -> None:
        self.flush_file()
        parts = line[2:].rstrip(b"\n").split(b"\x00", 3)
        commit, author, when, message = (p.decode("utf-8", errors="replace") for p in parts)
        self.header = (commit, author, datetime.fromisoformat(when), message)

    def feed(self, lines: Iterable[bytes]) -> None:
        for line in lines:
            first = line[:1]
            if first == b"+" or first == b"-":
                if line.startswith((b"+++ ", b"--- ")) and self.section is None:
                    self._file_name(line)
                    continue
                key = _KEY.match(line, 1)
                if key:
                    self.section = key.group(1).decode()
                if self.section:
                    self.fields[self.section] = None
            elif first == b"@":
                hunk = _HUNK.match(line)
                key = _KEY.match(hunk.group(1)) if hunk else None
                self.section = key.group(1).decode() if key else ""
            elif first == b"d" and line.startswith(b"diff --git "):
                self.flush_file()
                # Fallback name (binary files have no ---/+++ lines): "diff --git a/X b/X".
                self.path = _unquote(line[11:].rstrip(b"\n").split(b" b/", 1)[-1])
            elif first == b"n" and line.startswith(b"new file"):
                self.change = "added"
            elif first == b"d" and line.startswith(b"deleted file"):
                self.change = "deleted"
            elif first == b"\x00" and line.startswith(_COMMIT):
                self.commit(line)
        self.flush_file()

    def _file_name(self, line: bytes) -> None:
        name = line[4:].rstrip(b"\n")
        if name == b"/dev/null":
            return
        text = _unquote(name)
        if text.startswith(("a/", "b/")):
            self.path = text[2:]


def git_log_command(root: Path, paths: Iterable[str] = (CASES_DIR,)) -> list[str]:
    return [
        "git", "-C", str(root),
        "-c", "core.quotepath=off", "-c", "diff.noprefix=false", "-c", "log.showSignature=false",
        "log", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames",
        "-p", "-U0", "--diff-merges=off", _FORMAT, "--", *paths,
    ]


def _stream(root: Path, paths: list[str]) -> Iterator[bytes]:
    process = subprocess.Popen(
        git_log_command(root, paths), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    yield from process.stdout
    stderr = process.stderr.read() if process.stderr else b""
    if process.wait() != 0:
        raise _GitFailed(stderr.decode("utf-8", errors="replace").strip())


class _GitFailed(Exception):
    pass


def _is_shallow(root: Path) -> bool:
    result = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--is-shallow-repository"],
        capture_output=True, text=True, check=False,
    )
    return result.stdout.strip() == "true"


def read_history(root: Path, paths: Iterable[str] = (CASES_DIR,)) -> History:
    """The audit trail of every file under ``paths`` (oldest revision first) from one git pass.

    Not a git repository, no git, or no commits yet: an empty history with a warning Problem
    (the site is still built, its case pages just say the history is unavailable)."""
    if shutil.which("git") is None:
        return History(problem=_warning("找不到 git 命令，网站不含修改记录", "安装 git 后重新生成"))
    if not (root / ".git").exists():
        inside = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
            capture_output=True, text=True, check=False,
        )
        if inside.stdout.strip() != "true":
            return History(problem=_warning(
                "此目录不是 Git 仓库，网站不含修改记录", "在 Git 仓库中运行 yuqing build"))
    builder = _Builder()
    try:
        builder.feed(_stream(root, list(paths)))
    except _GitFailed as exc:
        if "does not have any commits" in str(exc):
            return History()
        return History(problem=_warning(f"git log 失败：{exc}", "检查仓库是否完整（git fsck）"))
    revisions = {path: tuple(reversed(revs)) for path, revs in builder.by_path.items()}
    shallow = _is_shallow(root)
    problem = None
    if shallow:
        problem = _warning(
            "仓库是浅克隆（shallow clone），修改记录不完整",
            "CI 中用 actions/checkout 的 fetch-depth: 0 取完整历史",
        )
    return History(revisions=revisions, problem=problem, shallow=shallow)


def _warning(message: str, hint: str) -> Problem:
    return Problem(".git", None, None, "", message, hint, "warning", "history.unavailable")
