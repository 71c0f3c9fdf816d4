"""Which beacon answers which ttq call, knowing what the real SDK does. Pure.

The package: `behaviours` (what the SDK does, with evidence), `events` (call events),
`pairing` (`match`), `lost` (why a call sent nothing; per-document evidence), `differences`
(call vs beacon, field by field), `identify` (identify() values and context.user); this module
puts them together (`reconcile`) and re-exports the public names.

Every recorded ttq call ends up in exactly one place: paired with the beacon(s) it produced
(with the field-by-field differences between call and beacon), quiet by design (identify, load,
consent, a repeated page() on the same URL), or lost (no beacon, with the likely reason from
the capture's evidence). Every beacon is either paired with a call or marked with where it came
from (an automatic /act event, EnrichAM, Event Builder, another script).

Each SDK behaviour this relies on is a named entry of BEHAVIOURS with its evidence; the list is
docs/reconciliation.md. The evidence is pixel.js 2.1.33 (the January 2024 build): its code read
in shared/reference/tiktok-pixel-wire-format.md and its requests captured in
tests/data/real-sdk-2.1.33-*.json.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.model import (
    BeaconOrigin,
    CallBeaconPair,
    FieldDifference,
    LostCall,
    PixelEvent,
    QuietCall,
    RawRequest,
    Reconciliation,
    TtqCall,
    UnexplainedBeacon,
)
from harness.core.observations import is_observation
from harness.core.reconcile.behaviours import (
    BEHAVIOURS,
    EVENT_METHODS,
    MAX_DIFFERENCES,
    QUIET_METHODS,
    SdkBehaviour,
)
from harness.core.reconcile.differences import differences
from harness.core.reconcile.events import call_events, describe
from harness.core.reconcile.identify import identify_values, user_differences
from harness.core.reconcile.lost import DocumentIndex, document_pixels, lost_reason
from harness.core.reconcile.pairing import Matching, loaded_pixels, match

__all__ = [
    "BEHAVIOURS",
    "EVENT_METHODS",
    "MAX_DIFFERENCES",
    "DocumentIndex",
    "Matching",
    "SdkBehaviour",
    "call_events",
    "describe",
    "differences",
    "document_pixels",
    "identify_values",
    "loaded_pixels",
    "lost_reason",
    "match",
    "pair_differences",
    "reconcile",
]


# -- the whole reconciliation -----------------------------------------------------------------


def pair_differences(done: Matching, calls: Sequence[TtqCall]) -> list[FieldDifference]:
    """The field differences of every pair, identify's context.user values included."""
    identifies = [c for c in calls if c.method == "identify"]
    found: list[FieldDifference] = []
    for call, wire in done.pairs:
        found.extend(differences(call, wire))
        identified: dict[str, str] = {}
        for ident in identifies:
            same_document = call.call is not None and ident.document == call.call.document
            if same_document and ident.index < call.index:
                identified.update(identify_values(ident))
        found.extend(user_differences(call, wire, identified))
    return found


def reconcile(
    call_evs: Sequence[PixelEvent],
    wire_evs: Sequence[PixelEvent],
    *,
    calls: Sequence[TtqCall] = (),
    requests: Sequence[RawRequest] = (),
    matching: Matching | None = None,
    index: DocumentIndex | None = None,
    differences: list[FieldDifference] | None = None,
) -> Reconciliation:
    """Every call paired, quiet or lost; every beacon paired or marked with its origin."""
    done = matching or match(call_evs, wire_evs, calls)
    all_calls = list(calls) or [c.call for c in call_evs if c.call is not None]
    if index is None or not calls:
        index = DocumentIndex(all_calls, requests)
    identifies = [c for c in all_calls if c.method == "identify"]

    pairs = [
        CallBeaconPair(
            call_index=call.index,
            beacon_index=wire.index,
            call_name=call.name,
            event_name=wire.name,
            pixel_code=wire.pixel_code,
        )
        for call, wire in done.pairs
    ]
    diffs = differences if differences is not None else pair_differences(done, all_calls)

    quiet: list[QuietCall] = []
    for record in all_calls:
        if is_observation(record.method) or record.method in EVENT_METHODS:
            continue
        quiet.append(_quiet(record, index))
    for call in call_evs:
        if call.index in done.nameless and not any(c.index == call.index for c, _ in done.pairs):
            quiet.append(
                QuietCall(
                    call_index=call.index,
                    method="track",
                    behaviour="track-needs-a-string-name",
                    detail="the SDK sends nothing for a track() whose event name is not a "
                    "string (EV002 reports the call)",
                )
            )
        if call.index in done.silent:
            quiet.append(
                QuietCall(
                    call_index=call.index,
                    method="page",
                    behaviour="page-once-per-url",
                    detail=f"the URL had not changed since the last ttq.page() ({call.page_url})",
                )
            )
    quiet.sort(key=lambda q: q.call_index)

    lost = []
    for event in done.unanswered:
        reason, detail = lost_reason(
            event, calls=all_calls, requests=requests, unanswered=done.unanswered, index=index
        )
        lost.append(
            LostCall(
                call_index=event.index,
                name=event.name,
                pixel_code=event.pixel_code,
                reason=reason,
                detail=detail,
            )
        )

    unexplained = [_origin(wire, identifies, has_calls=bool(all_calls)) for wire in done.uncovered]
    return Reconciliation(
        calls=len(call_evs),
        beacons=len(wire_evs),
        pairs=pairs,
        quiet_calls=quiet,
        lost_calls=lost,
        unexplained_beacons=unexplained,
        differences=diffs,
    )


