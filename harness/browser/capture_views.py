"""The incremental views of a capture: wire events and call events derived once per request
or call, so a poll of a long capture only handles what arrived since the last one.

A mixin of CaptureBase (capture_base.py): it reads the capture's logs and keeps `_Views`.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.core.capture import fill_beacon_bodies
from harness.core.engine import wire_events
from harness.core.model import PixelEvent, RawRequest, RequestKind, TtqCall, UndecodableBeacon
from harness.core.reconcile import call_events


class IncrementalViews:
    """`wire()` and `events()` over the capture's logs, derived incrementally."""

    calls: list[TtqCall]
    requests: list[RawRequest]
    beacon_notes: list[dict[str, Any]]
    _decoded: dict[int, list[PixelEvent] | UndecodableBeacon]
    _views: _Views

    def wire(self) -> tuple[list[PixelEvent], list[UndecodableBeacon]]:
        """Decoded wire events and undecodable beacons, in request order.

        Incremental: each poll decodes only the requests that arrived since the last one. Only
        a body-less sendBeacon POST can still change (its body may come later from a note);
        while one is in the log, the fill is redone when a request or note arrives.
        """
        views = self._updated_wire()
        return list(views.wire_events), list(views.undecodable)

    def _updated_wire(self) -> _Views:
        views = self._views
        if views.unfilled:
            self._refill_wire(views)
        for request in self.requests[views.requests_done :]:
            if request.kind is RequestKind.EVENT and request.method == "POST" and not request.body:
                views.unfilled = True
                self._refill_wire(views)
                break
            self._append_wire(views, request)
            views.requests_done += 1
        return views

    def _refill_wire(self, views: _Views) -> None:
        """The whole-log path, for when a body-less beacon may take a note's body."""
        key = (len(self.requests), len(self.beacon_notes))
        if key == views.filled_for:
            return
        views.filled_for = key
        views.wire_events, views.undecodable, views.new_wire = [], [], []
        views.merged = None
        views.wire_ordered = True
        for request in fill_beacon_bodies(self.requests, self.beacon_notes):
            self._append_wire(views, request)
        views.requests_done = len(self.requests)

    def _append_wire(self, views: _Views, request: RawRequest) -> None:
        if request.kind is not RequestKind.EVENT:
            return
        result = self._decoded.get(request.index)
        if result is None:
            found, bad = wire_events([request])
            result = bad[0] if bad else found
            if not bad or request.body:  # a missing body may still arrive from a note
                self._decoded[request.index] = result
        if isinstance(result, UndecodableBeacon):
            views.undecodable.append(result)
        else:
            if result and views.wire_events and result[0].index < views.wire_events[-1].index:
                views.wire_ordered = False  # a request re-ordered after its calls
            views.wire_events.extend(result)
            views.new_wire.extend(result)

    def _call_events(self) -> list[PixelEvent]:
        """Call events, converting only the calls recorded since the last poll."""
        views = self._views
        if views.calls_done < len(self.calls):
            fresh = call_events(self.calls[views.calls_done :])
            views.calls_done = len(self.calls)
            views.call_events.extend(fresh)
            views.new_calls.extend(fresh)
        return views.call_events

    def events(
        self, source: Literal["call", "wire"] | None = None, *, since: int = 0
    ) -> list[PixelEvent]:
        """Events captured so far, in arrival order: at the call, on the wire, or both; with
        `since`, only those whose index is at least that (a step's events: `since` its mark),
        found by bisection and copied alone, so polling a long capture stays cheap."""
        if source == "call":
            return _from(self._call_events(), since)
        if source == "wire":
            views = self._updated_wire()
            if not views.wire_ordered:  # rare: sort once, then bisect again while it holds
                views.wire_events.sort(key=lambda event: event.index)
                views.wire_ordered = True
            return _from(views.wire_events, since)
        self._call_events()
        self.wire()
        views = self._views
        fresh = [*views.new_calls, *views.new_wire]
        views.new_calls, views.new_wire = [], []
        newest = views.merged[-1].index if views.merged else -1
        if views.merged is None or any(event.index < newest for event in fresh):
            # First poll, a refill, or something older than the last event: sort it all.
            views.merged = sorted(
                [*views.call_events, *views.wire_events], key=lambda event: event.index
            )
        else:
            # Indices come from one counter, so what arrived since is newer than all before.
            views.merged.extend(sorted(fresh, key=lambda event: event.index))
        return _from(views.merged, since)


def _from(events: Sequence[PixelEvent], since: int) -> list[PixelEvent]:
    """A copy of the events (sorted by index) whose index is at least `since`."""
    if since <= 0:
        return list(events)
    return list(events[bisect.bisect_left(events, since, key=lambda event: event.index) :])


@dataclass
class _Views:
    """What `events()` and `wire()` derived so far, so each poll only handles what is new."""

    calls_done: int = 0
    call_events: list[PixelEvent] = field(default_factory=list)
    requests_done: int = 0
    wire_events: list[PixelEvent] = field(default_factory=list)
    undecodable: list[UndecodableBeacon] = field(default_factory=list)
    #: a body-less beacon POST is in the log: wire() refills from the whole log on change
    unfilled: bool = False
    filled_for: tuple[int, int] = (-1, -1)
    #: wire_events are in index order (else `events("wire")` sorts them once)
    wire_ordered: bool = True
    #: call and wire events, merged in index order (None: rebuild on the next poll)
    merged: list[PixelEvent] | None = None
    new_calls: list[PixelEvent] = field(default_factory=list)
    new_wire: list[PixelEvent] = field(default_factory=list)
