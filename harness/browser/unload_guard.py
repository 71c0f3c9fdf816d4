"""Beacons sent while a page unloads, caught at the browser level (CDP Fetch) and given to
the capture of the page that sent them; Playwright's context routes never see them."""

from __future__ import annotations

import base64
import contextlib
import weakref
from typing import Any, ClassVar, Protocol

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
)
from playwright.sync_api import Error as PlaywrightError

from harness.browser.answers import LocalResponse, forward
from harness.core.sdk import (
    Upstream,
)


class GuardedCapture(Protocol):
    """What the guard needs of a capture (browser.recorder.GuardedCapture)."""

    hosts: tuple[str, ...]

    @property
    def context(self) -> BrowserContext: ...

    def handle_request(
        self,
        *,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        frame_url: str | None,
    ) -> LocalResponse | Upstream: ...


class UnloadBeaconGuard:
    """Catches pixel requests that Playwright's routes never see, at the browser level.

    Chromium hands a sendBeacon made while a page unloads (pagehide, a link that leaves) to
    the browser process; context routes miss it and, left alone, it would go to the network.
    A browser-wide CDP Fetch interception answers those locally and gives them to the capture
    of the page that sent them. One guard per Browser; Chromium only (elsewhere: no-op).
    """

    _guards: ClassVar[weakref.WeakKeyDictionary[Browser, UnloadBeaconGuard]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, browser: Browser) -> None:
        self.captures: list[GuardedCapture] = []
        self.hosts: list[str] = []
        self.session = browser.new_browser_cdp_session()
        self.session.on("Fetch.requestPaused", self._on_paused)

    @classmethod
    def register(cls, capture: GuardedCapture) -> None:
        browser = capture.context.browser
        if browser is None or browser.browser_type.name != "chromium":
            return
        try:
            guard = cls._guards.get(browser)
            if guard is None:
                guard = cls._guards[browser] = cls(browser)
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
            guard.session.send("Fetch.enable", {"patterns": patterns})

    def forget(self, capture: GuardedCapture) -> None:
        if capture in self.captures:
            self.captures.remove(capture)

    def _owner(self, frame_id: str | None) -> GuardedCapture | None:
        if len(self.captures) > 1 and frame_id:
            for capture in reversed(self.captures):
                for page in capture.context.pages:
                    if _main_frame_id(page) == frame_id:
                        return capture
        return self.captures[-1] if self.captures else None

    def _on_paused(self, event: dict[str, Any]) -> None:
        request = event.get("request", {})
        headers = {str(k).lower(): str(v) for k, v in request.get("headers", {}).items()}
        response = LocalResponse(204, {}, b"")
        try:
            owner = self._owner(event.get("frameId"))
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
                response = (
                    forward(answer.url, method, headers, body)
                    if isinstance(answer, Upstream)
                    else answer
                )
        finally:
            # The request may have been cancelled meanwhile (its page or browser went away).
            with contextlib.suppress(PlaywrightError):
                self.session.send(
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


def _cdp_post_data(request: dict[str, Any]) -> bytes | None:
    entries = request.get("postDataEntries")
    if entries:
        return b"".join(base64.b64decode(entry.get("bytes", "")) for entry in entries)
    data = request.get("postData")
    return data.encode("utf-8") if isinstance(data, str) else None


def _main_frame_id(page: Page) -> str | None:
    try:
        session = page.context.new_cdp_session(page)
        try:
            tree = session.send("Page.getFrameTree")
        finally:
            session.detach()
        return str(tree["frameTree"]["frame"]["id"])
    except PlaywrightError:
        return None
