"""JSON values as the harness names and shows them: type names, recorded non-JSON arguments,
numbers, and values shortened for one-line messages. Pure; used by rules, matchers and reports.
"""

from __future__ import annotations

import json
from typing import Any

#: The key the call recorder uses for an argument JSON cannot hold (undefined, a function...).
TTQ_TYPE = "__ttq_type__"


def json_type(value: Any) -> str:
    """'null', 'boolean', 'number', 'string', 'array' or 'object' (bool is not a number)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def js_type(value: Any) -> str:
    """The JSON type, or what a recorded non-JSON argument was (undefined, function...)."""
    if isinstance(value, dict) and TTQ_TYPE in value:
        return str(value[TTQ_TYPE])
    return json_type(value)


def is_number(value: Any) -> bool:
    """A JSON number: int or float, not bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def show(value: Any, limit: int = 60) -> str:
    """A value as it would appear in JavaScript/JSON, shortened."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
