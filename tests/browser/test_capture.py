"""The capture itself: calls at the call site, beacons on the wire, nothing dropped."""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from harness.adapters.expect import ExpectEvent
from harness.browser import capture_waits
from harness.browser.recorder import PixelCapture
from harness.core.collector import RARE_FULL_COLLECTIONS
from harness.core.engine import run_rules
from harness.core.model import UndecodableBeacon

PIXEL = "CTESTPIXEL0000000001"


def test_calls_are_recorded_as_the_page_made_them(
    page: Page, ttq_capture: PixelCapture, expect_event: ExpectEvent, test_pages: str
) -> None:
    page.goto(test_pages + "/calls.html")
    page.click("#track-after-load")
    expect_event("AddToCart", source="call", content_id="7")
    call = next(c for c in ttq_capture.calls if c.method == "track")
    # the arguments exactly as passed: lowercase currency, the third argument kept
    assert call.args == [
        "AddToCart",
        {"content_id": "7", "value": 3, "currency": "usd"},
        {"event_id": "late-1"},
    ]
    assert call.page_url == test_pages + "/calls.html"
    assert call.location is not None
    assert re.fullmatch(re.escape(test_pages) + r"/calls\.html:\d+:\d+", call.location)
    # queued before the SDK loaded: load and page, from the base code's inline script
    assert [c.method for c in ttq_capture.calls][:2] == ["load", "page"]
    # on the wire the emulator upper-cased the currency, as the SDK does
    wire = expect_event("AddToCart", content_id="7", pixel=PIXEL, exactly=1)[0]
    assert wire.properties["currency"] == "USD" and wire.event_id == "late-1"


def test_values_json_cannot_hold_are_described_not_lost(
    page: Page, ttq_capture: PixelCapture, expect_event: ExpectEvent, test_pages: str
) -> None:
    page.goto(test_pages + "/calls.html")
    page.click("#odd-args")
    event = expect_event("Weird", source="call")[0]
    assert event.properties == {
        "when": {"__ttq_type__": "Date", "value": "1970-01-01T00:00:00.000Z"},
        "missing": {"__ttq_type__": "undefined"},
        "fn": {"__ttq_type__": "function", "name": "named"},
        "nan": {"__ttq_type__": "number", "value": "NaN"},
    }


def test_instance_calls_target_one_pixel(
    page: Page, ttq_capture: PixelCapture, expect_event: ExpectEvent, test_pages: str
) -> None:
    page.goto(test_pages + "/calls.html")
    page.click("#instance")
    call = expect_event("Subscribe", source="call", exactly=1)[0]
    assert call.pixel_code == PIXEL
    assert [c.method for c in ttq_capture.calls if c.pixel_code == PIXEL] == ["track"]
    expect_event("Subscribe", pixel=PIXEL, value=1)


def test_blob_beacon_bodies_are_captured(
    page: Page, expect_event: ExpectEvent, test_pages: str
) -> None:
    page.goto(test_pages + "/calls.html")
    page.click("#blob-beacon")
    assert expect_event("FromBlob", pixel=PIXEL)[0].event_id == "b-1"


def test_an_undecodable_beacon_is_kept_and_becomes_a_finding(
    page: Page, ttq_capture: PixelCapture, test_pages: str
) -> None:
    page.goto(test_pages + "/calls.html")
    page.click("#garbage-beacon")
    assert ttq_capture.wait_for(lambda: bool(ttq_capture.wire()[1]), timeout=5)
    (bad,) = ttq_capture.wire()[1]
    assert bad.request.body == '{"event": "Trunc'
    findings = run_rules([], undecodable=[bad])
    (finding,) = [f for f in findings if f.code == "TR001"]
    assert isinstance(bad, UndecodableBeacon)
    assert (finding.code, finding.severity.value, finding.source) == ("TR001", "error", "wire")
    assert "not JSON" in finding.message


def test_events_sent_while_leaving_the_page_are_captured(
    page: Page, ttq_capture: PixelCapture, expect_event: ExpectEvent, test_pages: str
) -> None:
    page.goto(test_pages + "/calls.html")
    expect_event("Pageview")
    page.click("#leave")  # a link click that tracks, then leaves; pagehide tracks again
    page.wait_for_url("**/calls-next.html")
    expect_event("ClickButton", content_name="leave", source="call")
    expect_event("ClickButton", content_name="leave", pixel=PIXEL)
    exit_call = expect_event("PageExit", source="call", exactly=1)[0]
    assert exit_call.call is not None and exit_call.call.frame_url == test_pages + "/calls.html"
    expect_event("PageExit", content_name="calls", pixel=PIXEL, exactly=1)


