"""DD: event_id and duplicates. What TikTok can and cannot deduplicate (rules §6).

TikTok drops a pixel event when the same pixel already received the same event name with the
same event_id within 48 hours, and merges the pixel copy with an Events API copy on the same
key. Without an event_id nothing is deduplicated.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from harness.core.jsonvalue import show
from harness.core.model import PixelEvent
from harness.core.rules._registry import Issue, RuleContext, rule
from harness.core.tiktok import PIXEL_INTERNAL_EVENTS, SDK_ALIASES, Profile

#: Purchase-type events whatever the profile says (both spellings of the purchase event, and
#: PlaceAnOrder, which TikTok also counts as an order).
_PURCHASE_NAMES = frozenset({"CompletePayment", "Purchase", "PlaceAnOrder"})
#: Value events whatever the profile says: the purchase, in both spellings.
_VALUE_NAMES = frozenset({"CompletePayment", "Purchase"})


def _skipped(event: PixelEvent) -> bool:
    """Page views, EnrichAM and automatic SDK events: the pixel sends them, not the page."""
    return event.auto or event.name in PIXEL_INTERNAL_EVENTS


def _wire_name(name: str) -> str:
    """The name TikTok receives (and deduplicates on): the SDK renames Purchase and friends."""
    return SDK_ALIASES.get(name, name)


def _with_reserved(names: frozenset[str], profile: Profile) -> frozenset[str]:
    """`names` plus the reserved names the profile maps onto one of them."""
    return names | {r for r, target in profile.reserved_events.items() if target in names}


def _seconds(event: PixelEvent) -> float | None:
    """When the event happened: the call time, the beacon timestamp, or the request time."""
    if event.call is not None:
        return event.call.timestamp
    if event.timestamp:
        try:
            return datetime.fromisoformat(event.timestamp).timestamp()
        except (ValueError, OverflowError, OSError):
            pass
    if event.request is not None:
        return event.request.timestamp
    return None


def _normalised(value: Any) -> Any:
    """JSON-equal values compare equal: 8 and 8.0, key order."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _normalised(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalised(v) for v in value]
    return value


def _fingerprint(properties: Any) -> str:
    props = properties if isinstance(properties, dict) else {}
    picked = {"value": props.get("value"), "contents": props.get("contents")}
    try:
        return json.dumps(_normalised(picked), sort_keys=True, default=str)
    except (TypeError, ValueError):
        return repr(picked)


