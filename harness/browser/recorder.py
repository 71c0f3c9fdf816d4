"""Playwright adapter: attach to a BrowserContext, answer the pixel hosts locally, record.

One PixelCapture per browser context. Routes and the init script are context-wide, so pages,
popups, iframes and new tabs are all covered. Sync Playwright dispatches the route and binding
callbacks on the caller's thread while it waits inside a Playwright call; `wait_for` and
`settle` therefore pump the event loop with short page waits.

Why one module over 500 lines: it is the PixelCapture class (Playwright wiring, record
intake and re-ordering, the incremental views the polls read); request answering
(answers.py), the documents watched (documents.py) and the unload guard (unload_guard.py)
live beside it.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal
from urllib.parse import urlsplit

from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Frame,
    Page,
    Request,
    Response,
    Route,
)
from playwright.sync_api import Error as PlaywrightError

from harness.browser.answers import LocalResponse, local_response
from harness.browser.documents import Documents, frame_of, frame_url_of
from harness.browser.unload_guard import UnloadBeaconGuard
from harness.core.capture import Capture, derive, fill_beacon_bodies
from harness.core.config import RulesConfig
from harness.core.endpoints import DEFAULT_PIXEL_HOSTS, classify
from harness.core.engine import report_of, wire_events
from harness.core.errors import UsageError
from harness.core.model import (
    CapturedDocument,
    CaptureReport,
    PixelEvent,
    RawRequest,
    RequestKind,
    TtqCall,
    UndecodableBeacon,
)
from harness.core.observations import (
    OBSERVATION_PREFIX,
    PAGE_CRASHED,
    PAGE_ERROR,
    RECORDER_ERROR,
    SDK_CONSOLE,
    SDK_CONSOLE_PREFIX,
    SDK_FILE_MISSING,
    SDK_PINNED_CONFIG,
)
from harness.core.reconcile import call_events
from harness.core.sdk import (
    Answer,
    LiveSdk,
    Missing,
    PullSdk,
    SdkSource,
    Upstream,
    parse_sdk,
)

#: `--sdk` as given ('emulated', 'live' or a pinned folder), or a parsed source (with
#: --sdk-origin / --forward-beacons); see harness.core.sdk.
SdkMode = str | SdkSource
BINDING_NAME = "__ttqHarnessReport"
#: The recorder's count of timers due within a window (call_recorder.js), per frame.
#: (1 + the count; -1 where the recorder is absent: always truthy, so the first poll answers)
_PENDING_TIMERS = (
    "ms => typeof __ttqHarnessPending === 'function' ? __ttqHarnessPending(ms) + 1 : -1"
)
#: However early the page proves idle, a step waits at least this long (capped at its quiet):
#: for what no count sees (a postMessage, a CSS transition's event, a worker's timer).
MIN_GRACE = 0.1
#: How often the waits look again (a Playwright round trip each).
_POLL_MS = 20.0
#: Path on a pixel host where the recorder beacons its reports while a page unloads.
HARNESS_PATH = "/__ttq_harness__/"
#: Uncaught page errors kept per capture (a page throwing in a loop must not flood the report).
MAX_PAGE_ERRORS = 50
#: The SDK's own console diagnostics kept per capture (same reason).
MAX_SDK_MESSAGES = 200
#: What the recorder (or the emulator) said it could not do, kept per capture (same reason).
MAX_RECORDER_ERRORS = 50
#: How the offline emulator prefixes what it logs when one of its entry points threw.
EMULATOR_ERROR_PREFIX = "[ttq-harness emulator] error: "


def _js(name: str) -> str:
    return resources.files("harness.browser").joinpath("js", name).read_text(encoding="utf-8")


def emulator_script() -> str:
    return _js("pixel_emulator.js")


def recorder_script(hosts: Sequence[str]) -> str:
    prelude = (
        f"const __TTQ_HOSTS__ = {json.dumps(list(hosts))};\n"
        f"const __TTQ_BINDING__ = {json.dumps(BINDING_NAME)};\n"
    )
    # Wrapped in a block so the consts never leak into the page's global scope.
    return "{\n" + prelude + _js("call_recorder.js") + "\n}"


class PixelCapture:
    """Records every ttq call and every pixel request of one browser context."""

    def __init__(
        self,
        *,
        hosts: Sequence[str] = DEFAULT_PIXEL_HOSTS,
        sdk: SdkMode = "emulated",
        sdk_origin: str | None = None,
        forward_beacons: bool = False,
        first_party_cookies: bool = False,
    ) -> None:
        self._emulator = emulator_script()
        self.sdk_source: SdkSource = (
            parse_sdk(
                sdk,
                emulator=self._emulator,
                origin=sdk_origin,
                forward_beacons=forward_beacons,
                first_party_cookies=first_party_cookies,
            )
            if isinstance(sdk, str)
            else sdk
        )
        self.hosts = tuple(hosts)
        #: the mode as reported (CaptureReport.sdk): emulated, pinned:DIR or live
        self.sdk = self.sdk_source.label
        self.calls: list[TtqCall] = []
        self._observed: Counter[str] = Counter()  # observations so far, by kind
        self.requests: list[RawRequest] = []
        self.beacon_notes: list[dict[str, Any]] = []
        self.callback_errors: list[BaseException] = []
        self._next_index = 0
        self._context: BrowserContext | None = None
        self._decoded: dict[int, list[PixelEvent] | UndecodableBeacon] = {}
        self._seen_records: set[str] = set()
        self._batch_mark = 0  # next_index when the last batch of recorder reports arrived
        self._views = _Views()
        self._sdk_notes: set[tuple[str, ...]] = set()
        #: `sdk pull` only (PullSdk): the bodies of SDK files fetched upstream, by request URL,
        #: so what is saved is byte for byte what the page ran, fetched once
        self.fetched_sdk_files: dict[str, bytes] = {}
        self._documents = Documents(clock=self._index)
        #: page requests sent and not yet answered or failed (`pending`), and how many started
        self._in_flight: set[Request] = set()

    # -- wiring -------------------------------------------------------------------------------

    def attach(self, context: BrowserContext) -> PixelCapture:
        if self._context is not None:
            raise UsageError("this PixelCapture is already attached to a browser context")
        self._context = context
        hosts = "|".join(re.escape(host) for host in self.hosts)
        # A host written with a trailing dot ("analytics.tiktok.com.") is the same host.
        context.route(re.compile(rf"^https?://({hosts})\.?(:\d+)?(/|$)"), self._on_route)
        context.expose_binding(BINDING_NAME, self._on_binding)
        context.add_init_script(recorder_script(self.hosts))
        context.on("page", self._watch_page)
        context.on("request", self._on_request_sent)
        context.on("requestfinished", self._on_request_done)
        context.on("requestfailed", self._on_request_done)
        for page in context.pages:
            self._watch_page(page)
        UnloadBeaconGuard.register(self)
        return self

    def _on_request_sent(self, request: Request) -> None:
        self._in_flight.add(request)

    def _on_request_done(self, request: Request) -> None:
        self._in_flight.discard(request)

    def _watch_page(self, page: Page) -> None:
        """Renderer crashes and uncaught script errors become observations (TR007, TR008)."""
        page.on("crash", lambda crashed: self.observe(PAGE_CRASHED, [crashed.url], crashed.url))
        page.on("pageerror", lambda error: self._on_page_error(page, error))
        page.on("console", lambda message: self._on_console(page, message))
        page.on("response", self._on_response)

    def _on_response(self, response: Response) -> None:
        """A document's navigation answered: a new document in its frame, with its status."""
        try:
            request = response.request
            if not request.is_navigation_request():
                return
            status = response.status
            if 300 <= status < 400 and status != 304:
                return  # a redirect: the document is the one it leads to
            frame = response.frame
            self._documents.navigated(frame, response.url, status)
        except Exception as exc:  # a callback must not raise into Playwright
            self.callback_errors.append(exc)

    def _on_console(self, page: Page, message: ConsoleMessage) -> None:
        """The SDK's own diagnostics ("[TikTok Pixel] - …") become observations (SD rules)."""
        try:
            text = message.text
            if text.startswith(EMULATOR_ERROR_PREFIX):
                # The emulator logs "error: <entry point> failed <stack>": keep the first line.
                reason = text.removeprefix(EMULATOR_ERROR_PREFIX).splitlines()[0]
                self._recorder_error("run the pixel emulator", reason, page.url)
                return
            if not text.startswith(SDK_CONSOLE_PREFIX):
                return
            if self._observed[SDK_CONSOLE] >= MAX_SDK_MESSAGES:
                return
            where = message.location or {}
            location = (
                f"{where.get('url')}:{where.get('lineNumber', 0)}:{where.get('columnNumber', 0)}"
                if where.get("url")
                else None
            )
            self.observe(SDK_CONSOLE, [text[:2000], message.type], page.url, location=location)
        except Exception as exc:  # a callback must not raise into Playwright
            self.callback_errors.append(exc)

    def _on_page_error(self, page: Page, error: PlaywrightError) -> None:
        if self._observed[PAGE_ERROR] >= MAX_PAGE_ERRORS:
            return
        message = f"{error.name or 'Error'}: {error.message}".strip()
        frames = [line.strip() for line in (error.stack or "").splitlines()[1:]]
        where = frames[0].removeprefix("at ") if frames else None
        self.observe(PAGE_ERROR, [message[:1000]], page.url, location=where)

    def observe(
        self, what: str, args: list[Any], page_url: str | None, *, location: str | None = None
    ) -> None:
        """Record something the harness saw about a page (not a ttq call) for the TR rules."""
        self._observed[what] += 1  # counted here so capped kinds never rescan the log
        self.calls.append(
            TtqCall(
                index=self._index(),
                timestamp=time.time(),
                method=what,
                args=args,
                page_url=page_url,
                frame_url=page_url,
                location=location,
            )
        )

    def _recorder_error(self, what: str, reason: str, page_url: str | None) -> None:
        if self._observed[RECORDER_ERROR] < MAX_RECORDER_ERRORS:
            self.observe(RECORDER_ERROR, [what, reason[:1000]], page_url)

    def _index(self) -> int:
        index = self._next_index
        self._next_index += 1
        return index

    @property
    def revision(self) -> tuple[int, int, int]:
        """Changes whenever anything arrives (a call, a request, a beacon body, a document):
        a reader polling the capture can skip work when it has not changed."""
        return (self._next_index, len(self.beacon_notes), self._documents.revision)

    @property
    def next_index(self) -> int:
        """The index the next call or request will get: events at or after it are newer."""
        return self._next_index

    @property
    def context(self) -> BrowserContext:
        if self._context is None:
            raise UsageError("PixelCapture.attach(context) was not called")
        return self._context

    def check(self) -> None:
        """Raise the first error a callback hit (they cannot raise into Playwright)."""
        if self.callback_errors:
            raise self.callback_errors[0]

    # -- callbacks ----------------------------------------------------------------------------

    def _on_route(self, route: Route, request: Request) -> None:
        try:
            body = request.post_data_buffer if request.method == "POST" else None
            logged = len(self.requests)
            response = self.handle_request(
                method=request.method,
                url=request.url,
                headers=dict(request.headers),
                body=body,
                frame_url=frame_url_of(request),
            )
            if len(self.requests) > logged:
                self._documents.requested(frame_of(request), self.requests[-1].index)
            if isinstance(response, Upstream):
                self._fulfill_from_upstream(route, request, response)
                return
        except Exception as exc:  # a callback must answer the route whatever happens
            self.callback_errors.append(exc)
            response = LocalResponse(204, {}, b"")
        _answer(route, status=response.status, headers=response.headers, body=response.body)

    def _fulfill_from_upstream(self, route: Route, request: Request, upstream: Upstream) -> None:
        """Live mode: answer with what the SDK's origin returns (scripts, forwarded beacons)."""
        try:
            fetched = route.fetch(url=upstream.url, timeout=15_000)
        except PlaywrightError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if classify(request.url)[0] in (RequestKind.SDK_SCRIPT, RequestKind.CONFIG):
                self.observe(
                    SDK_FILE_MISSING,
                    [request.url, f"fetching {upstream.url} failed: {reason}"],
                    frame_url_of(request),
                )
                _answer(route, status=404, body="")
            else:  # a forwarded beacon that could not leave: still answered, still recorded
                local = local_response(request.method, request.url, {}, self._emulator)
                _answer(route, status=local.status, headers=local.headers, body=local.body)
            return
        kind = classify(request.url)[0]
        if fetched.status >= 400 and kind in (RequestKind.SDK_SCRIPT, RequestKind.CONFIG):
            # The origin's own error answer still reaches the page, but the SDK is incomplete.
            self.observe(
                SDK_FILE_MISSING,
                [request.url, f"{upstream.url} answered HTTP {fetched.status}"],
                frame_url_of(request),
            )
        elif isinstance(self.sdk_source, PullSdk) and kind in (
            RequestKind.SDK_SCRIPT,
            RequestKind.CONFIG,
        ):
            self.fetched_sdk_files.setdefault(request.url, fetched.body())
        _answer(route, response=fetched)

    def handle_request(
        self,
        *,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        frame_url: str | None,
    ) -> LocalResponse | Upstream:
        """Record one request to a pixel host and say how to answer it.

        Locally, except in live mode: the SDK's scripts, and beacons with forward_beacons,
        are fetched from the SDK's origin (`Upstream`).
        """
        if urlsplit(url).path.startswith(HARNESS_PATH):
            # Recorder reports sent as a beacon (while its page unloaded, or when the binding
            # could not take them).
            try:
                self._ingest_all(json.loads(body or b"{}"), page_url=None, frame=None)
            except ValueError as exc:
                self.callback_errors.append(exc)
            return LocalResponse(204, {}, b"")
        kind, endpoint = classify(url)
        text = body.decode("utf-8", errors="replace") if body else None
        self.requests.append(
            RawRequest(
                index=self._index(),
                timestamp=time.time(),
                method=method,
                url=url,
                headers=headers,
                body=text,
                body_origin="request" if text else "none",
                kind=kind,
                endpoint=endpoint,
                page_url=frame_url,
            )
        )
        if method != "OPTIONS" and kind in (RequestKind.SDK_SCRIPT, RequestKind.CONFIG):
            answer = self.sdk_source.answer(url)
            if isinstance(answer, Missing):
                self.observe(SDK_FILE_MISSING, [url, answer.reason], frame_url)
                return LocalResponse(404, {"content-type": "text/plain"}, b"not pinned")
            if isinstance(answer, Answer):
                # Once per (saved, requested) pixel, not per file or request: the note's text
                # names the file, so events.js and config.js would each count otherwise.
                key = answer.note_key or (answer.note or "",)
                if answer.note and key not in self._sdk_notes:
                    self._sdk_notes.add(key)
                    self.observe(SDK_PINNED_CONFIG, [url, answer.note], frame_url)
                return LocalResponse(answer.status, answer.headers, answer.body)
            return answer
        source = self.sdk_source
        beacon = method != "OPTIONS" and kind in (RequestKind.EVENT, RequestKind.TELEMETRY)
        if beacon and isinstance(source, LiveSdk) and source.forward_beacons:
            return Upstream(source.upstream(url))
        return local_response(method, url, headers, self._emulator)

    def _on_binding(self, source: dict[str, Any], payload: Any) -> None:
        page = source.get("page")
        frame = source.get("frame")
        try:
            # The recorder sends its reports as one JSON string (a record or a list of them, in
            # order), so page scripts that change built-ins cannot garble them on the way.
            if isinstance(payload, str):
                payload = json.loads(payload)
            page_url = page.url if page is not None else None
            batch = self._ingest_all(payload, page_url=page_url, frame=frame)
            self._order_after_calls(batch)
        except Exception as exc:
            self.callback_errors.append(exc)

    def _ingest_all(self, payload: Any, *, page_url: str | None, frame: Frame | None) -> list[Any]:
        batch = payload if isinstance(payload, list) else [payload]
        for record in batch:
            self._ingest(record, page_url=page_url, frame=frame)
        return batch

    def _order_after_calls(self, batch: list[Any]) -> None:
        """Give beacons routed before their batch arrived indices after the batch's calls.

        The recorder reports a task's calls at its end, while the beacons those calls caused
        leave at once: a beacon's route may come first. The batch's beacon notes name them
        (URL and body, in order); such a request is moved after the calls, as it happened.
        """
        since, self._batch_mark = self._batch_mark, self._next_index
        noted = Counter(
            (note.get("url"), note.get("body"))
            for note in batch
            if isinstance(note, dict) and note.get("kind") == "beacon"
        )
        if not noted:
            return
        moved: dict[int, int] = {}
        for position, request in enumerate(self.requests):
            key = (request.url, request.body)
            if request.index < since or noted[key] <= 0:
                continue
            noted[key] -= 1
            self._decoded.pop(request.index, None)
            self.requests[position] = request.model_copy(update={"index": self._index()})
            moved[request.index] = self.requests[position].index
        if moved:
            self._documents.renumber(moved)
            self.requests.sort(key=lambda request: request.index)
            self._views = _Views()  # indices changed: rebuild the derived views once

    def _ingest(self, payload: Any, *, page_url: str | None, frame: Frame | None = None) -> None:
        """Take one recorder report (a ttq call, a sendBeacon note, what it knows of its
        document, what it could not do), once."""
        if not isinstance(payload, dict):
            return
        record_id = payload.get("id")
        if record_id is not None:
            if record_id in self._seen_records:
                return
            self._seen_records.add(str(record_id))
        kind = payload.get("kind")
        document_id = str(payload.get("document_id") or "")
        if kind == "hello":
            self._documents.recorder_started(
                frame, document_id, payload.get("frame_url"), bool(payload.get("top"))
            )
            return
        if kind == "pixel-global":
            self._documents.pixel_seen(document_id, payload.get("frame_url"))
            return
        if kind == "recorder-error":
            args = list(payload.get("args") or [])
            self._recorder_error(
                str(args[0] if args else "record"),
                str(args[1] if len(args) > 1 else "unknown"),
                payload.get("frame_url") or page_url,
            )
            return
        if kind == "beacon":
            self.beacon_notes.append(payload)
            return
        if kind == "observation":  # e.g. the page overwrote window.ttq (TR006)
            payload = {**payload, "method": OBSERVATION_PREFIX + str(payload.get("what"))}
        self.calls.append(
            TtqCall(
                index=self._index(),
                timestamp=float(payload.get("timestamp") or time.time()),
                method=str(payload.get("method")),
                args=list(payload.get("args") or []),
                pixel_code=payload.get("pixel_code"),
                page_url=page_url or payload.get("frame_url"),
                frame_url=payload.get("frame_url"),
                location=payload.get("location"),
                document_id=payload.get("document_id"),
            )
        )

    # -- reading ------------------------------------------------------------------------------

    def wire(self) -> tuple[list[PixelEvent], list[UndecodableBeacon]]:
        """Decoded wire events and undecodable beacons, in request order.

        Incremental: each poll decodes only the requests that arrived since the last one. Only
        a body-less sendBeacon POST can still change (its body may come later from a note);
        while one is in the log, the fill is redone when a request or note arrives.
        """
        views = self._views
        if views.unfilled:
            self._refill_wire(views)
        for request in self.requests[views.requests_done :]:
            if request.kind is RequestKind.EVENT and request.method == "POST" and not request.body:
                views.unfilled = True
                self._refill_wire(views)
                break
            self._append_wire(views, request)
            views.requests_done += 1
        return list(views.wire_events), list(views.undecodable)

    def _refill_wire(self, views: _Views) -> None:
        """The whole-log path, for when a body-less beacon may take a note's body."""
        key = (len(self.requests), len(self.beacon_notes))
        if key == views.filled_for:
            return
        views.filled_for = key
        views.wire_events, views.undecodable, views.new_wire = [], [], []
        views.merged = None
        for request in fill_beacon_bodies(self.requests, self.beacon_notes):
            self._append_wire(views, request)
        views.requests_done = len(self.requests)

    def _append_wire(self, views: _Views, request: RawRequest) -> None:
        if request.kind is not RequestKind.EVENT:
            return
        result = self._decoded.get(request.index)
        if result is None:
            found, bad = wire_events([request])
            result = bad[0] if bad else found
            if not bad or request.body:  # a missing body may still arrive from a note
                self._decoded[request.index] = result
        if isinstance(result, UndecodableBeacon):
            views.undecodable.append(result)
        else:
            views.wire_events.extend(result)
            views.new_wire.extend(result)

    def _call_events(self) -> list[PixelEvent]:
        """Call events, converting only the calls recorded since the last poll."""
        views = self._views
        if views.calls_done < len(self.calls):
            fresh = call_events(self.calls[views.calls_done :])
            views.calls_done = len(self.calls)
            views.call_events.extend(fresh)
            views.new_calls.extend(fresh)
        return views.call_events

    def events(
        self, source: Literal["call", "wire"] | None = None, *, since: int = 0
    ) -> list[PixelEvent]:
        """Events captured so far, in arrival order: at the call, on the wire, or both; with
        `since`, only those whose index is at least that (a step's events: `since` its mark),
        found by bisection and copied alone, so polling a long capture stays cheap."""
        if source == "call":
            return _from(self._call_events(), since)
        if source == "wire":
            return _from(sorted(self.wire()[0], key=lambda event: event.index), since)
        self._call_events()
        self.wire()
        views = self._views
        fresh = [*views.new_calls, *views.new_wire]
        views.new_calls, views.new_wire = [], []
        newest = views.merged[-1].index if views.merged else -1
        if views.merged is None or any(event.index < newest for event in fresh):
            # First poll, a refill, or something older than the last event: sort it all.
            views.merged = sorted(
                [*views.call_events, *views.wire_events], key=lambda event: event.index
            )
        else:
            # Indices come from one counter, so what arrived since is newer than all before.
            views.merged.extend(sorted(fresh, key=lambda event: event.index))
        return _from(views.merged, since)

    def report(
        self,
        *,
        url: str,
        browser: str | None,
        harness_version: str,
        config: RulesConfig | None = None,
        server_requests: Sequence[RawRequest] = (),
    ) -> CaptureReport:
        """The report of everything captured so far; what the polls already decoded and
        converted is reused, so each beacon is decoded once per capture. `server_requests`:
        what a local Events API sink received, checked in the same rule pass (EA rules)."""
        return report_of(
            self.capture(server_requests),
            config=config,
            harness_version=harness_version,
            sdk=self.sdk,
            url=url,
            browser=browser,
            forward_beacons=self.sdk_source.forward_beacons,
        )

    def capture(self, server_requests: Sequence[RawRequest] = ()) -> Capture:
        """The capture value so far (harness.core.capture), derived from the incremental
        views: nothing decoded or converted twice."""
        return derive(
            self.calls,
            self.requests,
            server_requests=server_requests,
            notes=self.beacon_notes,
            documents=self.documents(),
            decoded=self._decoded,
            called=self._call_events(),
        )

    def documents(self) -> list[CapturedDocument]:
        """The documents watched so far: status, recorder, pixel evidence (CH rules)."""
        return self._documents.values()

    # -- waiting ------------------------------------------------------------------------------

    def pump(self, milliseconds: float = 50) -> None:
        """Let Playwright deliver pending callbacks for a moment."""
        pages = [page for page in self.context.pages if not page.is_closed()]
        if pages:
            try:
                pages[-1].wait_for_timeout(milliseconds)
                return
            except PlaywrightError:  # the page closed while we waited
                pass
        time.sleep(milliseconds / 1000)

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Pump until predicate() holds or `timeout` seconds pass. Returns the last verdict."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            if time.monotonic() >= deadline:
                return False
            self.pump(min(50.0, max(1.0, (deadline - time.monotonic()) * 1000)))

    def wait_until_or_quiet(
        self,
        predicate: Callable[[], bool],
        *,
        timeout: float,
        quiet: float,
        idle_window: float | None = None,
    ) -> bool:
        """Pump until predicate() holds, or nothing has arrived for `quiet` seconds, or timeout;
        with `idle_window`, also until the page provably has nothing left to send within that
        many seconds (`pending`, twice in a row).

        For "did the step send what it must": a missing event stops the wait once the page has
        gone quiet (or idle) instead of always costing the whole timeout.
        """
        deadline = time.monotonic() + timeout
        last = self._traffic()
        last_change = time.monotonic()
        idle_seen = False
        while True:
            if predicate():
                return True
            now = self._traffic()
            if now != last:
                last, last_change, idle_seen = now, time.monotonic(), False
            if time.monotonic() >= deadline or time.monotonic() - last_change >= quiet:
                return False
            if idle_window is not None:
                budget = max(0.05, min(1.0, deadline - time.monotonic()))
                idle = self.pending(idle_window, budget=budget) == 0 and self._traffic() == now
                if idle and idle_seen and not predicate():
                    return False
                idle_seen = idle
            self.pump(_POLL_MS if idle_window is not None else 50)

    def pending(self, window: float, *, budget: float = 1.0) -> int | None:
        """What may still reach the capture within `window` seconds: page requests in flight
        plus, in every frame, timers due within the window and pending animation-frame or idle
        callbacks (call_recorder.js). None when a frame cannot say within `budget` seconds (a
        busy page, a navigation, a document the recorder is not in): not idle.

        Each frame is asked with a round trip, and the recorder batches its reports per
        microtask: a report made before the question is delivered before the answer. The
        question carries Playwright's timeout; a main thread stuck in a loop still delays the
        answer until the loop ends (seen with a 3 s loop).
        """
        for request in list(self._in_flight):
            if _gone(request):  # its page closed: it will never finish or fail
                self._in_flight.discard(request)
        busy = len(self._in_flight)
        deadline = time.monotonic() + budget
        for page in [page for page in self.context.pages if not page.is_closed()]:
            for frame in page.frames:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                try:
                    handle = frame.wait_for_function(
                        _PENDING_TIMERS, arg=window * 1000, timeout=left * 1000, polling=_POLL_MS
                    )
                    answer = handle.json_value()
                except PlaywrightError:  # busy past the budget, navigating, or closed
                    return None
                if answer == -1:
                    if frame.url not in ("", "about:blank"):
                        return None
                    continue
                busy += int(answer) - 1
        return busy

    def wait_idle(self, *, window: float, quiet: float, timeout: float) -> bool:
        """Pump until the page provably has nothing left to send within `window` seconds
        (`pending` is 0 and no pixel traffic arrived while asking, twice, one poll apart, and
        at least MIN_GRACE passed), or no pixel traffic arrived for `quiet` seconds, or
        `timeout`. True when idleness was proven.

        A plan step asks with its quiet as the window: it ends as soon as nothing can send
        within it, instead of always after it.
        """
        started = time.monotonic()
        deadline = started + timeout
        grace = min(MIN_GRACE, quiet)
        last = self._traffic()
        last_change = started
        idle_seen = False
        while time.monotonic() < deadline:
            before = self._traffic()
            if before != last:
                last, last_change, idle_seen = before, time.monotonic(), False
            elif time.monotonic() - last_change >= quiet:
                return False
            budget = max(0.05, min(1.0, deadline - time.monotonic()))
            idle = self.pending(window, budget=budget) == 0 and self._traffic() == before
            if idle and idle_seen and time.monotonic() - started >= grace:
                return True
            idle_seen = idle
            self.pump(_POLL_MS)
        return False

    def _traffic(self) -> tuple[int, int, int]:
        """Pixel traffic so far (the quiet fallback counts only this: a site's own polling or
        lazy images must not keep a step from going quiet)."""
        return (len(self.calls), len(self.requests), len(self.beacon_notes))

    def settle(self, quiet: float = 0.5, timeout: float = 5.0) -> None:
        """Wait until nothing more can arrive within `quiet` seconds: the page provably has
        nothing left to send within it (`wait_idle`), or nothing arrived for `quiet` seconds."""
        self.wait_idle(window=quiet, quiet=quiet, timeout=timeout)


