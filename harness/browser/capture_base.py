"""What a capture does apart from Playwright's flavour: the base of PixelCapture (sync) and
AsyncPixelCapture (async).

A capture takes what Playwright hands its callbacks (routed pixel requests, the recorder's
reports through the exposed binding, console messages, responses, page errors), decodes and
orders it, and reports. That intake is plain code in both flavours (Playwright's `on`
callbacks are plain functions in both); what must wait on the browser (attaching, answering a
route, the waits) is written once as steps (harness.browser.flavour) that each flavour drives:
the subclasses only differ in wiring and in awaiting. The incremental views (wire(),
events()) are in capture_views.py, the waits in capture_waits.py.

Why one module over 500 lines: it is the one CaptureBase class (record intake and
re-ordering, the documents, answering a route, the report); the views and the waits, which
read it, are already split out beside it.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import functools
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext as AsyncBrowserContext
from playwright.async_api import ConsoleMessage as AsyncConsoleMessage
from playwright.async_api import Page as AsyncPage
from playwright.async_api import Request as AsyncRequest
from playwright.async_api import Response as AsyncResponse
from playwright.async_api import Route as AsyncRoute
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
)
from playwright.sync_api import Error as PlaywrightError  # the same class in both flavours

from harness.browser.answers import LocalResponse, local_response
from harness.browser.capture_views import IncrementalViews, _Views
from harness.browser.capture_waits import WaitSteps
from harness.browser.documents import AnyFrame, Documents, frame_of, frame_url_of
from harness.browser.flavour import Steps
from harness.core.capture import Capture, derive
from harness.core.collector import rare_full_collections
from harness.core.config import RulesConfig
from harness.core.endpoints import DEFAULT_PIXEL_HOSTS, classify
from harness.core.engine import report_of
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
from harness.core.sdk import (
    Answer,
    LiveSdk,
    Missing,
    PullSdk,
    SdkSource,
    Upstream,
    parse_sdk,
)
from harness.core.sharing import shared_json, shared_str

#: the browser context type of a flavour (sync or async Playwright)
C = TypeVar("C", BrowserContext, AsyncBrowserContext)

#: `--sdk` as given ('emulated', 'live' or a pinned folder), or a parsed source (with
#: --sdk-origin / --forward-beacons); see harness.core.sdk.
SdkMode = str | SdkSource
BINDING_NAME = "__ttqHarnessReport"
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


@functools.cache  # package data: read once, not for every capture (a page of an audit)
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


class CaptureBase(IncrementalViews, WaitSteps, Generic[C]):
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
        #: each beacon body once, for the request and its note (_beacon_text)
        self._beacon_texts: dict[str, str] = {}
        #: the index clock when each beacon note arrived (a report `since` a mark takes only
        #: the notes of its own beacons)
        self._note_marks: list[int] = []
        self.callback_errors: list[BaseException] = []
        self._next_index = 0
        #: set when anything arrives (`revision` changes), while a wait waits (capture_waits)
        self._arrival: asyncio.Event | None = None
        self._context: C | None = None
        self._decoded: dict[int, list[PixelEvent] | UndecodableBeacon] = {}
        self._seen_records: set[str] = set()
        self._batch_mark = 0  # next_index when the last batch of recorder reports arrived
        self._views = _Views()
        self._sdk_notes: set[tuple[str, ...]] = set()
        #: `sdk pull` only (PullSdk): the bodies of SDK files fetched upstream, by request URL,
        #: so what is saved is byte for byte what the page ran, fetched once
        self.fetched_sdk_files: dict[str, bytes] = {}
        self._documents = Documents(clock=self._index, changed=self._wake)
        #: page requests sent and not yet answered or failed (`pending`), and how many started
        self._in_flight: set[Request | AsyncRequest] = set()

    # -- wiring (steps: each flavour drives them) ----------------------------------------

    def _attach_steps(
        self, context: C, on_route: Callable[..., Any], on_binding: Callable[..., Any]
    ) -> Steps[None]:
        """Route the pixel hosts to `on_route`, expose the binding, install the recorder and
        watch the context's pages and requests."""
        if self._context is not None:
            raise UsageError(f"this {type(self).__name__} is already attached to a browser context")
        self._context = context
        hosts = "|".join(re.escape(host) for host in self.hosts)
        # A host written with a trailing dot ("analytics.tiktok.com.") is the same host.
        yield context.route(re.compile(rf"^https?://({hosts})\.?(:\d+)?(/|$)"), on_route)
        yield context.expose_binding(BINDING_NAME, on_binding)
        yield context.add_init_script(recorder_script(self.hosts))
        context.on("page", self._watch_page)
        context.on("request", self._on_request_sent)
        context.on("requestfinished", self._on_request_done)
        context.on("requestfailed", self._on_request_done)
        release = rare_full_collections()
        context.on("close", lambda _context: release())
        for page in context.pages:
            self._watch_page(page)

    # -- callbacks (plain code in both flavours) ---------------------------------------

    def _on_request_sent(self, request: Request | AsyncRequest) -> None:
        self._in_flight.add(request)

    def _on_request_done(self, request: Request | AsyncRequest) -> None:
        self._in_flight.discard(request)

    def _watch_page(self, page: Page | AsyncPage) -> None:
        """Renderer crashes and uncaught script errors become observations (TR007, TR008)."""
        page.on("crash", lambda crashed: self.observe(PAGE_CRASHED, [crashed.url], crashed.url))
        page.on("pageerror", lambda error: self._on_page_error(page, error))
        page.on("console", lambda message: self._on_console(page, message))
        page.on("response", self._on_response)

    def _on_response(self, response: Response | AsyncResponse) -> None:
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

    def _on_console(
        self, page: Page | AsyncPage, message: ConsoleMessage | AsyncConsoleMessage
    ) -> None:
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

    def _on_page_error(self, page: Page | AsyncPage, error: PlaywrightError) -> None:
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
        self._wake()
        return index

    def _wake(self) -> None:
        """Something arrived (a call, a request, a beacon note, a document): a wait looks again
        now, not at its next poll."""
        if self._arrival is not None:
            self._arrival.set()

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
    def context(self) -> C:
        if self._context is None:
            raise UsageError(f"{type(self).__name__}.attach(context) was not called")
        return self._context

    def check(self) -> None:
        """Raise the first error a callback hit (they cannot raise into Playwright)."""
        if self.callback_errors:
            raise self.callback_errors[0]

    # -- answering a pixel route (steps) ----------------------------------------------------

    def _route_steps(
        self, route: Route | AsyncRoute, request: Request | AsyncRequest
    ) -> Steps[None]:
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
        except Exception as exc:  # a callback must answer the route whatever happens
            self.callback_errors.append(exc)
            response = LocalResponse(204, {}, b"")
        if isinstance(response, Upstream):
            yield from self._upstream_steps(route, request, response)
            return
        yield from _answer(
            route, status=response.status, headers=response.headers, body=response.body
        )

    def _upstream_steps(
        self, route: Route | AsyncRoute, request: Request | AsyncRequest, upstream: Upstream
    ) -> Steps[None]:
        """Live mode: answer with what the SDK's origin returns (scripts, forwarded beacons)."""
        try:
            fetched = yield route.fetch(url=upstream.url, timeout=15_000)
        except PlaywrightError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if classify(request.url)[0] in (RequestKind.SDK_SCRIPT, RequestKind.CONFIG):
                self.observe(
                    SDK_FILE_MISSING,
                    [request.url, f"fetching {upstream.url} failed: {reason}"],
                    frame_url_of(request),
                )
                yield from _answer(route, status=404, body="")
            else:  # a forwarded beacon that could not leave: still answered, still recorded
                local = local_response(request.method, request.url, {}, self._emulator)
                yield from _answer(
                    route, status=local.status, headers=local.headers, body=local.body
                )
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
            body = yield fetched.body()
            self.fetched_sdk_files.setdefault(request.url, body)
        yield from _answer(route, response=fetched)

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
        if text is not None and kind is RequestKind.EVENT:
            text = self._beacon_text(text)
        self.requests.append(
            RawRequest(
                index=self._index(),
                timestamp=time.time(),
                method=shared_str(method),
                url=shared_str(url),  # the same few URLs and headers, request after request
                headers={shared_str(name): shared_str(value) for name, value in headers.items()},
                body=text,
                body_origin="request" if text else "none",
                kind=kind,
                endpoint=endpoint,
                page_url=shared_json(frame_url),
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

    def _ingest_all(
        self, payload: Any, *, page_url: str | None, frame: AnyFrame | None
    ) -> list[Any]:
        batch = payload if isinstance(payload, list) else [payload]
        for record in batch:
            self._ingest(record, page_url=page_url, frame=frame)
        return batch

    def _beacon_text(self, text: str) -> str:
        """One copy of a beacon's body: the request and the recorder's sendBeacon note of it
        carry the same text (a few KB), the first one seen is kept for both."""
        return self._beacon_texts.setdefault(text, text)

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
            # a note that waited for a later batch (call_recorder.js) orders nothing
            if isinstance(note, dict) and note.get("kind") == "beacon" and not note.get("deferred")
        )
        if not noted:
            return
        moved: dict[int, int] = {}
        # Requests are in index order: only the last ones (since the last batch) can move, so
        # a long capture is not scanned whole for every batch.
        first = bisect.bisect_left(self.requests, since, key=lambda request: request.index)
        for position in range(first, len(self.requests)):
            request = self.requests[position]
            key = (request.url, request.body)
            if noted[key] <= 0:
                continue
            noted[key] -= 1
            self._decoded.pop(request.index, None)
            self.requests[position] = request.model_copy(update={"index": self._index()})
            moved[request.index] = self.requests[position].index
        if moved:
            self._documents.renumber(moved)
            self.requests.sort(key=lambda request: request.index)
            self._views = _Views()  # indices changed: rebuild the derived views once

    def _ingest(self, payload: Any, *, page_url: str | None, frame: AnyFrame | None = None) -> None:
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
                frame,
                document_id,
                payload.get("frame_url"),
                bool(payload.get("top")),
                late=bool(payload.get("unloading")),
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
            note = shared_json(payload)
            if isinstance(note.get("body"), str):
                note["body"] = self._beacon_text(note["body"])
            self.beacon_notes.append(note)
            self._note_marks.append(self._next_index)
            self._wake()
            return
        if kind == "observation":  # e.g. the page overwrote window.ttq (TR006)
            payload = {**payload, "method": OBSERVATION_PREFIX + str(payload.get("what"))}
        # Strings shared: the same property names, URLs and locations, call after call.
        self.calls.append(
            TtqCall(
                index=self._index(),
                timestamp=float(payload.get("timestamp") or time.time()),
                method=shared_str(str(payload.get("method"))),
                args=shared_json(list(payload.get("args") or [])),
                pixel_code=shared_json(payload.get("pixel_code")),
                page_url=shared_json(page_url or payload.get("frame_url")),
                frame_url=shared_json(payload.get("frame_url")),
                location=shared_json(payload.get("location")),
                document_id=shared_json(payload.get("document_id")),
            )
        )

    # -- reading ------------------------------------------------------------------------------

    def report(
        self,
        *,
        url: str,
        browser: str | None,
        harness_version: str,
        config: RulesConfig | None = None,
        server_requests: Sequence[RawRequest] = (),
        since: int = 0,
    ) -> CaptureReport:
        """The report of everything captured so far; what the polls already decoded and
        converted is reused, so each beacon is decoded once per capture. `server_requests`:
        what a local Events API sink received, checked in the same rule pass (EA rules).
        `since`: only what arrived at or after that `next_index` (one page of several that one
        capture watched in turn, e.g. an audit's tab going from page to page)."""
        return report_of(
            self.capture(server_requests, since=since),
            config=config,
            harness_version=harness_version,
            sdk=self.sdk,
            url=url,
            browser=browser,
            forward_beacons=self.sdk_source.forward_beacons,
        )

    def capture(self, server_requests: Sequence[RawRequest] = (), *, since: int = 0) -> Capture:
        """The capture value so far (harness.core.capture), derived from the incremental
        views: nothing decoded or converted twice. `since`: see `report`."""
        calls, requests, notes = self.calls, self.requests, self.beacon_notes
        called, documents = self._call_events(), self.documents()
        if since > 0:
            calls = [call for call in calls if call.index >= since]
            requests = [request for request in requests if request.index >= since]
            notes = [n for n, mark in zip(notes, self._note_marks, strict=True) if mark >= since]
            called = [event for event in called if event.index >= since]
            documents = [d for d in documents if d.index is None or d.index >= since]
        return derive(
            calls,
            requests,
            server_requests=server_requests,
            notes=notes,
            documents=documents,
            decoded=self._decoded,
            called=called,
        )

    def documents(self) -> list[CapturedDocument]:
        """The documents watched so far: status, recorder, pixel evidence (CH rules)."""
        return self._documents.values()


def _answer(route: Route | AsyncRoute, **answer: Any) -> Steps[None]:
    """Fulfil a pixel route. When its page or context closed first (a test ending right after
    the event it waited for), Playwright refuses the answer: nobody is left to receive it, so
    that is not an error, and answering twice would raise inside Playwright's event loop."""
    with contextlib.suppress(PlaywrightError):
        yield route.fulfill(**answer)