@rule(
    "DD001",
    "duplicate-event-id",
    severity="error",
    scope="capture",
    fix="Generate a new event_id for every event you send (an order id only for that order's "
    "purchase); fire each event once.",
)
def duplicate_event_id(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """The same event name and event_id were sent twice to one pixel.

    Why:
        TikTok keeps the first event with a given event name and event_id per pixel and drops
        any repeat within 48 hours (rules §6). A reused id (a constant, an id copied between
        tags) silently loses every later event; a re-fired tag is counted once but is still a
        bug.

    Bad:
        ttq.track('AddToCart', {...}, {event_id: 'evt-1'})
        ttq.track('AddToCart', {...}, {event_id: 'evt-1'})   // the same id again

    Good:
        ttq.track('AddToCart', {...}, {event_id: 'evt-1'})
        ttq.track('AddToCart', {...}, {event_id: 'evt-2'})
    """
    first: dict[tuple[str, str, str | None], PixelEvent] = {}
    for event in events:
        if not event.event_id or _skipped(event):
            continue
        # an untargeted call (pixel None) goes to every pixel: a key of its own
        key = (_wire_name(event.name), event.event_id, event.pixel_code)
        earlier = first.get(key)
        if earlier is None:
            first[key] = event
            continue
        yield Issue(
            message=f"{show(event.name)} with event_id {show(event.event_id)} was already sent "
            f"as event #{earlier.index}; TikTok drops this one",
            path="event_id",
            expected="an event_id not used before for this event",
            received=event.event_id,
            event=event,
        )


@rule(
    "DD002",
    "duplicate-purchase-without-event-id",
    severity="warning",
    scope="capture",
    fix="Send each purchase once, with the order id in event_id (e.g. 'purchase-<orderId>') so "
    "TikTok can drop repeats.",
)
def duplicate_purchase_without_event_id(
    events: Sequence[PixelEvent], ctx: RuleContext
) -> Iterator[Issue]:
    """The same purchase was sent twice, with no event_id to tell TikTok it is one order.

    Why:
        Two purchase events with the same value and contents moments apart are almost always
        one order tracked twice (a duplicated tag, a reloaded thank-you page). Without
        event_ids TikTok counts both (rules §6); Events Manager may show a "mismatched
        event_id" warning (rules §4.5).

    Bad:
        ttq.track('CompletePayment', {contents, value: 9.2, currency: 'USD'})
        ttq.track('CompletePayment', {contents, value: 9.2, currency: 'USD'})

    Good:
        ttq.track('CompletePayment', {contents, value: 9.2, currency: 'USD'},
                  {event_id: 'purchase-lq2x9a7b'})   // once per order
    """
    names = _with_reserved(_PURCHASE_NAMES | ctx.profile.purchase_events, ctx.profile)
    window = ctx.duplicate_window
    # per (wire name, pixel, value + contents): the latest copy, and the latest without id
    latest: dict[tuple[str, str | None, str], tuple[PixelEvent, float | None]] = {}
    latest_without_id: dict[tuple[str, str | None, str], tuple[PixelEvent, float | None]] = {}
    for event in events:
        if event.name not in names or _skipped(event):
            continue
        key = (_wire_name(event.name), event.pixel_code, _fingerprint(event.properties))
        when = _seconds(event)
        # distinct ids are two orders and equal ids DD001's finding: a copy with an id only
        # repeats an earlier copy without one
        found = latest.get(key) if not event.event_id else latest_without_id.get(key)
        latest[key] = (event, when)
        if not event.event_id:
            latest_without_id[key] = (event, when)
        if found is None:
            continue
        earlier, earlier_when = found
        gap = ""
        if when is not None and earlier_when is not None:
            if abs(when - earlier_when) > window:
                continue
            gap = f", {abs(when - earlier_when):.1f} s later"
        yield Issue(
            message=f"{show(event.name)} repeats event #{earlier.index} (same value and "
            f"contents{gap}) with no event_id to deduplicate it",
            path="event_id",
            expected="one purchase event per order, with a distinct event_id",
            received=event.event_id,
            event=event,
        )


@rule(
    "DD003",
    "missing-event-id-with-events-api",
    severity="warning",
    scope="capture",
    fix="Pass the same event_id to ttq.track (third argument) and to the Events API for each "
    "event.",
)
def missing_event_id_with_events_api(
    events: Sequence[PixelEvent], ctx: RuleContext
) -> Iterator[Issue]:
    """A value event has no event_id although the site also uses the Events API.

    Why:
        TikTok deduplicates the pixel and Events API copies of an event only when both carry
        the same event name and event_id (rules §6); without it every purchase is counted
        twice. Checked only when `uses_events_api = true`.

    Bad:
        ttq.track('CompletePayment', {value: 9.2, currency: 'USD'})   // and the server sends it too

    Good:
        ttq.track('CompletePayment', {value: 9.2, currency: 'USD'}, {event_id: 'purchase-lq2x9a7b'})
    """
    if not ctx.uses_events_api:
        return
    names = _with_reserved(_VALUE_NAMES | ctx.profile.value_events, ctx.profile)
    for event in events:
        if event.event_id or event.name not in names or _skipped(event):
            continue
        yield Issue(
            message=f"{show(event.name)} has no event_id, so TikTok cannot deduplicate it "
            "against the Events API copy",
            path="event_id",
            expected="the event_id the Events API sends for the same event",
            received=event.event_id,
            event=event,
        )
