"""Memory: peak memory for 100,000 captured events, held the way PixelCapture holds them.

    .venv/bin/python benchmarks/bench_memory.py [--events 100000]

For each event the capture keeps a `RawRequest` (headers and the beacon body as text), the
decoded wire `PixelEvent`s (cached per request, as `PixelCapture.wire` does, each with its
parsed body) and the `TtqCall` the recorder reported (the page's call with its arguments).
The body is a real one: the ViewContent beacon captured from TikTok's pixel.js 2.1.33
(tests/data/real-sdk-2.1.33-single-pixel.json), with its event_id and seq made unique.

Two measurements of the same build:
- resident memory: `resource.getrusage(RUSAGE_SELF).ru_maxrss` growth over the process before
  the build (interpreter and imports excluded), without tracemalloc;
- Python heap: `tracemalloc` peak during a second build (traced allocations only).

Target: none given by the issue; reported as MB and bytes per event. 100,000 events is far
beyond a journey (tens of events), so this bounds a very long `inspect --watch` session.
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

from harness.core.decode import decode_beacon
from harness.core.endpoints import classify
from harness.core.model import PixelEvent, RawRequest, TtqCall, UndecodableBeacon

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "real-sdk-2.1.33-single-pixel.json"
PAGE = "http://127.0.0.1:8000/shop/product.html?id=301"
Row = tuple[str, str, str, str]


@dataclass(frozen=True)
class Memory:
    events: int
    rss_bytes: int
    traced_peak: int
    build_seconds: float

    def per_event(self, total: int) -> float:
        return total / self.events


def real_beacon() -> tuple[str, dict[str, str]]:
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
            return str(beacon["body"]), headers
    raise SystemExit(f"no ViewContent beacon in {SAMPLE}")


def build(count: int) -> tuple[list[RawRequest], dict[int, list[PixelEvent]], list[TtqCall]]:
    """What a capture holds after `count` ttq.track calls and their beacons."""
    template, headers = real_beacon()
    url = "https://analytics.tiktok.com/api/v2/pixel"
    kind, endpoint = classify(url)
    requests: list[RawRequest] = []
    decoded: dict[int, list[PixelEvent]] = {}
    calls: list[TtqCall] = []
    base = json.loads(template)
    for n in range(count):
        properties = {**base["properties"], "seq": n}
        body = json.dumps({**base, "event_id": f"evt-{n}", "properties": properties})
        calls.append(
            TtqCall(
                index=2 * n,
                timestamp=1795556804.143 + n / 1000,
                method="track",
                args=["ViewContent", properties, {"event_id": f"evt-{n}"}],
                page_url=PAGE,
                frame_url=PAGE,
                location=f"{PAGE}:71:11",
                document_id="k3j2h1g0-",
            )
        )
        request = RawRequest(
            index=2 * n + 1,
            timestamp=time.time(),
            method="POST",
            url=url,
            headers=dict(headers),
            body=body,
            body_origin="request",
            kind=kind,
            endpoint=endpoint,
            page_url=PAGE,
        )
        requests.append(request)
        result = decode_beacon(request)
        if isinstance(result, UndecodableBeacon):
            raise SystemExit(f"sample beacon did not decode: {result.reason}")
        decoded[request.index] = result
    return requests, decoded, calls


def bench_memory(count: int = 100_000) -> Memory:
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    start = time.perf_counter()
    held = build(count)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    del held
    gc.collect()
    tracemalloc.start()
    held = build(count)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del held
    return Memory(events=count, rss_bytes=rss, traced_peak=peak, build_seconds=seconds)


def rows(m: Memory) -> list[Row]:
    mb = 1024 * 1024
    return [
        (
            f"memory: {m.events:,} captured events (request + decoded event + call)",
            f"peak {m.traced_peak / mb:,.0f} MB traced ({m.per_event(m.traced_peak):,.0f} B/event),"
            f" RSS +{m.rss_bytes / mb:,.0f} MB ({m.per_event(m.rss_bytes):,.0f} B/event)",
            "(report)",
            "-",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    m = bench_memory(args.events)
    mb = 1024 * 1024
    print(f"{m.events:,} captured events, built in {m.build_seconds:.1f} s")
    print(
        f"  tracemalloc peak : {m.traced_peak / mb:8.1f} MB  "
        f"{m.per_event(m.traced_peak):8,.0f} bytes/event"
    )
    print(
        f"  max RSS growth   : {m.rss_bytes / mb:8.1f} MB  "
        f"{m.per_event(m.rss_bytes):8,.0f} bytes/event"
    )


if __name__ == "__main__":
    main()
