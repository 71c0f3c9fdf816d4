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

Baseline (issue 14's fair-baseline rule): Playwright alone on the same page, in a fresh context
of the same browser, right after the harness's run at the same N. One context route answers
the pixel hosts with the same answers (the emulator as events.js, `local_response` for the
rest) and only notes when each request reached it and what it carried; it records, decodes
and checks nothing while the burst runs. It runs with Python's collector set as a capture
sets it (`rare_full_collections`): with the default setting the route alone spent about half
its Python time in full collections at 10,000 (10.1 CPU-s against 4.5 with the collector
off), so the default would make the floor look higher than it is. Its wire arrival (routed
minus `t`) is what any Playwright route costs at that N: the floor the harness's wire side
stands on. The beacons are decoded after the burst, off the clock, only to read each one's
`seq` and `t`.

Ratios printed (and in run_all): at the largest N, harness wire p95 / harness call p95 (issue
14's goal 3, target 1.5), harness wire p95 / Playwright route p95, and Playwright route p95 /
harness call p95 (what goal 3's ratio would be if the harness added nothing to a route);
from 1,000 to the largest N, how much faster than N the time to see every event grew, for
the harness and for the route alone (target 1.2).
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import statistics
import time
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Browser, Request, Route, sync_playwright

from harness.browser.answers import local_response
from harness.browser.capture_base import emulator_script
from harness.browser.chromium import resolve_chromium
from harness.browser.recorder import PixelCapture
from harness.browser.server import SiteServer
from harness.core.collector import rare_full_collections
from harness.core.decode import decode_beacon
from harness.core.endpoints import DEFAULT_PIXEL_HOSTS, classify
from harness.core.model import RawRequest, RequestKind

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
class RouteSide:
    """Playwright alone: when each event's beacon reached a plain context route."""

    captured: int
    arrival: list[float]  # routed minus the call's `t`, ms
    seconds: float  # first call -> last beacon routed


@dataclass(frozen=True)
class Burst:
    n: int
    seconds: float  # first call -> last event visible
    fire_ms: float  # the page's own loop time
    polls: int
    image_fallbacks: int  # wire events sent as image GETs because sendBeacon refused
    call: Side
    wire: Side
    route: RouteSide | None = None  # the Playwright baseline at the same N

    def loss(self, side: Side | RouteSide) -> int:
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


class PlainRoute:
    """The baseline's route: the harness's answers, and a note of each request's arrival."""

    def __init__(self) -> None:
        self.emulator = emulator_script()
        #: (arrival in ms, method, URL, body) per request, in arrival order
        self.seen: list[tuple[float, str, str, bytes | None]] = []
        self.events = 0  # event-endpoint requests so far (the wait's count)

    def handle(self, route: Route, request: Request) -> None:
        arrived = time.time() * 1000
        body = request.post_data_buffer if request.method == "POST" else None
        self.seen.append((arrived, request.method, request.url, body))
        if classify(request.url)[0] is RequestKind.EVENT:
            self.events += 1
        answer = local_response(request.method, request.url, request.headers, self.emulator)
        route.fulfill(status=answer.status, headers=answer.headers, body=answer.body)

    def arrivals(self) -> dict[int, tuple[float, float]]:
        """seq -> (arrival ms, `t` ms) of every BenchEvent beacon (decoded now, off the clock)."""
        found: dict[int, tuple[float, float]] = {}
        for index, (arrived, method, url, body) in enumerate(self.seen):
            kind, endpoint = classify(url)
            if kind is not RequestKind.EVENT:
                continue
            raw = RawRequest(
                index=index,
                timestamp=arrived / 1000,
                method=method,
                url=url,
                body=body.decode("utf-8", errors="replace") if body else None,
                kind=kind,
                endpoint=endpoint,
            )
            decoded = decode_beacon(raw)
            for event in decoded if isinstance(decoded, list) else []:
                properties = event.properties if isinstance(event.properties, dict) else {}
                seq, t = properties.get("seq"), properties.get("t")
                if event.name == EVENT and isinstance(seq, int) and isinstance(t, int | float):
                    found.setdefault(seq, (arrived, float(t)))
        return found


def run_route_burst(browser: Browser, base_url: str, n: int, timeout: float) -> RouteSide:
    """Playwright alone on the burst page: a plain route, pumped as the harness's loop is."""
    context = browser.new_context()
    release = rare_full_collections()  # as a capture holds it: the same collector setting
    try:
        plain = PlainRoute()
        hosts = "|".join(re.escape(host) for host in DEFAULT_PIXEL_HOSTS)
        context.route(re.compile(rf"^https?://({hosts})\.?(:\d+)?(/|$)"), plain.handle)
        page = context.new_page()
        page.goto(f"{base_url}/bench/burst.html?n={n}", wait_until="commit")
        deadline = time.monotonic() + timeout
        # n BenchEvents and the page view, one beacon each (the emulator does not batch)
        while plain.events < n + 1 and time.monotonic() < deadline:
            page.wait_for_timeout(10)
        burst: dict[str, Any] = page.evaluate("window.__burst")
        start = float(burst.get("start") or 0.0)
        found = plain.arrivals()
        last = max((arrived for arrived, _ in found.values()), default=start)
        return RouteSide(
            captured=len(found),
            arrival=[arrived - t for arrived, t in found.values()],
            seconds=(last - start) / 1000,
        )
    finally:
        context.close()
        release()


def bench_capture(
    sizes: tuple[int, ...] = SIZES, timeout: float = 100.0, *, baseline: bool = True
) -> list[Burst]:
    """The harness at each N, then (`baseline`) Playwright alone at the same N."""
    options = resolve_chromium().launch_options()
    with SiteServer() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(**options)  # type: ignore[arg-type]
        try:
            bursts = []
            for n in sizes:
                burst = run_burst(browser, server.base_url, n, timeout)
                if baseline:
                    route = run_route_burst(browser, server.base_url, n, timeout)
                    burst = dataclasses.replace(burst, route=route)
                bursts.append(burst)
            return bursts
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
        if burst.route is not None:
            latency += (
                f"; Playwright route alone {statistics.median(burst.route.arrival):,.0f} / "
                f"{percentile(burst.route.arrival, 0.95):,.0f} ms, all in "
                f"{burst.route.seconds:.2f} s (loss {burst.loss(burst.route)})"
            )
        found.append(
            (f"capture {burst.n:,} events: latency median / p95", latency, "(report)", "-")
        )
    return found + ratio_rows(bursts)


def ratio_rows(bursts: list[Burst]) -> list[Row]:
    """Goal 3 as ratios: wire p95 against call p95 and against Playwright's own route at the
    largest N, and the growth from 1,000 events to the largest N against N's growth."""
    if not bursts:
        return []
    found: list[Row] = []
    top = max(bursts, key=lambda burst: burst.n)
    wire, call = percentile(top.wire.visible, 0.95), percentile(top.call.visible, 0.95)
    found.append(
        (
            f"capture {top.n:,}: wire p95 / call p95",
            f"{wire / call:.2f}× ({wire / 1000:.1f} s / {call / 1000:.1f} s)",
            "≤ 1.5",
            _ok(wire / call <= 1.5),
        )
    )
    if top.route is not None:
        route = percentile(top.route.arrival, 0.95)
        found.append(
            (
                f"capture {top.n:,}: wire p95, harness / Playwright route alone",
                f"{wire / route:.2f}× ({wire / 1000:.1f} s / {route / 1000:.1f} s)",
                "(report)",
                "-",
            )
        )
        found.append(
            (
                f"capture {top.n:,}: Playwright route alone p95 / harness call p95 (the floor)",
                f"{route / call:.2f}× ({route / 1000:.1f} s / {call / 1000:.1f} s)",
                "(report)",
                "-",
            )
        )
    small = next((burst for burst in bursts if burst.n == 1_000), None)
    if small is not None and top.n > small.n:
        times = top.n / small.n
        grew = top.seconds / small.seconds
        value = f"{grew / times:.2f} (all in {small.seconds:.2f} s -> {top.seconds:.2f} s)"
        if small.route is not None and top.route is not None:
            alone = top.route.seconds / small.route.seconds
            value += f"; Playwright route alone {alone / times:.2f}"
        found.append(
            (
                f"capture 1,000 -> {top.n:,}: growth / {times:,.0f}× events",
                value,
                "≤ 1.2",
                _ok(grew / times <= 1.2),
            )
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
        f"{'img GETs':>8} {'polls':>6} {'route alone':>15} {'alone s':>8}"
    )
    print(header)
    for b in bursts:

        def pair(values: list[float]) -> str:
            return f"{statistics.median(values):,.0f} / {percentile(values, 0.95):,.0f}"

        print(
            f"{b.n:>7,} {b.loss(b.call):>9} {b.loss(b.wire):>9} {b.seconds:>8.2f} "
            f"{b.fire_ms:>7.0f}ms {pair(b.call.visible):>15} {pair(b.wire.visible):>15} "
            f"{pair(b.call.arrival):>15} {pair(b.wire.arrival):>15} {b.image_fallbacks:>8} "
            f"{b.polls:>6} "
            + (f"{pair(b.route.arrival):>15} {b.route.seconds:>8.2f}" if b.route else "")
        )
    print("target: loss 0 on both sides for every N")
    print("route alone: Playwright's own route on the same page, arrival median / p95 (ms)")
    for name, value, target, verdict in ratio_rows(bursts):
        print(f"{name}: {value}  target {target}  {verdict}")


if __name__ == "__main__":
    main()
