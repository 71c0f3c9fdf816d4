"""The events as the page called them: one per ttq.track / ttq.page call. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from harness.core.jsonvalue import TTQ_TYPE
from harness.core.model import (
    PixelEvent,
    TtqCall,
)
from harness.core.reconcile.behaviours import EVENT_METHODS

# -- call events ------------------------------------------------------------------------------


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
                name=name if isinstance(name, str) else describe(name),
                pixel_code=pixel if isinstance(pixel, str) else None,
                pixel_codes=[pixel] if isinstance(pixel, str) else [],
                event_id=event_id if isinstance(event_id, str) else str(event_id),
                properties=properties,
                page_url=call.frame_url or call.page_url,  # the frame, as the pixel reports it
                call=call,
            )
        )
    return events


def describe(value: Any) -> str:
    if isinstance(value, dict) and TTQ_TYPE in value:
        return f"<{value['__ttq_type__']}>"
    return repr(value)
