"""From recorded calls and requests to events and findings (pure)."""

from __future__ import annotations

import json
from typing import Any

from harness.core.capture import fill_beacon_bodies
from harness.core.endpoints import classify
from harness.core.engine import build_report
from harness.core.model import RawRequest, RequestKind, TtqCall
from harness.core.reconcile import call_events

URL = "https://analytics.tiktok.com/api/v2/pixel"


def _call(index: int, method: str, *args: Any, pixel: str | None = None) -> TtqCall:
    return TtqCall(
        index=index,
        timestamp=0.0,
        method=method,
        args=list(args),
        pixel_code=pixel,
        page_url="http://127.0.0.1/p",
        location="http://127.0.0.1/p:3:9",
    )


def _request(index: int, body: str | None, url: str = URL) -> RawRequest:
    kind, endpoint = classify(url)
    return RawRequest(
        index=index,
        timestamp=0.0,
        method="POST",
        url=url,
        body=body,
        kind=kind,
        endpoint=endpoint,
        body_origin="request" if body else "none",
    )


def _body(name: str, event_id: str = "") -> str:
    return json.dumps(
        {
            "event": name,
            "event_id": event_id,
            "context": {"pixel": {"code": "C1"}},
            "properties": {},
        }
    )


def test_track_and_page_calls_become_call_events() -> None:
    events = call_events(
        [
            _call(0, "load", "C1"),
            _call(1, "page"),
            _call(2, "identify", {"email": "a@b.c"}),
            _call(3, "track", "AddToCart", {"value": 1, "event_id": "from-props"}),
            _call(4, "track", "Purchase", {"value": 2}, {"event_id": "e-4", "pixel_code": "C2"}),
            _call(5, "track", "Subscribe", pixel="C3"),
            _call(6, "track", "Search", "dress"),
        ]
    )
    assert [(e.index, e.name, e.pixel_code, e.event_id) for e in events] == [
        (1, "Pageview", None, ""),
        (3, "AddToCart", None, "from-props"),
        (4, "Purchase", "C2", "e-4"),
        (5, "Subscribe", "C3", ""),
        (6, "Search", None, ""),
    ]
    assert all(e.source == "call" for e in events)
    assert events[-1].properties == "dress"  # kept exactly as the page passed it
    assert events[1].call is not None and events[1].call.location == "http://127.0.0.1/p:3:9"


def test_a_non_string_event_name_is_described() -> None:
    (event,) = call_events([_call(0, "track", {"__ttq_type__": "undefined"}), _call(1, "identify")])
    assert event.name == "<undefined>"
    (numeric,) = call_events([_call(0, "track", 42)])
    assert numeric.name == "42"


def test_body_less_beacons_get_the_body_noted_at_send_beacon() -> None:
    requests = [_request(0, _body("A")), _request(1, None), _request(2, None)]
    notes = [{"url": URL, "body": _body("A")}, {"url": URL, "body": _body("B")}]
    filled = fill_beacon_bodies(requests, notes)
    assert filled[0].body == _body("A") and filled[0].body_origin == "request"
    assert filled[1].body == _body("B") and filled[1].body_origin == "sendBeacon"
    assert filled[2].body is None  # nothing left to fill it with: stays undecodable


def test_report_orders_calls_and_wire_events_and_keeps_undecodables() -> None:
    telemetry = _request(3, "{}", "https://analytics.tiktok.com/api/v2/pixel/inter")
    report = build_report(
        harness_version="0",
        sdk="emulated",
        url="http://127.0.0.1/p",
        browser=None,
        calls=[_call(0, "track", "A"), _call(2, "track", "B")],
        requests=[_request(1, _body("A", "x")), telemetry, _request(4, "garbage")],
    )
    assert [(e.index, e.source, e.name) for e in report.events] == [
        (0, "call", "A"),
        (1, "wire", "A"),
        (2, "call", "B"),
    ]
    assert telemetry.kind is RequestKind.TELEMETRY and telemetry in report.requests
    assert [u.request.index for u in report.undecodable] == [4]
    assert "TR001" in [f.code for f in report.findings]
    (undecodable,) = [f for f in report.findings if f.code == "TR001"]
    assert undecodable.event_index == 4 and undecodable.source == "wire"
    # the JSON report keeps the documented keys
    dumped = json.loads(report.model_dump_json())
    assert {"events", "findings", "calls", "requests", "undecodable", "sdk"} <= set(dumped)
    assert {"name", "pixel_code", "event_id", "properties", "source", "page_url"} <= set(
        dumped["events"][0]
    )


def test_transport_finding_names_the_request_and_the_fix() -> None:
    report = build_report(
        harness_version="0",
        sdk="emulated",
        url="u",
        browser=None,
        calls=[],
        requests=[_request(9, "{not json")],
    )
    (finding,) = [f for f in report.findings if f.code == "TR001"]
    assert finding.name == "undecodable-beacon"
    assert URL in finding.message and "not JSON" in finding.message
    assert finding.fix and finding.received == "{not json"
