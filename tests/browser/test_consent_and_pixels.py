"""Consent and per-pixel checks in a real browser: the emulator's `_ttp` cookie follows the
consent state, a plan's `require: {no_pixel_traffic_before_consent: true}` and `consent:` steps
work, and an event that reaches a pixel its expectation does not name fails the step."""

from __future__ import annotations

import time

from playwright.sync_api import BrowserContext, Page

from harness.browser.plan_run import run_journey
from harness.browser.recorder import PixelCapture
from harness.core.config import RulesConfig
from harness.core.plan.model import Plan

A, B = "CAAAAAAAAAAAAAAAAAA1", "CBBBBBBBBBBBBBBBBBB2"


def _cookies(page: Page) -> dict[str, dict]:  # type: ignore[type-arg]
    return {c["name"]: dict(c) for c in page.context.cookies()}


def test_the_ttp_cookie_waits_for_consent_and_becomes_anonymous_id(
    page: Page, ttq_capture: PixelCapture, test_pages: str
) -> None:
    page.goto(test_pages + "/consent-pixels.html")
    ttq_capture.settle(quiet=0.5)
    assert ttq_capture.events("wire") == []
    assert "_ttp" not in _cookies(page) and "_tt_enable_cookie" not in _cookies(page)
    page.evaluate("ttq.grantConsent()")
    assert ttq_capture.wait_for(lambda: len(ttq_capture.events("wire")) >= 2, timeout=5)
    cookies = _cookies(page)
    ttp = cookies["_ttp"]["value"]
    assert len(ttp) == 27 and cookies["_tt_enable_cookie"]["value"] == "1"
    days = (cookies["_ttp"]["expires"] - time.time()) / 86400
    assert 389 < days <= 390
    page.click("#to-both")
    assert ttq_capture.wait_for(
        lambda: any(e.name == "AddToCart" for e in ttq_capture.events("wire")), timeout=5
    )
    sent_after_grant = [e for e in ttq_capture.events("wire") if e.name == "AddToCart"]
    assert {e.user.get("anonymous_id") for e in sent_after_grant} == {ttp}


PLAN = {
    "pixels": {"main": A, "ads": B},
    "defaults": {"timeout": 4, "quiet": 0.3, "require": {"no_pixel_traffic_before_consent": True}},
    "journeys": [
        {
            "name": "consent-and-pixels",
            "steps": [
                {"goto": "consent-pixels.html"},
                # no pixel named: one page view per planned pixel
                {"consent": "grant", "expect": [{"event": "Pageview", "count": 1}]},
                {"click": "#to-both", "expect": [{"event": "AddToCart", "pixel": "main"}]},
                {
                    "click": "#to-both",
                    "expect": [{"event": "AddToCart", "pixel": "main", "other_pixels": "allow"}],
                },
                {"click": "#to-b", "expect": [{"event": "InitiateCheckout", "pixel": "ads"}]},
                {"consent": "revoke"},
                {"click": "#to-both", "never": ["AddToCart"]},
            ],
        }
    ],
}


def test_a_plan_checks_consent_and_which_pixels_each_event_reaches(
    context: BrowserContext, ttq_capture: PixelCapture, test_pages: str
) -> None:
    plan = Plan.model_validate(PLAN)
    result = run_journey(
        context,
        plan,
        plan.journeys[0],
        base_url=test_pages + "/",
        capture=ttq_capture,
        config=RulesConfig(),
    )
    steps = result.steps
    # held on load: nothing sent, no cookie; the consent step grants, the held page view leaves
    assert [s.ok for s in steps] == [True, True, False, True, True, True, True], steps
    assert {n.expected for n in steps[0].never} == {
        "pixel traffic before consent",
        "_ttp cookie set before consent",
    }
    assert all(n.found == 0 for n in steps[0].never)
    # a fan-out AddToCart also reached the ads pixel: the expectation names only main
    wrong = [n for n in steps[2].never if not n.ok]
    assert [(n.expected, n.pixel, n.found) for n in wrong] == [("AddToCart only to main", B, 1)]
    assert steps[2].expectations[0].ok
    # instance(B) reaches B only; after the revoke nothing leaves, and that is checked
    assert not any(n.found for n in steps[4].never)
    assert [n.expected for n in steps[6].never if n.expected.startswith("pixel traffic")] == [
        "pixel traffic before consent"
    ]
    assert result.failing_findings == 0, [f.message for f in result.findings]
