"""One capture, derived once: the value every consumer of a capture reads. Pure.

A capture is what the recorder (or a HAR file) collected: ttq calls, requests to pixel hosts,
sendBeacon notes and the documents watched. From those, `derive` computes the events on both
sides, each beacon decoded exactly once, and the call <-> beacon pairing is computed once, on
first use. The engine, the rules (through `RuleContext.capture`), the reconciliation and the
report all read this value; none of them decodes or pairs again.

The browser recorder decodes beacons as they arrive (for `events()` polls); it hands its
decoded results to `derive`, so a report costs no second decode of anything already seen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from harness.core.decode import decode_beacon
from harness.core.model import (
    CapturedDocument,
    FieldDifference,
    PixelEvent,
    RawRequest,
    RequestKind,
    TtqCall,
    UndecodableBeacon,
)
from harness.core.observations import is_observation, page_calls_by_document
from harness.core.reconcile import (
    DocumentIndex,
    Matching,
    call_events,
    match,
    pair_differences,
)

#: What decoding one event request gave: its events, or why it could not be decoded.
Decoded = list[PixelEvent] | UndecodableBeacon


@dataclass(frozen=True)
class Capture:
    """What one capture saw, every piece derived once (see the module docstring)."""

    calls: Sequence[TtqCall]
    #: requests to the pixel hosts, in arrival order, sendBeacon bodies filled in
    requests: Sequence[RawRequest]
    #: the events as the page called them (one per ttq.track / ttq.page call)
    call_events: Sequence[PixelEvent]
    #: the events the beacons carried, in request order
    wire_events: Sequence[PixelEvent]
    undecodable: Sequence[UndecodableBeacon]
    #: request index -> what decoding that event request gave
    decoded: Mapping[int, Decoded]
    documents: Sequence[CapturedDocument] = ()
    #: what a local Events API sink received meanwhile (the site's back end): read by the EA
    #: rules in the same rule pass; not pixel traffic, so nothing else here derives from it
    server_requests: Sequence[RawRequest] = ()

    @cached_property
    def events(self) -> list[PixelEvent]:
        """Both sides, in arrival order."""
        return sorted([*self.call_events, *self.wire_events], key=lambda event: event.index)

    @cached_property
    def matching(self) -> Matching:
        """The call <-> beacon pairing (reconcile.match), computed once."""
        return match(self.call_events, self.wire_events, self.calls)

    @cached_property
    def differences(self) -> list[FieldDifference]:
        """Field by field, how each paired beacon differs from its call, computed once (the
        reconciliation and TR011 read it)."""
        return pair_differences(self.matching, self.calls)

    @cached_property
    def observed(self) -> dict[str, list[TtqCall]]:
        """What the harness observed besides ttq calls (TR006-TR008, recorder errors, SDK console
        lines: harness.core.observations), each kind its own list in capture order. They travel
        among `calls` (the JSON's `calls` holds them, as scripts read it); this is where every
        reader takes them from."""
        found: dict[str, list[TtqCall]] = {}
        for call in self.calls:
            if is_observation(call.method):
                found.setdefault(call.method, []).append(call)
        return found

    @cached_property
    def page_calls(self) -> dict[str | None, list[TtqCall]]:
        """The page's own ttq calls (observations aside) by document id."""
        return page_calls_by_document(self.calls)

    @cached_property
    def document_index(self) -> DocumentIndex:
        """What the capture says about each document (ttq.load() calls, SDK scripts), each
        document worked out once."""
        return DocumentIndex(self.calls, self.requests)

    def events_of(self, request: RawRequest) -> list[PixelEvent]:
        """The events one request carried ([] for an undecodable or non-event request)."""
        found = self.decoded.get(request.index)
        return found if isinstance(found, list) else []


def decode_requests(
    requests: Sequence[RawRequest], known: Mapping[int, Decoded] | None = None
) -> dict[int, Decoded]:
    """Every event request decoded, by request index; a result in `known` is reused when it
    was decoded from this very request (same URL and body: a body-less beacon may take another
    note's body once indices move, so the index alone is not enough)."""
    decoded: dict[int, Decoded] = {}
    for request in requests:
        if request.kind is not RequestKind.EVENT:
            continue
        result = known.get(request.index) if known is not None else None
        if result is None or not _decoded_from(result, request):
            result = decode_beacon(request)
        decoded[request.index] = result
    return decoded


def _decoded_from(result: Decoded, request: RawRequest) -> bool:
    source = result.request if isinstance(result, UndecodableBeacon) else None
    if isinstance(result, list):
        source = result[0].request if result else None
    return source is not None and source.url == request.url and source.body == request.body


def derive(
    calls: Sequence[TtqCall],
    requests: Sequence[RawRequest],
    *,
    notes: Sequence[dict[str, Any]] = (),
    documents: Sequence[CapturedDocument] = (),
    decoded: Mapping[int, Decoded] | None = None,
    called: Sequence[PixelEvent] | None = None,
    server_requests: Sequence[RawRequest] = (),
) -> Capture:
    """The capture value. `decoded` (request index -> result) and `called` (the call events)
    are what an incremental recorder already derived; anything missing is derived here."""
    filled = fill_beacon_bodies(requests, notes)
    by_request = decode_requests(filled, decoded)
    wire: list[PixelEvent] = []
    undecodable: list[UndecodableBeacon] = []
    for request in filled:
        result = by_request.get(request.index)
        if isinstance(result, UndecodableBeacon):
            undecodable.append(result)
        elif result is not None:
            wire.extend(result)
    return Capture(
        calls=list(calls),
        requests=filled,
        call_events=list(called) if called is not None else call_events(calls),
        wire_events=wire,
        undecodable=undecodable,
        decoded=by_request,
        documents=list(documents),
        server_requests=list(server_requests),
    )


def fill_beacon_bodies(
    requests: Sequence[RawRequest], notes: Sequence[dict[str, Any]]
) -> list[RawRequest]:
    """Give body-less event POSTs the body their sendBeacon call carried.

    Chromium exposes sendBeacon bodies to the network layer in almost every case; when it does
    not (some Blob bodies), the recorder's note of the call is the only copy. Notes are matched
    to requests by URL, in order.
    """
    by_url: dict[str, list[dict[str, Any]]] = {}
    for note in notes:
        by_url.setdefault(str(note.get("url")), []).append(note)
    filled = []
    for request in requests:
        queue = by_url.get(request.url)
        if request.kind is RequestKind.EVENT and request.method == "POST" and queue:
            if request.body:
                _drop_matching(queue, request.body)
            else:
                note = queue.pop(0)
                if isinstance(note.get("body"), str):
                    request = request.model_copy(
                        update={"body": note["body"], "body_origin": "sendBeacon"}
                    )
        filled.append(request)
    return filled


def _drop_matching(queue: list[dict[str, Any]], body: str) -> None:
    for position, note in enumerate(queue):
        if note.get("body") == body:
            del queue[position]
            return
