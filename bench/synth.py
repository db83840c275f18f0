"""Synthetic offices for the benchmark: N realistic case files on top of the demo registers.

Deterministic (seeded), written into a directory the caller owns — never into the repository.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

PROJECT = Path(__file__).resolve().parents[1]
TZ = ZoneInfo("Asia/Shanghai")
TOPICS = [
    ("垃圾清运不及时", "environment"),
    ("路灯损坏夜间出行不便", "urban"),
    ("小区停车位紧张", "urban"),
    ("学校门口交通拥堵", "education"),
    ("农贸市场占道经营", "urban"),
    ("噪音扰民", "environment"),
    ("拆迁补偿标准不透明", "demolition"),
    ("自来水水质浑浊", "livelihood"),
    ("物业收费纠纷", "dispute"),
    ("餐馆油烟污染", "environment"),
    ("村道破损积水", "livelihood"),
    ("工地夜间施工", "environment"),
]
PLACES = ["温泉路", "汤泉村", "龙岗社区", "温泉社区", "迎宾大道", "滨河小区", "中心小学", "新街口"]


def _registers() -> dict[str, list[str]]:
    def ids(name: str, key: str) -> list[str]:
        data = yaml.safe_load((PROJECT / "registers" / f"{name}.yml").read_text(encoding="utf-8"))
        return [item["id"] for item in data.get(key, [])]

    return {
        "units": ids("units", "units"),
        "people": ids("people", "people"),
        "categories": ids("categories", "categories"),
        "platforms": ids("platforms", "platforms"),
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def synth_case(
    rng: random.Random, case_id: str, posted: datetime, reg: dict[str, list[str]]
) -> dict:
    topic, category = rng.choice(TOPICS)
    if category not in reg["categories"]:
        category = reg["categories"][rng.randrange(len(reg["categories"]))]
    place = rng.choice(PLACES)
    people, units = reg["people"], reg["units"]
    clerk, lead = rng.choice(people), rng.choice(units)
    discovered = posted + timedelta(minutes=rng.randint(5, 300))
    at = discovered + timedelta(minutes=rng.randint(1, 30))
    events = [{"at": _iso(at), "type": "registered", "by": clerk}]

    def step(minutes: int) -> str:
        nonlocal at
        at = at + timedelta(minutes=rng.randint(1, minutes))
        return _iso(at)

    events.append({"at": step(180), "type": "assigned", "by": clerk, "to": lead})
    stage = rng.random()
    if stage > 0.15:
        events.append(
            {
                "at": step(240),
                "type": "verified",
                "by": rng.choice(people),
                "finding": f"经现场核实，{place}{topic}情况属实，已安排整改。",
            }
        )
    if stage > 0.3:
        if rng.random() < 0.5:
            events.append(
                {
                    "at": step(600),
                    "type": "replied",
                    "by": rng.choice(people),
                    "channel": "人民网领导留言板",
                    "resolves": True,
                    "text": f"您好，关于{place}{topic}的问题，我街道已责成相关科室处理完毕，感谢监督。",
                }
            )
        else:
            reply_at = step(600)
            events.append(
                {
                    "at": reply_at,
                    "type": "replied",
                    "by": rng.choice(people),
                    "channel": "人民网领导留言板",
                    "promised_by": (at + timedelta(days=3)).date().isoformat(),
                    "text": f"您好，{place}{topic}一事正在办理，将于三日内办结并答复。",
                }
            )
            if stage > 0.5:
                events.append(
                    {
                        "at": step(2880),
                        "type": "resolved",
                        "by": rng.choice(people),
                        "summary": "已整改完毕，群众表示满意。",
                    }
                )
    # People grade by the seed-001 thresholds, so metrics agree with the level (as in a real office).
    level = rng.choice(["general"] * 6 + ["significant"] * 2 + ["major", "critical"])
    views, comments = {
        "general": (rng.randint(10, 900), rng.randint(0, 90)),
        "significant": (rng.randint(300, 990), rng.randint(20, 99)),
        "major": (rng.randint(1000, 2999), rng.randint(100, 499)),
        "critical": (rng.randint(3000, 20000), rng.randint(500, 2000)),
    }[level]
    metrics = {
        "views": views,
        "comments": comments,
        "reposts": rng.randint(0, 50),
        "mainstream_outlets": 0,
    }
    case = {
        "id": case_id,
        "title": f"{place}{topic}，居民希望尽快解决",
        "summary": f"网民反映{place}{topic}，影响周边居民生活。",
        "level": level,
        "category": category,
        "sentiment": rng.choice(["negative", "negative", "neutral"]),
        "quick": rng.random() < 0.3,
        "source": {
            "platform": rng.choice(reg["platforms"]),
            "url": f"https://example.invalid/thread/{case_id.lower()}",
            "author": f"网友{rng.randint(1000, 9999)}",
            "posted_at": _iso(posted),
            "excerpt": f"我是{place}的居民，{topic}的问题已经持续很久了，多次反映没有结果，" * 2,
            "metrics": metrics,
        },
        "discovered": {"at": _iso(discovered), "by": clerk},
        "units": {"lead": lead},
        "events": events,
    }
    if stage > 0.7 and events[-1]["type"] in {"resolved", "replied"}:
        case["report"] = {
            "cause": f"{place}{topic}，相关责任单位巡查不到位。",
            "measures": "责成责任科室现场整改，网上及时回复，说明处理进展。",
            "talking_points": "高度重视，立即整改，举一反三。",
            "result": "问题已解决，网民未再跟帖。",
            "review": "加强日常巡查。",
        }
        case["events"].append({"at": step(600), "type": "closed", "by": clerk})
    return case


def make_office(target: Path, count: int, *, seed: int = 7, git: bool = False) -> Path:
    """Write an office with ``count`` synthetic cases (2024–2026) into ``target``."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in ("registers", "schemas"):
        shutil.copytree(PROJECT / name, target / name)
    if (PROJECT / "sources.yml").exists():
        shutil.copy(PROJECT / "sources.yml", target / "sources.yml")
    rng = random.Random(seed)
    reg = _registers()
    start = datetime(2024, 1, 1, 8, tzinfo=TZ)
    span = (datetime(2026, 11, 15, tzinfo=TZ) - start).total_seconds()
    moments = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(count))
    serials: dict[int, int] = {}
    header = "# yaml-language-server: $schema=../../schemas/case.schema.json\n"
    for posted in moments:
        serials[posted.year] = serials.get(posted.year, 0) + 1
        case_id = f"YQ-{posted.year}-{serials[posted.year]:04d}"
        folder = target / "cases" / str(posted.year)
        folder.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(
            synth_case(rng, case_id, posted, reg), allow_unicode=True, sort_keys=False, width=1000
        )
        (folder / f"{case_id}.yml").write_text(header + text, encoding="utf-8")
    if git:
        env = {
            "GIT_AUTHOR_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "bench@example.invalid",
            "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "bench@example.invalid",
            "PATH": "/usr/bin:/bin",
        }
        subprocess.run(["git", "init", "-q", "-b", "main", str(target)], check=True)
        subprocess.run(["git", "-C", str(target), "add", "-A"], check=True, env=env)
        subprocess.run(
            ["git", "-C", str(target), "commit", "-qm", "synthetic office"], check=True, env=env
        )
    return target
