"""Auditing the generated catalog: pages per second with `--workers 1` and `--workers 4`.

    .venv/bin/python benchmarks/bench_audit.py [--pages 80] [--repeat 2] [--workers 4]
        [--recycle 25 --recycle 1]

Runs `ttq-harness audit <catalog> --sitemap <catalog>/sitemap.xml --max-pages N` as a user does,
on the bundled `sites/catalog/` (313 pages generated from one template) served on loopback by
this process, with 1 worker and with `--workers K`, for each `--recycle N` asked (pages a
worker visits in one browser context: 25, the default, and 1, a fresh context per page),
alternating every mode in turn so machine noise hits them alike. Each run's time is the
audit's own `duration` from its JSON result (discovery to the last page; the Python start-up
of the process is left out for all alike); best of `--repeat`. All runs must audit the same
pages with the same site checks: a faster audit that saw less proves nothing.

Peak memory: the proportional set size (PSS, /proc/PID/smaps_rollup: shared pages split among
the processes sharing them, so Chromium's many processes are not counted N times) of the audit
process and every process it started (its Chromium), sampled every 250 ms in one more run per
mode, not timed (reading smaps slows the sampled processes); per worker =
(peak with K - peak with 1) / (K - 1), the cost of one more worker (a browser context: the
workers share one Chromium).

CPU time: what the audit process and every process it started and reaped (its Chromium,
Playwright's driver) used, from getrusage(RUSAGE_CHILDREN) around each timed run, per page.

Prints a table, the ratio (target from issue 16: >= 1.8x with 4 workers on this machine),
and the projection for 100,000 pages (docs/audit.md explains it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
    recycle: int = 25
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # CPU seconds per page, each timed run
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(
    server: SiteServer,
    pages: int,
    workers: int,
    out: Path,
    *,
    sample: bool = False,
    recycle: int = 25,
) -> tuple[float, int, dict[str, Any]]:
    catalog = server.url("/catalog/")
    command = [
        sys.executable, "-m", "harness", "audit", catalog,
        "--sitemap", catalog + "sitemap.xml", "--no-crawl", "--max-pages", str(pages),
        "--workers", str(workers), "--recycle", str(recycle), "--json", str(out),
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


def bench_audit(
    pages: int = 80, repeat: int = 2, workers: int = 4, recycles: tuple[int, ...] = (25,)
) -> list[tuple[Mode, Mode]]:
    """(1 worker, `workers` workers) for each `--recycle` in `recycles`, in that order."""
    pairs = [(Mode(1, recycle), Mode(workers, recycle)) for recycle in recycles]
    modes = [mode for pair in pairs for mode in pair]
    with SiteServer() as server, tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        for n in range(repeat):
            for mode in modes if n % 2 == 0 else modes[::-1]:
                out = Path(tmp) / f"{mode.workers}-{mode.recycle}.json"
                cpu = _children_cpu()
                seconds, _, result = run_once(
                    server, pages, mode.workers, out, recycle=mode.recycle
                )
                mode.times.append(seconds)
                mode.pages.append(tuple(j["name"] for j in result["journeys"]))
                mode.cpu.append((_children_cpu() - cpu) / max(1, len(mode.pages[-1])))
                checks = [f"{c['code']}:{len(c['pages'])}" for c in result["checks"]]
                mode.checks.append(" ".join(checks))
        for mode in modes:  # memory: a run of its own, not timed
            _, peak, _ = run_once(
                server,
                pages,
                mode.workers,
                Path(tmp) / "memory.json",
                sample=True,
                recycle=mode.recycle,
            )
            mode.peaks.append(peak)
    seen = {mode.pages[0] for mode in modes}
    if (
        len(seen) != 1
        or any(set(mode.pages) != seen for mode in modes)
        or len({check for mode in modes for check in mode.checks}) != 1
    ):
        raise SystemExit("the audits did not see the same pages and checks: no figure to give")
    return pairs


def rows(serial: Mode, parallel: Mode) -> list[Row]:
    pages = len(serial.pages[0])
    speedup = serial.best / parallel.best
    extra = (parallel.peak - serial.peak) / max(1, parallel.workers - 1)
    how = f"--recycle {serial.recycle}" + (
        " (a fresh context per page)" if serial.recycle == 1 else " (contexts reused)"
    )
    return [
        (
            f"audit {how}: {pages} catalog pages, --workers 1 / --workers {parallel.workers} "
            f"(best of {len(serial.times)})",
            f"{pages / serial.best:.2f} / {pages / parallel.best:.2f} pages/s = {speedup:.2f}x",
            f">= {TARGET:.1f}x",
            "met" if speedup >= TARGET else "NOT met",
        ),
        (
            f"audit {how}: CPU seconds per page (audit, Playwright, Chromium), mean of runs",
            f"{sum(serial.cpu) / len(serial.cpu):.3f} with 1 worker, "
            f"{sum(parallel.cpu) / len(parallel.cpu):.3f} with {parallel.workers}",
            "reported",
            "-",
        ),
        (
            f"audit {how}: peak memory, PSS (audit process and its Chromiums)",
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
    parser.add_argument(
        "--recycle", type=int, action="append", help="pages per context (repeatable; 25 and 1)"
    )
    args = parser.parse_args()
    pairs = bench_audit(args.pages, args.repeat, args.workers, tuple(args.recycle or (25, 1)))
    print("| benchmark | measured | target | verdict |")
    print("|---|---|---|---|")
    for serial, parallel in pairs:
        for row in rows(serial, parallel):
            print("| " + " | ".join(row) + " |")
    print()
    print(projection(pairs[0][1]))
    for serial, parallel in pairs:
        print(
            f"times, --recycle {serial.recycle}: 1 worker {serial.times}, "
            f"{parallel.workers} workers {parallel.times}"
        )


if __name__ == "__main__":
    main()
