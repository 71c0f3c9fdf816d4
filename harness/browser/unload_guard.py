"""Beacons sent while a page unloads, caught at the browser level (CDP Fetch) and given to
the capture of the page that sent them; Playwright's context routes never see them.

Written once as steps (harness.browser.flavour): UnloadBeaconGuard drives them with the sync
API (PixelCapture), AsyncUnloadBeaconGuard with the async one (AsyncPixelCapture)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import weakref
from collections import OrderedDict
from typing import Any, ClassVar, Protocol, cast

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

    Which capture is the sender's is told by the request's frame: each page's frame id (its
    CDP target id) and browser context are learnt when the page opens, so a beacon sent as the
    page closes still finds its capture; a frame nobody learnt is asked of the browser (its
    target's context) or of the live pages' frame trees (the captures' pages first, then, for
    an in-process iframe the browser cannot place, the other contexts' pages). With several
    captures in one browser (journeys or audited pages side by side), a beacon that cannot be
    placed is answered and credited to none (`unplaced`), never to another page's capture;
    nor is a request from a page of a context that no capture watches (the guard is
    browser-wide), even when there is a single capture.

    A capture that closes leaves its frames and context behind as `closed`: a beacon from one
    of them, arriving late, goes to nobody (never to another capture). Only the newest
    CLOSED_KEPT are remembered, so a long audit does not keep every page's ids.
    """

    #: Closed captures' frame and context ids remembered: a late beacon comes within moments
    #: of its context closing, and an audit opens a context per page (`--recycle 1`).
    CLOSED_KEPT = 4096

    def __init__(self, session: CDPSession | AsyncCDPSession) -> None:
        self.captures: list[GuardedCapture] = []
        self.hosts: list[str] = []
        self.session = session
        #: CDP frame id / browser context id -> the capture whose page it is (weakly held: a
        #: capture's pages outlive nothing of it)
        self.frames: dict[str, weakref.ref[GuardedCapture]] = {}
        self.contexts: dict[str, weakref.ref[GuardedCapture]] = {}
        #: frame and context ids of captures that closed, oldest first (at most CLOSED_KEPT)
        self.closed: OrderedDict[str, None] = OrderedDict()
        #: beacons answered that no live capture could be found for (several captures)
        self.unplaced = 0
        #: frames of browser contexts that no capture watches, oldest first (at most
        #: CLOSED_KEPT: each is asked of the browser once, not once per request)
        self.foreign: OrderedDict[str, None] = OrderedDict()
        #: the browser whose contexts are searched for a frame no capture's page has (weakly
        #: held: the guards are kept by browser in a WeakKeyDictionary, whose values must not
        #: keep their key alive)
        self.browser: weakref.ref[Browser | AsyncBrowser] | None = None

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
                guard.browser = weakref.ref(browser)
                session.on("Fetch.requestPaused", guard._on_paused)
        except PlaywrightError:  # e.g. a remote browser that refuses browser-level CDP
            return
        guard.captures.append(capture)
        capture.context.on("close", lambda _context: guard.forget(capture))
        capture.context.on("page", lambda page: guard._on_page(capture, page))
        for page in capture.context.pages:
            yield from guard._learn_steps(capture, page)
        new_hosts = [host for host in capture.hosts if host not in guard.hosts]
        if new_hosts:
            guard.hosts.extend(new_hosts)
            patterns = [
                {"urlPattern": f"*://{host}{dot}/*"} for host in guard.hosts for dot in ("", ".")
            ]
            yield guard.session.send("Fetch.enable", {"patterns": patterns})

    def _on_paused(self, event: dict[str, Any]) -> Any:
        raise NotImplementedError  # each flavour drives _paused_steps

    def _on_page(self, capture: GuardedCapture, page: Any) -> Any:
        raise NotImplementedError  # each flavour drives _learn_steps

    def _learn_steps(self, capture: GuardedCapture, page: Page | AsyncPage) -> Steps[None]:
        """Remember a page's frame id and browser context as `capture`'s."""
        info = yield from _ask_page(page, "Target.getTargetInfo")
        target = info.get("targetInfo") or {}
        if target.get("targetId"):
            self.frames[str(target["targetId"])] = weakref.ref(capture)
        if target.get("browserContextId"):
            self.contexts[str(target["browserContextId"])] = weakref.ref(capture)

    def forget(self, capture: GuardedCapture) -> None:
        """A capture's context closed: its frames and context become `closed` ids."""
        if capture in self.captures:
            self.captures.remove(capture)
        for ids in (self.frames, self.contexts):
            for key in [key for key, ref in ids.items() if self._live(ref) is None]:
                del ids[key]
                self._close(key)

    def _close(self, key: str) -> None:
        self._remember(self.closed, key)

    def _remember(self, ids: OrderedDict[str, None], key: str) -> None:
        ids[key] = None
        ids.move_to_end(key)
        while len(ids) > self.CLOSED_KEPT:
            ids.popitem(last=False)

    def _live(self, ref: weakref.ref[GuardedCapture] | None) -> GuardedCapture | None:
        capture = ref() if ref is not None else None
        return capture if capture is not None and capture in self.captures else None

    def _owner_steps(self, frame_id: str | None) -> Steps[GuardedCapture | None]:
        """The capture of the page whose frame sent a request (None: none that is alive, or
        the frame is a page of a browser context that no capture watches)."""
        frame = frame_id or ""
        if frame in self.closed:  # a closed capture's page, sending late: to nobody
            return None
        unknown = bool(frame) and frame not in self.frames
        if unknown and (frame in self.foreign or (yield from self._place_steps(frame))):
            self._remember(self.foreign, frame)  # asked once: its every request is another's
            self.unplaced += 1  # never another context's capture, even the only one
            return None
        if frame in self.closed:  # placed just now: a page of a closed capture's context
            return None
        if frame in self.frames:
            return self._live(self.frames[frame])
        if len(self.captures) == 1:  # a frame the browser no longer knows (gone meanwhile)
            return self.captures[0]
        self.unplaced += 1  # several captures and an unknown frame, or none left at all
        return None

    def _place_steps(self, frame_id: str) -> Steps[bool]:
        """Learn whose a frame is: the browser knows a target's context (a page's main frame,
        an out-of-process iframe); a child frame, or a page opened too recently to have been
        learnt, is found in the live pages' frame trees. True: a frame of a browser context
        that none of the captures' pages is in (a context without a capture)."""
        target = False
        try:
            info = yield self.session.send("Target.getTargetInfo", {"targetId": frame_id})
            context_id = (info.get("targetInfo") or {}).get("browserContextId")
            if context_id in self.contexts:
                self.frames[frame_id] = self.contexts[context_id]
                return False
            if context_id in self.closed:
                self._close(frame_id)
                return False
            target = bool(context_id)
        except PlaywrightError:  # not a target (an in-process iframe), or gone
            pass
        for capture in list(self.captures):
            for page in capture.context.pages:
                for frame in (yield from _frame_ids(page)):
                    self.frames.setdefault(frame, weakref.ref(capture))
        if frame_id in self.frames:
            return False
        if target:
            return True  # a target of a context none of the captures' pages is in
        # An in-process iframe of a page no capture watches: the browser cannot name its
        # context, so it is looked for in the browser's other contexts' pages. Found there,
        # it is another's; found nowhere, it is gone (and the only capture's, if one).
        watched = [capture.context for capture in self.captures]
        browser = self.browser() if self.browser is not None else None
        contexts: list[Any] = list(browser.contexts) if browser is not None else []
        for context in contexts:
            if any(context is mine for mine in watched):
                continue
            for page in list(context.pages):
                if frame_id in (yield from _frame_ids(page)):
                    return True
        return False

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

    def _on_page(self, capture: GuardedCapture, page: Page) -> None:
        run_sync(self._learn_steps(capture, page))


