"""JSON type names of Python values decoded from JSON, as messages and matchers name them."""

from __future__ import annotations

from typing import Any


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
