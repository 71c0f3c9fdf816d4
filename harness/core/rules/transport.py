"""TR: transport. Beacons that cannot be read, calls that never left, pixel set-up mistakes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from urllib.parse import parse_qs, urlsplit

from harness.core.jsonvalue import show
from harness.core.model import PixelEvent, RequestKind
from harness.core.observations import (  # what the harness observed (harness:...): TR006-TR008
    PAGE_CRASHED,
    PAGE_ERROR,
    TTQ_OVERWRITTEN,
)
from harness.core.reconcile import document_pixels, lost_reason
from harness.core.rules._registry import Issue, RuleContext, rule
from harness.core.tiktok import PIXEL_CODE


@rule(
    "TR001",
    "undecodable-beacon",
    severity="error",
    scope="capture",
    fix="Send the pixel's own JSON body (sendBeacon text/plain) or a valid analytics_message; "
    "check for a proxy or tag manager rewriting the request.",
)
def undecodable_beacon(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """An event request to the pixel could not be decoded.

    Why:
        TikTok cannot read it either: the event is lost. A request to /api/v2/pixel must carry
        the pixel's JSON body (or the image fallback's base64 `analytics_message`).

    Bad:
        navigator.sendBeacon('https://analytics.tiktok.com/api/v2/pixel', '{"event": "Add')

    Good:
        ttq.track('AddToCart', {value: 8, currency: 'USD'})  // let the pixel build the body
    """
    for item in ctx.undecodable:
        yield Issue(
            message=f"{item.request.method} {item.request.url} could not be decoded: {item.reason}",
            path="body",
            received=(item.request.body or "")[:500],
            request=item.request,
        )


@rule(
    "TR002",
    "call-without-beacon",
    severity="warning",
    scope="capture",
    fix="Make sure the SDK loaded (base code in <head>, events.js not blocked), consent was "
    "granted, and the page stays long enough for the beacon to leave.",
)
def call_without_beacon(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """A ttq call produced no beacon on the wire.

    Why:
        What the page called never reached TikTok. Usual causes: the SDK never loaded (blocked,
        wrong queue protocol), consent was held and never granted, or the page left before the
        pixel sent it; the message names the likely one from what the capture shows
        (docs/reconciliation.md). A call after ttq.revokeConsent() is not reported: the
        visitor declined, and the SDK rightly sends nothing.

    Bad:
        ttq.holdConsent(); ttq.track('AddToCart', {...})  // and consent is never granted

    Good:
        ttq.track('AddToCart', {...})  // with the base code and events.js loading normally
    """
    for event in ctx.unanswered_calls:
        # The likely reason, from the capture's evidence (harness/core/reconcile/lost.py).
        why, reason = lost_reason(
            event,
            calls=ctx.calls,
            requests=ctx.requests,
            unanswered=ctx.unanswered_calls,
            index=ctx.document_index,
        )
        if why == "pixel-not-loaded":
            continue  # TR009/TR010 report a call to a pixel the page never loaded
        if why == "consent-revoked":
            continue  # the visitor declined: sending nothing is what revokeConsent is for (CN002)
        target = f" to pixel {event.pixel_code}" if event.pixel_code else ""
        yield Issue(
            message=f"ttq call {show(event.name)} produced no beacon{target} ({reason})",
            path="event",
            received=event.name,
            event=event,
        )


@rule(
    "TR003",
    "invalid-pixel-code",
    severity="error",
    scope="capture",
    fix="Copy the pixel code from Events Manager: 'C' followed by 19 upper-case letters or digits.",
)
def invalid_pixel_code(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """ttq.load() or ttq.instance() was given something that is not a pixel code.

    Why:
        Pixel codes are 20 characters: 'C' and 19 upper-case letters or digits. Anything else
        (a lower-cased code, an advertiser id, a placeholder) sends events nowhere.

    Bad:
        ttq.load('YOUR_PIXEL_ID')

    Good:
        ttq.load('CEKQ7JRC77U1R0B3Q5RG')
    """
    for call in ctx.calls:
        if call.method not in ("load", "instance"):
            continue
        code = call.args[0] if call.args else None
        if not isinstance(code, str) or not PIXEL_CODE.fullmatch(code):
            yield Issue(
                message=f"ttq.{call.method}() got pixel code {show(code)}, which is not "
                "'C' + 19 upper-case letters or digits",
                path="args[0]",
                expected="C[A-Z0-9]{19}",
                received=code,
                call=call,
            )


@rule(
    "TR004",
    "pixel-loaded-twice",
    severity="warning",
    scope="capture",
    fix="Load each pixel once per page: remove the duplicate base code or ttq.load() call "
    "(often a theme snippet plus a tag manager tag).",
)
def pixel_loaded_twice(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """The same pixel code was loaded twice on one page.

    Why:
        A second ttq.load() of the same code usually means two installs (theme code and a
        tag manager); events can be counted twice or configured inconsistently.

    Bad:
        ttq.load('CEKQ7JRC77U1R0B3Q5RG'); ttq.load('CEKQ7JRC77U1R0B3Q5RG')

    Good:
        ttq.load('CEKQ7JRC77U1R0B3Q5RG')
    """
    seen: set[tuple[str | None, str]] = set()
    for call in ctx.calls:
        if call.method != "load" or not call.args or not isinstance(call.args[0], str):
            continue
        key = (call.document, call.args[0])
        if key in seen:
            yield Issue(
                message=f"pixel {call.args[0]} was loaded again on {call.frame_url}",
                path="args[0]",
                received=call.args[0],
                call=call,
            )
        seen.add(key)


@rule(
    "TR005",
    "event-before-load",
    severity="error",
    scope="capture",
    fix="Call ttq.load(code) (the base code does) before ttq.track or ttq.page.",
)
def event_before_load(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """An event was called on a page before any ttq.load().

    Why:
        Without a loaded pixel the call has nowhere to go: the SDK is never requested and the
        event stays in the queue.

    Bad:
        ttq.track('ViewContent', {...}); ttq.load('CEKQ7JRC77U1R0B3Q5RG')

    Good:
        ttq.load('CEKQ7JRC77U1R0B3Q5RG'); ttq.page(); ttq.track('ViewContent', {...})
    """
    loaded: set[str | None] = set()
    for call in ctx.calls:
        if call.method == "load":
            loaded.add(call.document)
        elif (
            call.method in ("track", "page")
            and call.pixel_code is None
            and (call.document not in loaded)
        ):
            name = "Pageview" if call.method == "page" else call.args[0] if call.args else ""
            yield Issue(
                message=f"ttq.{call.method}({show(name)}) was called before any ttq.load() "
                "on this page",
                path="event",
                received=name,
                call=call,
            )


@rule(
    "TR006",
    "ttq-overwritten",
    severity="error",
    scope="capture",
    fix="Do not assign window.ttq (or the TiktokAnalyticsObject global) yourself; rename the "
    "other script's global or load it before the base code.",
)
def ttq_overwritten(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """The page replaced the pixel's global (window.ttq) with something that is not the pixel.

    Why:
        After the assignment ttq.track either throws or goes to an object that is not the
        pixel: every later event is lost, and the harness cannot record the calls either.
        The usual cause is another script (or a second tag) using the name `ttq`.

    Bad:
        window.ttq = {version: 1}  // another library's global named ttq

    Good:
        window.myLib = {version: 1}  // leave ttq to the base code and the SDK
    """
    for call in ctx.observations(TTQ_OVERWRITTEN):
        name = call.args[0] if call.args else "ttq"
        value = call.args[1] if len(call.args) > 1 else None
        yield Issue(
            message=f"the page replaced window.{name} with {show(value)} on {call.frame_url}; "
            "later ttq calls are neither sent nor recorded",
            path=f"window.{name}",
            expected="the pixel (the base code's queue or the SDK)",
            received=value,
            call=call,
        )


@rule(
    "TR007",
    "page-crashed",
    severity="error",
    scope="capture",
    fix="Open the page in Chromium with DevTools and look for runaway memory or a renderer "
    "bug; events captured before the crash are kept in the report.",
)
def page_crashed(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """The page's renderer crashed while the harness was capturing.

    Why:
        Whatever the page had not sent before the crash never left; the run cannot say what
        the rest of the journey would have tracked.

    Bad:
        a page that exhausts memory (or hits a renderer bug) and shows "Aw, Snap!"

    Good:
        a page that stays up until its events have been sent
    """
    for call in ctx.observations(PAGE_CRASHED):
        url = call.args[0] if call.args else call.page_url
        yield Issue(
            message=f"the page {url} crashed; events it had not sent are lost",
            path="page",
            received=url,
            call=call,
        )


@rule(
    "TR008",
    "page-error",
    severity="info",
    scope="capture",
    fix="Fix the script error; make sure the base code runs in its own <script> so an error "
    "elsewhere cannot stop it.",
)
def page_error(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """A script on the page threw an uncaught error.

    Why:
        An error can stop a page's tracking code half-way (an event never called, a parameter
        never set). It is information: compare with the events the page should have sent.

    Bad:
        <script>undefinedFunction(); ttq.track('ViewContent', {...})</script>

    Good:
        <script>ttq.track('ViewContent', {...})</script>
    """
    for call in ctx.observations(PAGE_ERROR):
        message = call.args[0] if call.args else "error"
        where = f" at {call.location}" if call.location else ""
        yield Issue(
            message=f"uncaught error on {call.page_url}{where}: {message}",
            path="page",
            received=message,
            call=call,
        )


def _script_codes(ctx: RuleContext) -> dict[str | None, set[str]]:
    """Pixel codes whose events.js a frame requested (`?sdkid=CODE`), keyed by frame URL."""
    codes: dict[str | None, set[str]] = {}
    for request in ctx.requests:
        if request.kind is not RequestKind.SDK_SCRIPT:
            continue
        try:
            sdkid = parse_qs(urlsplit(request.url).query).get("sdkid")
        except ValueError:
            continue
        if sdkid:
            codes.setdefault(request.page_url, set()).add(sdkid[0])
    return codes


@rule(
    "TR009",
    "event-to-unloaded-pixel",
    severity="error",
    scope="capture",
    fix="Target only pixels the page loads: fix the code in {pixel_code: …} (or the tag that "
    "builds the beacon), or add ttq.load() for that pixel.",
)
def event_to_unloaded_pixel(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """An event was addressed to a pixel code that was never loaded on its page.

    Why:
        The pixel sends an event only to pixels loaded with ttq.load() (wire-format §4): a
        {pixel_code} option naming another code sends nothing, and a beacon for a code the
        page never loaded was built by something other than the pixel (a stale tag, a
        hand-written request). Either way the event does not reach the pixel you meant.
        Calls through ttq.instance(code) are reported by TR010 instead.

    Bad:
        ttq.load('CAAAAAAAAAAAAAAAAAA1');
        ttq.track('AddToCart', {...}, {pixel_code: 'CBBBBBBBBBBBBBBBBBB2'})

    Good:
        ttq.load('CAAAAAAAAAAAAAAAAAA1'); ttq.load('CBBBBBBBBBBBBBBBBBB2');
        ttq.track('AddToCart', {...}, {pixel_code: 'CBBBBBBBBBBBBBBBBBB2'})
    """
    scripts = _script_codes(ctx)
    loads = _loads_by_frame(ctx)
    for event in events:
        if event.source == "call":
            call = event.call
            if call is None or call.pixel_code is not None or event.pixel_code is None:
                continue  # fan-out, or an instance() call (TR010)
            # the same evidence as TR002's "pixel-not-loaded", which leaves the call to us
            known = document_pixels(
                call, calls=ctx.calls, requests=ctx.requests, index=ctx.document_index
            )
            if not known or event.pixel_code in known:
                continue
            yield Issue(
                message=f"{show(event.name)} targets pixel {event.pixel_code}, which this page "
                f"never loaded (loaded: {', '.join(sorted(known))})",
                path="options.pixel_code",
                expected=sorted(known),
                received=event.pixel_code,
                event=event,
            )
        else:
            frame = event.request.page_url if event.request else event.page_url
            known = loads.get(frame, set()) | scripts.get(frame, set())
            codes = event.pixel_codes or ([event.pixel_code] if event.pixel_code else [])
            strangers = [code for code in codes if code not in known]
            if not known or not strangers:
                continue  # nothing recorded about this page's pixels: no verdict
            yield Issue(
                message=f"{show(event.name)} was sent to pixel {', '.join(strangers)}, which "
                f"this page never loaded (loaded: {', '.join(sorted(known))})",
                path="context.pixel.code",
                expected=sorted(known),
                received=strangers[0] if len(strangers) == 1 else strangers,
                event=event,
            )


def _loads_by_frame(ctx: RuleContext) -> dict[str | None, set[str]]:
    """Pixel codes each frame URL loaded with ttq.load(), gathered in one pass."""
    loads: dict[str | None, set[str]] = {}
    for call in ctx.calls:
        code = call.args[0] if call.method == "load" and call.args else None
        if isinstance(code, str):
            loads.setdefault(call.frame_url, set()).add(code)
    return loads


@rule(
    "TR010",
    "instance-of-unloaded-pixel",
    severity="error",
    scope="capture",
    fix="Call ttq.instance() only with a code the page loads with ttq.load(); check for a typo "
    "or a pixel removed from the base code.",
)
def instance_of_unloaded_pixel(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """ttq.instance(code) was called for a pixel code that was never loaded on that page.

    Why:
        ttq.instance() only reaches pixels loaded with ttq.load(); for any other code it
        returns an object whose track() and identify() go nowhere (wire-format §1, §4), so
        every event sent through it is lost without an error. Malformed codes are TR003.

    Bad:
        ttq.load('CAAAAAAAAAAAAAAAAAA1'); ttq.instance('CBBBBBBBBBBBBBBBBBB2').track('Lead')

    Good:
        ttq.load('CAAAAAAAAAAAAAAAAAA1'); ttq.instance('CAAAAAAAAAAAAAAAAAA1').track('Lead')
    """
    reported: set[tuple[str | None, str]] = set()
    for call in ctx.calls:
        if call.method != "instance" or not call.args:
            continue
        code = call.args[0]
        if not isinstance(code, str) or not PIXEL_CODE.fullmatch(code):
            continue  # TR003
        # the same evidence as TR002's "pixel-not-loaded" (reconcile.document_pixels)
        known = document_pixels(
            call, calls=ctx.calls, requests=ctx.requests, index=ctx.document_index
        )
        if not known or code in known or (call.document, code) in reported:
            continue
        reported.add((call.document, code))
        yield Issue(
            message=f"ttq.instance({show(code)}) on {call.frame_url}: this page never loaded "
            f"that pixel (loaded: {', '.join(sorted(known))}); its events go nowhere",
            path="args[0]",
            expected=sorted(known),
            received=code,
            call=call,
        )
