"""`plan lint` must grow linearly with the plan: 10× the journeys in about 10× the time.

    .venv/bin/python benchmarks/bench_plan_lint.py [--sizes 10000 100000]

Generates plans of N journeys (each: a goto and two expectations, one through an event
definition), then times loading (YAML with positions, the pydantic model) and linting, in one
process, side by side. Prints seconds per size and the ratio of each size to the first next to
the ratio of their sizes; the target is a time ratio under 10 for 10× the journeys (it was
quadratic: 10,000 journeys took 9 s and 300,000 did not finish in 11 minutes).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from harness.core.plan.lint import lint_plan
from harness.core.plan.load import plan_from_text


def plan_text(journeys: int) -> str:
    lines = [
        "pixels: {main: CABCDEFGHI0123456789}",
        "events:",
        "  Buy: {event: CompletePayment, params: {value: {type: number}, currency: USD}}",
        "journeys:",
    ]
    for i in range(journeys):
        lines += [
            f"  - name: journey-{i}",
            "    steps:",
            f"      - goto: /product-{i}.html",
            "        expect: [Buy, {event: AddToCart, count: 1}]",
        ]
    return "\n".join(lines) + "\n"


def measure(journeys: int) -> tuple[float, float, int]:
    text = plan_text(journeys)
    started = time.perf_counter()
    plan, positions = plan_from_text(text, "bench.yaml")
    loaded = time.perf_counter()
    problems = lint_plan(plan, source=Path("bench.yaml"), positions=positions)
    return loaded - started, time.perf_counter() - loaded, len(problems)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    sizes = parser.parse_args().sizes
    rows = []
    for size in sizes:
        load, lint, problems = measure(size)
        rows.append((size, load, lint, problems))
        print(f"{size:>8} journeys: load {load:6.2f}s  lint {lint:6.2f}s  ({problems} problems)")
    base_size, base_load, base_lint, _ = rows[0]
    for size, load, lint, _ in rows[1:]:
        total, base_total = load + lint, base_load + base_lint
        print(
            f"{size} vs {base_size} journeys ({size / base_size:g}x the plan): "
            f"load {load / base_load:.1f}x, lint {lint / base_lint:.1f}x, "
            f"total {total / base_total:.1f}x (target: under {size / base_size:g}x)"
        )


if __name__ == "__main__":
    main()
