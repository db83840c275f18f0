"""The audit trail from one git log pass, against real temporary git repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from yuqing.history import read_history

CASE = "cases/2026/YQ-2026-0001.yml"
BASE = """# yaml-language-server: $schema=../../schemas/case.schema.json
id: YQ-2026-0001
title: 老标题
level: general
events:
  - {at: 2026-11-18T09:00:00+08:00, type: registered, by: zhao}
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.name", "张三")
    git(tmp_path, "config", "user.email", "z@example.invalid")
    return tmp_path


def commit(root: Path, path: str, text: str | None, message: str) -> None:
    target = root / path
    if text is None:
        git(root, "rm", "-q", path)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        git(root, "add", path)
    git(root, "commit", "-qm", message)


def test_revisions_name_changed_fields(repo: Path) -> None:
    commit(repo, CASE, BASE, "新建案件")
    v2 = BASE.replace("老标题", "新标题") + "  - {at: 2026-11-18T10:00:00+08:00, type: assigned, by: zhao, to: x}\n"
    commit(repo, CASE, v2, "交办并修改标题")
    v3 = v2 + "report:\n  cause: 原因\n  measures: |\n    多行\n    措施\n"
    commit(repo, CASE, v3, "填写报告单")
    v4 = v3.replace("    措施\n", "    措施（补充）\n")
    commit(repo, CASE, v4, "补充措施")
    history = read_history(repo)
    assert history.problem is None
    revs = history.of(CASE)
    assert [r.message for r in revs] == ["新建案件", "交办并修改标题", "填写报告单", "补充措施"]
    assert revs[0].change == "added"
    assert revs[0].fields == ("id", "title", "level", "events")
    assert revs[1].fields == ("title", "events")
    assert revs[2].fields == ("report",)
    assert revs[3].fields == ("report",)  # a line deep inside a block: the hunk header's key
    assert revs[0].author == "张三"
    assert revs[3].commit == git(repo, "rev-parse", "HEAD").strip()
    assert revs[0].when.tzinfo is not None


def test_many_files_one_pass_and_deletions(repo: Path) -> None:
    other = "cases/2026/YQ-2026-0002.yml"
    commit(repo, CASE, BASE, "一")
    commit(repo, other, BASE.replace("0001", "0002"), "二")
    commit(repo, "registers/units.yml", "units: []\n", "台账不算案件")
    commit(repo, CASE, None, "删除误建案件")
    history = read_history(repo)
    assert set(history.revisions) == {CASE, other}
    assert [r.change for r in history.of(CASE)] == ["added", "deleted"]
    assert history.of("cases/2026/YQ-2026-0404.yml") == ()


def test_not_a_repository_is_a_warning(tmp_path: Path) -> None:
    history = read_history(tmp_path)
    assert history.revisions == {}
    assert history.problem is not None
    assert history.problem.severity == "warning"


def test_empty_repository(repo: Path) -> None:
    history = read_history(repo)
    assert history.revisions == {}


def test_shallow_clone_is_flagged(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    for n in range(3):
        commit(repo, CASE, BASE + f"summary: 第{n}版\n", f"第{n}次")
    clone = tmp_path_factory.mktemp("clone") / "c"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)],
                   check=True, capture_output=True)
    history = read_history(clone)
    assert history.shallow
    assert history.problem is not None
    assert "fetch-depth" in (history.problem.hint or "")


def test_cache_gives_the_same_trail_and_survives_corruption(repo: Path) -> None:
    commit(repo, CASE, BASE, "新建案件")
    commit(repo, CASE, BASE.replace("老标题", "新标题"), "改标题")
    fresh = read_history(repo, cache=False)
    first = read_history(repo)
    cache_file = repo / ".cache" / "yuqing" / "history-fields.json"
    assert cache_file.is_file()
    second = read_history(repo)  # every pair known: no blob read
    assert fresh.revisions == first.revisions == second.revisions
    assert second.of(CASE)[1].fields == ("title",)
    cache_file.write_text("{not json", encoding="utf-8")
    assert read_history(repo).revisions == fresh.revisions
