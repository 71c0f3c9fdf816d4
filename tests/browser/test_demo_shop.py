"""The bundled demo shop (sites/shop) and its broken twin, driven through the pytest plugin.

These are also the examples of how to use `expect_event` in a real suite.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Request, Route

from harness.adapters.expect import ExpectEvent
from harness.browser.recorder import PixelCapture

PIXEL = "CDEMO00SHOP00PIXEL01"
PIXEL_2 = "CDEMO00SHOP00PIXEL02"
DRESS = {
    "content_id": "301",
    "content_type": "product",
    "content_name": "Summer Dress",
    "price": 8,
    "quantity": 1,
}


def test_product_page_sends_view_content_at_call_and_on_wire(
    page: Page, expect_event: ExpectEvent, demo_site: str
) -> None:
    page.goto(demo_site + "/shop/product.html?id=301")
    call = expect_event("ViewContent", source="call", contents=[DRESS], value=8, exactly=1)[0]
    wire = expect_event(
        "ViewContent", pixel=PIXEL, contents=[DRESS], value=8, currency="USD", exactly=1
    )[0]
    assert call.event_id.startswith("evt-") and wire.event_id == call.event_id
    assert wire.page_url == demo_site + "/shop/product.html?id=301"
    assert wire.library_name == "pixel.js"
    expect_event.in_order("Pageview", "ViewContent", pixel=PIXEL)


def test_add_to_cart_fires_on_every_click(
    page: Page, expect_event: ExpectEvent, demo_site: str
) -> None:
    page.goto(demo_site + "/shop/product.html?id=401")
    page.click("#add-to-cart")
    page.click("#add-to-cart")
    events = expect_event("AddToCart", pixel=PIXEL, value=1.2, currency="USD", exactly=2)
    assert len({e.event_id for e in events}) == 2  # a fresh event_id per click


def test_purchase_journey_sends_every_step_in_order(
    page: Page, ttq_capture: PixelCapture, expect_event: ExpectEvent, demo_site: str
) -> None:
    page.goto(demo_site + "/shop/product.html?id=301")
    page.click("#add-to-cart")
    page.click("#add-to-cart")
    page.goto(demo_site + "/shop/product.html?id=401")
    page.click("#add-to-cart")
    page.click("#nav-cart")
    page.click("#checkout")
    page.wait_for_url("**/checkout.html")
    page.click("#add-payment")
    page.fill("#email", " Jane.Doe@Example.com ")
    page.fill("#phone", "+1 202-555-0123")
    page.click("#place-order")
    page.wait_for_url("**/thank-you.html?order=*")

    cart = {
        "value": 17.2,
        "currency": "USD",
        "contents": [
            {**DRESS, "quantity": 2},
            {
                "content_id": "401",
                "content_type": "product",
                "content_name": "Hair Clip",
                "price": 1.2,
                "quantity": 1,
            },
        ],
    }
    for name in ("InitiateCheckout", "AddPaymentInfo", "PlaceAnOrder", "CompletePayment"):
        expect_event(name, pixel=PIXEL, exactly=1, **cart)
    expect_event("ProductPageExit", content_id="301", exactly=1)  # sent from pagehide
    expect_event("ProductPageExit", content_id="401", exactly=1)
    expect_event.in_order(
        "ViewContent",
        "AddToCart",
        "InitiateCheckout",
        "AddPaymentInfo",
        "PlaceAnOrder",
        "CompletePayment",
    )
    order = expect_event("PlaceAnOrder", exactly=1)[0]
    purchase = expect_event("CompletePayment", exactly=1)[0]
    assert order.event_id.startswith("order-")
    assert purchase.event_id == "purchase-" + order.event_id.removeprefix("order-")
    # identify: normalised by the page, hashed by the pixel, carried in context.user
    identify = next(c for c in ttq_capture.calls if c.method == "identify")
    assert identify.args == [{"email": "jane.doe@example.com", "phone_number": "+12025550123"}]
    assert order.user == {
        "email": "86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d",
        "phone_number": "d5ab8b77e69a81dfc634c3556c620d5d6753df6fc28c73c88c79a9332b705382",
    }


def test_signup_identifies_and_fires_a_custom_event(
    page: Page, ttq_capture: PixelCapture, expect_event: ExpectEvent, demo_site: str
) -> None:
    page.goto(demo_site + "/shop/signup.html")
    page.fill("#signup-email", "new@example.com")
    page.fill("#signup-phone", "+44 20 7946 0958")
    page.click("#signup-submit")
    expect_event("CompleteRegistration", pixel=PIXEL, content_name="signup", exactly=1)
    custom = expect_event("start_free_trial", pixel=PIXEL, content_name="free-trial")[0]
    assert set(custom.user) == {"email", "phone_number", "external_id"}
    # The page hashes its customer id; the pixel sends external_id exactly as given.
    identify = next(c for c in ttq_capture.calls if c.method == "identify")
    assert custom.user["external_id"] == identify.args[0]["external_id"]
    assert re.fullmatch(r"[0-9a-f]{64}", custom.user["external_id"])
    expect_event("EnrichAM", pixel=PIXEL)


@pytest.mark.parametrize("text", ["", "abc", "user-lx2k9f3a7q", "é" * 40, "x" * 55, "x" * 64])
def test_the_shops_sha256_helper_is_sha256(page: Page, demo_site: str, text: str) -> None:
    page.goto(demo_site + "/shop/index.html")
    assert (
        page.evaluate("t => DemoShop.sha256Hex(t)", text)
        == hashlib.sha256(text.encode("utf-8")).hexdigest()
    )


def test_search_sends_the_query(page: Page, expect_event: ExpectEvent, demo_site: str) -> None:
    page.goto(demo_site + "/shop/search.html")
    page.fill("#search-input", "dress")
    page.click("#search-submit")
    event = expect_event("Search", pixel=PIXEL, query="dress", exactly=1)[0]
    assert [item["content_id"] for item in event.properties["contents"]] == ["301", "302"]


def test_spa_route_changes_send_pageviews_with_the_spa_referrer(
    page: Page, expect_event: ExpectEvent, demo_site: str
) -> None:
    page.goto(demo_site + "/shop/app/")
    expect_event("Pageview", pixel=PIXEL, exactly=1)
    page.click("#spa-deals")
    page.click("#spa-deal-301")
    views = expect_event("Pageview", pixel=PIXEL, exactly=3)
    assert [urlsplit(v.page_url or "").path for v in views] == [
        "/shop/app/",
        "/shop/app/deals",
        "/shop/app/deals/301",
    ]
    assert views[2].referrer == demo_site + "/shop/app/deals"
    expect_event("ViewContent", pixel=PIXEL, contents=[DRESS], exactly=1)
    page.go_back()
    expect_event("Pageview", pixel=PIXEL, exactly=4)


def test_spa_deep_link_is_served_and_tracked(
    page: Page, expect_event: ExpectEvent, demo_site: str
) -> None:
    page.goto(demo_site + "/shop/app/deals/301")
    assert page.get_attribute("#spa-view", "data-route") == "deal-301"
    expect_event("ViewContent", pixel=PIXEL, contents=[DRESS], exactly=1)


def test_popup_events_are_captured(
    page: Page, context: BrowserContext, expect_event: ExpectEvent, demo_site: str
) -> None:
    page.goto(demo_site + "/shop/product.html?id=301")
    with context.expect_page() as popup_info:
        page.click("#open-size-guide")
    popup = popup_info.value
    popup.wait_for_load_state()
    event = expect_event("ViewSizeGuide", pixel=PIXEL, content_id="301", exactly=1)[0]
    assert (event.page_url or "").endswith("/shop/size-guide.html?id=301")


def test_iframe_events_are_captured(page: Page, expect_event: ExpectEvent, demo_site: str) -> None:
    page.goto(demo_site + "/shop/index.html")
    page.frame_locator("#newsletter-frame").locator("#subscribe").click()
    event = expect_event("Subscribe", pixel=PIXEL, content_name="newsletter", exactly=1)[0]
    assert (event.page_url or "").endswith("/shop/newsletter-frame.html")
    assert len(expect_event("Pageview", pixel=PIXEL, at_least=2)) == 2  # page + iframe


def test_broken_twin_sends_everything_to_two_pixels(
    page: Page, expect_event: ExpectEvent, demo_site: str
) -> None:
    page.goto(demo_site + "/broken-shop/product.html?id=301")
    for pixel in (PIXEL, PIXEL_2):
        expect_event("Pageview", pixel=pixel, exactly=1)
        # the page's mistakes reach the wire: a string value; the pixel upper-cases currency
        expect_event("ViewContent", pixel=pixel, value="8.00", currency="USD", exactly=1)
    expect_event("ViewContent", source="call", value="8.00", currency="usd", exactly=1)


def test_broken_twin_mistakes_are_visible_at_the_call(
    page: Page, expect_event: ExpectEvent, demo_site: str
) -> None:
    page.goto(demo_site + "/broken-shop/search.html?q=dress")
    search = expect_event("Search", source="call", exactly=1)[0]
    assert search.properties == "dress"  # the page passed a string
    wire = expect_event("Search", pixel=PIXEL, exactly=1)[0]
    assert wire.properties == {"0": "d", "1": "r", "2": "e", "3": "s", "4": "s"}


def test_broken_twin_reserved_names_are_mapped_on_the_wire(
    page: Page, expect_event: ExpectEvent, demo_site: str
) -> None:
    page.goto(demo_site + "/broken-shop/product.html?id=301")
    page.click("#add-to-cart")
    page.click("#nav-cart")
    page.click("#checkout")
    page.wait_for_url("**/checkout.html")
    expect_event("StartCheckout", source="call", exactly=1)
    expect_event("InitiateCheckout", pixel=PIXEL_2, exactly=1)
    expect_event("StartCheckout", never=True)


def test_no_request_leaves_the_machine_during_the_journey(
    context: BrowserContext,
    page: Page,
    ttq_capture: PixelCapture,
    expect_event: ExpectEvent,
    demo_site: str,
) -> None:
    escaped: list[str] = []

    def outside(route: Route, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        if host in ("127.0.0.1", "localhost", "::1") or request.url.startswith(("data:", "blob:")):
            route.fallback()
        else:
            escaped.append(request.url)
            route.abort()

    # Registered after the capture, so it sees every request first; pixel hosts fall back to
    # the capture, which answers them locally.
    context.route(
        "**/*",
        lambda route, request: (
            route.fallback()
            if urlsplit(request.url).hostname in ttq_capture.hosts
            else outside(route, request)
        ),
    )
    page.goto(demo_site + "/shop/index.html")
    page.frame_locator("#newsletter-frame").locator("#subscribe").click()
    page.click("#browse-dresses")
    page.click("#product-link-301")
    page.click("#add-to-cart")
    page.click("#nav-cart")
    page.click("#checkout")
    page.wait_for_url("**/checkout.html")
    page.fill("#email", "a@example.com")
    page.fill("#phone", "+12025550123")
    page.click("#place-order")
    page.wait_for_url("**/thank-you.html?order=*")
    expect_event("CompletePayment", pixel=PIXEL)
    assert escaped == []
    pixel_requests = ttq_capture.requests
    assert pixel_requests and all(
        urlsplit(r.url).hostname in ttq_capture.hosts for r in pixel_requests
    )


@pytest.mark.parametrize("site", ["shop", "broken-shop"])
def test_every_page_sends_its_pageview_at_call_and_on_wire(
    page: Page, ttq_capture: PixelCapture, demo_site: str, site: str
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    pixels = [PIXEL] if site == "shop" else [PIXEL, PIXEL_2]
    paths = [
        "index.html",
        "category.html?c=dresses",
        "product.html?id=301",
        "size-guide.html?id=301",
        "cart.html",
        "checkout.html",
        "thank-you.html",
        "search.html?q=clip",
        "signup.html",
        "app/",
    ]
    for path in paths:
        url = f"{demo_site}/{site}/{path}"
        page.goto(url)
        ttq_capture.settle(quiet=0.3)
        on_page = [e for e in ttq_capture.events() if e.name == "Pageview" and e.page_url == url]
        assert [e.source for e in on_page if e.source == "call"] == ["call"], url
        assert sorted(e.pixel_code or "" for e in on_page if e.source == "wire") == pixels, url
    assert errors == []