def _from(events: Sequence[PixelEvent], since: int) -> list[PixelEvent]:
    """A copy of the events (sorted by index) whose index is at least `since`."""
    if since <= 0:
        return list(events)
    return list(events[bisect.bisect_left(events, since, key=lambda event: event.index) :])


def _answer(route: Route, **answer: Any) -> None:
    """Fulfil a pixel route. When its page or context closed first (a test ending right after
    the event it waited for), Playwright refuses the answer: nobody is left to receive it, so
    that is not an error, and answering twice would raise inside Playwright's event loop."""
    with contextlib.suppress(PlaywrightError):
        route.fulfill(**answer)


def _gone(request: Request) -> bool:
    try:
        return request.frame.page.is_closed()
    except PlaywrightError:  # a service worker's request, or its frame detached
        return False


@dataclass
class _Views:
    """What `events()` and `wire()` derived so far, so each poll only handles what is new."""

    calls_done: int = 0
    call_events: list[PixelEvent] = field(default_factory=list)
    requests_done: int = 0
    wire_events: list[PixelEvent] = field(default_factory=list)
    undecodable: list[UndecodableBeacon] = field(default_factory=list)
    #: a body-less beacon POST is in the log: wire() refills from the whole log on change
    unfilled: bool = False
    filled_for: tuple[int, int] = (-1, -1)
    #: call and wire events, merged in index order (None: rebuild on the next poll)
    merged: list[PixelEvent] | None = None
    new_calls: list[PixelEvent] = field(default_factory=list)
    new_wire: list[PixelEvent] = field(default_factory=list)
