"""The decoder on requests captured from TikTok's real SDK (pixel.js 2.1.33)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from harness.core.decode import decode_beacon
from harness.core.endpoints import classify
from harness.core.model import PixelEvent, RawRequest, RequestKind, UndecodableBeacon

DATA = Path(__file__).parent.parent / "data"
SINGLE = "real-sdk-2.1.33-single-pixel.json"
MULTI = "real-sdk-2.1.33-multi-pixel.json"
PIXEL = "CEKQ7JRC77U1R0B3Q5RG"
PIXEL_A, PIXEL_B = "CAAAAAAAAAAAAAAAAAA1", "CBBBBBBBBBBBBBBBBBB2"
EMAIL_SHA = "86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d"


def _requests(name: str) -> list[RawRequest]:
    capture = json.loads((DATA / name).read_text())
    requests = []
    for index, beacon in enumerate(capture["beacons"]):
        kind, endpoint = classify(beacon["url"])
        requests.append(
            RawRequest(
                index=index,
                timestamp=0.0,
                method=beacon["method"],
                url=beacon["url"],
                headers={"content-type": beacon["content_type"]},
                body=beacon["body"],
                body_origin="request",
                kind=kind,
                endpoint=endpoint,
            )
        )
    return requests


def _decode_all(name: str) -> list[PixelEvent]:
    events: list[PixelEvent] = []
    for request in _requests(name):
        assert request.kind is RequestKind.EVENT
        decoded = decode_beacon(request)
        assert not isinstance(decoded, UndecodableBeacon), decoded.reason
        events.extend(decoded)
    return events


def _summary(events: list[PixelEvent]) -> list[tuple[str, str | None, str, Any]]:
    return [(e.name, e.pixel_code, e.event_id, e.properties) for e in events]


def test_single_pixel_capture_decodes_to_the_calls_the_page_made() -> None:
    events = _decode_all(SINGLE)
    assert _summary(events) == [
        ("Pageview", PIXEL, "", {}),
        (
            "ViewContent",
            PIXEL,
            "ev-1",
            {
                "content_id": "301",
                "content_type": "product",
                "content_name": "dress",
                "quantity": 1,
                "price": 8,
                "value": 9.2,
                "currency": "USD",
            },
        ),
        (
            "CompletePayment",
            PIXEL,
            "",
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
        ("signing_up_free_trial", PIXEL, "", {}),
        # ttq.track('Search', 'dress'): the SDK spreads the string into an object.
        ("Search", PIXEL, "", {"0": "d", "1": "r", "2": "e", "3": "s", "4": "s"}),
        ("EnrichAM", PIXEL, "", {}),
        ("Metadata", PIXEL, "", {}),
        ("Click", PIXEL, "", {}),
    ]


def test_single_pixel_keeps_identity_page_library_and_raw_request() -> None:
    view_content = _decode_all(SINGLE)[1]
    assert view_content.user == {
        "email": EMAIL_SHA,
        "phone_number": "d5ab8b77e69a81dfc634c3556c620d5d6753df6fc28c73c88c79a9332b705382",
        "external_id": "u-42",
    }
    assert view_content.page_url == "http://shop.test/p/301?utm_source=tiktok"
    assert view_content.referrer == ""
    assert (view_content.library_name, view_content.library_version) == ("pixel.js", "2.1.33")
    assert view_content.timestamp == "2026-11-24T21:46:44.143Z"
    assert view_content.endpoint == "pixel" and not view_content.auto
    assert view_content.request is not None
    assert view_content.request.body is not None and '"ev-1"' in view_content.request.body
    assert view_content.request.headers["content-type"] == "text/plain;charset=UTF-8"


def test_multi_pixel_capture_keys_each_event_by_its_pixel() -> None:
    events = _decode_all(MULTI)
    assert [(e.name, e.pixel_code, e.event_id) for e in events] == [
        ("Pageview", PIXEL_A, ""),
        ("AddToCart", PIXEL_A, ""),
        ("InitiateCheckout", PIXEL_B, "chk-9"),
        ("Pageview", PIXEL_B, ""),
        ("AddToCart", PIXEL_B, ""),
        ("Metadata", PIXEL_A, ""),
        ("Click", PIXEL_A, ""),
    ]
    assert events[1].properties == {"content_id": "301", "value": 8, "currency": "EUR"}
    assert events[2].properties == {"value": 8, "currency": "EUR"}


def test_act_auto_events_carry_every_pixel_from_codes() -> None:
    metadata, click = _decode_all(MULTI)[-2:]
    for event in (metadata, click):
        assert event.auto and event.endpoint == "act"
        assert event.pixel_codes == [PIXEL_A, PIXEL_B]
    assert click.body is not None
    assert click.body["auto_collected_properties"]["trigger_element"]["inner_text"] == "Buy now"


def _request(
    body: str | None, url: str = "https://analytics.tiktok.com/api/v2/pixel", method: str = "POST"
) -> RawRequest:
    kind, endpoint = classify(url)
    return RawRequest(
        index=7, timestamp=0.0, method=method, url=url, body=body, kind=kind, endpoint=endpoint
    )


def test_image_get_fallback_decodes_the_same_json() -> None:
    original = _requests(SINGLE)[1].body
    assert original is not None
    message = base64.urlsafe_b64encode(original.encode()).decode().rstrip("=")
    request = _request(
        None, f"https://analytics.tiktok.com/api/v2/pixel?analytics_message={message}", method="GET"
    )
    decoded = decode_beacon(request)
    assert isinstance(decoded, list)
    assert (decoded[0].name, decoded[0].event_id) == ("ViewContent", "ev-1")
    # standard base64 with padding is accepted as well
    padded = base64.b64encode(original.encode()).decode()
    again = decode_beacon(
        _request(
            None,
            "https://analytics.tiktok.com/api/v2/pixel?analytics_message="
            + padded.replace("+", "%2B").replace("=", "%3D"),
            "GET",
        )
    )
    assert isinstance(again, list) and again[0].name == "ViewContent"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json at all", "not JSON"),
        ('{"event": "Pageview", "context": {"pixel"', "not JSON"),  # truncated
        ("[1, 2]", "JSON list, not an object"),
        ('{"context": {"pixel": {"code": "C1"}}}', "neither 'event' nor 'action'"),
        ('{"event": "Pageview"}', "'context' is missing"),
        ('{"event": "Pageview", "context": {"pixel": {}}}', "no 'code'"),
        ('{"event": 42, "context": {"pixel": {"code": "C1"}}}', "not a string"),
        (None, "empty body and no analytics_message"),
    ],
)
def test_undecodable_bodies_are_kept_with_a_reason(body: str | None, reason: str) -> None:
    request = _request(body)
    decoded = decode_beacon(request)
    assert isinstance(decoded, UndecodableBeacon)
    assert reason in decoded.reason
    assert decoded.request is request


def test_bad_base64_in_analytics_message_is_undecodable() -> None:
    decoded = decode_beacon(
        _request(None, "https://analytics.tiktok.com/api/v2/pixel?analytics_message=%%%", "GET")
    )
    assert isinstance(decoded, UndecodableBeacon)
    assert "analytics_message" in decoded.reason


@pytest.mark.parametrize(
    ("url", "kind", "endpoint"),
    [
        ("https://analytics.tiktok.com/api/v2/pixel", RequestKind.EVENT, "pixel"),
        ("https://analytics.us.tiktok.com/api/v2/pixel/act", RequestKind.EVENT, "act"),
        ("https://analytics.tiktok.com/api/v2/shopify_pixel", RequestKind.EVENT, "shopify_pixel"),
        ("https://analytics.tiktok.com/api/v2/pixel/inter", RequestKind.TELEMETRY, "inter"),
        ("https://analytics.tiktok.com/api/v2/pixel/perf", RequestKind.TELEMETRY, "perf"),
        ("https://analytics.tiktok.com/api/v2/monitor", RequestKind.TELEMETRY, "monitor"),
        (
            "https://analytics.tiktok.com/api/v2/performance_interaction",
            RequestKind.TELEMETRY,
            "performance_interaction",
        ),
        (
            "https://analytics-ipv6.tiktokw.us/ipv6/enrich_ipv6",
            RequestKind.TELEMETRY,
            "enrich_ipv6",
        ),
        (
            "https://analytics.tiktok.com/i18n/pixel/events.js?sdkid=C1&lib=ttq",
            RequestKind.SDK_SCRIPT,
            "events.js",
        ),
        (
            "https://analytics.tiktok.com/i18n/pixel/static/main.MWNkZmM2YTcxMA.js",
            RequestKind.SDK_SCRIPT,
            "main.MWNkZmM2YTcxMA.js",
        ),
        (
            "https://analytics.tiktok.com/i18n/pixel/static/identify_31760074.js",
            RequestKind.SDK_SCRIPT,
            "identify_31760074.js",
        ),
        (
            "https://analytics.tiktok.com/i18n/pixel/config.js?sdkid=C1&hostname=x",
            RequestKind.CONFIG,
            "config.js",
        ),
        ("https://analytics.tiktok.com/favicon.ico", RequestKind.OTHER, "/favicon.ico"),
    ],
)
def test_requests_are_classified(url: str, kind: RequestKind, endpoint: str) -> None:
    assert classify(url) == (kind, endpoint)


def test_batch_bodies_decode_to_one_event_each() -> None:
    bodies = [json.loads(r.body or "") for r in _requests(MULTI)[:2]]
    decoded = decode_beacon(
        _request(json.dumps({"batch": bodies}), "https://analytics.tiktok.com/api/v2/pixel/batch")
    )
    assert isinstance(decoded, list)
    assert [e.name for e in decoded] == ["Pageview", "AddToCart"]


def test_unparseable_urls_are_not_pixel_urls() -> None:
    from harness.core.endpoints import is_events_loader, is_pixel_host

    assert not is_pixel_host("https://[::1/api/v2/pixel")
    assert classify("https://[::1/api/v2/pixel") == (RequestKind.OTHER, "/")
    assert not is_events_loader("https://[::1/i18n/pixel/events.js")
