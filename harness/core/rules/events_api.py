"""EA: the Events API (server side) against the pixel (browser side). Rules §6 and §7.

These rules look at the Events API requests among the capture's requests (the ones the local
sink received, `endpoint == "events-api"`, see harness/core/events_api/) and at the pixel's wire
events decoded from the same capture. Without Events API requests they report nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from harness.core.events_api.crosscheck import Kind, crosscheck
from harness.core.events_api.validate import (
    ServerEvent,
    is_events_api_request,
    server_events,
    validate_request,
)
from harness.core.model import PixelEvent
from harness.core.rules._registry import Issue, RuleContext, rule
from harness.core.rules.dedup import _VALUE_NAMES, _with_reserved
from harness.core.tiktok import SDK_ALIASES


def _server(ctx: RuleContext) -> list[ServerEvent]:
    return [e for r in ctx.requests if is_events_api_request(r) for e in server_events(r)]


def _dd003_names(ctx: RuleContext) -> frozenset[str]:
    """Wire names whose missing event_id DD003 already reports (so EA006 does not)."""
    if not ctx.uses_events_api:
        return frozenset()
    names = _with_reserved(_VALUE_NAMES | ctx.profile.value_events, ctx.profile)
    return names | {SDK_ALIASES.get(name, name) for name in names}


def _issues(kind: Kind, ctx: RuleContext) -> Iterator[Issue]:
    server = _server(ctx)
    if not server:
        return
    for found in crosscheck(
        ctx.wire_events, server, missing_id_reported_elsewhere=_dd003_names(ctx)
    ):
        if found.kind != kind:
            continue
        yield Issue(
            message=found.message,
            path=found.path,
            expected=found.expected,
            received=found.received,
            event=found.browser,
            request=found.server.request if found.server is not None else None,
        )


@rule(
    "EA001",
    "invalid-events-api-request",
    severity="error",
    scope="capture",
    fix="Send POST /open_api/v1.3/event/track/ with Access-Token and a JSON body: event_source "
    "'web', event_source_id (the pixel code), data[] with event, event_time in Unix seconds and "
    "SHA-256 (lower-case hex) email/phone/external_id.",
)
def invalid_events_api_request(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """An Events API request TikTok would reject or only partly use.

    Why:
        The Events API 2.0 body (rules §7) names the pixel in `event_source_id`, sends web
        events with `event_source: "web"` and one object per event in `data[]`, each with
        `event`, `event_time` (Unix seconds) and `user` keys that must be hashed with SHA-256
        by the sender (rules §5). A batch with one bad row may fail entirely (§7, Hightouch).

    Bad:
        {"event_source": "web", "event_source_id": "CXXXX",
         "data": [{"event": "CompletePayment", "event_time": 1697783008123,
                   "user": {"email": "jane.doe@example.com"}}]}

    Good:
        {"event_source": "web", "event_source_id": "CXXXX",
         "data": [{"event": "CompletePayment", "event_time": 1697783008,
                   "event_id": "purchase-lq2x9a7b", "user": {"email": "<sha256 hex>"}}]}
    """
    for request in ctx.requests:
        if not is_events_api_request(request):
            continue
        for problem in validate_request(request):
            yield Issue(
                message=f"Events API request #{request.index}: {problem.path}: {problem.message}",
                path=problem.path,
                received=problem.received,
                request=request,
            )


@rule(
    "EA002",
    "browser-event-without-server-twin",
    severity="warning",
    scope="capture",
    fix="Send the event from the server too, with the event_id the pixel used.",
)
def browser_event_without_server_twin(
    events: Sequence[PixelEvent], ctx: RuleContext
) -> Iterator[Issue]:
    """A pixel event the site also sends from its server has no Events API twin.

    Why:
        Checked for event names the server does send (in this capture): a copy missing on
        the server side loses the server's match keys and shows that the back end skipped
        an event, or gave it another event_id (rules §6).

    Bad:
        ttq.track('CompletePayment', {...}, {event_id: 'purchase-1'})   // server: nothing

    Good:
        ttq.track('CompletePayment', {...}, {event_id: 'purchase-1'})
        POST /open_api/v1.3/event/track/  data[0].event_id = "purchase-1"
    """
    yield from _issues("browser-without-server-twin", ctx)


@rule(
    "EA003",
    "server-event-without-browser-twin",
    severity="warning",
    scope="capture",
    fix="Use the same event name and event_id in ttq.track and in the Events API, or check "
    "that the pixel event is sent at all.",
)
def server_event_without_browser_twin(
    events: Sequence[PixelEvent], ctx: RuleContext
) -> Iterator[Issue]:
    """An Events API event has no pixel event with the same event and event_id.

    Why:
        Either the browser never sent it (the pixel side is broken), or the two sides use
        unrelated event_ids and nothing can be deduplicated (rules §6).

    Bad:
        POST /open_api/v1.3/event/track/  data[0] = {"event": "CompletePayment", "event_id": "p-1"}
        // and no ttq.track('CompletePayment', …) in the browser

    Good:
        ttq.track('CompletePayment', {...}, {event_id: 'p-1'})   // and the same on the server
    """
    yield from _issues("server-without-browser-twin", ctx)


@rule(
    "EA004",
    "event-id-mismatch",
    severity="error",
    scope="capture",
    fix="Generate the event_id once (e.g. 'purchase-<orderId>') and pass the same value to "
    "ttq.track and to the Events API.",
)
def event_id_mismatch(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """The browser and the server sent the same event with different event_ids.

    Why:
        TikTok deduplicates a Pixel and an Events API event only when event name and event_id
        are identical (rules §6): with different ids the conversion is counted twice.

    Bad:
        ttq.track('CompletePayment', {...}, {event_id: 'purchase-1'})
        server: {"event": "CompletePayment", "event_id": "order-1"}

    Good:
        ttq.track('CompletePayment', {...}, {event_id: 'purchase-1'})
        server: {"event": "CompletePayment", "event_id": "purchase-1"}
    """
    yield from _issues("event-id-mismatch", ctx)


@rule(
    "EA005",
    "event-name-mismatch",
    severity="error",
    scope="capture",
    fix="Send the same event name from the server as the pixel sends (as TikTok receives it: "
    "the SDK sends Purchase as CompletePayment).",
)
def event_name_mismatch(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """The same event_id names one event in the browser and another on the server.

    Why:
        Deduplication needs identical event and event_id (rules §6). An id reused for another
        event (the order's PlaceAnOrder id on the server's CompletePayment) or a different
        spelling leaves both copies counted. Whether TikTok renames Events API names as the
        pixel SDK does is not documented; names are compared as received.

    Bad:
        ttq.track('PlaceAnOrder', {...}, {event_id: 'order-1'})
        server: {"event": "CompletePayment", "event_id": "order-1"}

    Good:
        ttq.track('CompletePayment', {...}, {event_id: 'purchase-1'})
        server: {"event": "CompletePayment", "event_id": "purchase-1"}
    """
    yield from _issues("event-name-mismatch", ctx)


@rule(
    "EA006",
    "event-id-missing-on-one-side",
    severity="warning",
    scope="capture",
    fix="Send event_id on both sides: the third argument of ttq.track and data[].event_id.",
)
def event_id_missing_on_one_side(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """An event sent by both the pixel and the server lacks an event_id on one side.

    Why:
        Without event_id TikTok cannot deduplicate the pair (rules §6; an older help page
        mentions a fallback on the _ttp cookie when the Events API omits it, not documented
        any more). A browser value event without event_id is DD003's finding when
        `uses_events_api = true`; this rule reports the other cases.

    Bad:
        ttq.track('CompletePayment', {...}, {event_id: 'purchase-1'})
        server: {"event": "CompletePayment"}   // no event_id

    Good:
        server: {"event": "CompletePayment", "event_id": "purchase-1"}
    """
    yield from _issues("missing-event-id", ctx)


@rule(
    "EA007",
    "twin-outside-dedup-window",
    severity="error",
    scope="capture",
    fix="Send the server event when it happens, with event_time in Unix seconds of that moment.",
)
def twin_outside_dedup_window(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """A browser/server pair is more than 48 hours apart, so TikTok counts both.

    Why:
        TikTok deduplicates Pixel and Events API copies only within 48 hours of the first
        event (rules §6). A wrong event_time (milliseconds cut to seconds badly, a time zone
        shift, a stale queue) puts the server copy outside the window.

    Bad:
        server: {"event": "CompletePayment", "event_id": "purchase-1", "event_time": <3 days ago>}

    Good:
        server: {"event": "CompletePayment", "event_id": "purchase-1", "event_time": <now>}
    """
    yield from _issues("outside-dedup-window", ctx)


@rule(
    "EA008",
    "twin-not-merged",
    severity="info",
    scope="capture",
    fix="Send the server event within 5 minutes of the browser event so TikTok merges them.",
)
def twin_not_merged(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """A browser/server pair is more than 5 minutes apart: deduplicated but not merged.

    Why:
        Within 5 minutes TikTok merges the copies and adds the second one's match keys to the
        first event; later (up to 48 hours) it only drops the second (rules §6), so hashed
        email or phone sent by the server is lost for matching.

    Bad:
        server event_time 30 minutes after the pixel event (a nightly or delayed job)

    Good:
        server event_time within a few seconds of the pixel event
    """
    yield from _issues("not-merged", ctx)
