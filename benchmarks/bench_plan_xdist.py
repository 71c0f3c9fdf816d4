"""Plan journeys under pytest-xdist: 20 journeys over the demo shop, serial against 2 workers.

    .venv/bin/python benchmarks/bench_plan_xdist.py [--journeys 20] [--repeat 2]

Target: a plan of 20 journeys over the demo shop runs faster with pytest-xdist on 2 workers
(`-n 2`) than serially (`-n 0`), every journey passing in both runs.

The script writes, into a temporary directory, a plan of N journeys (sites/demo-plan.yaml's
journeys cycled, renamed `01-home`, `02-browse`, ...) and a test module that turns it into one
pytest case per journey with `harness.adapters.plan_pytest.plan_tests`. The demo shop is
served by the plugin's `demo_site` fixture (one loopback server per worker), so nothing else
has to run.
Each mode is timed `--repeat` times as a whole `python -m pytest` subprocess (browser start-up
included, as a CI job would see it) and the best time is kept.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEMO_PLAN = ROOT / "sites" / "demo-plan.yaml"

TEST_MODULE = """\
from harness.adapters.plan_pytest import DEMO_SHOP, plan_tests

# DEMO_SHOP: the bundled shop, served by the plugin's demo_site fixture (one per worker).
test_journey = plan_tests({plan!r}, base_url=DEMO_SHOP)
"""


@dataclass(frozen=True)
class Timing:
    mode: str
    best: float
    passed: int
    output: str


def write_suite(directory: Path, journeys: int) -> Path:
    """Write the N-journey plan and its test module into `directory`; return the plan path."""
    plan: dict[str, Any] = yaml.safe_load(DEMO_PLAN.read_text(encoding="utf-8"))
    source = plan["journeys"]
    plan["journeys"] = [
        {**source[n % len(source)], "name": f"{n + 1:02d}-{source[n % len(source)]['name']}"}
        for n in range(journeys)
    ]
    plan_path = directory / "plan.yaml"
    plan_path.write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    (directory / "test_plan.py").write_text(
        TEST_MODULE.format(plan=str(plan_path)), encoding="utf-8"
    )
    return plan_path


def pytest_command(directory: Path, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", str(workers),
        str(directory),
    ]  # fmt: skip


def time_mode(directory: Path, workers: int, repeat: int) -> Timing:
    """Best wall time of `repeat` runs, and the passed count of the last run."""
    best = float("inf")
    output = ""
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(
            pytest_command(directory, workers),
            cwd=ROOT,  # the demo_site fixture serves ./sites
            capture_output=True,
            text=True,
            check=False,
        )
        best = min(best, time.perf_counter() - start)
        output = done.stdout + done.stderr
        if done.returncode != 0:
            break
    found = re.search(r"(\d+) passed", output)
    mode = "serial (-n 0)" if workers == 0 else f"{workers} workers (-n {workers})"
    return Timing(mode=mode, best=best, passed=int(found.group(1)) if found else 0, output=output)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=20, help="journeys in the plan (20)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per mode; best kept (2)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-plan-xdist-") as tmp:
        directory = Path(tmp)
        write_suite(directory, args.journeys)
        serial = time_mode(directory, 0, args.repeat)
        parallel = time_mode(directory, 2, args.repeat)

    ratio = serial.best / parallel.best
    print(f"{args.journeys} plan journeys over the demo shop, best of {args.repeat} runs each")
    print(f"  {'mode':<22}{'seconds':>9}  passed")
    for timing in (serial, parallel):
        print(f"  {timing.mode:<22}{timing.best:>9.2f}  {timing.passed}/{args.journeys}")
    print(f"  speed-up: {ratio:.2f}x")
    print(
        f"  machine: {os.cpu_count()} cores, Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()} {platform.machine()}"
    )
    command = f"{shlex.quote(sys.executable)} benchmarks/bench_plan_xdist.py"
    print(f"  reproduce: cd {shlex.quote(str(ROOT))} && {command}")

    all_passed = all(t.passed == args.journeys for t in (serial, parallel))
    for timing in (serial, parallel):
        if timing.passed != args.journeys:
            print(f"\n{timing.mode}: expected {args.journeys} passed; pytest said:")
            print(timing.output[-3000:])
    print(
        f"  check: both runs report {args.journeys} passed"
        if all_passed
        else "  check: FAILED, not every journey passed"
    )
    faster = ratio > 1
    print(f"  target (2 workers faster than serial): {'met' if faster else 'NOT met'}")
    return 0 if all_passed and faster else 1


if __name__ == "__main__":
    raise SystemExit(main())