class AsyncUnloadBeaconGuard(_Guard):
    """The guard for Playwright's async API (AsyncPixelCapture)."""

    _guards: ClassVar[weakref.WeakKeyDictionary[AsyncBrowser, AsyncUnloadBeaconGuard]] = (
        weakref.WeakKeyDictionary()
    )

    #: One registration at a time per browser: two captures attaching side by side (journeys
    #: of `--workers`) would otherwise both find no guard while the first one's CDP session
    #: is being opened, and make one each. The stale one, holding only its own capture, still
    #: intercepts: once that capture closed, it answered the other's exit beacons unplaced.
    _registering: ClassVar[weakref.WeakKeyDictionary[AsyncBrowser, asyncio.Lock]] = (
        weakref.WeakKeyDictionary()
    )

    @classmethod
    async def register(cls, capture: GuardedCapture) -> None:
        browser = capture.context.browser
        if browser is None:
            return
        lock = cls._registering.setdefault(cast(AsyncBrowser, browser), asyncio.Lock())
        async with lock:
            await run_async(cls._register_steps(capture, cls._guards))

    async def _on_paused(self, event: dict[str, Any]) -> None:
        await run_async(self._paused_steps(event))

    async def _on_page(self, capture: GuardedCapture, page: AsyncPage) -> None:
        await run_async(self._learn_steps(capture, page))

    @classmethod
    async def learn(cls, page: AsyncPage) -> None:
        """Learn a page's frame now rather than from its "page" event, which runs as a task of
        its own (an audit's tab: the beacons of the page it leaves find their capture at
        once, whatever the event loop is busy with)."""
        browser = page.context.browser
        guard = cls._guards.get(browser) if browser is not None else None
        if guard is None:
            return
        for capture in guard.captures:
            if capture.context is page.context:
                await run_async(guard._learn_steps(capture, page))


def unplaced_beacons(browser: Browser | AsyncBrowser) -> int:
    """How many pixel requests the browser's unload guard answered but could give to no
    capture (a run-level blind spot: no journey's verdict includes them)."""
    guard: _Guard | None
    if isinstance(browser, AsyncBrowser):
        guard = AsyncUnloadBeaconGuard._guards.get(browser)
    else:
        guard = UnloadBeaconGuard._guards.get(browser)
    return guard.unplaced if guard is not None else 0


def _cdp_post_data(request: dict[str, Any]) -> bytes | None:
    entries = request.get("postDataEntries")
    if entries:
        return b"".join(base64.b64decode(entry.get("bytes", "")) for entry in entries)
    data = request.get("postData")
    return data.encode("utf-8") if isinstance(data, str) else None


def _ask_page(page: Page | AsyncPage, method: str) -> Steps[dict[str, Any]]:
    """A CDP command's answer about a page ({} when the page is gone or has no CDP)."""
    context: Any = page.context  # the page's own flavour
    try:
        session = yield context.new_cdp_session(page)
        try:
            answer: dict[str, Any] = yield session.send(method)
        finally:
            yield session.detach()
    except PlaywrightError:
        return {}
    return answer


def _frame_ids(page: Page | AsyncPage) -> Steps[list[str]]:
    """The CDP ids of a page's frames, its main frame and every iframe ([] when it is gone)."""
    tree = yield from _ask_page(page, "Page.getFrameTree")
    found: list[str] = []
    pending = [tree.get("frameTree") or {}]
    while pending:
        node = pending.pop()
        if (node.get("frame") or {}).get("id"):
            found.append(str(node["frame"]["id"]))
        pending.extend(node.get("childFrames") or [])
    return found
