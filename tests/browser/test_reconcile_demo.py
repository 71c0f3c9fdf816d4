"""Reconciliation of a real emulated journey: the demo shop's purchase, calls against beacons."""

from __future__ import annotations

from playwright.sync_api import Page

from harness.browser.recorder import PixelCapture


def test_the_purchase_journey_reconciles_every_call_and_beacon(
    page: Page, ttq_capture: PixelCapture, demo_site: str
) -> None:
    shop = demo_site + "/shop"
    page.goto(f"{shop}/product.html?id=301")
    page.click("#add-to-cart")
    page.click("#nav-cart")
    page.click("#checkout")
    page.wait_for_url("**/checkout.html")
    page.fill("#email", "Jane.Doe@Example.com")
    page.fill("#phone", "+1 202 555 0123")
    page.click("#place-order")
    page.wait_for_url("**/thank-you.html?order=*")
    ttq_capture.wait_for(
        lambda: any(e.name == "CompletePayment" for e in ttq_capture.events("wire")), timeout=10
    )
    ttq_capture.settle(quiet=0.5)
    report = ttq_capture.report(url=page.url, browser=None, harness_version="test")
    result = report.reconciliation
    calls = {c.index: c for c in report.calls}

    # every call is paired, quiet by design, or lost: here none is lost
    assert result.lost_calls == []
    explained = {p.call_index for p in result.pairs} | {q.call_index for q in result.quiet_calls}
    assert explained == {i for i, c in calls.items() if not c.method.startswith("harness:")}

    # CompletePayment on the thank-you page is paired with its call
    [payment] = [p for p in result.pairs if p.event_name == "CompletePayment"]
    assert calls[payment.call_index].method == "track"
    assert calls[payment.call_index].args[0] == "CompletePayment"

    # identify sends nothing itself; the SDK's EnrichAM after it is explained by it
    identifies = {i for i, c in calls.items() if c.method == "identify"}
    quiet = {q.call_index: q for q in result.quiet_calls}
    assert identifies and all(quiet[i].behaviour == "identify-to-context-user" for i in identifies)
    enrich = [b for b in result.unexplained_beacons if b.name == "EnrichAM"]
    assert enrich and all(b.origin == "enrich-am" and b.call_index in identifies for b in enrich)
    assert {b.origin for b in result.unexplained_beacons} <= {"automatic", "enrich-am"}

    # the hashed identify values on later beacons are what the SDK makes of them
    assert [d for d in result.differences if d.behaviour is None] == []
    assert "TR011" not in [f.code for f in report.findings]
