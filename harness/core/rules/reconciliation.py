"""TR: a beacon that differs from its call in a way the SDK does not explain."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from harness.core.jsonvalue import show
from harness.core.model import PixelEvent
from harness.core.reconcile import call_events, match, pair_differences
from harness.core.rules._registry import Issue, RuleContext, rule


@rule(
    "TR011",
    "beacon-differs-from-call",
    severity="warning",
    scope="capture",
    fix="Find what rewrites the event between ttq and the network (a tag manager hook on "
    "sendBeacon, a proxy, a worker like Partytown, a changed SDK) and make it send what the "
    "page called.",
)
def beacon_differs_from_call(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """A beacon differs from the ttq call that made it in a way the SDK does not explain.

    Why:
        The SDK renames reserved events, upper-cases currencies, moves event_id out of
        properties and hashes identify() values (docs/reconciliation.md); anything else that
        changed between the call and the wire (a value rewritten, a parameter dropped or
        added, an event_id replaced) was done by something else on the page or on the way,
        and TikTok receives what was sent, not what the page called.

    Bad:
        ttq.track('AddToCart', {value: 8, currency: 'EUR'})  // beacon says value 0, no currency

    Good:
        ttq.track('AddToCart', {value: 8, currency: 'EUR'})  // beacon says value 8, EUR
    """
    if not ctx.calls or not ctx.requests:
        return
    if ctx.capture is not None:  # the engine's capture: pairing and differences, made once
        called = list(ctx.capture.call_events)
        found = ctx.capture.differences
    else:
        called = call_events(ctx.calls)
        found = pair_differences(match(called, ctx.wire_events, ctx.calls), ctx.calls)
    by_index = {event.index: event for event in called}
    for difference in found:
        if difference.behaviour is not None:
            continue
        call = by_index.get(difference.call_index)
        yield Issue(
            message=f"beacon #{difference.beacon_index} to {difference.pixel_code} "
            f"{difference.kind} {difference.path}: called {show(difference.called)}, sent "
            f"{show(difference.sent)}",
            path=difference.path,
            expected=difference.called,
            received=difference.sent,
            event=call,
        )
