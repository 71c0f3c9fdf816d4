"""Harness overhead: the demo purchase journey with the harness attached vs bare Playwright.

    .venv/bin/python benchmarks/bench_overhead.py [--repeat 7] [--breakdown]

The journey (sites/shop, as the plan's `purchase` journey): product 301 -> add to cart ->
cart -> checkout -> add payment -> fill e-mail and phone -> place order -> thank-you page.
Every step waits on the page's own signals only (load, `wait_for_url`, a status text, the
order confirmation becoming visible), the same in both variants; the harness's `settle` is
never called, so only what attaching costs is measured.

- A0, bare Playwright with no interception at all: no route, no init script, no binding. The
  browser is launched with `--host-resolver-rules` mapping every pixel host to NOTFOUND, so
  events.js fails at once (no SDK runs) and nothing can reach TikTok, without Playwright
  intercepting anything. This is the issue's baseline.
- A, bare Playwright with one route: the pixel hosts answered with an empty 204 (a stricter
  baseline that already pays for Playwright's request interception).
- B, the harness: a fresh context with `PixelCapture` attached (emulator served as events.js,
  recorder init script and binding, context route, browser-level unload-beacon guard).

One browser for all; the variants alternate (A0 A B, B A A0, ...) so background load hits each
alike, and the median of each is kept. Target: median B / median A0 <= 1.10.

`--breakdown` adds variants that each add one part of the harness to A, to see where B's
extra time goes: A+emulator (route serves the emulator, nothing recorded), A+recorder (init
script + binding, no emulator), B without the guard (guard registration skipped).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any
from unittest import mock

from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from harness.browser.chromium import resolve_chromium
from harness.browser.recorder import (
    BINDING_NAME,
    PixelCapture,
    emulator_script,
    recorder_script,
)
from harness.browser.server import SiteServer
from harness.browser.unload_guard import UnloadBeaconGuard
from harness.core.endpoints import DEFAULT_PIXEL_HOSTS, is_events_loader

TARGET = 1.10
BASELINE = "A0 no interception"
#: Chromium flag: every pixel host fails DNS at once, so A0 needs no interception to stay offline.
UNRESOLVABLE_PIXEL_HOSTS = "--host-resolver-rules=" + ", ".join(
    f"MAP {host} ~NOTFOUND" for host in DEFAULT_PIXEL_HOSTS
)
Row = tuple[str, str, str, str]
PIXEL_HOSTS = re.compile(
    r"^https?://(" + "|".join(re.escape(h) for h in DEFAULT_PIXEL_HOSTS) + r")(:\d+)?(/|$)"
)


def purchase_journey(page: Page, shop: str) -> int:
    """The purchase journey, waiting only on the page's own signals. Returns the order count."""
    page.goto(f"{shop}/product.html?id=301", wait_until="load")
    page.click("#add-to-cart")
    page.locator("#add-to-cart-status").filter(has_text=re.compile(r"\S")).wait_for()
    page.goto(f"{shop}/cart.html", wait_until="load")
    page.click("#checkout")
    page.wait_for_url("**/checkout.html", wait_until="load")
    page.click("#add-payment")
    page.locator("#add-payment-status").filter(has_text="saved").wait_for()
    page.fill("#email", " Jane.Doe@Example.com ")
    page.fill("#phone", "+1 213-373-4253")
    page.click("#place-order")
    page.wait_for_url("**/thank-you.html?order=*", wait_until="load")
    page.locator("#order-confirmation").wait_for(state="visible")
    return 1


def _empty_204(route: Route) -> None:
    route.fulfill(status=204, body="")


def _emulator_or_204(emulator: str) -> Callable[[Route], None]:
    def handle(route: Route) -> None:
        if is_events_loader(route.request.url):
            route.fulfill(
                status=200, content_type="application/javascript; charset=utf-8", body=emulator
            )
        else:
            route.fulfill(status=204, body="")

    return handle


def _setup_none(context: BrowserContext) -> None:
    """No interception: the launch flags below make the pixel hosts unresolvable."""


