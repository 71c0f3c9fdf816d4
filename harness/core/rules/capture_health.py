"""Capture health (CH): the harness checks itself, so that no blind spot is silent.

A verification tool that says "0 findings" while it saw nothing is worse than none. These
rules read what the browser capture knows about each document it watched
(`CapturedDocument`: HTTP status, whether the call recorder reported in, pixel requests) and
what the recorder said it could not do. A HAR file has no documents, so they stay silent there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from harness.core.events_api.validate import EVENTS_API_ENDPOINT
from harness.core.model import CapturedDocument, PixelEvent, RequestKind, TtqCall
from harness.core.observations import RECORDER_ERROR, page_calls_by_document
from harness.core.rules._registry import Issue, RuleContext, rule

#: The recorder (or the emulator) reported something it could not do. args: [what, reason]


def _needs_a_call(event: PixelEvent) -> bool:
    """A beacon that only a ttq call makes (not the SDK's automatic /act events, its EnrichAM
    after identify, or an Event Builder rule of the pixel's configuration)."""
    if event.auto or event.name == "EnrichAM":
        return False
    context = (event.body or {}).get("context") if isinstance(event.body, dict) else None
    pixel = context.get("pixel") if isinstance(context, dict) else None
    return not (isinstance(pixel, dict) and pixel.get("mode"))


def _where(document: CapturedDocument) -> str:
    frame = "" if document.main_frame else "the iframe "
    return f"{frame}{document.url or 'a document without URL'}"


@rule(
    "CH001",
    "recorder-blind",
    severity="error",
    scope="capture",
    fix="Run again with -v and report the page to ttq-harness: the call recorder could not see "
    "this page's ttq calls. Until then, the wire events are checked but not the calls.",
)
def recorder_blind(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """Beacons left a document in which the harness recorded no ttq call at all.

    Why:
        Every pixel beacon an event sends comes from a ttq call (the base code's `ttq.load`
        and `ttq.page()` at least). Beacons with no call recorded in their document mean the
        harness's call recorder was blind there: the call-level checks (event names and
        parameters as the page passed them, call sites, reconciliation) did not run, and a
        "0 findings" result would prove nothing.

    Bad:
        A page script broke what the recorder relies on, or the recorder never started in
        the document; beacons still arrived.

    Good:
        Every document that sends beacons has its ttq calls recorded.
    """
    by_document = ctx.page_calls
    by_request: dict[int, list[PixelEvent]] = {}
    for event in ctx.wire_events:
        if _needs_a_call(event):
            by_request.setdefault(event.index, []).append(event)
    for document in ctx.documents:
        if by_document.get(document.id):
            continue
        sent = [event for index in document.requests for event in by_request.get(index, [])]
        if not sent:
            continue
        names = ", ".join(dict.fromkeys(event.name for event in sent))
        cause = (
            "the recorder started there but received none of the page's calls"
            if document.recorder
            else "the recorder never started in that document"
        )
        yield Issue(
            message=f"{len(sent)} beacon(s) left {_where(document)} ({names}) but the harness "
            f"recorded no ttq call there: {cause}, so the calls were not checked",
            path="documents",
            expected="the ttq calls that made these beacons",
            received=f"{len(sent)} beacon(s), 0 calls",
            event=sent[0],
        )


@rule(
    "CH002",
    "recorder-failed",
    severity="error",
    scope="capture",
    fix="The message names what failed. If a page script changed a built-in the recorder "
    "needs, report it to ttq-harness; calls made while it failed may be missing.",
)
def recorder_failed(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """The harness's call recorder could not do part of its job, or never started where the
    pixel loaded.

    Why:
        Calls the recorder cannot see are calls the rules cannot check. The recorder reports
        what it could not do (trap the pixel's global, copy a call's arguments, send its
        reports); a document that loaded the pixel without the recorder reporting in was
        not watched at all. Either way the result must not look clean.

    Bad:
        A page made window.ttq non-configurable before the recorder ran; the recorder could
        not report a call; a frame loaded events.js but the recorder never started there.

    Good:
        The recorder starts in every document and reports no failure.
    """
    for call in ctx.observations(RECORDER_ERROR):
        what = str(call.args[0]) if call.args else "recording"
        reason = str(call.args[1]) if len(call.args) > 1 else "unknown"
        yield Issue(
            message=f"ttq-harness could not {what} on {call.frame_url or call.page_url}: "
            f"{reason}; calls made there may be missing from the report",
            path="recorder",
            received=reason,
            call=call,
        )
    by_document = ctx.page_calls
    # the pixel's own requests: a local Events API sink numbers its requests apart
    pixel = (
        ctx.capture.requests
        if ctx.capture is not None
        else [r for r in ctx.requests if r.endpoint != EVENTS_API_ENDPOINT]
    )
    kinds = {request.index: request.kind for request in pixel}
    for document in ctx.documents:
        if document.recorder or by_document.get(document.id):
            continue
        loaded = [i for i in document.requests if kinds.get(i) is RequestKind.SDK_SCRIPT]
        beacons = [i for i in document.requests if kinds.get(i) is RequestKind.EVENT]
        if loaded and not beacons:  # with beacons, CH001 says it
            yield Issue(
                message=f"{_where(document)} loaded the pixel SDK but the call recorder never "
                "started there: its ttq calls could not be recorded",
                path="documents",
                received=f"request #{loaded[0]}",
            )


@rule(
    "CH003",
    "page-http-error",
    severity="error",
    scope="capture",
    fix="Check the URL (a typo answers 404) and that the site is up; the page's tracking can "
    "only be checked on the real page.",
)
def page_http_error(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """The page under test answered with an HTTP error (4xx or 5xx).

    Why:
        An error page usually has no pixel, or a different one: finding nothing wrong on it
        says nothing about the page that was meant. A mistyped URL must not pass.

    Bad:
        ttq-harness inspect https://shop.example/prodcut.html   (404 Not Found)

    Good:
        ttq-harness inspect https://shop.example/product.html   (200 OK)
    """
    for document in ctx.documents:
        if document.main_frame and document.status is not None and document.status >= 400:
            yield Issue(
                message=f"{document.url} answered HTTP {document.status}: the page under test "
                "is an error page, so its tracking was not checked",
                path="documents",
                expected="HTTP status below 400",
                received=document.status,
            )


def pages_without_pixel(
    documents: Sequence[CapturedDocument], calls: Sequence[TtqCall]
) -> list[str]:
    """URLs of the top-level pages (loaded over HTTP, not error pages) with no pixel at all:
    no pixel global, ttq call or pixel-host request in them or their iframes."""
    by_document = page_calls_by_document(calls)
    frames: dict[str | None, list[CapturedDocument]] = {}
    for document in documents:
        frames.setdefault(document.parent, []).append(document)
    return [
        document.url or ""
        for document in documents
        if document.main_frame
        and (document.url or "").startswith(("http:", "https:"))
        and not (document.status is not None and document.status >= 400)
        and not has_pixel(document, frames.get(document.id, []), by_document)
    ]


def has_pixel(
    document: CapturedDocument,
    iframes: Sequence[CapturedDocument],
    calls: dict[str | None, list[TtqCall]],
) -> bool:
    """Any pixel evidence in a top-level document or its iframes: a pixel global, a ttq call,
    a request to a pixel host."""
    return any(d.pixel or d.requests or calls.get(d.id) for d in [document, *iframes])


@rule(
    "CH004",
    "no-pixel-on-page",
    severity="info",
    scope="capture",
    fix="If the page should track, add the TikTok pixel base code (or check that your tag "
    "manager loads it on this page).",
)
def no_pixel_on_page(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """No TikTok pixel base code or SDK request on this page.

    Why:
        A page without the pixel sends nothing, and nothing sent has no mistakes: "0
        findings" there is not a pass. This says so, so a page that lost its tag (a
        template change, a tag manager trigger) is noticed.

    Bad:
        A product page whose template no longer includes the base code.

    Good:
        <script>!function (w, d, t) { … ttq.load('CODE'); ttq.page(); }(window, document,
        'ttq');</script>
    """
    for url in pages_without_pixel(ctx.documents, ctx.calls):
        yield Issue(
            message=f"no TikTok pixel base code or SDK request on {url}",
            path="documents",
            received="no pixel",
        )
