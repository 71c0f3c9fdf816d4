"""Small helpers shared by rule modules."""

from __future__ import annotations

import json
from typing import Any

from harness.jsontypes import json_type
from harness.model import PixelEvent


def show(value: Any, limit: int = 60) -> str:
    """A value as it would appear in JavaScript/JSON, shortened."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def js_type(value: Any) -> str:
    """The JSON type, or what a recorded non-JSON argument was (undefined, function...)."""
    if isinstance(value, dict) and "__ttq_type__" in value:
        return str(value["__ttq_type__"])
    return json_type(value)


def properties(event: PixelEvent) -> dict[str, Any]:
    """The event's properties when they are an object, else {} (PR001 reports that case)."""
    return event.properties if isinstance(event.properties, dict) else {}


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
