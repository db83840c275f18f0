"""Git in one module: the audit trail of every case file from one ``git log`` pass.

One ``git log --raw`` names, per commit, every case file it touched with its old and new blob
ids; one ``git cat-file --batch``, fed while the log streams, reads every blob once. Which top-level
fields a revision changed is found by splitting both versions at their top-level keys (a line
starting in column 0 with ``key:``) and comparing the pieces — no YAML parsing, each blob read
once. Never one git call per file.
"""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from yuqing.problems import Problem

CASES_DIR = "cases"
CACHE_FILE = ".cache/yuqing/history-fields.json"  # .cache/ is in .gitignore
CACHE_VERSION = 1
_CASES_PREFIX = b"cases/"
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


def sections(text: bytes) -> dict[bytes, int]:
    """Top-level key → hash of its whole block (the key line and its indented lines).

    Hot path (every blob of the history): C-level split, one small dict comprehension."""
    pieces = _TOP.split(text.rstrip(b"\n"))
    if text[:1] not in _KEY_START:  # the modeline comment before the first key
        del pieces[0]
    return {piece.partition(b":")[0]: hash(piece) for piece in pieces if b":" in piece}


_KEY_START = frozenset(bytes([c]) for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_KEYS: dict[bytes, str] = {}


def _name(raw: bytes) -> str:
    name = _KEYS.get(raw)
    if name is None:
        name = _KEYS[raw] = raw.strip().decode("utf-8", errors="replace")
    return name


def changed_fields(old: dict[bytes, int] | None, new: dict[bytes, int] | None
                   ) -> tuple[str, ...]:
    old, new = old or {}, new or {}
    get = old.get
    keys = [k for k, v in new.items() if get(k) != v]
    if len(old) + len(keys) > len(new):  # some old key may be gone
        keys += [k for k in old if k not in new]
    return tuple(map(_name, keys))


def _unquote(raw: bytes) -> str:
    """A path as git prints it (C-quoted when it has odd characters)."""
    if raw.startswith(b'"') and raw.endswith(b'"'):
        raw = raw[1:-1].decode("unicode_escape").encode("latin-1")
    return raw.decode("utf-8", errors="replace")


class _BlobReader(threading.Thread):
    """Reads ``git cat-file --batch`` answers as they come: blob id → sections."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.found: dict[str, dict[bytes, int]] = {}

    def run(self) -> None:
        read, readline, found = self.stream.read, self.stream.readline, self.found
        while header := readline():
            parts = header.split()
            if len(parts) == 3:
                found[parts[0].decode()] = sections(read(int(parts[2]) + 1))


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
        _FORMAT,
    ]


def _entries(log: IO[bytes], want: IO[bytes], known: dict[str, tuple[str, ...]]
             ) -> list[_Entry]:
    """The raw log → one entry per (commit, case file); each blob whose fields are not
    ``known`` yet is asked for once, at once.

    No pathspec on ``git log``: limiting to ``cases/`` makes git simplify history, which costs
    more than skipping the few other files here."""
    entries: list[_Entry] = []
    asked = {_NULL_BLOB}
    header: tuple[str, str, datetime, str] | None = None
    for line in log:
        if line.startswith(b":") and header is not None:
            meta, _, name = line.rstrip(b"\n").partition(b"\t")
            if not name.endswith(b".yml") or not name.lstrip(b'"').startswith(_CASES_PREFIX):
                continue
            parts = meta.split()
            old, new, status = parts[2].decode(), parts[3].decode(), parts[4][:1]
            change = {b"A": "added", b"D": "deleted"}.get(status, "modified")
            if change != "deleted" and f"{old}:{new}" not in known:
                for blob in (new, old):
                    if blob not in asked:
                        asked.add(blob)
                        want.write(blob.encode() + b"\n")
            entries.append(_Entry(_unquote(name), header, old, new, change))
        elif line.startswith(_COMMIT):
            want.flush()
            commit, author, when, message = (
                p.decode("utf-8", errors="replace")
                for p in line[2:].rstrip(b"\n").split(b"\x00", 3)
            )
            header = (commit, author, datetime.fromisoformat(when), message)
    return entries


def _git_state(root: Path) -> tuple[bool, bool]:
    """(inside a work tree, shallow clone) from one rev-parse."""
    result = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree",
         "--is-shallow-repository"],
        capture_output=True, text=True, check=False,
    )
    lines = result.stdout.split()
    return (lines[:1] == ["true"], lines[1:2] == ["true"])


def _load_cache(root: Path) -> dict[str, tuple[str, ...]]:
    try:
        data = json.loads((root / CACHE_FILE).read_text(encoding="utf-8"))
        if data.get("version") == CACHE_VERSION:
            return {k: tuple(v) for k, v in data["pairs"].items()}
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        pass
    return {}


def _save_cache(root: Path, pairs: dict[str, tuple[str, ...]]) -> None:
    """Best effort: a cache that cannot be written only makes the next build slower."""
    path = root / CACHE_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                         delete=False, suffix=".tmp") as tmp:
            json.dump({"version": CACHE_VERSION, "pairs": pairs}, tmp, ensure_ascii=False,
                      separators=(",", ":"))
        os.replace(tmp.name, path)
    except OSError:
        pass


def read_history(root: Path, *, cache: bool = True) -> History:
    # Tens of thousands of small records: the cyclic collector would rescan them again and
    # again while they are made (none of them forms a cycle).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read_history(root, cache)
    finally:
        if collecting:
            gc.enable()


def _read_history(root: Path, cache: bool) -> History:
    """The audit trail of every case file (oldest revision first) from one git pass.

    Not a git repository, no git, or no commits yet: an empty history with a warning Problem
    (the site is still built; its case pages say the history is unavailable).
    With ``cache``, the fields each (old blob, new blob) pair changed are remembered in
    ``.cache/yuqing/`` (content-addressed, so never stale): later builds read only new blobs."""
    if shutil.which("git") is None:
        return History(problem=_warning("找不到 git 命令，网站不含修改记录", "安装 git 后重新生成"))
    inside, shallow = _git_state(root)
    if not inside:
        return History(problem=_warning("此目录不是 Git 仓库，网站不含修改记录",
                                        "在 Git 仓库中运行 yuqing build"))
    known = _load_cache(root) if cache else {}
    # git log and git cat-file run side by side: blob ids go to cat-file as the log names
    # them, and a thread splits the blobs into sections while both git processes work.
    blobs = subprocess.Popen(["git", "-C", str(root), "cat-file", "--batch"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
    with tempfile.TemporaryFile() as errors:
        log = subprocess.Popen(git_log_command(root), stdout=subprocess.PIPE, stderr=errors)
        if not (blobs.stdin and blobs.stdout and log.stdout):
            raise RuntimeError("pipes missing")  # cannot happen with PIPE
        reader = _BlobReader(blobs.stdout)
        reader.start()
        try:
            entries = _entries(log.stdout, blobs.stdin, known)
        finally:
            blobs.stdin.close()
            failed = log.wait() != 0
            reader.join()
            blobs.wait()
        errors.seek(0)
        error = errors.read().decode("utf-8", errors="replace").strip()
    if failed:
        if "does not have any commits" in error:
            return History()
        return History(problem=_warning(f"git log 失败：{error}", "检查仓库是否完整（git fsck）"))
    found, learned = reader.found, 0
    by_path: dict[str, list[Revision]] = {}
    for e in reversed(entries):  # oldest first
        fields: tuple[str, ...] = ()
        if e.change != "deleted":
            pair = f"{e.old}:{e.new}"
            cached = known.get(pair)
            if cached is None:
                cached = known[pair] = changed_fields(found.get(e.old), found.get(e.new))
                learned += 1
            fields = cached
        by_path.setdefault(e.path, []).append(Revision(*e.header, fields, e.change))
    if cache and learned:
        _save_cache(root, known)
    problem = None
    if shallow:
        problem = _warning("仓库是浅克隆（shallow clone），修改记录不完整",
                           "CI 中用 actions/checkout 的 fetch-depth: 0 取完整历史")
    return History({p: tuple(r) for p, r in by_path.items()}, problem, shallow)


def _warning(message: str, hint: str) -> Problem:
    return Problem(".git", None, None, "", message, hint, "warning", "history.unavailable")
