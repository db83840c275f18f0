"""Docs are checked: every command has help and appears in the README; the README's two commands
are the ones the project runs; CI runs exactly the README's test command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from yuqing.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("verb", list(COMMANDS))
def test_every_command_has_chinese_help_and_is_in_the_readme(verb: str) -> None:
    result = CliRunner().invoke(main, [verb, "--help"])
    assert result.exit_code == 0, result.output
    assert re.search(r"[\u4e00-\u9fff]", result.output), f"{verb} --help has no Chinese text"
    assert f"yuqing {verb}" in README, f"README does not show `yuqing {verb}`"


def test_every_option_of_every_command_is_described() -> None:
    for verb in COMMANDS:
        command = main.get_command(None, verb)  # type: ignore[arg-type]
        for param in command.params:
            if param.param_type_name == "option" and not param.hidden:
                assert param.help, f"yuqing {verb} {param.opts[0]} has no help text"


def test_python_dash_m_runs_the_same_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "yuqing", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    for verb in COMMANDS:
        assert verb in result.stdout


def test_the_two_commands_are_in_the_readme_and_ci_runs_the_test_one() -> None:
    assert "make demo" in README
    assert "make test" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^exec make test$", ci, re.M)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test:", makefile, re.M)
    assert re.search(r"^demo:", makefile, re.M)
    # pytest's exit 5 (no tests ran) must fail the run, not pass it.
    assert "exit $$rc" in makefile


def test_readme_is_chinese_first_then_english() -> None:
    chinese = README.find("## 快速开始")
    english = README.find("## English")
    assert 0 <= chinese < english
