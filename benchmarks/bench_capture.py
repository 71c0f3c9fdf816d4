"""Capture completeness and latency: a page fires N events as fast as it can.

    .venv/bin/python benchmarks/bench_capture.py [--sizes 100 1000 10000] [--timeout 60]

`sites/bench/burst.html?n=N` (the standard base code, its own pixel code) calls
`ttq.track('BenchEvent', {seq, t})` N times in a tight loop once the pixel is ready, `t` being
the call's wall-clock time in milliseconds (`performance.timeOrigin + performance.now()`).
One Playwright session, a fresh context with a `PixelCapture` per N. The script polls
`capture.events()` (pumping Playwright in between, as `expect_event` does) until it holds N
call events and N wire events, or the timeout passes, and reports per side:

- loss: N minus the distinct `seq` values captured (target 0);
- total: from the first call in the page until the last event was visible in `events()`;
- latency "visible": when an event first appeared in `capture.events()` minus its `t`
  (what an assertion waits for), median and p95;
- latency "arrival": when the harness's callback received it (binding call for the call side,
  route handler for the wire side) minus `t`, median and p95: the part the capture adds
  before any decoding.

Both clocks are the same machine's wall clock (Chromium's timeOrigin is wall-clock based).
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Browser, sync_playwright

from harness.browser.chromium import resolve_chromium
from harness.browser.recorder import PixelCapture
from harness.browser.server import SiteServer
from harness.core.model import RawRequest

EVENT = "BenchEvent"
SIZES = (100, 1_000, 10_000)
Row = tuple[str, str, str, str]


class TimedCapture(PixelCapture):
    """A PixelCapture that also notes when each call and request reached the harness."""

    def __init__(self) -> None:
        super().__init__()
        self.call_arrival: dict[int, float] = {}  # TtqCall.index -> time.time() * 1000

    def _ingest(self, payload: Any, *, page_url: str | None, frame: Any = None) -> None:
        before = len(self.calls)
        super()._ingest(payload, page_url=page_url, frame=frame)
        if len(self.calls) > before:
            self.call_arrival[self.calls[-1].index] = time.time() * 1000


@dataclass(frozen=True)
class Side:
    captured: int
    visible: list[float]  # latency to capture.events(), ms
    arrival: list[float]  # latency to the harness callback, ms


@dataclass(frozen=True)
class Burst:
    n: int
    seconds: float  # first call -> last event visible
    fire_ms: float  # the page's own loop time
    polls: int
    image_fallbacks: int  # wire events sent as image GETs because sendBeacon refused
    call: Side
    wire: Side

    def loss(self, side: Side) -> int:
        return self.n - side.captured


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_burst(browser: Browser, base_url: str, n: int, timeout: float) -> Burst:
    context = browser.new_context()
    try:
        capture = TimedCapture()
        capture.attach(context)
        page = context.new_page()
        seen: dict[str, dict[int, float]] = {"call": {}, "wire": {}}
        t_of: dict[str, dict[int, float]] = {"call": {}, "wire": {}}
        arrival: dict[str, dict[int, float]] = {"call": {}, "wire": {}}
        # "commit", not "load": the burst starts as soon as the pixel is ready, and beacons that
        # fall back to images (sendBeacon's quota) hold the load event until they are answered.
        page.goto(f"{base_url}/bench/burst.html?n={n}", wait_until="commit")
        deadline = time.monotonic() + timeout
        polls = 0
        while True:
            events = capture.events()
            now = time.time() * 1000
            polls += 1
            for event in events:
                if event.name != EVENT or not isinstance(event.properties, dict):
                    continue
                seq = event.properties.get("seq")
                if not isinstance(seq, int) or seq in seen[event.source]:
                    continue
                seen[event.source][seq] = now
                t_of[event.source][seq] = float(event.properties.get("t", now))
                if event.source == "call":
                    arrival["call"][seq] = capture.call_arrival.get(event.index, now)
                elif isinstance(event.request, RawRequest):
                    arrival["wire"][seq] = event.request.timestamp * 1000
            if (len(seen["call"]) >= n and len(seen["wire"]) >= n) or time.monotonic() > deadline:
                break
            capture.pump(10)
        capture.check()
        burst: dict[str, Any] = page.evaluate("window.__burst")
        start = float(burst.get("start") or 0.0)
        last = max([*seen["call"].values(), *seen["wire"].values()], default=start)

        def side(source: str) -> Side:
            return Side(
                captured=len(seen[source]),
                visible=[seen[source][s] - t_of[source][s] for s in seen[source]],
                arrival=[arrival[source][s] - t_of[source][s] for s in arrival[source]],
            )

        fallbacks = sum(
            1 for r in capture.requests if r.method == "GET" and "analytics_message=" in r.url
        )
        return Burst(
            n=n,
            image_fallbacks=fallbacks,
            seconds=(last - start) / 1000,
            fire_ms=float(burst.get("end") or start) - start,
            polls=polls,
            call=side("call"),
            wire=side("wire"),
        )
    finally:
        context.close()


def bench_capture(sizes: tuple[int, ...] = SIZES, timeout: float = 100.0) -> list[Burst]:
    options = resolve_chromium().launch_options()
    with SiteServer() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(**options)  # type: ignore[arg-type]
        try:
            return [run_burst(browser, server.base_url, n, timeout) for n in sizes]
        finally:
            browser.close()


def rows(bursts: list[Burst]) -> list[Row]:
    found: list[Row] = []
    for burst in bursts:
        loss = f"call {burst.loss(burst.call)}, wire {burst.loss(burst.wire)}"
        lossless = burst.loss(burst.call) == 0 and burst.loss(burst.wire) == 0
        found.append((f"capture {burst.n:,} events: loss", loss, "0", _ok(lossless)))
        latency = (
            f"call {statistics.median(burst.call.visible):,.0f} / "
            f"{percentile(burst.call.visible, 0.95):,.0f} ms, "
            f"wire {statistics.median(burst.wire.visible):,.0f} / "
            f"{percentile(burst.wire.visible, 0.95):,.0f} ms; "
            f"all in {burst.seconds:.2f} s"
        )
        found.append(
            (f"capture {burst.n:,} events: latency median / p95", latency, "(report)", "-")
        )
    return found


def _ok(flag: bool) -> str:
    return "met" if flag else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--timeout", type=float, default=100.0, help="seconds per N (100)")
    args = parser.parse_args()
    bursts = bench_capture(tuple(args.sizes), args.timeout)
    print("Capture of a burst of N ttq.track calls (latency in ms: median / p95)")
    header = (
        f"{'N':>7} {'loss call':>9} {'loss wire':>9} {'total s':>8} {'page loop':>9} "
        f"{'call visible':>15} {'wire visible':>15} {'call arrival':>15} {'wire arrival':>15} "
        f"{'img GETs':>8} {'polls':>6}"
    )
    print(header)
    for b in bursts:

        def pair(values: list[float]) -> str:
            return f"{statistics.median(values):,.0f} / {percentile(values, 0.95):,.0f}"

        print(
            f"{b.n:>7,} {b.loss(b.call):>9} {b.loss(b.wire):>9} {b.seconds:>8.2f} "
            f"{b.fire_ms:>7.0f}ms {pair(b.call.visible):>15} {pair(b.wire.visible):>15} "
            f"{pair(b.call.arrival):>15} {pair(b.wire.arrival):>15} {b.image_fallbacks:>8} "
            f"{b.polls:>6}"
        )
    print("target: loss 0 on both sides for every N")


if __name__ == "__main__":
    main()
