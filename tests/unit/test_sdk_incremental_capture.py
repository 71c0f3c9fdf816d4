"""PixelCapture.events()/wire() are incremental yet equal to a from-scratch derivation.

No browser: the capture's callbacks are fed directly, polling between steps, and every poll is
compared with what the engine computes over the whole log (the pre-incremental behaviour).
"""

from __future__ import annotations

import json
import random
from typing import Any

from harness.browser.recorder import PixelCapture
from harness.core.capture import fill_beacon_bodies
from harness.core.engine import wire_events
from harness.core.model import PixelEvent, UndecodableBeacon
from harness.core.reconcile import call_events

URL = "https://analytics.tiktok.com/api/v2/pixel"
PIXEL = "CTESTPIXEL0000000001"


def _body(name: str, n: int) -> str:
    return json.dumps(
        {
            "event": name,
            "event_id": f"e-{n}",
            "context": {"pixel": {"code": PIXEL}, "page": {"url": "http://127.0.0.1/p"}},
            "properties": {"n": n},
        }
    )


def _expected(
    capture: PixelCapture,
) -> tuple[list[PixelEvent], list[PixelEvent], list[UndecodableBeacon]]:
    filled = fill_beacon_bodies(capture.requests, capture.beacon_notes)
    on_wire, bad = wire_events(filled)
    merged = sorted([*call_events(capture.calls), *on_wire], key=lambda e: e.index)
    return merged, on_wire, bad


def _same(capture: PixelCapture) -> None:
    merged, on_wire, bad = _expected(capture)
    assert capture.events() == merged
    assert capture.wire() == (on_wire, bad)
    assert capture.events("call") == [e for e in merged if e.source == "call"]
    assert capture.events("wire") == sorted(on_wire, key=lambda e: e.index)
    # a step's events, polled by index: the same as filtering the whole list
    for since in (0, 1, len(merged) // 2, merged[-1].index if merged else 0, 10**9):
        assert capture.events(since=since) == [e for e in merged if e.index >= since]
        assert capture.events("call", since=since) == [
            e for e in merged if e.source == "call" and e.index >= since
        ]
        assert capture.events("wire", since=since) == [
            e for e in sorted(on_wire, key=lambda e: e.index) if e.index >= since
        ]


def _track(capture: PixelCapture, n: int, *, record_id: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "kind": "call",
        "method": "track",
        "args": ["AddToCart", {"n": n}],
        "frame_url": "http://127.0.0.1/p",
    }
    if record_id:
        record["id"] = record_id
    return record


def _beacon(capture: PixelCapture, body: str | None) -> None:
    capture.handle_request(
        method="POST",
        url=URL,
        headers={},
        body=body.encode() if body is not None else None,
        frame_url="http://127.0.0.1/p",
    )


def test_polls_between_arrivals_match_the_whole_log_derivation() -> None:
    capture = PixelCapture()
    rng = random.Random(7)
    for n in range(300):
        capture._ingest(_track(capture, n), page_url="http://127.0.0.1/p")
        _beacon(capture, _body("AddToCart", n))
        if rng.random() < 0.1:
            _beacon(capture, '{"event": "Add')  # undecodable
        if rng.random() < 0.3:
            _same(capture)
    _same(capture)


def test_a_late_note_fills_a_body_less_beacon_and_the_result_changes() -> None:
    capture = PixelCapture()
    _beacon(capture, _body("ViewContent", 1))
    _beacon(capture, None)  # a Blob body Chromium did not expose
    _same(capture)
    assert len(capture.wire()[1]) == 1  # undecodable until the note arrives
    capture.beacon_notes.append({"kind": "beacon", "url": URL, "body": _body("ViewContent", 1)})
    capture.beacon_notes.append({"kind": "beacon", "url": URL, "body": _body("AddToCart", 2)})
    _same(capture)
    assert capture.wire()[1] == []
    assert [e.name for e in capture.events("wire")] == ["ViewContent", "AddToCart"]
    _beacon(capture, _body("Search", 3))
    _same(capture)


def test_beacons_moved_after_their_batch_keep_the_merged_order() -> None:
    capture = PixelCapture()
    capture._ingest(_track(capture, 0), page_url="http://127.0.0.1/p")
    _same(capture)
    body = _body("AddToCart", 1)
    _beacon(capture, body)  # routed before the batch holding its call
    _same(capture)
    capture._on_binding(
        {"page": None},
        [_track(capture, 1), {"kind": "beacon", "url": URL, "body": body}],
    )
    _same(capture)
    names = [(e.source, e.index) for e in capture.events()]
    assert names == sorted(names, key=lambda pair: pair[1])
    assert capture.events()[-1].source == "wire"  # the beacon now comes after its call
