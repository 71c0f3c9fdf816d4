"""The recorder's sendBeacon notes: a note with no call in its task waits to ride with the next
batch (one binding round trip instead of one each) and then orders nothing; a note sent in
the same task as a call still puts its beacon after the call (call_recorder.js)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playwright.sync_api import Browser, Page

from harness.browser.recorder import PixelCapture
from harness.core.model import RawRequest

REAL_SDK = Path(__file__).resolve().parents[1] / "data" / "real-sdk" / "pixel-2.1.33"


class CountingCapture(PixelCapture):
    """Counts the recorder's binding calls (one per batch of reports), and keeps each
    batch's record kinds."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.batches = 0
        self.kinds: list[list[str]] = []

    def _on_binding(self, source: dict[str, Any], payload: Any) -> None:
        self.batches += 1
        records = json.loads(payload) if isinstance(payload, str) else payload
        records = records if isinstance(records, list) else [records]
        self.kinds.append([str(r.get("kind")) for r in records if isinstance(r, dict)])
        super()._on_binding(source, payload)


def _open(page: Page, test_pages: str) -> CountingCapture:
    capture = CountingCapture().attach(page.context)
    page.goto(test_pages + "/notes.html")
    capture.settle(quiet=0.5)  # the pixel loaded and sent its page view
    capture.check()
    return capture


def _beacon(capture: PixelCapture, name: str) -> RawRequest:
    return next(r for r in capture.requests if r.body and f'"event":"{name}"' in r.body)


def _notes(capture: PixelCapture, prefix: str) -> list[dict[str, Any]]:
    return [n for n in capture.beacon_notes if f'"event":"{prefix}' in str(n.get("body"))]


def test_stray_notes_share_one_binding_call_and_all_arrive(page: Page, test_pages: str) -> None:
    capture = _open(page, test_pages)
    before = capture.batches
    page.click("#stray")  # four sendBeacons, each in a task of its own, no ttq call
    assert capture.wait_for(lambda: len(_notes(capture, "Stray")) == 4, timeout=5)
    # one binding call for the four (each used to cost one); timers run in due order, so the
    # last beacon (30 ms) is noted before the notes' 200 ms wait ends
    assert capture.batches - before == 1
    assert all(note.get("deferred") is True for note in _notes(capture, "Stray"))
    assert [_beacon(capture, f"Stray{i}").method for i in range(4)] == ["POST"] * 4


def test_a_note_in_the_calls_task_still_orders_its_beacon_after_the_call(
    page: Page, test_pages: str
) -> None:
    capture = _open(page, test_pages)
    page.click("#same-task")  # ttq.track('Lead'), then a sendBeacon, in one task
    assert capture.wait_for(lambda: bool(_notes(capture, "SameTask")), timeout=5)
    assert "deferred" not in _notes(capture, "SameTask")[0]
    lead = next(c for c in capture.calls if c.method == "track" and c.args[0] == "Lead")
    assert _beacon(capture, "SameTask").index > lead.index


def test_a_waiting_note_does_not_move_its_beacon_after_a_later_call(
    page: Page, test_pages: str
) -> None:
    capture = _open(page, test_pages)
    page.click("#then-call")  # a sendBeacon, then ttq.track('Later') 50 ms on
    assert capture.wait_for(
        lambda: bool(_notes(capture, "Early")) and any(c.method == "track" for c in capture.calls),
        timeout=5,
    )
    # the note rode with the later call's batch, marked as waiting: the beacon keeps its place
    assert _notes(capture, "Early")[0].get("deferred") is True
    later = next(c for c in capture.calls if c.method == "track" and c.args[0] == "Later")
    assert _beacon(capture, "Early").index < later.index


def test_the_idle_question_flushes_waiting_notes(page: Page, test_pages: str) -> None:
    capture = _open(page, test_pages)
    page.evaluate("beacon('Asked')")  # noted; its note waits up to 200 ms
    # the recorder's answer to "is the page idle?" comes after the note it was holding
    capture.pending(0.0)
    capture.pump(1)
    assert _notes(capture, "Asked")


def test_a_page_clearing_every_timer_does_not_strand_a_waiting_note(
    page: Page, test_pages: str
) -> None:
    capture = _open(page, test_pages)
    page.click("#then-clear-all")  # a sendBeacon, then clearTimeout/clearInterval of ids 0-4999
    # no idle question and no later batch: only the note's own timer can send it
    assert capture.wait_for(lambda: bool(_notes(capture, "Cleared")), timeout=3)


