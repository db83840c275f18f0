"""The benchmark: one command, every stage beside its baseline measured in the same run.

    python bench/run.py                  # 1,000 and 10,000 cases, every stage
    python bench/run.py --sizes 1000 --stages validate,check

Prints a Markdown table (stage, ours, baseline, ratio, limit) and writes it to bench/results.md.
Synthetic offices go to a temporary directory, never into the repository.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import make_office

PROJECT = Path(__file__).resolve().parents[1]
PY = sys.executable
DEMO_NOW = "2026-11-20T16:00:00+08:00"
PARSE_ONLY = (
    "import sys, pathlib, yaml\n"
    "for p in sorted(pathlib.Path(sys.argv[1]).rglob('*.yml')):\n"
    "    yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader)\n"
)
LOAD_ONLY = (
    "import sys, pathlib\n"
    "from yuqing.repo import load_repository\n"
    "load_repository(pathlib.Path(sys.argv[1]))\n"
)


# The issues state their limits for 10,000 cases; below that, fixed start-up costs (Python and
# imports, ~0.2 s) dominate the ratio, so smaller sizes are printed without a verdict.
LIMIT_FROM = 10_000
STARTUP_NOTE = "start-up (imports) dominates at this size; limit applies at 10,000"


def _limit(size: int, limit: float) -> float | None:
    return limit if size >= LIMIT_FROM else None


@dataclass
class Row:
    stage: str
    size: int
    ours: float
    baseline: float
    baseline_name: str
    limit: float | None
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("inf")

    def markdown(self) -> str:
        verdict = "" if self.limit is None else (" ✓" if self.ratio <= self.limit else " ✗")
        limit = "—" if self.limit is None else f"≤ {self.limit:g}×"
        return (
            f"| {self.stage} | {self.size:,} | {self.ours:.2f} s | {self.baseline_name} "
            f"{self.baseline:.2f} s | **{self.ratio:.2f}×**{verdict} | {limit} | {self.note} |"
        )


def timed(cmd: list[str], repeat: int) -> float:
    """Median wall time of ``repeat`` runs of a command (output discarded, failures fatal)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False
        )
        times.append(time.perf_counter() - start)
        if result.returncode not in (0, 1):
            raise SystemExit(
                f"benchmark command failed ({result.returncode}): {' '.join(cmd)}\n"
                f"{result.stderr[-2000:]}"
            )
    return statistics.median(times)


def interleaved(ours: list[str], base: list[str], repeat: int) -> tuple[float, float]:
    """Alternate the two commands so machine noise hits both alike."""
    a, b = [], []
    for _ in range(repeat):
        b.append(timed(base, 1))
        a.append(timed(ours, 1))
    return statistics.median(a), statistics.median(b)


def stage_validate(office: Path, size: int, repeat: int) -> list[Row]:
    ours, base = interleaved(
        [PY, "-m", "yuqing", "validate", "--repo", str(office)],
        [PY, "-c", PARSE_ONLY, str(office / "cases")],
        repeat,
    )
    return [
        Row(
            "validate",
            size,
            ours,
            base,
            "libyaml parse-only",
            _limit(size, 1.5),
            "" if size >= LIMIT_FROM else STARTUP_NOTE,
        )
    ]


def stage_check(office: Path, size: int, repeat: int) -> list[Row]:
    ours, base = interleaved(
        [
            PY,
            "-m",
            "yuqing",
            "check",
            "--repo",
            str(office),
            "--now",
            DEMO_NOW,
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        [PY, "-c", LOAD_ONLY, str(office)],
        repeat,
    )
    return [
        Row(
            "check",
            size,
            ours,
            base,
            "load alone",
            _limit(size, 1.5),
            "" if size >= LIMIT_FROM else STARTUP_NOTE,
        )
    ]


STAGES: dict[str, Callable[[Path, int, int], list[Row]]] = {
    "validate": stage_validate,
    "check": stage_check,
}


def _optional_stages() -> None:
    """Stages whose bench modules live beside this file (site, history, ingest)."""
    for name in ("bench_site", "bench_ingest"):
        try:
            module = __import__(name)
        except ImportError:
            continue
        STAGES.update(getattr(module, "STAGES", {}))


def main(argv: list[str] | None = None) -> int:
    _optional_stages()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "results.md")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    stages = [s for s in args.stages.split(",") if s]
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        parser.error(f"unknown stage(s): {', '.join(unknown)}; known: {', '.join(STAGES)}")
    rows: list[Row] = []
    header = [
        "| stage | cases | ours | baseline (same run) | ratio | limit | note |",
        "|---|---:|---:|---|---:|---|---|",
    ]
    print("\n".join(header), flush=True)
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-") as tmp:
        for size in sizes:
            office = make_office(Path(tmp) / f"office-{size}", size, git=True)
            for stage in stages:
                for row in STAGES[stage](office, size, args.repeat):
                    rows.append(row)
                    print(row.markdown(), flush=True)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    text = "\n".join(
        [
            "# Benchmark results",
            "",
            f"`python bench/run.py --sizes {args.sizes} --repeat {args.repeat}` on {machine}, "
            f"{time.strftime('%Y-%m-%d')}. Medians of interleaved runs; the ratio is what counts.",
            "",
            *header,
            *(r.markdown() for r in rows),
            "",
        ]
    )
    args.out.write_text(text, encoding="utf-8")
    failed = [r for r in rows if r.limit is not None and r.ratio > r.limit]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
