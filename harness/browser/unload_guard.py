"""Beacons sent while a page unloads, caught at the browser level (CDP Fetch) and given to
the capture of the page that sent them; Playwright's context routes never see them.

Written once as steps (harness.browser.flavour): UnloadBeaconGuard drives them with the sync
API (PixelCapture), AsyncUnloadBeaconGuard with the async one (AsyncPixelCapture)."""

from __future__ import annotations

import base64
import contextlib
import weakref
from typing import Any, ClassVar, Protocol

from playwright.async_api import Browser as AsyncBrowser
from playwright.async_api import BrowserContext as AsyncBrowserContext
from playwright.async_api import CDPSession as AsyncCDPSession
from playwright.async_api import Page as AsyncPage
from playwright.sync_api import (
    Browser,
    BrowserContext,
    CDPSession,
    Page,
)
from playwright.sync_api import Error as PlaywrightError  # the same class in both flavours

from harness.browser.answers import LocalResponse, forward
from harness.browser.flavour import Blocking, Steps, run_async, run_sync
from harness.core.sdk import (
    Upstream,
)


class GuardedCapture(Protocol):
    """What the guard needs of a capture (browser.recorder.GuardedCapture)."""

    hosts: tuple[str, ...]

    @property
    def context(self) -> BrowserContext | AsyncBrowserContext: ...

    def handle_request(
        self,
        *,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        frame_url: str | None,
    ) -> LocalResponse | Upstream: ...


class _Guard:
    """Catches pixel requests that Playwright's routes never see, at the browser level.

    Chromium hands a sendBeacon made while a page unloads (pagehide, a link that leaves) to
    the browser process; context routes miss it and, left alone, it would go to the network.
    A browser-wide CDP Fetch interception answers those locally and gives them to the capture
    of the page that sent them. One guard per Browser; Chromium only (elsewhere: no-op).
    """

    def __init__(self, session: CDPSession | AsyncCDPSession) -> None:
        self.captures: list[GuardedCapture] = []
        self.hosts: list[str] = []
        self.session = session
        #: each page's main frame id (stable while the tab lives, whatever it navigates to):
        #: asked once per page, so a beacon's owner is found without round trips when it comes
        self._frame_ids: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()

    @classmethod
    def _register_steps(
        cls, capture: GuardedCapture, guards: weakref.WeakKeyDictionary[Any, Any]
    ) -> Steps[None]:
        browser = capture.context.browser
        if browser is None or browser.browser_type.name != "chromium":
            return
        try:
            guard = guards.get(browser)
            if guard is None:
                session = yield browser.new_browser_cdp_session()
                guard = guards[browser] = cls(session)
                session.on("Fetch.requestPaused", guard._on_paused)
        except PlaywrightError:  # e.g. a remote browser that refuses browser-level CDP
            return
        guard.captures.append(capture)
        capture.context.on("close", lambda _context: guard.forget(capture))
        new_hosts = [host for host in capture.hosts if host not in guard.hosts]
        if new_hosts:
            guard.hosts.extend(new_hosts)
            patterns = [
                {"urlPattern": f"*://{host}{dot}/*"} for host in guard.hosts for dot in ("", ".")
            ]
            yield guard.session.send("Fetch.enable", {"patterns": patterns})

    def _on_paused(self, event: dict[str, Any]) -> Any:
        raise NotImplementedError  # each flavour drives _paused_steps

    def forget(self, capture: GuardedCapture) -> None:
        if capture in self.captures:
            self.captures.remove(capture)

    def _owner_steps(self, frame_id: str | None) -> Steps[GuardedCapture | None]:
        if len(self.captures) > 1 and frame_id:
            for capture in reversed(self.captures):
                for page in capture.context.pages:
                    if (yield from self._frame_id_steps(page)) == frame_id:
                        return capture
        return self.captures[-1] if self.captures else None

    def _frame_id_steps(self, page: Page | AsyncPage) -> Steps[str | None]:
        known = self._frame_ids.get(page)
        if known is None:
            known = yield from _main_frame_id(page)
            if known is not None:
                self._frame_ids[page] = known
        return known

    def _paused_steps(self, event: dict[str, Any]) -> Steps[None]:
        request = event.get("request", {})
        headers = {str(k).lower(): str(v) for k, v in request.get("headers", {}).items()}
        response = LocalResponse(204, {}, b"")
        try:
            owner = yield from self._owner_steps(event.get("frameId"))
            if owner is not None:
                method = str(request.get("method", "GET"))
                body = _cdp_post_data(request)
                answer = owner.handle_request(
                    method=method,
                    url=str(request.get("url", "")),
                    headers=headers,
                    body=body,
                    frame_url=headers.get("referer"),
                )
                if isinstance(answer, Upstream):  # a blocking fetch: off the event loop
                    url = answer.url
                    response = yield Blocking(lambda: forward(url, method, headers, body))
                else:
                    response = answer
        finally:
            # The request may have been cancelled meanwhile (its page or browser went away).
            with contextlib.suppress(PlaywrightError):
                yield self.session.send(
                    "Fetch.fulfillRequest",
                    {
                        "requestId": event["requestId"],
                        "responseCode": response.status,
                        "responseHeaders": [
                            {"name": k, "value": v} for k, v in response.headers.items()
                        ],
                        "body": base64.b64encode(response.body).decode("ascii"),
                    },
                )


class UnloadBeaconGuard(_Guard):
    """The guard for Playwright's sync API (PixelCapture)."""

    _guards: ClassVar[weakref.WeakKeyDictionary[Browser, UnloadBeaconGuard]] = (
        weakref.WeakKeyDictionary()
    )

    @classmethod
    def register(cls, capture: GuardedCapture) -> None:
        run_sync(cls._register_steps(capture, cls._guards))

    def _on_paused(self, event: dict[str, Any]) -> None:
        run_sync(self._paused_steps(event))


class AsyncUnloadBeaconGuard(_Guard):
    """The guard for Playwright's async API (AsyncPixelCapture)."""

    _guards: ClassVar[weakref.WeakKeyDictionary[AsyncBrowser, AsyncUnloadBeaconGuard]] = (
        weakref.WeakKeyDictionary()
    )

    @classmethod
    async def register(cls, capture: GuardedCapture) -> None:
        await run_async(cls._register_steps(capture, cls._guards))

    async def _on_paused(self, event: dict[str, Any]) -> None:
        await run_async(self._paused_steps(event))

    @classmethod
    async def learn(cls, page: AsyncPage) -> None:
        """Ask a page's main frame id now, not when its first unload beacon comes (an audit's
        tab: the beacons of the page it leaves are then given to their capture at once)."""
        browser = page.context.browser
        guard = cls._guards.get(browser) if browser is not None else None
        if guard is not None:
            await run_async(guard._frame_id_steps(page))


def _cdp_post_data(request: dict[str, Any]) -> bytes | None:
    entries = request.get("postDataEntries")
    if entries:
        return b"".join(base64.b64decode(entry.get("bytes", "")) for entry in entries)
    data = request.get("postData")
    return data.encode("utf-8") if isinstance(data, str) else None


def _main_frame_id(page: Page | AsyncPage) -> Steps[str | None]:
    context: Any = page.context  # the page's own flavour
    try:
        session = yield context.new_cdp_session(page)
        try:
            tree = yield session.send("Page.getFrameTree")
        finally:
            yield session.detach()
        return str(tree["frameTree"]["frame"]["id"])
    except PlaywrightError:
        return None
