"""`yuqing report`: weekly and monthly reports from the same figures as `yuqing check`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from yuqing.cli import main
from yuqing.model import parse_time
from yuqing.weekly import period_of

ROOT = Path(__file__).resolve().parents[1]
DEMO_NOW = "2026-11-20T16:00:00+08:00"


def run(*args: str):
    return CliRunner().invoke(main, ["report", "--repo", str(ROOT), "--now", DEMO_NOW, *args],
                              catch_exceptions=False)


def test_periods_are_calendar_weeks_and_months():
    now = parse_time(DEMO_NOW)  # a Friday
    week = period_of("week", now, now.tzinfo)
    assert (week.start.isoformat(), week.end.isoformat()) == (
        "2026-11-16T00:00:00+08:00", "2026-11-23T00:00:00+08:00")
    assert week.label == "2026年11月16日—2026年11月22日"
    previous = period_of("week", now, now.tzinfo, previous=True)
    assert previous.start.isoformat() == "2026-11-09T00:00:00+08:00"
    month = period_of("month", now, now.tzinfo)
    assert (month.start.date().isoformat(), month.end.date().isoformat()) == (
        "2026-11-01", "2026-12-01")
    december = period_of("month", parse_time("2026-12-31T23:00:00+08:00"), now.tzinfo)
    assert december.end.date().isoformat() == "2027-01-01"
    january = period_of("month", parse_time("2027-01-05T08:00:00+08:00"), now.tzinfo,
                        previous=True)
    assert january.start.date().isoformat() == "2026-12-01"


def test_weekly_markdown_in_chinese():
    result = run()
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("# 温泉街道网络舆情周报")
    assert "统计期间：2026年11月16日—2026年11月22日" in text
    for heading in ("## 一、总体情况", "## 二、超期与临期（督办）", "## 本期舆情一览"):
        assert heading in text
    assert "回复率" in text
    assert "按时办结率" in text


def test_json_uses_the_same_figures_as_check():
    report = json.loads(run("--period", "month", "--format", "json").stdout)
    check = json.loads(CliRunner().invoke(main, [
        "check", "--repo", str(ROOT), "--now", DEMO_NOW, "--format", "json", "--fail-on", "never",
    ]).stdout)
    assert report["kind"] == "month"
    assert report["figures_to_date"] == check["summary"]["figures"]
    posted_in_november = [c for c in check["cases"]
                          if c["id"] in {x["id"] for x in report["cases"]}]
    assert report["new_cases"] == len(report["cases"]) == len(posted_in_november)
    overdue = {(d["subject"], d["rule"]) for d in report["deadlines"] if d["state"] == "overdue"}
    from_check = {(c["id"], d["rule"]) for c in check["cases"] for d in c["deadlines"]
                  if d["state"] == "overdue"}
    assert from_check <= overdue


def test_an_empty_period_says_so():
    result = run("--now", "2025-03-01T12:00:00+08:00")
    assert "本期没有新增舆情。" in result.stdout
