"""Memory: what a PixelCapture holds for 100,000 captured events, and after a report.

    .venv/bin/python benchmarks/bench_memory.py [--events 100000]

A real `PixelCapture` (no browser) is fed the way Playwright feeds it: for each event, the
recorder's report batch (the `ttq.track` call and its sendBeacon note, as JSON text through
the binding, `_on_binding`) and the routed beacon (`handle_request`, with the URL and headers
as fresh strings, as Playwright hands them over), and it is polled (`events()`) every 1,000
events as a run polls it. The beacon is a real one: the ViewContent beacon captured from
TikTok's pixel.js 2.1.33 (tests/data/real-sdk-2.1.33-single-pixel.json), with its event_id,
message_id, timestamp and seq made unique per event (the rest of it, as on one page, repeats).

Then one report (`capture.report()`) runs every rule, which reads every event's body; what
the capture holds after that is measured again (the report itself is dropped first).

Two measurements:
- Python heap: `tracemalloc`, what is held (traced memory after the feed, garbage collected),
  per event, and the peak while feeding;
- resident memory: `resource.getrusage(RUSAGE_SELF).ru_maxrss` growth over the process before
  the feed (interpreter and imports excluded), in a second run without tracemalloc.

Target (issue 14, goal 4): at most 6 KB (6,000 B) per captured event at 100,000, on what is held.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.browser.recorder import PixelCapture

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "real-sdk-2.1.33-single-pixel.json"
PAGE = "http://127.0.0.1:8000/shop/product.html?id=301"
URL = "https://analytics.tiktok.com/api/v2/pixel"
DOCUMENT = "k3j2h1g0-"
POLL_EVERY = 1_000
TARGET = 6_000  # bytes: 6 KB read strictly (6,144 if KiB)
Row = tuple[str, str, str, str]


@dataclass(frozen=True)
class Memory:
    events: int
    #: tracemalloc: held after the feed, held after a report, peak during the feed
    held: int
    held_after_report: int
    traced_peak: int
    #: max RSS growth after the feed, and after the report (its own peak included)
    rss_bytes: int
    rss_after_report: int
    build_seconds: float

    def per_event(self, total: int) -> float:
        return total / self.events


def real_beacon() -> tuple[dict[str, Any], dict[str, str]]:
    data: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    for beacon in data["beacons"]:
        if beacon["method"] == "POST" and '"ViewContent"' in beacon["body"]:
            headers = {
                "content-type": beacon.get("content_type", "text/plain;charset=UTF-8"),
                "origin": "http://127.0.0.1:8000",
                "referer": PAGE,
                "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
                "Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
            }
            return json.loads(beacon["body"]), headers
    raise SystemExit(f"no ViewContent beacon in {SAMPLE}")


def feed(count: int) -> PixelCapture:
    """A capture after `count` ttq.track calls and their beacons, polled as a run polls."""
    base, headers = real_beacon()
    # What Playwright hands over for each routed request: new strings every time.
    route = json.dumps({"url": URL, "headers": headers, "frame_url": PAGE})
    capture = PixelCapture()
    start = 1795556804.143
    for n in range(count):
        now = start + n / 1000
        properties = {**base["properties"], "seq": n}
        body = json.dumps(
            {
                **base,
                "message_id": f"messageId-{int(now * 1000)}-{n:013d}-CEKQ7JRC77U1R0B3Q5RG",
                "event_id": f"evt-{n}",
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now)),
                "properties": properties,
            },
            separators=(",", ":"),
        )
        call = {
            "kind": "call",
            "id": f"{DOCUMENT}{2 * n}",
            "document_id": DOCUMENT,
            "method": "track",
            "args": ["ViewContent", properties, {"event_id": f"evt-{n}"}],
            "pixel_code": None,
            "timestamp": now,
            "frame_url": PAGE,
            "location": f"{PAGE}:71:11",
        }
        note = {
            "kind": "beacon",
            "id": f"{DOCUMENT}{2 * n + 1}",
            "document_id": DOCUMENT,
            "url": URL,
            "body": body,
            "body_type": "string",
            "accepted": True,
            "timestamp": now,
            "frame_url": PAGE,
        }
        capture._on_binding({"page": None, "frame": None}, json.dumps([call, note]))
        routed = json.loads(route)
        capture.handle_request(
            method="POST",
            url=routed["url"],
            headers=routed["headers"],
            body=body.encode(),
            frame_url=routed["frame_url"],
        )
        if n % POLL_EVERY == POLL_EVERY - 1:
            capture.events()
    capture.events()
    capture.check()
    if len(capture.events("wire")) != count or len(capture.events("call")) != count:
        raise SystemExit("the capture did not decode every event")
    return capture


def run_report(capture: PixelCapture) -> None:
    """One report: every rule runs and reads every body; the report is dropped."""
    report = capture.report(url=PAGE, browser=None, harness_version="bench")
    if report.undecodable or len(report.events) != 2 * len(capture.calls):
        raise SystemExit("the report lost events")


def _rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def bench_memory(count: int = 100_000) -> Memory:
    gc.collect()
    before = _rss()
    start = time.perf_counter()
    capture = feed(count)
    seconds = time.perf_counter() - start
    rss = _rss() - before
    run_report(capture)
    rss_report = _rss() - before
    del capture
    gc.collect()
    tracemalloc.start()
    capture = feed(count)
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    run_report(capture)
    gc.collect()
    held_after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del capture
    return Memory(
        events=count,
        held=held,
        held_after_report=held_after,
        traced_peak=peak,
        rss_bytes=rss,
        rss_after_report=rss_report,
        build_seconds=seconds,
    )


def rows(m: Memory) -> list[Row]:
    mb = 1024 * 1024
    worst = max(m.per_event(m.held), m.per_event(m.held_after_report))
    return [
        (
            f"memory: {m.events:,} captured events (calls, beacons, notes, decoded events)",
            f"held {m.held / mb:,.0f} MB traced ({m.per_event(m.held):,.0f} B/event), "
            f"{m.held_after_report / mb:,.0f} MB after a report "
            f"({m.per_event(m.held_after_report):,.0f} B/event); RSS +{m.rss_bytes / mb:,.0f} MB "
            f"({m.per_event(m.rss_bytes):,.0f} B/event)",
            "<= 6 KB/event (6,000 B)",
            "met" if worst <= TARGET else "NOT met",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    m = bench_memory(args.events)
    mb = 1024 * 1024
    print(f"{m.events:,} captured events, fed in {m.build_seconds:.1f} s")
    for label, total in (
        ("held (traced)", m.held),
        ("held after a report", m.held_after_report),
        ("peak while feeding", m.traced_peak),
        ("max RSS growth", m.rss_bytes),
        ("max RSS, with report", m.rss_after_report),
    ):
        print(f"  {label:<22}: {total / mb:8.1f} MB  {m.per_event(total):8,.0f} bytes/event")
    verdict = rows(m)[0]
    print(f"  target {verdict[2]} on what is held: {verdict[3]}")


if __name__ == "__main__":
    main()
