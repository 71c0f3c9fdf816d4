"""Plan matching and rule validation on the same 100,000 wire events, side by side.

    .venv/bin/python benchmarks/bench_plan_matching.py [--events 100000] [--per-step 100]

The plan is sites/demo-plan.yaml. The events are bench_rules.make_events (the rules
benchmark's realistic mix of shop events, some with the broken twin's mistakes), so both
figures are measured on the very same events in one run.

- Plan matching: `harness.core.plan.check.check_step` over the events in chunks, as a real run
  checks each step against the events that step produced: 1,000 steps x 100 events by default,
  the steps being the plan's steps (all journeys) in turn. Most chunks do not satisfy their
  step, so near misses are computed too (the expensive path).
- Rules: `bench_rules.bench_rules` (every rule, `run_rules`) on the same events.

Target for both: at least 20,000 events per second on one core (the rules issue's figure; the
plan issue sets none, so the same bar is used).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

from bench_rules import bench_rules, make_events

from harness.core.model import PixelEvent
from harness.core.plan.check import check_step
from harness.core.plan.load import load_plan
from harness.core.plan.model import Plan, Step

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "sites" / "demo-plan.yaml"
TARGET = 20_000
Row = tuple[str, str, str, str]


@dataclass(frozen=True)
class Matching:
    events: int
    steps: int
    seconds: float
    steps_ok: int
    rules_seconds: float
    findings: int

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def rules_rate(self) -> float:
        return self.events / self.rules_seconds


def bench_matching(plan: Plan, events: list[PixelEvent], per_step: int) -> tuple[float, int, int]:
    """Time check_step over `events` in chunks of `per_step`. Returns (seconds, steps, ok)."""
    steps: list[Step] = [step for journey in plan.journeys for step in journey.steps]
    chunks = [events[i : i + per_step] for i in range(0, len(events), per_step)]
    ok = 0
    start = time.perf_counter()
    for number, chunk in enumerate(chunks):
        step = steps[number % len(steps)]
        result = check_step(plan, step, chunk, index=number + 1, url=chunk[0].page_url)
        ok += result.ok
    return time.perf_counter() - start, len(chunks), ok


def bench_plan_matching(count: int = 100_000, per_step: int = 100) -> Matching:
    plan = load_plan(PLAN)
    events = make_events(count)
    seconds, steps, ok = bench_matching(plan, events, per_step)
    rules_seconds, findings = bench_rules(events)
    return Matching(count, steps, seconds, ok, rules_seconds, findings)


def rows(m: Matching) -> list[Row]:
    return [
        (
            f"plan matching: check_step, {m.steps:,} steps x {m.events // m.steps} events",
            f"{m.rate:,.0f} events/s ({m.seconds:.2f} s)",
            f">= {TARGET:,} events/s",
            "met" if m.rate >= TARGET else "NOT met",
        ),
        (
            f"rule validation: all rules on the same {m.events:,} events",
            f"{m.rules_rate:,.0f} events/s ({m.rules_seconds:.2f} s)",
            f">= {TARGET:,} events/s",
            "met" if m.rules_rate >= TARGET else "NOT met",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--per-step", type=int, default=100, help="events per step (100)")
    args = parser.parse_args()
    m = bench_plan_matching(args.events, args.per_step)
    print(f"{m.events:,} wire events, plan {PLAN.name}, one core")
    print(
        f"plan matching (check_step, {m.steps:,} steps x {args.per_step}): {m.seconds:7.2f} s "
        f"{m.rate:>10,.0f} events/s  ({m.steps_ok:,} steps held)"
    )
    print(
        f"rules (run_rules, same events)      : {m.rules_seconds:7.2f} s "
        f"{m.rules_rate:>10,.0f} events/s  ({m.findings:,} findings)"
    )
    for row in rows(m):
        print(f"target {row[2]} for {row[0].split(':')[0]}: {row[3]}")


if __name__ == "__main__":
    main()
