"""Field by field, how a beacon differs from its call; each difference names the SDK behaviour
that explains it, or none. Pure."""

from __future__ import annotations

import json
from typing import Any

from harness.core.jsonvalue import MISSING, TTQ_TYPE, Difference, clip, json_diff, same
from harness.core.model import (
    DifferenceKind,
    FieldDifference,
    PixelEvent,
)
from harness.core.reconcile.behaviours import MAX_DIFFERENCES, OMIT, STRIPPED

# -- what the SDK does to a call's fields -----------------------------------------------------


def differences(call: PixelEvent, wire: PixelEvent) -> list[FieldDifference]:
    """Field by field, how the beacon differs from its call; each difference names the SDK
    behaviour that explains it, or none."""
    record = call.call
    if record is None:
        return []
    found: list[FieldDifference] = []

    def add(path: str, called: Any, sent: Any, kind: Any, behaviour: str | None) -> None:
        if len(found) < MAX_DIFFERENCES:
            found.append(
                FieldDifference(
                    call_index=call.index,
                    beacon_index=wire.index,
                    pixel_code=wire.pixel_code,
                    path=path,
                    called=_short(called),
                    sent=_short(sent),
                    kind=kind,
                    behaviour=behaviour,
                )
            )

    if wire.name != call.name:
        add("event", call.name, wire.name, "renamed", "reserved-name-alias")
    if wire.page_url != call.page_url:  # paired across a URL change (see match)
        add("context.page.url", call.page_url, wire.page_url, "changed", "history-hook-page-url")
    body = wire.body or {}
    if record.method == "track":
        args = record.args
        props = args[1] if len(args) > 1 else None
        options = args[2] if len(args) > 2 and isinstance(args[2], dict) else {}
        expected = _expected_properties(props, wire.properties, add)
        expected_id = options.get("event_id") or options.get("eventID")
        if isinstance(expected, dict):
            for key, goes_to in STRIPPED.items():
                if key not in expected:
                    continue
                value = expected.pop(key)
                if key in ("event_id", "eventID"):
                    expected_id = expected_id or value
                sent = _at(body, goes_to)
                moved = sent is not OMIT and _same(value, sent)
                add(
                    f"properties.{key}",
                    value,
                    None if sent is OMIT else sent,
                    "moved" if moved or key == "eventID" else "dropped",
                    "event-id-from-options-or-properties"
                    if key in ("event_id", "eventID")
                    else "sdk-fields-stripped",
                )
            currency = expected.get("currency")
            if isinstance(currency, str) and currency != currency.upper():
                expected["currency"] = currency.upper()
                sent_currency = (
                    wire.properties.get("currency") if _is_obj(wire.properties) else None
                )
                if sent_currency == currency.upper():
                    add(
                        "properties.currency",
                        currency,
                        sent_currency,
                        "transformed",
                        "currency-upper-cased",
                    )
        expected_id_text = "" if expected_id in (None, "") else _js_string(expected_id)
        if expected_id_text != wire.event_id:
            add("event_id", expected_id_text, wire.event_id, "changed", None)
        _compare("properties", expected, wire.properties, add)
    return found


def _expected_properties(props: Any, sent: Any, add: Any) -> Any:
    """Properties as the SDK will send them (before stripping), by Object.assign({}, props)
    and JSON serialisation; differences that follow from the argument's type are noted."""
    kind = _marker(props)
    if props is None or kind == "undefined":
        return {}
    if kind in ("too-deep", "unreadable", "cycle"):
        return _ANY
    if isinstance(props, str):
        add("properties", props, sent, "mangled", "non-object-properties-copied")
        return {str(i): ch for i, ch in enumerate(props[:10_000])} if len(props) <= 10_000 else _ANY
    if isinstance(props, list):
        add("properties", props, sent, "mangled", "non-object-properties-copied")
        return {str(i): _json_value(v, add, f"properties.{i}") for i, v in enumerate(props)}
    if kind is not None or not isinstance(props, dict):  # numbers, booleans, functions, dates
        add("properties", props, sent, "mangled", "non-object-properties-copied")
        return {}
    return _json_value(props, add, "properties")


class _Anything:
    """A value the recorder could not copy (too deep, cyclic): anything on the wire matches."""


_ANY = _Anything()


def _short(value: Any, limit: int = 300) -> Any:
    """The value itself when small; else a JSON excerpt (a report must stay readable)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return value if len(text) <= limit else clip(text, limit)


def _marker(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get(TTQ_TYPE), str):
        return str(value[TTQ_TYPE])
    return None


def _json_value(value: Any, add: Any, path: str) -> Any:
    """The recorded value as JSON.stringify would send it (markers resolved)."""
    kind = _marker(value)
    if kind is not None:
        if kind in ("undefined", "function", "symbol"):
            add(path, value, None, "dropped", "json-serialisation")
            return OMIT
        if kind == "number":  # NaN, Infinity
            add(path, value, None, "transformed", "json-serialisation")
            return None
        if kind == "Date":
            return value.get("value")
        if kind == "Element":
            return {}
        return _ANY  # too-deep, cycle, unreadable, bigint: the call record cannot tell
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            converted = _json_value(item, add, f"{path}.{key}")
            if converted is not OMIT:
                out[key] = converted
        return out
    if isinstance(value, list):
        items = [_json_value(item, add, f"{path}[{i}]") for i, item in enumerate(value)]
        return [None if item is OMIT else item for item in items]
    return value


#: How the walk's differences read in a reconciliation.
_KINDS: dict[str, DifferenceKind] = {
    "missing": "dropped",
    "added": "added",
    "type": "type-changed",
    "value": "changed",
}


def _compare(path: str, expected: Any, sent: Any, add: Any) -> None:
    for d in json_diff(expected, sent, how="json", path=path, extra=True, leaf=_uncopied):
        called = None if d.expected is MISSING else d.expected
        add(d.path, called, None if d.received is MISSING else d.received, _KINDS[d.kind], None)


def _uncopied(path: str, expected: Any, sent: Any, holder: Any) -> list[Difference] | None:
    """A value the recorder could not copy matches whatever was sent."""
    return [] if isinstance(expected, _Anything) and sent is not MISSING else None


def _same(a: Any, b: Any) -> bool:
    return same(a, b, "json")


def _is_obj(value: Any) -> bool:
    return isinstance(value, dict)


def _js_string(value: Any) -> str:
    """String(value) as JavaScript writes it, for the values an event id can be."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _at(body: dict[str, Any], dotted: str) -> Any:
    value: Any = body
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return OMIT
        value = value[part]
    return value