def test_the_real_sdk_beacons_ride_one_batch_after_their_calls(
    browser: Browser, test_pages: str
) -> None:
    # TikTok's pixel.js 2.1.33 sends a task's beacons in a later task than its calls: their
    # notes wait and go together (one binding call for three, one each before), and each
    # beacon still follows its own call in the capture
    scenario = (
        "ttq.track('ViewContent', {content_id: 'a'}); ttq.track('AddToCart', {content_id: 'a'});"
        " ttq.track('PlaceAnOrder', {content_id: 'a'})"
    )
    context = browser.new_context()
    try:
        capture = CountingCapture(sdk=str(REAL_SDK)).attach(context)
        page = context.new_page()
        page.goto(f"{test_pages}/sdk-scenario.html#{quote(scenario)}")
        assert capture.wait_for(
            lambda: any(e.name == "Pageview" for e in capture.events("wire")), timeout=15
        )
        capture.settle(quiet=0.5)
        before = capture.batches
        page.click("#go")
        capture.settle(quiet=0.8, timeout=8)
        capture.check()
        after = capture.kinds[before:]
        assert ["call", "call", "call"] in after
        assert ["beacon", "beacon", "beacon"] in after  # the three notes: one binding call
        assert capture.batches - before == 2
        tracked = ("ViewContent", "AddToCart", "PlaceAnOrder")
        notes = [note for name in tracked for note in _notes(capture, name)]
        assert len(notes) == 3 and all(note.get("deferred") is True for note in notes)
        report = capture.report(url="", browser=None, harness_version="test")
        pairs = [p for p in report.reconciliation.pairs if p.call_name in tracked]
        assert [p.call_name for p in pairs] == list(tracked)
        assert all(p.beacon_index > p.call_index for p in pairs)
        assert report.reconciliation.lost_calls == [] and report.reconciliation.differences == []
    finally:
        context.close()


def test_a_waiting_note_leaves_when_its_page_unloads(page: Page, test_pages: str) -> None:
    capture = _open(page, test_pages)
    # noted; its note would wait up to 200 ms for a batch, but the page is gone after 30 ms
    page.evaluate("beacon('Gone'); setTimeout(() => { location.href = 'calls.html'; }, 30)")
    page.wait_for_url("**/calls.html")
    assert capture.wait_for(lambda: bool(_notes(capture, "Gone")), timeout=5)


def test_a_documents_hello_rides_with_its_first_calls(page: Page, test_pages: str) -> None:
    # notes.html runs the base code (ttq.load, ttq.page) in its head: one binding call says
    # hello and brings those calls, instead of two
    capture = _open(page, test_pages)
    assert ["hello", "pixel-global", "call", "call"] in capture.kinds
    assert ["hello"] not in capture.kinds  # (the page's about:blank was there before attach)


def test_a_page_without_the_pixel_still_says_hello(page: Page, test_pages: str) -> None:
    # no batch to ride with: the held hello leaves on its own (DOMContentLoaded at the latest)
    capture = CountingCapture().attach(page.context)
    page.goto(test_pages + "/capture/no-pixel.html", wait_until="domcontentloaded")
    assert capture.wait_for(lambda: ["hello"] in capture.kinds, timeout=5)
    (document,) = [d for d in capture._documents.values() if d.url and "no-pixel" in d.url]
    assert document.recorder and document.status == 200


def test_a_document_that_leaves_while_parsing_keeps_its_hello(page: Page, test_pages: str) -> None:
    # it navigates away from its head and never reaches DOMContentLoaded: its hello leaves as
    # it unloads, by beacon, after the next document's response, and is matched by its URL
    capture = PixelCapture().attach(page.context)
    page.goto(test_pages + "/leaves-while-parsing.html", wait_until="commit")
    page.wait_for_url("**/notes.html")
    capture.settle(quiet=0.3)
    documents = {d.url.rsplit("/", 1)[-1]: d for d in capture._documents.values() if d.url}
    left = documents["leaves-while-parsing.html"]
    assert (left.status, left.recorder) == (200, True)
    assert documents["notes.html"].recorder and len(documents) == 2
