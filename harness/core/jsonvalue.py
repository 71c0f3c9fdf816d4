"""JSON values as the harness names and shows them: type names, recorded non-JSON arguments,
numbers, and values shortened for one-line messages. Pure; used by rules, matchers and reports.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal

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


#: How two JSON values are compared, said where they are compared:
#: - "exact": same Python type and value, as the wire has them (8 and 8.0 differ: baselines);
#: - "json": same JSON type and equal (8 and 8.0 are the same number, true and 1 differ);
#: - "close": like "json", numbers equal within 1e-9 (plan matchers, summed prices).
Equality = Literal["exact", "json", "close"]


def same(a: Any, b: Any, how: Equality) -> bool:
    """Whether two JSON values are equal under the named policy (see `Equality`)."""
    if how == "exact":
        return type(a) is type(b) and a == b
    if how == "close" and is_number(a) and is_number(b):
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)
    return json_type(a) == json_type(b) and a == b


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, the last one an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show(value: Any, limit: int = 60, *, sort_keys: bool = False) -> str:
    """A value as it would appear in JavaScript/JSON, shortened for a one-line message."""
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return clip(text, limit)
