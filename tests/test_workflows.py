"""Every workflow is valid against the GitHub workflow schema and zizmor-clean (offline)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_the_github_schema(path):
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_zizmor_clean(path):
    result = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-progress", str(path)],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_pinned_actions(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["permissions"] == {}
    for name, job in data["jobs"].items():
        assert "permissions" in job, name
        for step in job.get("steps", []):
            uses = step.get("uses")
            if uses and not uses.startswith("./"):
                assert PINNED.match(uses), uses
            if uses and uses.startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_deadlines_workflow_runs_the_check_on_a_schedule_off_the_hour():
    text = (ROOT / ".github" / "workflows" / "deadlines.yml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    triggers = data[True]  # YAML 1.1: the key `on` loads as True
    minute = triggers["schedule"][0]["cron"].split()[0]
    assert minute not in {"0", "*"}
    assert "workflow_dispatch" in triggers
    assert "concurrency" in data
    assert "yuqing check --format markdown" in text
    assert "--body-file" in text
    for job in data["jobs"].values():
        for step in job["steps"]:
            # no expression expansion inside shell scripts: values go through env
            assert "${{" not in step.get("run", "")
