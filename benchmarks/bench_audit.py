"""Auditing the generated catalog: pages per second with `--workers 1` and `--workers 4`.

    .venv/bin/python benchmarks/bench_audit.py [--pages 80] [--repeat 2] [--workers 4]

Runs `ttq-harness audit <catalog> --sitemap <catalog>/sitemap.xml --max-pages N` as a user does,
on the bundled `sites/catalog/` (313 pages generated from one template) served on loopback by
this process, with 1 worker and with `--workers K`, alternating so machine noise hits both
alike. Each run's time is the audit's own `duration` from its JSON result (discovery to the
last page; the Python start-up of the process is left out for both alike); best of
`--repeat`. Both runs must audit the same pages with the same site checks: a faster audit
that saw less proves nothing.

Peak memory: the proportional set size (PSS, /proc/PID/smaps_rollup: shared pages split among
the processes sharing them, so Chromium's many processes are not counted N times) of the audit
process and every process it started (its Chromium), sampled every 250 ms in one more run per
mode, not timed (reading smaps slows the sampled processes); per worker =
(peak with K - peak with 1) / (K - 1), the cost of one more worker (a browser context: the
workers share one Chromium).

Prints a table, the ratio (target from issue 16: >= 1.8x with 4 workers on this machine),
and the projection for 100,000 pages (docs/audit.md explains it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.browser.server import SiteServer

TARGET = 1.8
Row = tuple[str, str, str, str]


@dataclass
class Mode:
    workers: int
    times: list[float] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)  # bytes
    pages: list[tuple[str, ...]] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.times) if self.times else float("nan")

    @property
    def peak(self) -> int:
        return max(self.peaks) if self.peaks else 0


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _tree_pss(root: int) -> int:
    """PSS in bytes of `root` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _pss(pid)
        todo += children.get(pid, [])
    return total


def run_once(
    server: SiteServer, pages: int, workers: int, out: Path, *, sample: bool = False
) -> tuple[float, int, dict[str, Any]]:
    catalog = server.url("/catalog/")
    command = [
        sys.executable, "-m", "harness", "audit", catalog,
        "--sitemap", catalog + "sitemap.xml", "--no-crawl", "--max-pages", str(pages),
        "--workers", str(workers), "--json", str(out),
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CI": "true"},
    )
    peak = 0
    stop = threading.Event()

    def measure() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_pss(process.pid))
            stop.wait(0.25)

    sampler = threading.Thread(target=measure, daemon=True)
    if sample:  # reading smaps costs the kernel (and the sampled processes) real time
        sampler.start()
    _, stderr = process.communicate(timeout=3600)
    stop.set()
    if sample:
        sampler.join()
    if process.returncode not in (0, 1):
        raise SystemExit(f"audit failed ({process.returncode}): {stderr.strip()[-2000:]}")
    result = json.loads(out.read_text(encoding="utf-8"))
    return float(result["duration"]), peak, result


def bench_audit(pages: int = 80, repeat: int = 2, workers: int = 4) -> tuple[Mode, Mode]:
    serial, parallel = Mode(1), Mode(workers)
    with SiteServer() as server, tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        for n in range(repeat):
            for mode in (serial, parallel) if n % 2 == 0 else (parallel, serial):
                seconds, _, result = run_once(
                    server, pages, mode.workers, Path(tmp) / f"{mode.workers}.json"
                )
                mode.times.append(seconds)
                mode.pages.append(tuple(j["name"] for j in result["journeys"]))
                checks = [f"{c['code']}:{len(c['pages'])}" for c in result["checks"]]
                mode.checks.append(" ".join(checks))
        for mode in (serial, parallel):  # memory: a run of its own, not timed
            _, peak, _ = run_once(
                server, pages, mode.workers, Path(tmp) / "memory.json", sample=True
            )
            mode.peaks.append(peak)
    if (
        set(serial.pages + parallel.pages) != {serial.pages[0]}
        or len(set(serial.checks + parallel.checks)) != 1
    ):
        raise SystemExit("the audits did not see the same pages and checks: no figure to give")
    return serial, parallel


def rows(serial: Mode, parallel: Mode) -> list[Row]:
    pages = len(serial.pages[0])
    speedup = serial.best / parallel.best
    extra = (parallel.peak - serial.peak) / max(1, parallel.workers - 1)
    return [
        (
            f"audit: {pages} catalog pages, --workers 1 / --workers {parallel.workers} "
            f"(best of {len(serial.times)})",
            f"{pages / serial.best:.2f} / {pages / parallel.best:.2f} pages/s = {speedup:.2f}x",
            f">= {TARGET:.1f}x",
            "met" if speedup >= TARGET else "NOT met",
        ),
        (
            "audit: peak memory, PSS (audit process and its Chromiums)",
            f"{serial.peak / 2**20:.0f} MB with 1 worker, {parallel.peak / 2**20:.0f} MB with "
            f"{parallel.workers}: {extra / 2**20:.0f} MB per extra worker",
            "reported",
            "-",
        ),
    ]


def projection(parallel: Mode, pages: int = 100_000) -> str:
    rate = len(parallel.pages[0]) / parallel.best
    hours = pages / rate / 3600
    return (
        f"100,000 pages at {rate:.2f} pages/s ({parallel.workers} workers, this machine): "
        f"{hours:.1f} h on one machine, {hours / 10:.1f} h on 10 shards, "
        f"{hours / 50 * 60:.0f} min on 50"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=80)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    serial, parallel = bench_audit(args.pages, args.repeat, args.workers)
    print("| benchmark | measured | target | verdict |")
    print("|---|---|---|---|")
    for row in rows(serial, parallel):
        print("| " + " | ".join(row) + " |")
    print()
    print(projection(parallel))
    print(f"times: 1 worker {serial.times}, {parallel.workers} workers {parallel.times}")


if __name__ == "__main__":
    main()
