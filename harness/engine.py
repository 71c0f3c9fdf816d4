"""From what was recorded to events, findings and a report. Pure: no browser here.

The recorder hands over three logs: ttq calls, requests to pixel hosts, and sendBeacon notes
(bodies seen at the call to sendBeacon). This module derives the events on both sides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from harness.decode import decode_beacon
from harness.model import (
    CaptureReport,
    Finding,
    PixelEvent,
    RawRequest,
    RequestKind,
    Severity,
    TtqCall,
    UndecodableBeacon,
)

#: ttq methods that send an event; every other call (identify, load, consent...) is kept as a call.
EVENT_METHODS = {"track": None, "page": "Pageview"}


def call_events(calls: Iterable[TtqCall]) -> list[PixelEvent]:
    """The events as the page called them: one per ttq.track / ttq.page call."""
    events = []
    for call in calls:
        if call.method not in EVENT_METHODS:
            continue
        args = call.args
        if call.method == "page":
            name: Any = "Pageview"
            properties: Any = args[0] if args and isinstance(args[0], dict) else {}
            options: Any = {}
        else:
            name = args[0] if args else ""
            properties = args[1] if len(args) > 1 else {}
            options = args[2] if len(args) > 2 else {}
        options = options if isinstance(options, dict) else {}
        props_dict = properties if isinstance(properties, dict) else {}
        event_id = (
            options.get("event_id")
            or options.get("eventID")
            or props_dict.get("event_id")
            or props_dict.get("eventID")
            or ""
        )
        pixel = call.pixel_code or (options.get("pixel_code") if options else None)
        events.append(
            PixelEvent(
                index=call.index,
                source="call",
                name=name if isinstance(name, str) else _describe(name),
                pixel_code=pixel if isinstance(pixel, str) else None,
                pixel_codes=[pixel] if isinstance(pixel, str) else [],
                event_id=event_id if isinstance(event_id, str) else str(event_id),
                properties=properties,
                page_url=call.frame_url or call.page_url,  # the frame, as the pixel reports it
                call=call,
            )
        )
    return events


def _describe(value: Any) -> str:
    if isinstance(value, dict) and "__ttq_type__" in value:
        return f"<{value['__ttq_type__']}>"
    return repr(value)


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


def wire_events(
    requests: Iterable[RawRequest],
) -> tuple[list[PixelEvent], list[UndecodableBeacon]]:
    events: list[PixelEvent] = []
    undecodable: list[UndecodableBeacon] = []
    for request in requests:
        if request.kind is not RequestKind.EVENT:
            continue
        decoded = decode_beacon(request)
        if isinstance(decoded, UndecodableBeacon):
            undecodable.append(decoded)
        else:
            events.extend(decoded)
    return events, undecodable


def transport_findings(undecodable: Iterable[UndecodableBeacon]) -> list[Finding]:
    """TR001: an event request that could not be decoded. Surfaces instead of vanishing."""
    return [
        Finding(
            code="TR001",
            name="undecodable-beacon",
            severity=Severity.ERROR,
            message=f"{item.request.method} {item.request.url} could not be decoded: {item.reason}",
            fix="Send the pixel's own JSON body (sendBeacon text/plain) or a valid "
            "analytics_message; check for a proxy or tag manager rewriting the request.",
            path="body",
            received=(item.request.body or "")[:500],
            event_index=item.request.index,
            page_url=item.request.page_url,
            source="wire",
            request=item.request,
        )
        for item in undecodable
    ]


def build_report(
    *,
    harness_version: str,
    sdk: str,
    url: str,
    browser: str | None,
    calls: Sequence[TtqCall],
    requests: Sequence[RawRequest],
    notes: Sequence[dict[str, Any]] = (),
) -> CaptureReport:
    filled = fill_beacon_bodies(requests, notes)
    on_wire, undecodable = wire_events(filled)
    events = sorted([*call_events(calls), *on_wire], key=lambda event: event.index)
    return CaptureReport(
        harness_version=harness_version,
        sdk=sdk,
        url=url,
        browser=browser,
        events=events,
        calls=list(calls),
        requests=filled,
        undecodable=undecodable,
        findings=transport_findings(undecodable),
    )
