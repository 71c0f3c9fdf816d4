"""JSON values as the harness names, compares and shows them: type names, recorded non-JSON
arguments, numbers, equality under a named number policy, the differences between two values,
and values shortened for one-line messages. Pure; used by rules, matchers and reports.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
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


# -- differences between two JSON values -----------------------------------------------------


class _Missing:
    """Where one side of a comparison has no value (a key or item it lacks)."""

    def __repr__(self) -> str:
        return "MISSING"


#: The value of the side that lacks a key or an item.
MISSING: Any = _Missing()

#: What one difference is:
#: - "missing": `expected` has the key or item, `received` does not;
#: - "added": `received` has a key or item `expected` lacks (only with `extra=True`);
#: - "length": two lists of different lengths (with `lists="length"`: not compared item-wise);
#: - "type": two leaves of different JSON types;
#: - "value": two leaves of one JSON type, not equal under the policy;
#: - "other": what a `leaf` hook found, in its own words (`message`).
DiffKind = Literal["missing", "added", "length", "type", "value", "other"]


@dataclass(frozen=True, slots=True)
class Difference:
    """One place where two JSON values differ."""

    path: str
    kind: DiffKind
    expected: Any = MISSING
    received: Any = MISSING
    message: str = ""


#: A comparer's own say at a place, before the walk's: its differences (possibly none), or None
#: to let the walk compare. It sees `received` as MISSING where that side lacks the value, and
#: the object holding `received` (a plan matcher sums its `contents`).
Leaf = Callable[[str, Any, Any, Any], Iterable[Difference] | None]


def json_diff(
    expected: Any,
    received: Any,
    *,
    how: Equality,
    path: str = "",
    extra: bool = False,
    lists: Literal["length", "items"] = "items",
    sort_keys: bool = False,
    leaf: Leaf | None = None,
) -> list[Difference]:
    """Where `received` differs from `expected`, walking objects and lists, leaves compared
    under the number policy `how` (see `Equality`). Every comparer of JSON values in the
    harness (baselines, reconciliation, test assertions, plan matchers) is this walk with its
    options; each words the differences its own way.

    - `extra`: also report keys and items only `received` has (else `expected` is partial);
    - `lists`: "items" compares lists item by item (extra items missing or added), "length"
      reports lists of different lengths as one difference;
    - `sort_keys`: object keys in sorted order (else `expected`'s order, then `received`'s);
    - `leaf`: a comparer's own say at each place (see `Leaf`).
    """
    found: list[Difference] = []
    _walk(found, path, expected, received, None, how, extra, lists, sort_keys, leaf)
    return found


def _walk(
    found: list[Difference],
    path: str,
    expected: Any,
    received: Any,
    holder: Any,
    how: Equality,
    extra: bool,
    lists: Literal["length", "items"],
    sort_keys: bool,
    leaf: Leaf | None,
) -> None:
    if leaf is not None:
        said = leaf(path, expected, received, holder)
        if said is not None:
            found.extend(said)
            return
    if received is MISSING:
        found.append(Difference(path, "missing", expected=expected))
        return
    if expected is MISSING:
        found.append(Difference(path, "added", received=received))
        return
    options = (how, extra, lists, sort_keys, leaf)
    if isinstance(expected, dict) and isinstance(received, dict):
        keys: Iterable[Any] = (
            sorted(set(expected) | set(received), key=str)
            if sort_keys
            else [*expected, *(key for key in received if key not in expected)]
        )
        for key in keys:
            if key not in expected and not extra:
                continue
            where = f"{path}.{key}" if path else str(key)
            want, got = expected.get(key, MISSING), received.get(key, MISSING)
            _walk(found, where, want, got, received, *options)
        return
    if isinstance(expected, list) and isinstance(received, list):
        if lists == "length" and len(expected) != len(received):
            found.append(Difference(path, "length", expected=expected, received=received))
            return
        for i in range(len(expected) if not extra else max(len(expected), len(received))):
            want = expected[i] if i < len(expected) else MISSING
            got = received[i] if i < len(received) else MISSING
            _walk(found, f"{path}[{i}]", want, got, received, *options)
        return
    if not same(expected, received, how):
        kind: DiffKind = "type" if json_type(expected) != json_type(received) else "value"
        found.append(Difference(path, kind, expected=expected, received=received))
