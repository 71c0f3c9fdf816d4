"""Event-driven waits: a step ends when the page provably has nothing left to send within its
quiet window (no timer due, no request in flight, reports flushed), not after a fixed quiet.
Counted, not timed: what was captured when the wait returned and how it ended."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Route

from harness.browser.plan_run import run_journey
from harness.browser.recorder import PixelCapture
from harness.core.config import RulesConfig
from harness.core.plan.model import Plan
from harness.core.plan.result import JourneyResult


def _names(capture: PixelCapture) -> list[str]:
    return [e.name for e in capture.events() if e.source == "call"]


def _journey(
    context: BrowserContext, capture: PixelCapture, test_pages: str, *steps: dict[str, Any]
) -> JourneyResult:
    """A journey on idle.html (quiet 0.5 s): its Pageview, then `steps`."""
    first = {"goto": "idle.html", "expect": ["Pageview"]}
    plan = Plan.model_validate(
        {"journeys": [{"name": "late", "steps": [first, *steps]}], "defaults": {"quiet": 0.5}}
    )
    return run_journey(
        context,
        plan,
        plan.journeys[0],
        base_url=test_pages + "/",
        capture=capture,
        config=RulesConfig(),
    )


def test_a_timer_due_within_the_window_holds_the_wait_until_it_has_sent(
    page: Page, ttq_capture: PixelCapture, test_pages: str
) -> None:
    page.goto(test_pages + "/idle.html")
    ttq_capture.settle(quiet=0.5)
    page.click("#late")  # ttq.track('Late') 300 ms later
    assert (ttq_capture.pending(0.5) or 0) >= 1
    assert ttq_capture.wait_idle(window=0.5, quiet=0.5, timeout=5)  # proven, not timed out
    assert "Late" in _names(ttq_capture)  # the wait covered the timer and its beacon
    assert any(e.name == "Late" for e in ttq_capture.events() if e.source == "wire")


def test_cleared_and_far_timers_do_not_hold_a_step(
    page: Page, ttq_capture: PixelCapture, test_pages: str
) -> None:
    page.goto(test_pages + "/idle.html")
    ttq_capture.settle(quiet=0.5)
    page.click("#cleared")  # one timer cleared, one due in 60 s
    assert ttq_capture.wait_idle(window=0.5, quiet=0.5, timeout=5)
    assert ttq_capture.pending(0.5) == 0
    assert ttq_capture.pending(61) == 1  # the far timer is seen, just not within the window
    assert "Never" not in _names(ttq_capture)


def test_a_page_that_never_idles_falls_back_to_the_quiet_of_silence(
    page: Page, ttq_capture: PixelCapture, test_pages: str
) -> None:
    page.goto(test_pages + "/idle.html")
    ttq_capture.settle(quiet=0.5)
    page.click("#ticking")  # a 100 ms interval, forever
    assert (ttq_capture.pending(0.5) or 0) >= 1
    assert not ttq_capture.wait_idle(window=0.5, quiet=0.3, timeout=5)  # silence ended it
    assert page.evaluate("window.ticks") > 0  # the interval itself still runs


def test_a_request_in_flight_holds_the_wait(
    page: Page, ttq_capture: PixelCapture, test_pages: str
) -> None:
    held: list[Route] = []
    page.route("**/slow-api", lambda route: held.append(route))  # answered when the test says
    page.goto(test_pages + "/idle.html")
    ttq_capture.settle(quiet=0.5)
    page.evaluate("() => { fetch('/slow-api').then(() => ttq.track('Answered')); }")
    ttq_capture.wait_for(lambda: bool(held), timeout=5)
    assert (ttq_capture.pending(0) or 0) >= 1
    assert not ttq_capture.wait_idle(window=0.0, quiet=0.3, timeout=5)  # held: never idle
    held[0].fulfill(status=200, body="{}")
    assert ttq_capture.wait_idle(window=0.0, quiet=2.0, timeout=5)
    ttq_capture.wait_for(lambda: "Answered" in _names(ttq_capture), timeout=5)
    assert ttq_capture.pending(0) == 0


def test_the_page_keeps_its_timer_semantics(
    page: Page, ttq_capture: PixelCapture, test_pages: str
) -> None:
    page.goto(test_pages + "/idle.html")
    got = page.evaluate("checkTimers()")
    assert got == {
        "self": True,
        "args": ["x", 2],
        "idType": "number",
        "interval": 2,
        "fromString": 1,
        "infinity": True,  # a delay of Infinity runs at once in Chromium, wrapped or not
        "cleared": "number",
    }


def test_a_never_step_still_sees_an_event_its_timer_sends_later(
    context: BrowserContext, ttq_capture: PixelCapture, test_pages: str
) -> None:
    result = _journey(
        context,
        ttq_capture,
        test_pages,
        {"click": "#late", "never": [{"event": "Late", "source": "call"}]},
        {"click": "#cleared", "never": [{"event": "Never", "source": "call"}]},
    )
    assert [s.ok for s in result.steps] == [True, False, True], result.steps
    assert [n.found for n in result.steps[1].never] == [1]


def test_animation_frames_hold_the_wait_like_timers(
    page: Page, ttq_capture: PixelCapture, test_pages: str
) -> None:
    page.goto(test_pages + "/idle.html")
    ttq_capture.settle(quiet=0.5)
    page.click("#frames")  # ttq.track('Bad') after 20 animation frames, no timer
    assert ttq_capture.wait_idle(window=0.5, quiet=0.5, timeout=5)
    assert "Bad" in _names(ttq_capture)


def test_a_late_event_stays_with_the_step_that_caused_it(
    context: BrowserContext, ttq_capture: PixelCapture, test_pages: str
) -> None:
    result = _journey(
        context,
        ttq_capture,
        test_pages,
        {"click": "#a-then-b", "expect": [{"event": "A", "source": "call"}]},
        {"click": "#noop", "expect": [{"event": "B", "source": "call"}]},
        {"click": "#frames", "never": [{"event": "Bad", "source": "call"}]},
    )
    # B (250 ms after A) is step 2's, so step 3 never sees it; Bad breaks step 4's never
    assert [s.ok for s in result.steps] == [True, True, False, False], result.steps


REAL_SDK = Path(__file__).resolve().parents[1] / "data" / "real-sdk" / "pixel-2.1.33"


def test_with_tiktoks_real_sdk_a_late_event_holds_the_wait_until_its_beacon_is_sent(
    browser: Browser, test_pages: str
) -> None:
    """TikTok's pixel.js 2.1.33 batches and defers its beacons its own way: the idle proof must
    still cover them (the emulator is our reading of it, this is the SDK itself)."""
    context = browser.new_context()
    capture = PixelCapture(sdk=str(REAL_SDK)).attach(context)
    page = context.new_page()
    try:
        page.goto(test_pages + "/idle.html")
        capture.settle(quiet=0.5, timeout=10)
        assert any(e.name == "Pageview" for e in capture.events("wire"))
        page.click("#late")  # ttq.track('Late') 300 ms later
        assert capture.wait_idle(window=0.5, quiet=0.5, timeout=10)  # proven, not timed out
        assert "Late" in _names(capture)
        assert any(e.name == "Late" for e in capture.events("wire"))  # sent by the real SDK
        page.click("#cleared")  # nothing within the window: the wait ends without an event
        assert capture.wait_idle(window=0.5, quiet=0.5, timeout=10)
        assert "Never" not in _names(capture)
    finally:
        context.close()
