"""The README's main command, end to end: `make demo` runs demo/run.py on the bundled office."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "build" / "demo"


def test_demo_runs_ingest_validate_check_build_and_says_where_to_look() -> None:
    result = subprocess.run(
        [sys.executable, "demo/run.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "新建案件 3 件" in out  # the offline feeds open three cases …
    assert "关联重复反映 1 条" in out  # … and link one repeat report
    assert "发现 0 个错误" in out
    assert "网站首页" in out
    assert str(DEMO / "site" / "index.html") in out
    assert (DEMO / "site" / "index.html").is_file()
    assert "已超期" in (DEMO / "deadlines.md").read_text(encoding="utf-8")
    # Every example case's timeline was replayed as commits, then the ingest was committed.
    log = subprocess.run(
        ["git", "-C", str(DEMO), "log", "--format=%an%x09%s"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert len(log) > 50
    assert log[0].startswith("yuqing ingest\t")
