"""The offline emulator against TikTok's real SDK, call by call.

Each scenario runs the same ttq calls twice on tests/pages/sdk-scenario.html: once with the
emulator, once with TikTok's own pixel.js 2.1.33 (tests/data/real-sdk/pixel-2.1.33, served as
a pinned SDK), and the beacons must carry the same event, properties, event_id, context.user
and pixel. `queued:` scenarios run before the SDK loads (replayed from the base code's queue),
the others after it loaded. The differences that remain are listed in docs/emulator.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser

from harness.browser.recorder import PixelCapture

REAL_SDK = Path(__file__).resolve().parents[1] / "data" / "real-sdk" / "pixel-2.1.33"

SCENARIOS = [
    # event names the SDK sends, or not
    "queued:ttq.track(undefined)",
    "queued:ttq.track('')",
    "queued:ttq.track(null)",
    "queued:ttq.track()",
    "queued:ttq.track(123)",
    "ttq.track(undefined)",
    "ttq.track('')",
    "ttq.track(true)",
    "ttq.track('custom_event_name', {a: 1})",
    "ttq.track('Purchase', {value: 1, currency: 'usd', content_id: 'a'})",
    # properties
    "queued:ttq.track('ViewContent', {content_id: 'a'})",
    "ttq.track('ViewContent', {value: '9.9', currency: 'eur', content_id: 1})",
    "ttq.track('AddToCart', {contents: [{content_id: 1, price: '2', quantity: 1}], value: 2,"
    " currency: 'USD'})",
    "ttq.track('ViewContent', {content_id: 'a', value: NaN, currency: 'USD', x: undefined,"
    " f: function () {}, d: new Date(0)})",
    "ttq.track('ViewContent', null)",
    "ttq.track('Search', 'dress')",
    "ttq.track('Search', 42)",
    "ttq.track('Search', ['a', 'b'])",
    "ttq.track('ViewContent', {content_id: 'a', limited_data_use: true, pixelMethod: 'standard'})",
    # event_id
    "ttq.track('ViewContent', {content_id: 'a'}, {event_id: 'e-1'})",
    "ttq.track('ViewContent', {content_id: 'a', eventID: 'x-2'})",
    "ttq.track('ViewContent', {content_id: 'a', event_id: 'x-3'})",
    # pixels and pages
    "ttq.instance('CSCENARIO0PIXEL00001').track('AddToCart', {content_id: 'a'})",
    "ttq.page()",
    # identify
    "ttq.identify({email: ' Jane.Doe@Example.COM ', phone_number: '(202) 555-0123'});"
    " ttq.track('ViewContent', {content_id: 'a'})",
    "ttq.identify({phone_number: '+1 202 555 0123'}); ttq.track('ViewContent', {content_id: 'a'})",
    "ttq.identify({sha256_email: 'abc', external_id: 'u1'});"
    " ttq.track('ViewContent', {content_id: 'a'})",
    "ttq.identify({sha256_email: "
    "'BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD'});"
    " ttq.track('ViewContent', {content_id: 'a'})",
    "ttq.identify({sha256_phone_number: 'xyz'}); ttq.track('ViewContent', {content_id: 'a'})",
]


def _beacons(browser: Browser, base: str, sdk: str, scenario: str) -> list[dict[str, Any]]:
    """What the scenario's calls sent: one entry per /api/v2/pixel beacon (not the queued
    Pageview of the page itself, not the automatic /act events)."""
    context = browser.new_context()
    try:
        capture = PixelCapture(sdk=sdk).attach(context)
        page = context.new_page()
        page.goto(f"{base}/sdk-scenario.html#{quote(scenario)}")
        assert capture.wait_for(
            lambda: any(e.name == "Pageview" for e in capture.events("wire")), timeout=15
        )
        capture.settle(quiet=0.3)
        if not scenario.startswith("queued:"):
            page.click("#go")
        capture.settle(quiet=0.6, timeout=8)
        capture.check()
        sent = []
        for event in capture.events("wire"):
            if event.auto or event.name == "Pageview":
                continue
            body = event.body or {}
            sent.append(
                {
                    "event": body.get("event"),
                    "properties": body.get("properties"),
                    "event_id": body.get("event_id"),
                    "user": (body.get("context") or {}).get("user"),
                    "pixel": event.pixel_code,
                }
            )
        return sent
    finally:
        context.close()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_emulator_sends_what_the_real_sdk_sends(
    browser: Browser, test_pages: str, scenario: str
) -> None:
    emulated = _beacons(browser, test_pages, "emulated", scenario)
    real = _beacons(browser, test_pages, str(REAL_SDK), scenario)
    assert json.dumps(emulated, sort_keys=True) == json.dumps(real, sort_keys=True)


def test_a_nameless_track_is_quiet_not_lost(browser: Browser, test_pages: str) -> None:
    """track(undefined) sends nothing with the real SDK: the reconciliation says why (and
    EV002 reports the call), instead of "the capture may have ended"."""
    for sdk in ("emulated", str(REAL_SDK)):
        context = browser.new_context()
        capture = PixelCapture(sdk=sdk).attach(context)
        page = context.new_page()
        page.goto(f"{test_pages}/sdk-scenario.html#{quote('queued:ttq.track(undefined)')}")
        wire = capture.events
        capture.wait_for(lambda wire=wire: any(e.name == "Pageview" for e in wire("wire")), 15)
        capture.settle(quiet=0.5)
        report = capture.report(url="", browser=None, harness_version="test")
        context.close()
        assert report.reconciliation.lost_calls == []
        (quiet,) = [q for q in report.reconciliation.quiet_calls if q.method == "track"]
        assert quiet.behaviour == "track-needs-a-string-name"
        assert "EV002" in {f.code for f in report.findings}
        assert "TR002" not in {f.code for f in report.findings}
