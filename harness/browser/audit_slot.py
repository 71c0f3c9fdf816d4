"""An audit worker's slot: one browser context, one tab and one capture (AsyncPixelCapture)
attached once, reused page after page, then closed and replaced (`--recycle N` pages).

Opening a context and a tab costs Chromium a renderer process and most of a page's CPU
(measured on the catalog: a fresh context per page 0.34 CPU-s a page, one tab navigated from
page to page 0.135). A page in a slot is still seen as a first visit sees it: its report is
taken `since` the capture's index when it started; it is left for about:blank (its pagehide
beacons are its own, sent while its context lives) before that report; then what a page can
leave behind for the next is cleared: cookies, permissions, the storage of every origin its
documents came from (local and session storage, IndexedDB, cache storage, service workers:
Chromium's `Storage.clearDataForOrigin`), the tab's history and `window.name`. What is not
cleared (the HTTP cache, the renderer process) is documented in docs/audit.md.

A slot is closed instead of reused after its N pages, after anything went wrong in it (an
error, a timeout, a crash, a failing step), when its browser was launched again, and when
the state cannot be cleared (no CDP: a non-Chromium remote browser): one bad page never
poisons the next.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, CDPSession
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page as PlaywrightPage

from harness.browser.async_recorder import AsyncPixelCapture
from harness.browser.recorder import SdkMode
from harness.browser.unload_guard import AsyncUnloadBeaconGuard

#: the default of `--recycle`: pages per context before it is replaced (bounds the memory a
#: slot's capture holds: every page's calls and requests until then)
DEFAULT_RECYCLE = 25
#: how long a page left for about:blank is given to send its leave beacons (pagehide) at most;
#: the wait ends as soon as the tab provably has nothing left to send (capture.settle)
LEAVE_TIMEOUT = 2.0


@dataclass
class Slot:
    """One context, its one tab and the capture attached to it, reused for up to N pages."""

    browser: Browser
    context: BrowserContext
    tab: PlaywrightPage
    capture: AsyncPixelCapture
    cdp: CDPSession | None  # None: the state cannot be cleared, the slot is used once
    pages: int = 0
    broken: bool = False  # something went wrong in it: close it, never reuse it

    @classmethod
    async def open(cls, browser: Browser, sdk: SdkMode) -> Slot:
        context = await browser.new_context()
        try:
            capture = await AsyncPixelCapture(sdk=sdk).attach(context)
            tab = await context.new_page()
            await AsyncUnloadBeaconGuard.learn(tab)
            cdp = None
            with contextlib.suppress(PlaywrightError):  # a browser without CDP: no reuse
                cdp = await context.new_cdp_session(tab)
        except BaseException:
            with contextlib.suppress(PlaywrightError):
                await context.close()
            raise
        return cls(browser, context, tab, capture, cdp)

    async def leave(self, quiet: float, timeout: float) -> None:
        """Leave the page for about:blank and let what it sends on the way out (pagehide,
        visibilitychange beacons) arrive, while its context lives: it is this page's."""
        await self.tab.goto("about:blank", wait_until="load", timeout=timeout * 1000)
        await self.capture.settle(quiet=quiet, timeout=max(LEAVE_TIMEOUT, quiet * 4))

    async def clear(self, origins: Iterable[str]) -> bool:
        """Clear what the page left behind for the next one; False when it cannot (the slot
        must not be reused)."""
        if self.cdp is None or self.tab.url != "about:blank":
            return False
        await self.context.clear_cookies()
        await self.context.clear_permissions()
        for origin in sorted(set(origins)):
            await self.cdp.send(
                "Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"}
            )
        await self.cdp.send("Page.resetNavigationHistory")
        await self.tab.evaluate("window.name = ''")  # it outlives a navigation in one tab
        return True

    async def close(self) -> None:
        with contextlib.suppress(PlaywrightError):
            await self.context.close()


def origin_of(url: str | None) -> str | None:
    """The origin storage is kept under ("scheme://host[:port]"), for http(s) URLs."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1].lower()}"


class Slots:
    """The idle slots of an audit's workers (at most one per worker: a visit takes one and
    gives it back), each reused for up to `recycle` pages."""

    def __init__(self, recycle: int) -> None:
        self.recycle = recycle
        self._idle: list[Slot] = []

    async def take(self, browser: Browser, sdk: SdkMode) -> Slot:
        while self._idle:
            slot = self._idle.pop()
            if slot.browser is browser and browser.is_connected() and not slot.tab.is_closed():
                return slot
            await slot.close()  # the browser was launched again: its contexts are gone
        return await Slot.open(browser, sdk)

    async def give(self, slot: Slot, origins: Iterable[str]) -> None:
        """Take back a slot after a page: cleared for the next one, or closed (its N pages
        done, something went wrong in it, or its state cannot be cleared)."""
        slot.pages += 1
        reuse = not slot.broken and slot.pages < self.recycle and slot.browser.is_connected()
        if reuse:
            try:
                reuse = await slot.clear(origins)
            except PlaywrightError:
                reuse = False
        if reuse:
            self._idle.append(slot)
        else:
            await slot.close()

    async def close(self) -> None:
        while self._idle:
            await self._idle.pop().close()
