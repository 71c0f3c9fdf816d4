"""EV: custom events are reporting-only (custom-events-spec.md, "Requirements" 1).

Custom events can be reported, but cannot optimize a campaign or build an audience. The costliest
mistake with them is sending a conversion under a custom name: the campaign meant to optimize on
it cannot. EV011 names the standard event a custom name stands in for (vocabulary in
harness/core/data/standard-event-meanings.yaml); EV012 notes conversion data on custom events.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from harness.core.model import PixelEvent
from harness.core.rules._registry import Issue, RuleContext, rule
from harness.core.rules.events import custom_name, name_kind
from harness.core.rules.meaning import standard_meaning
from harness.core.tiktok import PROFILES, SDK_ALIASES, Profile

#: Properties that make an event a conversion TikTok would optimize on, were it standard.
CONVERSION_KEYS = ("value", "currency", "contents")
REPORTING_ONLY = (
    "custom events are reporting-only: TikTok cannot optimize a campaign or build an audience "
    "on them"
)


@rule(
    "EV011",
    "custom-event-means-standard",
    severity="warning",
    fix="Send the standard event the name means (ttq.track('CompletePayment', {...}) for an "
    "order): only standard events can optimize campaigns and build audiences.",
    per_name=True,
)
def custom_event_means_standard(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """A custom event name that stands in for a standard event.

    Why:
        Custom events are reporting-only (custom-events-spec.md, Requirements 1): they cannot
        optimize a campaign or build an audience. A purchase sent as `OrderComplete`, a
        sign-up as `register_user`, shows up in reports, but the campaign meant to optimize on
        it has nothing to optimize on. The spec also asks not to duplicate a standard event
        with a custom name. The name is read word by word (camelCase, snake_case,
        kebab-case) against a vocabulary per standard event; names with other words
        (`signing_up_free_trial`, `ShippingAProduct`) stay custom.

    Bad:
        ttq.track('OrderComplete', {value: 42, currency: 'USD'})
        ttq.track('add_to_bag', {content_id: '301'})

    Good:
        ttq.track('CompletePayment', {value: 42, currency: 'USD'})   // Purchase in tiktok-2025
        ttq.track('AddToCart', {content_id: '301'})
        ttq.track('wallet_connected')   // no standard event means this: custom is right
    """
    name = custom_name(event, ctx)
    if name is None or any(profile.is_known(name) for profile in PROFILES.values()):
        return  # a standard name of another profile (Lead, StartTrial): EV rules' business
    standard = standard_meaning(name, ctx.profile)
    if standard is None:
        return
    yield Issue(
        message=f"custom event {name!r} means the standard event {standard!r}: {REPORTING_ONLY}; "
        f"send ttq.track({standard!r}, …) instead",
        path="event",
        expected=standard,
        received=name,
    )


@rule(
    "EV012",
    "custom-event-conversion-data",
    severity="info",
    scope="capture",
    fix="If this event is a conversion to optimize on, send it as a standard event; if it is "
    "for reporting only, nothing to do.",
)
def custom_event_conversion_data(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """A custom event carries conversion data (value, currency or contents).

    Why:
        TikTok reports the value and contents of a custom event, but does not optimize on
        them (custom events are reporting-only). Value data on a custom event often means a
        conversion was meant: say so once per event name, so a reviewer can decide. Names
        EV011 reports (they mean a standard event) are left to it.

    Bad:
        ttq.track('gift_card_redeemed', {value: 25, currency: 'USD'})   // meant to optimize?

    Good:
        ttq.track('CompletePayment', {value: 25, currency: 'USD'})   // to optimize on it
        ttq.track('gift_card_redeemed')                              // for reporting only
    """
    noted: set[str] = set()
    for event in events:
        if event.auto:
            continue
        name = custom_name(event, ctx)
        if name is None or name in noted or standard_meaning(name, ctx.profile) is not None:
            continue  # EV011 already says to send the standard event
        properties = event.properties if isinstance(event.properties, dict) else {}
        carried = [key for key in CONVERSION_KEYS if key in properties]
        if not carried:
            continue
        noted.add(name)
        yield Issue(
            message=f"custom event {name!r} carries {', '.join(carried)}: TikTok reports them "
            "but does not optimize on a custom event (reporting-only)",
            path="properties",
            received=carried,
            event=event,
        )


def event_kinds(events: Sequence[PixelEvent], profile: Profile) -> tuple[list[str], list[str]]:
    """(standard, custom) event names among `events`, for summaries: which events TikTok can
    optimize on and which it only reports. Names as the page called them (a wire name the SDK
    made from a called one, CompletePayment for Purchase, is not repeated); reserved names and
    case variants count as standard (TikTok maps them); the pixel's own events (Pageview,
    EnrichAM, /act) are left out."""
    standard: dict[str, None] = {}
    custom: dict[str, None] = {}
    called = {SDK_ALIASES.get(e.name, e.name) for e in events if e.source == "call"}
    for event in events:
        if event.auto or not isinstance(event.name, str) or not event.name.strip():
            continue
        if event.source == "wire" and event.name in called:
            continue
        kind = name_kind(event.name, profile)
        if kind == "custom":
            custom[event.name] = None
        elif kind != "internal":
            standard[event.name] = None
    return list(standard), list(custom)


def kinds_line(events: Sequence[PixelEvent], profile: Profile) -> str | None:
    """'Events: standard A, B; custom (reporting only): c' or None when there is no event."""
    standard, custom = event_kinds(events, profile)
    if not standard and not custom:
        return None
    parts = [f"standard {', '.join(standard)}" if standard else "no standard event"]
    if custom:
        parts.append(f"custom (reporting only) {', '.join(custom)}")
    return "Events: " + "; ".join(parts)