def _quiet(record: TtqCall, index: DocumentIndex) -> QuietCall:
    method = record.method
    if method == "identify":
        keys = sorted(identify_values(record))
        hashed = [k for k in keys if k != "external_id"]
        detail = (
            f"{', '.join(keys)} go to context.user of later events"
            + (f" ({', '.join(hashed)} SHA-256 hashed" if hashed else "")
            + (", external_id in clear" if "external_id" in keys and hashed else "")
            + (")" if hashed else "")
            if keys
            else "no value the SDK keeps"
        )
        return QuietCall(
            call_index=record.index,
            method=method,
            behaviour="identify-to-context-user",
            detail=detail,
        )
    if method in QUIET_METHODS:
        return QuietCall(
            call_index=record.index,
            method=method,
            behaviour=QUIET_METHODS[method],
            detail=f"ttq.{method}() changes what later beacons do; it sends nothing itself",
        )
    if method == "load":
        code = record.args[0] if record.args else None
        scripts = index.evidence(record).script_pixels
        requested = isinstance(code, str) and code in scripts
        return QuietCall(
            call_index=record.index,
            method=method,
            behaviour="fan-out-to-loaded-pixels",
            detail=f"loads pixel {code}"
            + ("; its events.js was requested" if requested else "; no events.js request seen"),
        )
    if method == "instance":
        return QuietCall(
            call_index=record.index,
            method=method,
            behaviour="instance-targets-one-pixel",
            detail="returns the pixel's own queue; its calls are listed on their own",
        )
    return QuietCall(
        call_index=record.index,
        method=method,
        behaviour="sends-nothing",
        detail=f"ttq.{method}() sends no event",
    )


def _origin(
    wire: PixelEvent, identifies: Sequence[TtqCall], *, has_calls: bool
) -> UnexplainedBeacon:
    origin: BeaconOrigin
    cause: int | None = None
    if wire.auto:
        origin = "automatic"
        detail = f"the SDK's automatic {wire.name} on /act (auto-config), not a ttq call"
    elif wire.name == "EnrichAM":
        origin = "enrich-am"
        earlier = [c for c in identifies if c.index < wire.index]
        if earlier:
            cause = earlier[-1].index
            detail = f"sent by the SDK after ttq.identify() (call #{cause})"
        else:
            detail = "sent by the SDK after an identify() the capture did not record"
    elif (
        isinstance(wire.body, dict)
        and isinstance((wire.body.get("context") or {}).get("pixel"), dict)
        and wire.body["context"]["pixel"].get("mode")
    ):
        origin = "event-builder"
        detail = (
            f"context.pixel.mode {wire.body['context']['pixel']['mode']!r}: an Event Builder "
            "rule in the pixel's configuration, not a page call"
        )
    else:
        origin = "other"
        detail = (
            "no recorded ttq call made it: another script (a tag manager template, a proxy) "
            "or a call the harness could not record"
            if has_calls
            else "the capture has no ttq call records to explain it"
        )
    return UnexplainedBeacon(
        beacon_index=wire.index,
        name=wire.name,
        pixel_code=wire.pixel_code,
        origin=origin,
        call_index=cause,
        detail=detail,
    )
