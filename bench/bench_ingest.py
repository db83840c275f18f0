"""Ingest benchmark: concurrent fetching beside one-source-at-a-time, and dedupe at scale.

    python bench/bench_ingest.py                 # 50 sources × 100 entries, 100 ms latency each
    python bench/bench_ingest.py --cases 10000   # also: dedupe against 10,000 existing cases

1. A local server on 127.0.0.1 answers each of 50 feeds (100 entries, 2 of them mention 温泉街道)
   after 100 ms. The same ingest runs with the default bounded concurrency and with one worker
   (one source at a time), each on a fresh copy of an empty office, in the same run; both
   times and the ratio are printed.
2. Dedupe: an office with N synthetic cases ingests feeds whose entries repeat those cases'
   titles and addresses. An audit hook counts every file opened under ``cases/``: it must be
   exactly the one load of the repository (N files) plus the files ingest writes — dedupe itself
   reads no case file.

Also registers the stage ``ingest`` for ``bench/run.py``. Everything is generated in a temporary
directory; nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path[:0] = [str(PROJECT / "scripts"), str(PROJECT / "tests"), str(HERE)]

from feedserver import FeedServer, item, rss  # noqa: E402
from yuqing.fetch import FetchLimits  # noqa: E402
from yuqing.ingest import run_ingest  # noqa: E402
from yuqing.model import parse_time  # noqa: E402
from yuqing.repo import load_repository  # noqa: E402

NOW = parse_time("2026-11-20T16:00:00+08:00")
POOL = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞"
TOPICS = [
    "垃圾清运",
    "噪音扰民",
    "路灯不亮",
    "电梯故障",
    "停车收费",
    "占道经营",
    "积水",
    "物业纠纷",
]
PLACES = ["温泉路", "龙岗社区", "汤泉村", "锦绣小区", "温泉景区", "高铁站", "中心小学"]


def _entries(source: int, count: int) -> bytes:
    items = []
    for n in range(count):
        place = PLACES[(source + n) % len(PLACES)]
        topic = TOPICS[(source * 7 + n) % len(TOPICS)]
        hit = "温泉街道" if n % 50 == 0 else "本地"
        words = "".join(random.Random(source * 1000 + n).sample(POOL, 24))
        title = f"{hit}{place}{words}{topic}"
        text = f"<p>{title}。网友反映{place}{topic}，已经持续多日，希望有关部门尽快处理。</p>" * 3
        pub = f"Thu, 19 Nov 2026 {n % 24:02d}:{source % 60:02d}:00 GMT"
        items.append(item(title, f"https://bench.example/{source}/{n}", text, pub=pub))
    return rss(*items, title=f"来源 {source}")


def serve_feeds(sources: int, entries: int, latency: float) -> FeedServer:
    server = FeedServer().start()
    for s in range(sources):
        body = _entries(s, entries)

        def route(h, body=body):
            time.sleep(latency)
            h.reply(200, body, "application/rss+xml; charset=utf-8")

        server.route(f"/feed/{s}.xml", route)
    return server


def _serve_child(conn, sources: int, entries: int, latency: float) -> None:
    server = serve_feeds(sources, entries, latency)
    conn.send(server.port)
    conn.recv()  # until the parent says stop
    server.stop()


class RemoteFeeds:
    """The feed server in its own process, so serving costs the ingest under test no GIL time
    (as with a real RSSHub)."""

    def __init__(self, sources: int, entries: int, latency: float):
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(
            target=_serve_child, args=(child, sources, entries, latency), daemon=True
        )
        self._proc.start()
        self.port = self._conn.recv()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self._conn.send("stop")
        self._proc.join(10)


def _sources_yml(server: FeedServer | RemoteFeeds, sources: int) -> str:
    lines = ["allow_hosts: [127.0.0.1]", "sources:"]
    for s in range(sources):
        lines += [
            f"  - id: bench-{s}",
            f"    name: 基准来源 {s}",
            f"    url: {server.url(f'/feed/{s}.xml')}",
            "    platform: tieba",
            "    keywords: [温泉街道]",
        ]
    return "\n".join(lines) + "\n"


def empty_office(target: Path, sources_yml: str) -> Path:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in ("registers", "schemas"):
        shutil.copytree(PROJECT / name, target / name)
    (target / "cases").mkdir()
    (target / "sources.yml").write_text(sources_yml, encoding="utf-8")
    return target


def concurrency(
    tmp: Path, sources: int = 50, entries: int = 100, latency: float = 0.1, repeat: int = 3
) -> tuple[float, float, int]:
    """(concurrent seconds, one-at-a-time seconds, cases opened per run), medians, interleaved."""
    server = RemoteFeeds(sources, entries, latency)
    yml = _sources_yml(server, sources)
    ours, base, opened = [], [], 0
    try:
        for _ in range(repeat):
            for workers, times in ((1, base), (8, ours)):
                office = empty_office(tmp / f"office-{workers}", yml)
                start = time.perf_counter()
                report = run_ingest(office, NOW, max_workers=workers, limits=FetchLimits())
                times.append(time.perf_counter() - start)
                assert not report.failed, report.failed
                opened = len(report.opened)
    finally:
        server.stop()
    return statistics.median(ours), statistics.median(base), opened


class _OpenCounter:
    """Counts files opened under one folder (audit hook; hooks cannot be removed, so it has a
    switch)."""

    def __init__(self, folder: Path):
        self.prefix = str(folder.resolve()) + "/"
        self.on = False
        self.count = 0
        sys.addaudithook(self)

    def __call__(self, event: str, args: tuple) -> None:
        path = args[0] if event == "open" and args else None
        if self.on and isinstance(path, str | Path) and str(path).startswith(self.prefix):
            self.count += 1


def dedupe(
    office: Path, sources: int = 5, entries: int = 100
) -> tuple[float, float, int, int, int]:
    """(ingest seconds, load-alone seconds, case files, files opened under cases/, cases written)
    for an ingest against ``office`` (dry run: nothing is written, so it can be repeated)."""
    repo = load_repository(office)
    server = FeedServer().start()
    try:
        # Entries that repeat existing cases (same address) and near-duplicates of their titles.
        for s in range(sources):
            picked = repo.cases[s * entries : (s + 1) * entries]
            items = [
                item(
                    f"温泉街道{c.title}",
                    c.source.guid or f"https://bench.example/d/{c.id}",
                    link=c.source.url or f"https://bench.example/d/{c.id}",
                )
                for c in picked
            ]
            server.static(f"/dedupe/{s}.xml", rss(*items))
        yml = _sources_yml(server, 0).replace("sources:\n", "sources:\n") + "".join(
            f"  - id: dedupe-{s}\n    name: 去重 {s}\n    url: {server.url(f'/dedupe/{s}.xml')}\n"
            "    platform: tieba\n    keywords: [温泉街道]\n"
            for s in range(sources)
        )
        original = (
            (office / "sources.yml").read_bytes() if (office / "sources.yml").exists() else None
        )
        (office / "sources.yml").write_text(yml, encoding="utf-8")
        counter = _OpenCounter(office / "cases")
        try:
            start = time.perf_counter()
            load_repository(office)
            load_alone = time.perf_counter() - start
            counter.on, counter.count = True, 0
            start = time.perf_counter()
            report = run_ingest(office, NOW, dry_run=True)
            ours = time.perf_counter() - start
            counter.on = False
        finally:
            if original is None:
                (office / "sources.yml").unlink()
            else:
                (office / "sources.yml").write_bytes(original)
    finally:
        server.stop()
    files = sum(1 for _ in (office / "cases").rglob("*.yml"))
    return ours, load_alone, files, counter.count, len(report.opened)


def stage_ingest(office: Path, size: int, repeat: int) -> list:
    from run import Row  # bench/run.py, when this stage runs inside it

    rows = []
    if not _MEASURED:  # the feed comparison does not depend on the office size: once per run
        _MEASURED.append(True)
        with tempfile.TemporaryDirectory(prefix="yuqing-bench-ingest-") as tmp:
            ours, base, opened = concurrency(Path(tmp), repeat=repeat)
        rows.append(
            Row(
                "ingest 50×100 feeds, 100 ms each",
                0,
                ours,
                base,
                "one source at a time",
                0.5,
                f"{opened} cases opened per run",
            )
        )
    took, load_alone, files, opened_files, _ = dedupe(office)
    extra = opened_files - files
    rows.append(
        Row(
            "ingest dedupe (dry run, 500 entries)",
            size,
            took,
            load_alone,
            "load alone",
            None,
            f"case files read beyond the one load: {extra}" + (" ✓" if extra == 0 else " ✗"),
        )
    )
    return rows


_MEASURED: list[bool] = []
STAGES = {"ingest": stage_ingest}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--cases", type=int, default=10000, help="existing cases for dedupe (0: skip)"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-ingest-") as tmp_name:
        tmp = Path(tmp_name)
        ours, base, opened = concurrency(tmp, repeat=args.repeat)
        print(
            "50 sources × 100 entries, 100 ms latency each (medians of "
            f"{args.repeat} interleaved runs, {opened} cases opened per run):"
        )
        print(f"  concurrent (8 workers):  {ours:6.2f} s")
        print(f"  one source at a time:    {base:6.2f} s")
        print(f"  ratio concurrent / baseline: {ours / base:.2f}×")
        if args.cases:
            from synth import make_office

            office = make_office(tmp / "office", args.cases)
            took, load_alone, files, opened_files, would_open = dedupe(office)
            print(
                f"\nDedupe against {files:,} existing cases (dry run, 500 entries, "
                f"{would_open} would be opened):"
            )
            print(f"  ingest:        {took:6.2f} s")
            print(f"  load alone:    {load_alone:6.2f} s   ratio {took / load_alone:.2f}×")
            print(
                f"  files opened under cases/: {opened_files:,} "
                f"(= one load of {files:,} case files; dedupe reads none)"
            )
            if opened_files != files:
                print("  ✗ dedupe read case files beyond the one load")
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
