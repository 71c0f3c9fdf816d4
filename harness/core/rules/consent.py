"""CN: consent. Pixel traffic a page sends before it holds consent, or after consent is revoked.

TikTok's base code has three consent methods (wire-format §1): `ttq.holdConsent()` keeps every
beacon back, `ttq.grantConsent()` sends what was held and lets later events through,
`ttq.revokeConsent()` drops what was held and sends nothing more. These rules read the order of
the page's consent calls and the requests to pixel hosts, per frame: a request is pixel traffic
on the page whose frame sent it. Every request counts (events, undecodable beacons, telemetry
such as /api/v2/pixel/inter, /monitor or enrich_ipv6: each tells TikTok the visitor is there)
except loading the SDK's scripts and configuration (`is_pixel_traffic`).

CN001 and CN002 (errors) count event beacons, decoded or not (an undecodable one may be an
event). Telemetry and other pixel-host requests are CN003 (a warning): whether TikTok's real SDK
sends its own telemetry while consent is held or revoked is unverified (no public capture of
consent calls), so such a request may be the SDK's and not a bypass the page can fix.

Cookies are not part of a capture; the `_ttp` cookie is checked by plans
(`require: {no_pixel_traffic_before_consent: true}`, docs/consent-and-pixels.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import urldefrag

from harness.core.capture import Capture
from harness.core.decode import decode_beacon
from harness.core.events_api.validate import is_events_api_request
from harness.core.model import PixelEvent, RawRequest, RequestKind, TtqCall
from harness.core.rules._registry import Issue, RuleContext, rule

CONSENT_METHODS = frozenset({"holdConsent", "grantConsent", "revokeConsent"})
_TIMELINE_CALLS = frozenset({"load", "page", "track"})
#: Requests that load the pixel rather than send anything about the visitor.
_LOADING = frozenset({RequestKind.SDK_SCRIPT, RequestKind.CONFIG})
_KIND_NAMES = {
    RequestKind.TELEMETRY: "a telemetry request",
    RequestKind.OTHER: "a pixel-host request",
}
#: When a request left, for messages: (phase, "was sent on URL ..." tail).
_BEFORE_HOLD, _HELD, _REVOKED = "before-hold", "held", "revoked"
_WHEN = {
    _BEFORE_HOLD: "before the page called ttq.holdConsent()",
    _HELD: "while consent was held",
    _REVOKED: "after consent was revoked",
}


def is_pixel_traffic(request: RawRequest) -> bool:
    """A request to a pixel host that is traffic for consent: anything but the SDK's scripts
    and config.js (and the harness's own Events API sink, which is not a pixel host)."""
    return request.kind not in _LOADING and not is_events_api_request(request)


def is_event_request(request: RawRequest) -> bool:
    """An event beacon, decoded or not (an undecodable beacon may be an event)."""
    return request.kind is RequestKind.EVENT


def describe_request(request: RawRequest, capture: Capture | None = None) -> str:
    """What a request was, for messages: its events, or its kind, and where it went."""
    where = f"({request.method} {request.url.split('?')[0]})"
    if request.kind is RequestKind.EVENT:
        names = ", ".join(_names(request, capture))
        return f"{names} {where}" if names else f"an undecodable beacon {where}"
    return f"{_KIND_NAMES.get(request.kind, 'a request')} {where}"


@dataclass
class _Page:
    """One frame's consent history while a capture is read in arrival order."""

    document: str | None = None
    state: str = "none"  # none | hold | granted | revoked
    holds: bool = False  # the page called holdConsent at some point
    before_hold: list[RawRequest] = field(default_factory=list)
    called: set[str] = field(default_factory=set)  # events the page called so far
    called_before_hold: set[str] = field(default_factory=set)


def _frame(url: str | None) -> str:
    return urldefrag(url or "")[0]


def _timeline(ctx: RuleContext) -> list[TtqCall | RawRequest]:
    items: list[TtqCall | RawRequest] = [
        c for c in ctx.calls if c.method in CONSENT_METHODS or c.method in _TIMELINE_CALLS
    ]
    items += [r for r in ctx.requests if is_pixel_traffic(r)]
    return sorted(items, key=lambda item: item.index)


def _walk(ctx: RuleContext) -> Iterator[tuple[str, RawRequest | TtqCall, _Page]]:
    """(what, item, page state): 'call' for ttq calls, 'request' for pixel traffic."""
    pages: dict[str, _Page] = {}
    for item in _timeline(ctx):
        if isinstance(item, TtqCall):
            key = _frame(item.frame_url or item.page_url)
            page = pages.get(key)
            if page is None or (item.document_id and page.document not in (None, item.document)):
                page = pages[key] = _Page(document=item.document)  # a new page load
            page.document = page.document or item.document
            if item.method in ("page", "track"):
                page.called.add(_called_name(item))
            elif item.method == "holdConsent":
                page.state, page.holds = "hold", True
                page.called_before_hold = set(page.called)
            elif item.method == "grantConsent":
                page.state = "granted"
            elif item.method == "revokeConsent":
                page.state = "revoked"
            yield "call", item, page
        else:
            page = pages.setdefault(_frame(item.page_url), _Page())
            yield "request", item, page


@dataclass(frozen=True)
class _Unconsented:
    """A pixel request that left a page without consent, and when."""

    request: RawRequest
    phase: str  # _BEFORE_HOLD (on a page that holds later), _HELD or _REVOKED
    early: str | None = None  # held: an event the page called before holdConsent()


def _unconsented(ctx: RuleContext) -> Iterator[_Unconsented]:
    """Every pixel request (not SDK loading) that left a page before its holdConsent(), while
    consent was held, or after revokeConsent(); before-hold ones once the page holds."""
    for kind, item, page in _walk(ctx):
        if kind == "call":
            assert isinstance(item, TtqCall)
            if item.method == "holdConsent":
                for request in page.before_hold:
                    yield _Unconsented(request, _BEFORE_HOLD)
                page.before_hold = []
            continue
        assert isinstance(item, RawRequest)
        if page.state == "none" and not page.holds:
            page.before_hold.append(item)  # reported only if this page holds consent later
        elif page.state == "hold":
            early = [n for n in _names(item, ctx.capture) if n in page.called_before_hold]
            yield _Unconsented(item, _HELD, early[0] if early else None)
        elif page.state == "revoked":
            yield _Unconsented(item, _REVOKED)


def _called_name(call: TtqCall) -> str:
    if call.method == "page":
        return "Pageview"
    return str(call.args[0]) if call.args else ""


def _names(request: RawRequest, capture: Capture | None = None) -> list[str]:
    """The names of the events a request carried (decoded once: the capture's when given)."""
    if request.kind is not RequestKind.EVENT:
        return []
    if capture is not None:
        return [event.name for event in capture.events_of(request)]
    decoded = decode_beacon(request)
    return [] if not isinstance(decoded, list) else [event.name for event in decoded]


@rule(
    "CN001",
    "sent-before-consent",
    severity="error",
    scope="capture",
    fix="Call ttq.holdConsent() in the base code before ttq.load() and ttq.page(), and "
    "ttq.grantConsent() only when the visitor accepts.",
)
def sent_before_consent(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """A page that holds consent sent an event beacon before holding it, or while it was held.

    Why:
        holdConsent() only holds what comes after it. A page view sent before the call (the
        base code's ttq.page() ahead of holdConsent, a consent tool that runs late) reaches
        TikTok before the visitor said yes, with its `_ttp` cookie. An event beacon while
        consent is held means something bypassed the pixel's own hold (a second tag, a
        hand-built beacon). Event beacons count, undecodable ones too; telemetry is CN003.

    Bad:
        ttq.load('CEKQ7JRC77U1R0B3Q5RG'); ttq.page(); ttq.holdConsent()

    Good:
        ttq.holdConsent(); ttq.load('CEKQ7JRC77U1R0B3Q5RG'); ttq.page()
        // and on "Accept": ttq.grantConsent()
    """
    for sent in _unconsented(ctx):
        request = sent.request
        if not is_event_request(request) or sent.phase == _REVOKED:
            continue  # non-event requests are CN003; after a revoke, CN002
        if sent.phase == _BEFORE_HOLD:
            yield Issue(
                message=f"{describe_request(request, ctx.capture)} was sent on {request.page_url} "
                f"{_WHEN[_BEFORE_HOLD]}",
                path="request",
                expected="no pixel traffic before holdConsent()",
                received=request.url,
                request=request,
            )
            continue
        why = (
            f"the page called {sent.early} before ttq.holdConsent()"
            if sent.early
            else "it bypassed the pixel's hold"
        )
        yield Issue(
            message=f"{describe_request(request, ctx.capture)} was sent on {request.page_url} "
            f"{_WHEN[_HELD]}: {why}",
            path="request",
            expected="no pixel traffic until grantConsent()",
            received=request.url,
            request=request,
        )


@rule(
    "CN002",
    "sent-after-revoke",
    severity="error",
    scope="capture",
    fix="After ttq.revokeConsent() send nothing: do not load a second pixel or tag, and do not "
    "send beacons yourself.",
)
def sent_after_revoke(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """An event beacon left a page after it called ttq.revokeConsent().

    Why:
        The visitor withdrew consent: the pixel drops what it held and sends nothing more
        until consent is granted again. An event beacon after the revoke comes from something
        that ignores it (another copy of the pixel, a tag manager tag, a hand-built request).
        Event beacons count, undecodable ones too; telemetry is CN003.

    Bad:
        ttq.revokeConsent(); navigator.sendBeacon('https://analytics.tiktok.com/api/v2/pixel', …)

    Good:
        ttq.revokeConsent()  // and nothing is sent until ttq.grantConsent()
    """
    for sent in _unconsented(ctx):
        request = sent.request
        if sent.phase == _REVOKED and is_event_request(request):  # other requests: CN003
            yield Issue(
                message=f"{describe_request(request, ctx.capture)} was sent on {request.page_url} "
                f"{_WHEN[_REVOKED]}",
                path="request",
                expected="no pixel traffic after revokeConsent()",
                received=request.url,
                request=request,
            )


@rule(
    "CN003",
    "non-event-traffic-without-consent",
    severity="warning",
    scope="capture",
    fix="Find what sent it: if only the pixel's own SDK sends it, nothing on the page can "
    "change that (ignore CN003 there); if another tag or script does, hold it until consent too.",
)
def non_event_traffic_without_consent(
    events: Sequence[PixelEvent], ctx: RuleContext
) -> Iterator[Issue]:
    """Telemetry or another non-event pixel request left a page without consent.

    Why:
        On a page that holds or revokes consent: sent before ttq.holdConsent(), while consent
        was held, or after ttq.revokeConsent(). Telemetry (/api/v2/pixel/inter, /monitor,
        enrich_ipv6) carries no event, but it still tells TikTok the visitor is there.
        Whether TikTok's own SDK sends such requests while consent is held or revoked is
        unverified (no public capture of consent calls), so a request here may be the SDK's
        own traffic and not a mistake of the page: a warning, unlike the event beacons of
        CN001 and CN002.

    Bad:
        ttq.holdConsent(); ttq.load('CEKQ7JRC77U1R0B3Q5RG')
        // another tag: fetch('https://analytics.tiktok.com/api/v2/pixel/inter', …)

    Good:
        ttq.holdConsent(); ttq.load('CEKQ7JRC77U1R0B3Q5RG')  // and no other tag before the grant
    """
    for sent in _unconsented(ctx):
        request = sent.request
        if is_event_request(request):
            continue  # CN001, CN002
        method = "revokeConsent()" if sent.phase == _REVOKED else "holdConsent()"
        yield Issue(
            message=f"{describe_request(request, ctx.capture)} was sent on {request.page_url} "
            f"{_WHEN[sent.phase]}: it carries no event and may be the SDK's own telemetry "
            f"(whether TikTok's SDK sends it under {method} is unverified), or another tag's",
            path="request",
            expected="no pixel traffic without consent",
            received=request.url,
            request=request,
        )
