"""Journeys two at a time: what the machine allows Playwright alone, and what the harness gets.

    .venv/bin/python benchmarks/bench_parallel.py [--journeys 8] [--repeat 3]

Issue 14's goal 2 asks `run --workers 2` for 1.6x the speed of `--workers 1` on 2 cores
(bench_plan_wall.py measures it on the demo plan). Whether 2 cores allow that at all is a
question for a fair baseline: the same journeys, run by Playwright alone, one at a time and
two at a time. This benchmark runs the purchase journey of bench_overhead.py J times in
contexts of one Chromium, on Playwright's async API (as `run --workers` does), for

  (b) Playwright serving the same pixel: one context route answers events.js with the
      harness's emulator and every other pixel request with an empty 204; after the journey
      it waits, event-driven, until it has answered its N journey beacons; nothing recorded;
  (h) the harness: `AsyncPixelCapture` attached, the journey, a wait until its decoded wire
      events hold N journey events, then `report()` (decoding, every rule).

Each side is timed at 1 and at 2 journeys at once (J journeys in all, fresh context each;
the pairs alternate b1 h1 b2 h2, then reversed); best of `--repeat`. Printed: the time for
J journeys, the speedup 1 -> 2 of each side, and the harness's speedup over Playwright's (1.00:
the harness scales as well as Playwright does on this machine). Every journey must see its N.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bench_overhead import PIXEL_HOSTS, WAIT_TIMEOUT, ServedPixel, purchase_steps
from playwright.async_api import Browser, BrowserContext, Route, async_playwright

import harness
from harness.async_api import AsyncPixelCapture
from harness.browser.capture_base import emulator_script
from harness.browser.chromium import resolve_chromium
from harness.browser.flavour import run_async
from harness.browser.server import SiteServer

#: issue 14, goal 2 (on the demo plan, bench_plan_wall.py): 2 workers / 1 worker
TARGET = 1.6
Row = tuple[str, str, str, str]


class AsyncServedPixel(ServedPixel):
    """(b): bench_overhead's ServedPixel, answering on the async API."""

    async def handle_async(self, route: Route) -> None:
        await run_async(self.handle_steps(route))


def journey_events(capture: AsyncPixelCapture) -> int:
    """The capture's decoded wire events that are not /act auto events."""
    return sum(1 for event in capture.wire()[0] if not event.auto)


async def served_journey(context: BrowserContext, shop: str, n: int) -> int:
    served = AsyncServedPixel(emulator_script())
    await context.route(PIXEL_HOSTS, served.handle_async)
    page = await context.new_page()
    await run_async(purchase_steps(page, shop))
    if n and served.answered < n:
        await context.wait_for_event(
            "requestfinished",
            predicate=lambda _request: served.answered >= n,
            timeout=WAIT_TIMEOUT * 1000,
        )
    elif not n:  # counting: a quiet second for everything to arrive
        await page.wait_for_timeout(1000)
    return served.answered


async def harness_journey(context: BrowserContext, shop: str, n: int) -> int:
    capture = await AsyncPixelCapture().attach(context)
    page = await context.new_page()
    await run_async(purchase_steps(page, shop))
    if n:
        await capture.wait_for(lambda: journey_events(capture) >= n, timeout=WAIT_TIMEOUT)
    else:  # counting
        await capture.settle(quiet=1.0, timeout=WAIT_TIMEOUT)
    capture.report(url=page.url, browser="chromium", harness_version=harness.__version__)
    return journey_events(capture)


Journey = Callable[[BrowserContext, str, int], Awaitable[int]]
SIDES: dict[str, Journey] = {"b": served_journey, "h": harness_journey}


@dataclass
class Side:
    name: str
    n: int = 0  # journey events each journey must see
    times: dict[int, list[float]] = field(default_factory=lambda: {1: [], 2: []})
    miscounts: int = 0

    def best(self, at_once: int) -> float:
        return min(self.times[at_once])

    @property
    def speedup(self) -> float:
        return self.best(1) / self.best(2)


async def _one(browser: Browser, shop: str, journey: Journey, n: int) -> int:
    context = await browser.new_context()
    try:
        return await journey(context, shop, n)
    finally:
        await context.close()


async def _timed(browser: Browser, shop: str, side: Side, journeys: int, at_once: int) -> None:
    """`journeys` journeys, `at_once` at a time (each in its own context of one browser)."""
    journey = SIDES[side.name]
    queue = list(range(journeys))
    seen: list[int] = []

    async def worker() -> None:
        while queue:
            queue.pop()
            seen.append(await _one(browser, shop, journey, side.n))

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(at_once)))
    side.times[at_once].append(time.perf_counter() - start)
    side.miscounts += sum(1 for count in seen if count != side.n)


async def bench_parallel_async(journeys: int, repeat: int) -> dict[str, Side]:
    sides = {name: Side(name) for name in SIDES}
    with SiteServer() as server:
        shop = server.url("/shop")
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(**resolve_chromium().launch_options())  # type: ignore[arg-type]
            try:
                for side in sides.values():  # N, and a warm-up (caches, JIT, the guard)
                    side.n = await _one(browser, shop, SIDES[side.name], 0)
                order = [(side, at_once) for at_once in (1, 2) for side in sides.values()]
                for round_ in range(repeat):
                    for side, at_once in order if round_ % 2 == 0 else order[::-1]:
                        await _timed(browser, shop, side, journeys, at_once)
            finally:
                await browser.close()
    return sides


def bench_parallel(journeys: int = 8, repeat: int = 3) -> dict[str, Side]:
    return asyncio.run(bench_parallel_async(journeys, repeat))


def rows(sides: dict[str, Side], journeys: int) -> list[Row]:
    b, h = sides["b"], sides["h"]
    checked = "" if not (b.miscounts or h.miscounts) else "; miscounted journeys"
    return [
        (
            f"{journeys} purchase journeys, 2 at once / 1 at a time: Playwright alone (b), "
            f"harness (h) (best of {len(h.times[1])})",
            f"(b) {b.best(1):.1f} s / {b.best(2):.1f} s = {b.speedup:.2f}x; "
            f"(h) {h.best(1):.1f} s / {h.best(2):.1f} s = {h.speedup:.2f}x; "
            f"h / b = {h.speedup / b.speedup:.2f}{checked}",
            "(report: what 2 cores allow)",
            "-",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=8, help="journeys per timing (8)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; best kept (3)")
    args = parser.parse_args()
    sides = bench_parallel(args.journeys, args.repeat)
    print(f"{args.journeys} purchase journeys per timing, best of {args.repeat}")
    print(f"  {'side':<30}{'1 at a time':>12}{'2 at once':>11}{'speedup':>9}  all runs (s)")
    for side in sides.values():
        label = {"b": "(b) Playwright, pixel served", "h": "(h) harness"}[side.name]
        runs = " | ".join(" ".join(f"{t:.1f}" for t in side.times[at_once]) for at_once in (1, 2))
        print(
            f"  {label:<30}{side.best(1):>11.1f}s{side.best(2):>10.1f}s"
            f"{side.speedup:>8.2f}x  {runs}"
        )
    b, h = sides["b"], sides["h"]
    print(f"  harness speedup / Playwright's: {h.speedup / b.speedup:.2f}")
    print(f"  N = {h.n} journey events (h), {b.n} beacons a context route sees (b)")
    if b.miscounts or h.miscounts:
        print(f"  MISCOUNTED: (b) {b.miscounts}, (h) {h.miscounts} journeys")
    print(f"  goal 2 (bench_plan_wall.py, the demo plan): {TARGET}x")


if __name__ == "__main__":
    main()
