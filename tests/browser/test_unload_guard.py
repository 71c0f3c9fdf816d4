"""Beacons a page sends as it goes away reach the browser-wide unload guard (CDP Fetch), not
the context's routes: each must land in the capture of the page that sent it, never in another
capture of the same browser (journeys and audited pages run side by side)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, BrowserContext, Page

from harness.browser.recorder import PixelCapture
from harness.browser.unload_guard import unplaced_beacons

EXIT = "ProductPageExit"  # the demo shop sends it from the product page's pagehide


def _exits(capture: PixelCapture) -> int:
    return sum(1 for e in capture.events() if e.name == EXIT and e.source == "wire")


def test_a_page_leaving_beacons_to_its_own_capture_and_a_closed_one_to_none(
    browser: Browser, demo_site: str
) -> None:
    product = demo_site + "/shop/product.html?id=301"
    first, second = browser.new_context(), browser.new_context()
    try:
        mine, other = PixelCapture().attach(first), PixelCapture().attach(second)
        leaving, staying = first.new_page(), second.new_page()
        staying.goto(demo_site + "/shop/index.html")
        leaving.goto(product)
        mine.settle(quiet=0.3)
        leaving.goto(demo_site + "/shop/index.html")  # pagehide on the product page
        assert mine.wait_for(lambda: _exits(mine) == 1, timeout=5)
        leaving.goto(product)
        mine.settle(quiet=0.3)
        first.close()  # the product page goes away with its context: a last exit beacon
        other.settle(quiet=1.0)
        assert _exits(other) == 0
        assert not [e for e in other.events() if "product.html" in (e.page_url or "")]
    finally:
        second.close()


FOREIGN = """<script>addEventListener('pagehide', function () {
  navigator.sendBeacon('https://analytics.tiktok.com/api/v2/pixel', JSON.stringify(
    {event: 'Foreign', event_id: 'f1', context: {pixel: {code: 'CFOREIGN0000000PIXEL'}}}));
});</script><p>a page of a context without a capture</p>"""


@contextmanager
def _mine_and_another(
    browser: Browser, test_pages: str
) -> Iterator[tuple[PixelCapture, BrowserContext]]:
    """A captured context whose page has settled, and a second context nobody captures."""
    mine, other = browser.new_context(), browser.new_context()
    try:
        capture = PixelCapture().attach(mine)
        mine.new_page().goto(test_pages + "/calls.html")
        capture.settle(quiet=0.3)
        yield capture, other
    finally:
        other.close()
        mine.close()


def _open_foreign(context: BrowserContext, test_pages: str, body: str) -> Page:
    page = context.new_page()
    page.route("**/foreign.html", lambda route: route.fulfill(body=body))
    page.goto(test_pages + "/foreign.html")
    return page


def test_a_context_without_a_capture_is_never_credited_to_the_only_capture(
    browser: Browser, test_pages: str
) -> None:
    # the guard is browser-wide: a pixel request from a context nobody captures reached it
    # and went to the one capture there was, as if its own page had sent it
    with _mine_and_another(browser, test_pages) as (capture, other):
        mine_only = len(capture.events("wire"))
        page = _open_foreign(other, test_pages, FOREIGN)
        page.goto(test_pages + "/calls.html")  # pagehide: the beacon; then its pixel's requests
        capture.settle(quiet=1.0)
        assert not [e for e in capture.events() if e.name == "Foreign"]
        assert len(capture.events("wire")) == mine_only  # nor the other page's pixel traffic
        assert unplaced_beacons(browser) >= 1  # answered and counted, not silent


FOREIGN_IFRAME = """<iframe srcdoc="<script>navigator.sendBeacon(
  'https://analytics.tiktok.com/api/v2/pixel', JSON.stringify({event: 'ForeignFrame',
  event_id: 'f2', context: {pixel: {code: 'CFOREIGN0000000PIXEL'}}}));</script>"></iframe>
<p>a page of a context without a capture, with an in-process iframe</p>"""


def test_an_iframe_of_a_context_without_a_capture_is_never_the_only_captures(
    browser: Browser, test_pages: str
) -> None:
    # an in-process iframe is no CDP target: the browser cannot tell its context, and only
    # the captures' own pages were searched, so its request went to the only capture there was
    with _mine_and_another(browser, test_pages) as (capture, other):
        before = unplaced_beacons(browser)

        def credited() -> int:
            return sum(1 for e in capture.events() if e.name == "ForeignFrame")

        _open_foreign(other, test_pages, FOREIGN_IFRAME)
        assert capture.wait_for(
            lambda: credited() > 0 or unplaced_beacons(browser) > before, timeout=10
        )
        capture.settle(quiet=0.5)
        assert credited() == 0
        assert unplaced_beacons(browser) == before + 1  # answered and counted, not silent