def _setup_bare(context: BrowserContext) -> None:
    context.route(PIXEL_HOSTS, _empty_204)


def _setup_emulator(context: BrowserContext) -> None:
    context.route(PIXEL_HOSTS, _emulator_or_204(emulator_script()))


def _setup_recorder(context: BrowserContext) -> None:
    context.route(PIXEL_HOSTS, _empty_204)
    context.expose_binding(BINDING_NAME, lambda _source, _payload: None)
    context.add_init_script(recorder_script(DEFAULT_PIXEL_HOSTS))


def _setup_harness(context: BrowserContext) -> None:
    PixelCapture().attach(context)


def _no_guard() -> AbstractContextManager[Any]:
    return mock.patch.object(UnloadBeaconGuard, "register", lambda _capture: None)


VARIANTS: dict[str, tuple[Callable[[BrowserContext], None], Callable[[], Any]]] = {
    "A0 no interception": (_setup_none, nullcontext),
    "A bare (204)": (_setup_bare, nullcontext),
    "B harness": (_setup_harness, nullcontext),
    "A + emulator only": (_setup_emulator, nullcontext),
    "A + recorder only": (_setup_recorder, nullcontext),
    "B without guard": (_setup_harness, _no_guard),
}


def time_variant(browser: Browser, shop: str, name: str) -> float:
    setup, patch = VARIANTS[name]
    with patch():
        start = time.perf_counter()
        context = browser.new_context()
        try:
            setup(context)
            purchase_journey(context.new_page(), shop)
            return time.perf_counter() - start
        finally:
            context.close()


def bench_overhead(repeat: int = 7, breakdown: bool = False) -> dict[str, list[float]]:
    names = list(VARIANTS) if breakdown else ["A0 no interception", "A bare (204)", "B harness"]
    times: dict[str, list[float]] = {name: [] for name in names}
    options = resolve_chromium().launch_options()
    options["args"] = [*options["args"], UNRESOLVABLE_PIXEL_HOSTS]  # type: ignore[misc]
    with SiteServer() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(**options)  # type: ignore[arg-type]
        try:
            shop = server.url("/shop")
            for name in names:  # warm-up: caches, JIT, the guard's CDP session
                time_variant(browser, shop, name)
            for round_ in range(repeat):
                order = names if round_ % 2 == 0 else names[::-1]  # A B, B A, A B, ...
                for name in order:
                    times[name].append(time_variant(browser, shop, name))
        finally:
            browser.close()
    return times


def ratio(times: dict[str, list[float]]) -> float:
    return statistics.median(times["B harness"]) / statistics.median(times[BASELINE])


def rows(times: dict[str, list[float]]) -> list[Row]:
    a = statistics.median(times[BASELINE])
    b = statistics.median(times["B harness"])
    found = ratio(times)
    return [
        (
            f"overhead: purchase journey, harness / bare, no interception "
            f"(median of {len(times['B harness'])})",
            f"{b:.2f} s / {a:.2f} s = {found:.2f}",
            f"<= {TARGET:.2f}",
            "met" if found <= TARGET else "NOT met",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="interleaved rounds (7)")
    parser.add_argument("--breakdown", action="store_true", help="time each part of B too")
    args = parser.parse_args()
    times = bench_overhead(args.repeat, args.breakdown)
    base = statistics.median(times[BASELINE])
    print(f"Purchase journey, {args.repeat} interleaved rounds after one warm-up each")
    print(f"  {'variant':<20}{'median s':>9}{'best s':>8}{'/ A0':>7}  all runs")
    for name, values in times.items():
        median = statistics.median(values)
        runs = " ".join(f"{v:.2f}" for v in values)
        print(f"  {name:<20}{median:>9.3f}{min(values):>8.3f}{median / base:>7.2f}  {runs}")
    found = ratio(times)
    verdict = "met" if found <= TARGET else "NOT met"
    print(f"  ratio B/A0 (medians): {found:.2f}; target <= {TARGET:.2f}: {verdict}")
    print("  A0: no interception, pixel hosts unresolvable; A: pixel hosts answered 204.")


if __name__ == "__main__":
    main()
