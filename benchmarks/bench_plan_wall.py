"""The demo plan's wall time: event-driven waits and `--workers`, against a pinned commit.

    .venv/bin/python benchmarks/bench_plan_wall.py [--baseline e82cfd3] [--repeat 3] [--quick]

Runs `ttq-harness run sites/demo-plan.yaml --base-url <shop>` as a user does, on the demo shop
served on loopback by this process, in three ways, alternating so machine noise hits all alike:

- **baseline**: the harness at `--baseline` (the last commit with fixed quiet waits; its
  `harness` package extracted with `git archive` into a temporary directory, run serially, the
  only way it can);
- **serial**: this working tree with `--workers 1`;
- **workers**: this working tree with `--workers 2` (journeys at once, each in its own context).

The same plan file, the same shop, the same Chromium (passed to all three as TTQ_HARNESS_BROWSER),
the same pixel (the offline emulator).
Each run's time is the plan's own `duration` from its JSON result (launch to last journey;
the Python start-up of the process is left out for all three alike); best of `--repeat`.
Every run must hold the plan (10/10 journeys): a faster run that fails proves nothing.

Prints a table and two ratios, with targets from issue 14:
  serial / baseline    <= 0.50  (steps end when the page is provably idle, not after `quiet`)
  serial / workers     >= 1.60  (2 journeys at once on a 2-core machine)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from harness.browser.chromium import ENV_VAR, resolve_chromium
from harness.browser.server import SiteServer

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "sites" / "demo-plan.yaml"
#: The commit before event-driven waits (issue 14): every step waited the plan's whole quiet.
DEFAULT_BASELINE = "e82cfd3"
TARGET_SERIAL = 0.5
TARGET_WORKERS = 1.6
Row = tuple[str, str, str, str]


@dataclass
class Mode:
    name: str
    env: dict[str, str]
    options: list[str] = field(default_factory=list)  # after `run PLAN`
    times: list[float] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.times) if self.times else float("nan")


def _extract(commit: str, into: Path) -> Path:
    """The `harness` package at `commit`, in a temporary folder."""
    into.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", commit, "harness"], cwd=ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def _run(mode: Mode, shop: str, out: Path) -> None:
    result_file = out / "result.json"
    command = [sys.executable, "-m", "harness", "run", str(PLAN), "--base-url", shop]
    done = subprocess.run(
        [*command, "--json", str(result_file), *mode.options],
        cwd=out,  # not the repository: `-m harness` must come from PYTHONPATH
        env=mode.env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if not result_file.exists():
        raise SystemExit(f"{mode.name}: no result (exit {done.returncode}):\n{done.stderr[-2000:]}")
    result = json.loads(result_file.read_text(encoding="utf-8"))
    result_file.unlink()
    passed = sum(1 for journey in result["journeys"] if journey["ok"])
    mode.times.append(float(result["duration"]))
    mode.verdicts.append(f"{passed}/{len(result['journeys'])}")


def bench_plan_wall(baseline: str = DEFAULT_BASELINE, repeat: int = 3) -> list[Mode]:
    with tempfile.TemporaryDirectory(prefix="bench-plan-wall-") as tmp, SiteServer() as site:
        folder = Path(tmp)
        old = _extract(baseline, folder / "baseline")
        env = dict(os.environ, CI="true")
        # The same Chromium for all three: the baseline commit would pick another by itself
        # (it predates the preference for a system headless shell).
        browser = resolve_chromium(environ=env).executable_path
        if browser:
            env[ENV_VAR] = browser
        modes = [
            Mode(f"baseline {baseline}", dict(env, PYTHONPATH=str(old))),
            Mode("serial (--workers 1)", dict(env, PYTHONPATH=str(ROOT)), ["--workers", "1"]),
            Mode("workers (--workers 2)", dict(env, PYTHONPATH=str(ROOT)), ["--workers", "2"]),
        ]
        shop = site.url("/shop/")
        for _ in range(repeat):
            for mode in modes:
                _run(mode, shop, folder)
    return modes


def rows(modes: list[Mode]) -> list[Row]:
    baseline, serial, workers = modes
    held = all(v.split("/")[0] == v.split("/")[1] for m in modes for v in m.verdicts)
    serial_ratio = serial.best / baseline.best
    workers_ratio = serial.best / workers.best
    note = "" if held else " (a run did NOT hold the plan)"
    return [
        (
            f"demo plan wall time, serial / {baseline.name} (best of {len(serial.times)})",
            f"{serial.best:.1f} s / {baseline.best:.1f} s = {serial_ratio:.2f}x{note}",
            f"<= {TARGET_SERIAL:.2f}x, plan holds",
            "met" if serial_ratio <= TARGET_SERIAL and held else "NOT met",
        ),
        (
            f"demo plan, --workers 1 / --workers 2 (best of {len(workers.times)})",
            f"{serial.best:.1f} s / {workers.best:.1f} s = {workers_ratio:.2f}x{note}",
            f">= {TARGET_WORKERS:.2f}x, plan holds",
            "met" if workers_ratio >= TARGET_WORKERS and held else "NOT met",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="commit to compare with")
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode; best kept (3)")
    parser.add_argument("--quick", action="store_true", help="one run per mode")
    args = parser.parse_args()
    modes = bench_plan_wall(args.baseline, 1 if args.quick else args.repeat)
    print(f"The demo plan on the demo shop, {os.cpu_count()} cores")
    print(f"  {'mode':<26}{'best s':>8}  runs (s)                 plan held")
    for mode in modes:
        runs = ", ".join(f"{t:.1f}" for t in mode.times)
        print(f"  {mode.name:<26}{mode.best:>8.2f}  {runs:<24} {', '.join(mode.verdicts)}")
    table = rows(modes)
    for name, measured, target, verdict in table:
        print(f"  {name}: {measured} (target {target}: {verdict})")
    return 0 if all(row[3] == "met" for row in table) else 1


if __name__ == "__main__":
    raise SystemExit(main())
