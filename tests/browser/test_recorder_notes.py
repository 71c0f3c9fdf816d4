"""The recorder's sendBeacon notes: a note with no call in its task waits to ride with the next
batch (one binding round trip instead of one each) and then orders nothing; a note sent in
the same task as a call still puts its beacon after the call (call_recorder.js)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from harness.browser.recorder import PixelCapture
from harness.core.model import RawRequest


class CountingCapture(PixelCapture):
    """Counts the recorder's binding calls (one per batch of reports)."""

    def __init__(self) -> None:
        super().__init__()
        self.batches = 0

    def _on_binding(self, source: dict[str, Any], payload: Any) -> None:
        self.batches += 1
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
