"""TR: transport. Beacons that cannot be read, calls that never left, pixel set-up mistakes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from harness.model import PixelEvent
from harness.rules._registry import Issue, RuleContext, rule
from harness.rules._util import show
from harness.tiktok import PIXEL_CODE


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
        wrong queue protocol), consent was held, or the page left before the pixel sent it.

    Bad:
        ttq.holdConsent(); ttq.track('AddToCart', {...})  // and consent is never granted

    Good:
        ttq.track('AddToCart', {...})  // with the base code and events.js loading normally
    """
    for event in ctx.unanswered_calls:
        held = any(c.method == "holdConsent" for c in ctx.calls if c.index < event.index)
        reason = " (consent was held)" if held else ""
        yield Issue(
            message=f"ttq call {show(event.name)} produced no beacon{reason}",
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