def test_consent_calls_are_recorded_and_the_emulator_holds_beacons(
    page: Page, ttq_capture: PixelCapture, expect_event: ExpectEvent, test_pages: str
) -> None:
    page.goto(test_pages + "/consent.html")
    expect_event("HeldEvent", source="call")
    expect_event("HeldEvent", never=True, timeout=1)  # held until consent is granted
    assert [c.method for c in ttq_capture.calls][:3] == ["holdConsent", "load", "page"]
    page.click("#grant")
    expect_event("HeldEvent", pixel=PIXEL, n=1, exactly=1)
    page.click("#revoke")
    expect_event("AfterRevoke", source="call", exactly=1)
    expect_event("AfterRevoke", never=True, timeout=1)
    assert [c.method for c in ttq_capture.calls if "Consent" in c.method] == [
        "holdConsent",
        "grantConsent",
        "revokeConsent",
    ]


def test_the_recorder_does_not_change_what_the_page_sees(
    page: Page, ttq_capture: PixelCapture, test_pages: str
) -> None:
    # The same page without the harness's recorder, in a second context with no capture; the
    # pixel script is blocked in both, so the queue stays as the base code left it.
    context = page.context.browser.new_context()  # type: ignore[union-attr]
    try:
        bare = context.new_page()
        for target in (page, bare):
            target.route("https://analytics.tiktok.com/**", lambda route: route.abort())
            target.route("https://example.invalid/**", lambda route: route.abort())
            target.goto(test_pages + "/fingerprint.html")
        assert page.evaluate("fingerprint()") == bare.evaluate("fingerprint()")
    finally:
        context.close()
    assert [c.method for c in ttq_capture.calls] == ["load", "page"]  # still recorded


def test_a_report_since_a_mark_holds_only_what_came_after_it(
    page: Page, ttq_capture: PixelCapture, demo_site: str
) -> None:
    """One capture watching a tab go from page to page (an audit's): each page's report is
    what arrived since its mark, its documents, calls and beacons; nothing of the page before."""
    first, second = demo_site + "/shop/index.html", demo_site + "/shop/product.html?id=301"
    page.goto(first)
    ttq_capture.settle(quiet=0.3)
    mark = ttq_capture.next_index
    page.goto(second)
    ttq_capture.settle(quiet=0.3)
    whole = ttq_capture.report(url=first, browser=None, harness_version="test")
    since = ttq_capture.report(url=second, browser=None, harness_version="test", since=mark)
    assert {first, second} <= {e.page_url for e in whole.events}
    assert since.events and {e.page_url for e in since.events} == {second}
    assert [e.name for e in since.events if e.source == "wire"].count("Pageview") == 1
    assert since.calls and all(c.index >= mark for c in since.calls)
    assert {d.url for d in since.documents if d.main_frame} == {second}
    assert len(since.requests) < len(whole.requests)
    assert not [f for f in since.findings if f.code.startswith("CH")]  # nothing looks unseen
    assert since.reconciliation.lost_calls == []  # every call of the page has its beacon


def test_full_collections_are_rare_while_a_capture_is_attached(page: Page) -> None:
    # The capture's heap grows with the events; full collections walking it made a
    # 10,000-event burst grow faster than its events (collector.rare_full_collections).
    before = gc.get_threshold()
    assert before[2] < RARE_FULL_COLLECTIONS  # no capture left attached by another test
    context = page.context.browser.new_context()  # type: ignore[union-attr]
    PixelCapture().attach(context)
    assert gc.get_threshold() == (before[0], before[1], RARE_FULL_COLLECTIONS)
    context.close()
    assert gc.get_threshold() == before


def _later_event(capture: PixelCapture) -> bool:
    return any(e.name == "Later" for e in capture.events("wire"))


def _slow_page_said_hello(capture: PixelCapture) -> bool:
    report = capture.report(url="", browser=None, harness_version="test")
    return any("slow-parse" in (d.url or "") and d.recorder for d in report.documents)


@pytest.mark.parametrize(
    ("script", "arrived"),
    [
        ("setTimeout(() => ttq.track('Later', {value: 1}), 100)", _later_event),
        # a page without the pixel sends no call and no request; its recorder's hello comes
        # 300 ms after its navigation's response (the page holds its parser), on its own
        (
            "setTimeout(() => { location.href = 'capture/slow-parse.html'; }, 100)",
            _slow_page_said_hello,
        ),
    ],
    ids=["event", "document"],
)
def test_a_wait_ends_as_what_it_waits_for_arrives_not_at_its_next_look(
    page: Page,
    ttq_capture: PixelCapture,
    test_pages: str,
    monkeypatch: pytest.MonkeyPatch,
    script: str,
    arrived: Callable[[PixelCapture], bool],
) -> None:
    # The wait used to look every 50 ms (a round trip each); now an arrival wakes it. With a
    # minute between looks, only the arrival can end it within the bound below.
    monkeypatch.setattr(capture_waits, "_LOOK_MS", 60_000.0)
    page.goto(test_pages + "/calls.html")
    ttq_capture.settle(quiet=0.3)
    page.evaluate(script)
    started = time.monotonic()
    assert ttq_capture.wait_for(lambda: arrived(ttq_capture), timeout=60)
    assert time.monotonic() - started < 30
