"""Run every benchmark and print one Markdown table (benchmark, measured, target, verdict).

    .venv/bin/python benchmarks/run_all.py [--quick]

Runs, in one process and in this order: rules and plan matching on 100,000 events, the rules
against jsonschema and fastjsonschema with a full schema of the same checks, memory for
100,000 captured events, report() on 10,000 captured events against the commit before "one
capture, derived once", capture completeness and latency (100, 1,000, 10,000 events, each
against Playwright's own route on the same page), harness overhead on the purchase journey
(attach only, and attach + wait for its events + report, each against Playwright with no
interception and Playwright serving the same pixel), `expect_event` for an event sent 30 ms
later against Playwright's own wait for its beacon, the demo plan's wall time against the
commit before event-driven waits and with `--workers 2`, purchase journeys two at a time
against one at a time (Playwright alone and the harness), auditing the generated catalog with
1 and 4 workers, and parallel scaling with pytest-xdist (its own pytest subprocesses). Then
prints the machine it ran on. Takes about 20 minutes on 2 cores; `--quick` uses smaller sizes
(a smoke test, not figures to publish).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import bench_audit
import bench_capture
import bench_memory
import bench_overhead
import bench_parallel
import bench_plan_matching
import bench_plan_wall
import bench_plan_xdist
import bench_report
import bench_rules
import bench_wait
from playwright.sync_api import sync_playwright

from harness.browser.chromium import resolve_chromium

Row = tuple[str, str, str, str]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        ram = f", {pages / 1024**3:.0f} GB RAM"
    except (ValueError, OSError):
        pass
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**resolve_chromium().launch_options())  # type: ignore[arg-type]
        chromium = browser.version
        browser.close()
    return (
        f"{os.cpu_count()} cores ({cpu}){ram}, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, Playwright {importlib.metadata.version('playwright')}"
        f", Chromium {chromium}"
    )


def xdist_rows(journeys: int, repeat: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-plan-xdist-") as tmp:
        directory = Path(tmp)
        bench_plan_xdist.write_suite(directory, journeys)
        serial = bench_plan_xdist.time_mode(directory, 0, repeat)
        parallel = bench_plan_xdist.time_mode(directory, 2, repeat)
    speedup = serial.best / parallel.best
    passed = serial.passed == journeys and parallel.passed == journeys
    return [
        (
            f"parallel: {journeys} plan journeys, serial / 2 xdist workers (best of {repeat})",
            f"{serial.best:.1f} s / {parallel.best:.1f} s = {speedup:.2f}x"
            + ("" if passed else f" (passed {serial.passed}, {parallel.passed})"),
            "> 1.00x, all pass",
            "met" if speedup > 1 and passed else "NOT met",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test")
    args = parser.parse_args()
    quick = args.quick
    started = time.monotonic()
    rows: list[Row] = []

    def step(name: str) -> None:
        print(f"[{time.monotonic() - started:5.0f} s] {name}", file=sys.stderr, flush=True)

    step("rules and plan matching")
    rows += bench_plan_matching.rows(
        bench_plan_matching.bench_plan_matching(10_000 if quick else 100_000)
    )
    step("rules against jsonschema and fastjsonschema (full schema)")
    rows += bench_rules.rows(bench_rules.compare(10_000 if quick else 100_000))
    step("memory")
    rows += bench_memory.rows(bench_memory.bench_memory(10_000 if quick else 100_000))
    step("report() vs the commit before one capture, derived once")
    rows += bench_report.rows(
        bench_report.bench_report(1_000 if quick else 10_000, repeat=1 if quick else 3)
    )
    step("capture burst")
    sizes = (100, 1_000) if quick else bench_capture.SIZES
    rows += bench_capture.rows(bench_capture.bench_capture(sizes, timeout=100.0))
    step("overhead")
    rows += bench_overhead.rows(bench_overhead.bench_overhead(repeat=3 if quick else 9))
    step("waiting for a later event: expect_event and Playwright")
    rows += bench_wait.rows(bench_wait.bench_wait(repeat=5 if quick else 30))
    step("demo plan wall time: event-driven waits, --workers")
    rows += bench_plan_wall.rows(bench_plan_wall.bench_plan_wall(repeat=1 if quick else 3))
    step("journeys two at a time: Playwright alone and the harness")
    journeys = 4 if quick else 8
    rows += bench_parallel.rows(
        bench_parallel.bench_parallel(journeys, repeat=1 if quick else 3), journeys
    )
    step("audit: the generated catalog with 1 and 4 workers")
    for serial, parallel in bench_audit.bench_audit(
        pages=20 if quick else 80, repeat=1 if quick else 2, recycles=(25, 1)
    ):
        rows += bench_audit.rows(serial, parallel)
    step("parallel scaling")
    rows += xdist_rows(journeys=4 if quick else 20, repeat=1)
    step("machine")
    where = machine()

    print("| benchmark | measured | target | verdict |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    print()
    print(f"Machine: {where}.")
    print(f"Total time: {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    main()
