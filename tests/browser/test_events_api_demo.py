"""The demo shop's back end sends CompletePayment to the local Events API sink: on the shop the
browser and server copies share event and event_id (no EA finding); on the broken twin the
back end gets PlaceAnOrder's event_id, and exactly that mistake is reported (EA005)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from harness.adapters.pytest_plugin import FindingsProbe
from harness.browser.events_api_sink import EventsApiSink
from harness.browser.server import SiteServer
from harness.core.config import RulesConfig


@pytest.fixture
def shop_with_back_end(ttq_events_api: EventsApiSink) -> Iterator[str]:
    with SiteServer(events_api_url=ttq_events_api.url) as server:
        yield server.base_url


def _buy(page: Page, base: str) -> str:
    page.goto(f"{base}/product.html?id=301")
    page.click("#add-to-cart")
    page.click("#nav-cart")
    page.click("#checkout")
    page.wait_for_url("**/checkout.html")
    page.fill("#email", "Jane.Doe@Example.com")
    page.fill("#phone", "+1 202 555 0123")
    page.click("#place-order")
    page.wait_for_url("**/thank-you.html?order=*")
    return page.url.rsplit("order=", 1)[1]


def test_shop_browser_and_server_purchase_share_the_event_id(
    page: Page, ttq_findings: FindingsProbe, ttq_events_api: EventsApiSink, shop_with_back_end: str
) -> None:
    order_id = _buy(page, shop_with_back_end + "/shop")
    (record,) = ttq_events_api.wait_for(1)
    assert record.ok, record.problems
    report = ttq_findings.report()
    (server,) = ttq_events_api.events
    browser = [e for e in report.events if e.source == "wire" and e.name == "CompletePayment"]
    assert [e.event_id for e in browser] == [f"purchase-{order_id}"]
    assert (server.name, server.event_id) == ("CompletePayment", f"purchase-{order_id}")
    assert server.user["email"] and "@" not in server.user["email"]
    assert ttq_events_api.findings(report, RulesConfig(uses_events_api=True)) == []


def test_broken_twin_back_end_mismatch_is_the_one_ea_finding(
    page: Page, ttq_findings: FindingsProbe, ttq_events_api: EventsApiSink, shop_with_back_end: str
) -> None:
    order_id = _buy(page, shop_with_back_end + "/broken-shop")
    (record,) = ttq_events_api.wait_for(1)
    assert record.ok, record.problems
    report = ttq_findings.report()
    found = ttq_events_api.findings(report, RulesConfig(uses_events_api=True))
    assert [(f.code, f.event_name, f.path) for f in found] == [
        ("EA005", "PlaceAnOrder", "event")
    ], [f.message for f in found]
    assert f"order-{order_id}" in found[0].message
