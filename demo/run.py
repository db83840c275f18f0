"""The README's main command: the demo office from ingest to the built site, offline.

    make demo            (= .venv/bin/python demo/run.py)

1. copies the demo office (registers, example cases, sources, site config) into build/demo and
   replays each example case's timeline as git commits, so the audit trail has real history;
2. serves the offline example feeds (demo/feeds/) on 127.0.0.1:8765 and runs `yuqing ingest`;
3. `yuqing validate`, `yuqing check`, `yuqing report`, `yuqing build`, all at the demo's fixed "now".
"""

from __future__ import annotations

import functools
import http.server
import io
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from ruamel.yaml import YAML

PROJECT = Path(__file__).resolve().parents[1]
DEMO = PROJECT / "build" / "demo"
NOW = "2026-11-20T16:00:00+08:00"
FEED_PORT = 8765
# What an office repository made from this template holds (scripts/ too: mkdocs.yml's hook lives there).
OFFICE_FILES = ("registers", "schemas", "cases", "sources.yml", "mkdocs.yml", "docs", "scripts")


def say(text: str) -> None:
    print(f"\n== {text}", flush=True)


def git(*args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(
        ["git", "-C", str(DEMO), *args],
        check=True,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
    )


def commit(message: str, when: str, name: str, email: str) -> None:
    env = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": when,
    }
    git("add", "-A", env=env)
    git("commit", "-q", "--allow-empty", "-m", message, env=env)


def people() -> dict[str, str]:
    data = YAML(typ="safe").load((PROJECT / "registers" / "people.yml").read_text(encoding="utf-8"))
    return {p["id"]: p["name"] for p in data["people"]}


def replay_cases(names: dict[str, str]) -> None:
    """One commit per event of every example case, in time order, by the event's author."""
    yaml = YAML()
    yaml.width = 4096
    steps = []
    for path in sorted((PROJECT / "cases").rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text)
        events = list(data["events"])
        for count in range(1, len(events) + 1):
            steps.append(
                (str(events[count - 1]["at"]), path, count, len(events), events[count - 1])
            )
    steps.sort(key=lambda s: s[0])
    for at, path, count, total, event in steps:
        target = DEMO / path.relative_to(PROJECT)
        target.parent.mkdir(parents=True, exist_ok=True)
        if count == total:
            shutil.copy(path, target)  # the last commit is the file exactly as shipped
        else:
            data = yaml.load(path.read_text(encoding="utf-8"))
            del data["events"][count:]
            for later in ("report", "archive", "media"):
                if later in data and count < total - 1:
                    del data[later]
            buffer = io.StringIO()
            yaml.dump(data, buffer)
            target.write_text(buffer.getvalue(), encoding="utf-8")
        who = event["by"]
        commit(
            f"{data['id'] if count < total else path.stem}: {event['type']}",
            at,
            names.get(who, who),
            f"{who}@wenquan.example.invalid",
        )


def serve_feeds() -> http.server.ThreadingHTTPServer:
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(PROJECT / "demo" / "feeds")
    )
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", FEED_PORT), handler)
    except OSError as exc:
        sys.exit(
            f"端口 {FEED_PORT} 被占用，无法提供示例订阅（{exc}）。请关闭占用该端口的程序后重试。"
        )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def yuqing(*args: str, ok: tuple[int, ...] = (0,)) -> int:
    print("$ yuqing " + " ".join(args), flush=True)
    result = subprocess.run(
        [sys.executable, "-m", "yuqing", *args, "--repo", str(DEMO)], check=False
    )
    if result.returncode not in ok:
        sys.exit(f"yuqing {args[0]} 失败（退出码 {result.returncode}）")
    return result.returncode


def main() -> None:
    say(f"准备示例单位：{DEMO.relative_to(PROJECT)}")
    if DEMO.exists():
        shutil.rmtree(DEMO)
    DEMO.mkdir(parents=True)
    git("init", "-q", "-b", "main")
    for name in OFFICE_FILES:
        source = PROJECT / name
        if source.is_dir() and name != "cases":
            shutil.copytree(
                source,
                DEMO / name,
                ignore=shutil.ignore_patterns(
                    "generated", "DESIGN.md", "__pycache__", "*.egg-info"
                ),
            )
        elif source.is_file():
            shutil.copy(source, DEMO / name)
    commit(
        "建立温泉街道舆情台账",
        "2026-09-01T09:00:00+08:00",
        "温泉街道党政办",
        "office@wenquan.example.invalid",
    )
    replay_cases(people())

    say("采集：从示例订阅（127.0.0.1，离线）抓取并登记新舆情")
    server = serve_feeds()
    try:
        yuqing("ingest", "--now", NOW, "--allow-host", "127.0.0.1")
    finally:
        server.shutdown()
    commit("自动采集：新登记的舆情", NOW, "yuqing ingest", "ingest@wenquan.example.invalid")

    say("校验：检查全部案件与台账")
    yuqing("validate")
    say(f"时限检查（现在 = {NOW}）")
    yuqing("check", "--now", NOW, "--fail-on", "never")
    report = DEMO / "deadlines.md"
    with report.open("w", encoding="utf-8") as out:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "yuqing",
                "check",
                "--repo",
                str(DEMO),
                "--now",
                NOW,
                "--format",
                "markdown",
                "--fail-on",
                "never",
            ],
            check=True,
            stdout=out,
        )
    say("生成资料归档网站")
    yuqing("build", "--now", NOW)

    site = DEMO / "site"
    say("完成。去这里看：")
    print(f"  网站首页（仪表盘）：{site / 'index.html'}")
    print(
        f"  在浏览器中浏览：   .venv/bin/python -m http.server -d {site.relative_to(PROJECT)} 8000"
        "  然后打开 http://127.0.0.1:8000/"
    )
    print(f"  时限报告（Markdown）：{report}")
    print(f"  示例仓库（可 git log 查看历史）：{DEMO}")


if __name__ == "__main__":
    main()
