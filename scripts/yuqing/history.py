"""Git in one module: the audit trail of every case file from one ``git log`` pass.

One ``git log --raw`` over ``cases/`` names, per commit, every case file it touched with its old
and new blob ids; one ``git cat-file --batch`` then reads every blob once. Which top-level
fields a revision changed is found by splitting both versions at their top-level keys (a line
starting in column 0 with ``key:``) and comparing the pieces — no YAML parsing, each blob read
once. Never one git call per file.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from yuqing.problems import Problem

CASES_DIR = "cases"
_COMMIT = b"\x00\x00"  # our --format marker; a raw line starts with ":"
_FORMAT = "--format=%x00%x00%H%x00%an%x00%aI%x00%s"
_NULL_BLOB = "0" * 40
_TOP = re.compile(rb"\n(?=[A-Za-z_])")  # a line starting in column 0 with a key


@dataclass(frozen=True)
class Revision:
    """One commit that touched one case file."""

    commit: str
    author: str
    when: datetime
    message: str
    fields: tuple[str, ...]  # top-level fields the commit changed, in file order
    change: str = "modified"  # "added" | "modified" | "deleted"

    @property
    def short(self) -> str:
        return self.commit[:8]


@dataclass(frozen=True)
class History:
    """Every case file's revisions, oldest first; ``problem`` says why it may be incomplete."""

    revisions: dict[str, tuple[Revision, ...]] = field(default_factory=dict)
    problem: Problem | None = None
    shallow: bool = False

    def of(self, path: str) -> tuple[Revision, ...]:
        return self.revisions.get(path, ())


def sections(text: bytes) -> dict[str, int]:
    """Top-level key → hash of its whole block (the key line and its indented lines)."""
    out: dict[str, int] = {}
    for piece in _TOP.split(text):
        colon = piece.find(b":")
        if colon > 0 and piece[:1] in _KEY_START:
            key = piece[:colon]
            out[_KEYS.get(key) or _key(key)] = hash(piece.rstrip(b"\n"))
    return out


_KEY_START = frozenset(bytes([c]) for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_KEYS: dict[bytes, str] = {}


def _key(raw: bytes) -> str:
    _KEYS[raw] = raw.rstrip().decode("utf-8", errors="replace")
    return _KEYS[raw]


def changed_fields(old: dict[str, int] | None, new: dict[str, int] | None) -> tuple[str, ...]:
    old, new = old or {}, new or {}
    keys = [k for k in new if old.get(k) != new[k]]
    return tuple(keys + [k for k in old if k not in new])


def _unquote(raw: bytes) -> str:
    """A path as git prints it (C-quoted when it has odd characters)."""
    if raw.startswith(b'"') and raw.endswith(b'"'):
        raw = raw[1:-1].decode("unicode_escape").encode("latin-1")
    return raw.decode("utf-8", errors="replace")


def _read_blobs(root: Path, ids: list[str]) -> dict[str, dict[str, int]]:
    """Every blob in one ``git cat-file --batch`` call → its sections."""
    if not ids:
        return {}
    with tempfile.TemporaryFile() as wanted:  # a file, not a pipe: git reads at its pace
        wanted.write("\n".join(ids).encode() + b"\n")
        wanted.seek(0)
        result = subprocess.run(["git", "-C", str(root), "cat-file", "--batch"], stdin=wanted,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    out, found, pos, end = result.stdout, {}, 0, len(result.stdout)
    while pos < end:
        newline = out.index(b"\n", pos)
        header = out[pos:newline].split()
        pos = newline + 1
        if len(header) == 3:
            size = int(header[2])
            found[header[0].decode()] = sections(out[pos:pos + size])
            pos += size + 1  # the content and the newline after it
    return found


@dataclass
class _Entry:
    path: str
    header: tuple[str, str, datetime, str]
    old: str
    new: str
    change: str


def git_log_command(root: Path) -> list[str]:
    return [
        "git", "-C", str(root), "-c", "core.quotepath=off", "-c", "log.showSignature=false",
        "log", "--no-color", "--raw", "--no-abbrev", "--no-renames", "--diff-merges=off",
        _FORMAT, "--", CASES_DIR,
    ]


def _entries(log: bytes) -> tuple[list[_Entry], list[str]]:
    """The raw log → one entry per (commit, case file), and every blob id they need."""
    entries: list[_Entry] = []
    asked: dict[str, None] = {}
    header: tuple[str, str, datetime, str] | None = None
    for line in log.split(b"\n"):
        if line.startswith(b":") and header is not None:
            meta, _, name = line.partition(b"\t")
            parts = meta.split()
            if len(parts) < 5 or not name.endswith(b".yml"):
                continue
            old, new, status = parts[2].decode(), parts[3].decode(), parts[4][:1]
            asked[old] = asked[new] = None
            change = {b"A": "added", b"D": "deleted"}.get(status, "modified")
            entries.append(_Entry(_unquote(name), header, old, new, change))
        elif line.startswith(_COMMIT):
            commit, author, when, message = (
                p.decode("utf-8", errors="replace") for p in line[2:].split(b"\x00", 3)
            )
            header = (commit, author, datetime.fromisoformat(when), message)
    asked.pop(_NULL_BLOB, None)
    return entries, list(asked)


def _git_state(root: Path) -> tuple[bool, bool]:
    """(inside a work tree, shallow clone) from one rev-parse."""
    result = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree",
         "--is-shallow-repository"],
        capture_output=True, text=True, check=False,
    )
    lines = result.stdout.split()
    return (lines[:1] == ["true"], lines[1:2] == ["true"])


def read_history(root: Path) -> History:
    """The audit trail of every case file (oldest revision first) from one git pass.

    Not a git repository, no git, or no commits yet: an empty history with a warning Problem
    (the site is still built; its case pages say the history is unavailable)."""
    if shutil.which("git") is None:
        return History(problem=_warning("找不到 git 命令，网站不含修改记录", "安装 git 后重新生成"))
    inside, shallow = _git_state(root)
    if not inside:
        return History(problem=_warning("此目录不是 Git 仓库，网站不含修改记录",
                                        "在 Git 仓库中运行 yuqing build"))
    log = subprocess.run(git_log_command(root), capture_output=True, check=False)
    if log.returncode != 0:
        error = log.stderr.decode("utf-8", errors="replace").strip()
        if "does not have any commits" in error:
            return History()
        return History(problem=_warning(f"git log 失败：{error}", "检查仓库是否完整（git fsck）"))
    entries, ids = _entries(log.stdout)
    found = _read_blobs(root, ids)
    by_path: dict[str, list[Revision]] = {}
    for e in reversed(entries):  # oldest first
        fields = changed_fields(found.get(e.old), found.get(e.new))
        if e.change == "deleted":
            fields = ()
        by_path.setdefault(e.path, []).append(Revision(*e.header, fields, e.change))
    problem = None
    if shallow:
        problem = _warning("仓库是浅克隆（shallow clone），修改记录不完整",
                           "CI 中用 actions/checkout 的 fetch-depth: 0 取完整历史")
    return History({p: tuple(r) for p, r in by_path.items()}, problem, shallow)


def _warning(message: str, hint: str) -> Problem:
    return Problem(".git", None, None, "", message, hint, "warning", "history.unavailable")
