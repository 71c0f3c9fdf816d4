"""The real SDK's beacons (pixel.js 2.1.33, tests/data) reconciled with the page script that made
them (`scenario_calls`, written out by hand below as the recorder would have recorded it).

Every call is explained, every beacon is explained, and every difference between a call and
its beacon is one the SDK is known to make.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.core.endpoints import classify
from harness.core.engine import build_report
from harness.core.model import RawRequest, Reconciliation, TtqCall

DATA = Path(__file__).parent.parent / "data"
PAGE = "http://shop.test/p/301?utm_source=tiktok"
SINGLE = "CEKQ7JRC77U1R0B3Q5RG"
PIXEL_A = "CAAAAAAAAAAAAAAAAAA1"
PIXEL_B = "CBBBBBBBBBBBBBBBBBB2"


def _call(index: int, method: str, *args: Any, pixel: str | None = None) -> TtqCall:
    return TtqCall(
        index=index,
        timestamp=float(index),
        method=method,
        args=list(args),
        pixel_code=pixel,
        page_url=PAGE,
        frame_url=PAGE,
        document_id="doc-1",
    )


def _reconcile(name: str, calls: list[TtqCall]) -> tuple[Reconciliation, list[str]]:
    capture = json.loads((DATA / name).read_text())
    requests = []
    sdk_url = f"https://analytics.tiktok.com/i18n/pixel/events.js?sdkid={calls[0].args[0]}&lib=ttq"
    for offset, (method, url, body) in enumerate(
        [("GET", sdk_url, None)] + [(b["method"], b["url"], b["body"]) for b in capture["beacons"]]
    ):
        kind, endpoint = classify(url)
        requests.append(
            RawRequest(
                index=len(calls) + offset,
                timestamp=0.0,
                method=method,
                url=url,
                body=body,
                kind=kind,
                endpoint=endpoint,
                page_url=PAGE,
            )
        )
    report = build_report(
        harness_version="test", sdk="real", url=PAGE, browser=None, calls=calls, requests=requests
    )
    return report.reconciliation, sorted({f.code for f in report.findings})


def _single_pixel_calls() -> list[TtqCall]:
    # ttq.load(...); ttq.page(); ttq.identify({...}); ttq.track(...) x4 (scenario_calls)
    return [
        _call(0, "load", SINGLE),
        _call(1, "page"),
        _call(
            2,
            "identify",
            {
                "email": "Jane.Doe@Example.com",
                "phone_number": "+12025550123",
                "external_id": "u-42",
            },
        ),
        _call(
            3,
            "track",
            "ViewContent",
            {
                "content_id": "301",
                "content_type": "product",
                "content_name": "dress",
                "quantity": 1,
                "price": 8,
                "value": 9.2,
                "currency": "usd",
            },
            {"event_id": "ev-1"},
        ),
        _call(
            4,
            "track",
            "Purchase",
            {
                "contents": [
                    {
                        "content_id": "301",
                        "content_type": "product",
                        "content_name": "dress",
                        "quantity": 1,
                        "price": 8,
                    },
                    {
                        "content_id": "401",
                        "content_type": "product",
                        "content_name": "dress",
                        "quantity": 1,
                        "price": 1.2,
                    },
                ],
                "value": 9.2,
                "currency": "USD",
            },
        ),
        _call(5, "track", "signing_up_free_trial"),
        _call(6, "track", "Search", "dress"),
    ]


def _multi_pixel_calls() -> list[TtqCall]:
    return [
        _call(0, "load", PIXEL_A),
        _call(1, "load", PIXEL_B),
        _call(2, "page"),
        _call(3, "track", "AddToCart", {"content_id": "301", "value": 8, "currency": "EUR"}),
        _call(4, "instance", PIXEL_B),
        _call(
            5,
            "track",
            "InitiateCheckout",
            {"value": 8, "currency": "EUR"},
            {"event_id": "chk-9"},
            pixel=PIXEL_B,
        ),
    ]


def test_every_single_pixel_call_and_beacon_is_explained() -> None:
    result, codes = _reconcile("real-sdk-2.1.33-single-pixel.json", _single_pixel_calls())
    assert (result.calls, result.beacons) == (5, 8)
    assert result.lost_calls == []
    assert [(p.call_index, p.call_name, p.event_name) for p in result.pairs] == [
        (1, "Pageview", "Pageview"),
        (3, "ViewContent", "ViewContent"),
        (4, "Purchase", "CompletePayment"),
        (5, "signing_up_free_trial", "signing_up_free_trial"),
        (6, "Search", "Search"),
    ]
    assert [(q.call_index, q.behaviour) for q in result.quiet_calls] == [
        (0, "fan-out-to-loaded-pixels"),
        (2, "identify-to-context-user"),
    ]
    assert [(b.name, b.origin, b.call_index) for b in result.unexplained_beacons] == [
        ("EnrichAM", "enrich-am", 2),
        ("Metadata", "automatic", None),
        ("Click", "automatic", None),
    ]
    assert [d for d in result.differences if d.behaviour is None] == []
    assert sorted((d.call_index, d.path, d.kind, d.behaviour) for d in result.differences) == [
        (3, "properties.currency", "transformed", "currency-upper-cased"),
        (4, "event", "renamed", "reserved-name-alias"),
        (6, "properties", "mangled", "non-object-properties-copied"),
    ]
    # the string at the call is PR001's; no reconciliation finding on top of it
    assert "TR011" not in codes and "TR002" not in codes


def test_every_multi_pixel_call_and_beacon_is_explained() -> None:
    result, codes = _reconcile("real-sdk-2.1.33-multi-pixel.json", _multi_pixel_calls())
    assert (result.calls, result.beacons) == (3, 7)
    assert result.lost_calls == []
    assert result.differences == []
    assert sorted((p.call_name, p.pixel_code) for p in result.pairs) == [
        ("AddToCart", PIXEL_A),
        ("AddToCart", PIXEL_B),
        ("InitiateCheckout", PIXEL_B),  # the instance call went to one pixel only
        ("Pageview", PIXEL_A),
        ("Pageview", PIXEL_B),
    ]
    assert [(b.name, b.origin) for b in result.unexplained_beacons] == [
        ("Metadata", "automatic"),
        ("Click", "automatic"),
    ]
    assert [(q.method, q.behaviour) for q in result.quiet_calls] == [
        ("load", "fan-out-to-loaded-pixels"),
        ("load", "fan-out-to-loaded-pixels"),
        ("instance", "instance-targets-one-pixel"),
    ]
    assert "TR011" not in codes and "TR002" not in codes
