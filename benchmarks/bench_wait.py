"""Waiting for an event that comes later: `expect_event` against Playwright's wait for the beacon.

    .venv/bin/python benchmarks/bench_wait.py [--repeat 30] [--delay 30]

On the demo shop's product page (sites/shop/product.html?id=301), a page timer clicks "Add to
cart" `--delay` ms after it is set, and the page sends AddToCart (the ttq call, then its
beacon). Each side times from just before it sets the timer until its wait returns:

(b) Playwright alone, serving the same pixel (bench_overhead's ServedPixel: the emulator as
    events.js, an empty 204 for every beacon, nothing recorded). It waits with
    `context.wait_for_event("requestfinished", predicate)` for the /api/v2/pixel beacon that
    carries AddToCart: the moment Playwright itself knows the beacon was answered.
(h) the harness: `PixelCapture` attached, then `expect_event("AddToCart", at_least=k)`, what a
    test writes: the beacon routed, decoded and matched.

One browser, one context and page per side kept for every round (warm), the sides alternating
(b h, h b, ...); medians over the rounds. Both include the delay and the page's own work, so
h/(b) says what the harness's wait adds to Playwright's own notice of the beacon. Before the
waits woke on each arrival (d169a5d) they looked every 50 ms, and an event arriving between
two looks was seen up to 50 ms late. Target: h/(b) <= 1.10.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass

from bench_overhead import EVENT_PATH, PIXEL_HOSTS, UNRESOLVABLE_PIXEL_HOSTS, ServedPixel
from playwright.sync_api import Browser, BrowserContext, Page, Request, sync_playwright

from harness.adapters.expect import ExpectEvent
from harness.browser.capture_base import emulator_script
from harness.browser.chromium import resolve_chromium
from harness.browser.recorder import PixelCapture
from harness.browser.server import SiteServer

TARGET = 1.10
#: how long either side waits for the beacon before the round counts as failed
TIMEOUT = 10.0
Row = tuple[str, str, str, str]
_CLICK_LATER = "ms => setTimeout(() => document.getElementById('add-to-cart').click(), ms)"


@dataclass
class Result:
    delay: int
    #: milliseconds from setting the timer to the wait's return, per round
    playwright: list[float]
    harness: list[float]

    def ratio(self) -> float:
        return statistics.median(self.harness) / statistics.median(self.playwright)


def _is_add_to_cart(request: Request) -> bool:
    return request.url.endswith(EVENT_PATH) and b"AddToCart" in (request.post_data_buffer or b"")


def _open(context: BrowserContext, shop: str) -> Page:
    page = context.new_page()
    page.goto(f"{shop}/product.html?id=301", wait_until="load")
    return page


def _time_playwright(context: BrowserContext, page: Page, delay: int) -> float:
    start = time.perf_counter()
    with context.expect_event("requestfinished", predicate=_is_add_to_cart, timeout=TIMEOUT * 1000):
        page.evaluate(_CLICK_LATER, delay)
    return (time.perf_counter() - start) * 1000


def _time_harness(expect: ExpectEvent, page: Page, delay: int, seen: int) -> float:
    start = time.perf_counter()
    page.evaluate(_CLICK_LATER, delay)
    expect("AddToCart", at_least=seen)
    return (time.perf_counter() - start) * 1000


def bench_wait(repeat: int = 30, delay: int = 30) -> Result:
    result = Result(delay, [], [])
    with SiteServer() as server, sync_playwright() as playwright:
        options = resolve_chromium().launch_options()
        # as in bench_overhead: a pixel request no route answers fails DNS, never leaves
        options["args"] = [*options["args"], UNRESOLVABLE_PIXEL_HOSTS]  # type: ignore[misc]
        browser: Browser = playwright.chromium.launch(**options)  # type: ignore[arg-type]
        try:
            shop = server.url("/shop")
            plain = browser.new_context()
            served = ServedPixel(emulator_script())
            plain.route(PIXEL_HOSTS, served.handle)
            plain_page = _open(plain, shop)
            captured = browser.new_context()
            capture = PixelCapture().attach(captured)
            captured_page = _open(captured, shop)
            expect = ExpectEvent(capture, timeout=TIMEOUT)
            _time_playwright(plain, plain_page, delay)  # warm-up, one each
            _time_harness(expect, captured_page, delay, 1)
            for round_ in range(repeat):
                sides = ["b", "h"] if round_ % 2 == 0 else ["h", "b"]
                for side in sides:
                    if side == "b":
                        result.playwright.append(_time_playwright(plain, plain_page, delay))
                    else:
                        seen = round_ + 2  # the warm-up's and every round's before this one
                        result.harness.append(_time_harness(expect, captured_page, delay, seen))
        finally:
            browser.close()
    return result


def rows(result: Result) -> list[Row]:
    h, b = statistics.median(result.harness), statistics.median(result.playwright)
    ratio = h / b
    return [
        (
            f"wait for an event sent {result.delay} ms later: expect_event / Playwright's wait "
            f"for the same beacon (medians of {len(result.harness)})",
            f"h {h:.1f} ms / (b) {b:.1f} ms = {ratio:.2f}",
            f"<= {TARGET:.2f}",
            "met" if ratio <= TARGET else "NOT met",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="interleaved rounds (30)")
    parser.add_argument("--delay", type=int, default=30, help="ms until the page clicks (30)")
    args = parser.parse_args()
    result = bench_wait(args.repeat, args.delay)
    for name, measured, target, verdict in rows(result):
        print(f"{name}\n  {measured}  target {target}  {verdict}")
    print(f"  (b) runs: {' '.join(f'{t:.1f}' for t in result.playwright)}")
    print(f"  (h) runs: {' '.join(f'{t:.1f}' for t in result.harness)}")


if __name__ == "__main__":
    main()
