"""Matching captured events against a plan's expectations, and saying what differs. Pure."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from harness.core.jsonvalue import MISSING, Difference, json_diff, json_type, same, show
from harness.core.model import PixelEvent
from harness.core.plan.model import EventDefinition, Expectation, Matcher, Plan, Range
from harness.core.tiktok import PIXEL_INTERNAL_EVENTS

_MISSING: Any = MISSING


@dataclass(frozen=True)
class Resolved:
    """An expectation with its definition applied: everything needed to match events."""

    label: str  # what the plan called it (definition name or event name)
    name: str  # event name as sent
    params: dict[str, Any] = field(default_factory=dict)
    optional: dict[str, Any] = field(default_factory=dict)
    event_id: Any = None
    pixels: tuple[str | None, ...] = (None,)  # codes; None = any pixel
    source: str = "wire"
    count: int | None = None
    at_least: int | None = None
    at_most: int | None = None
    #: the plan named the pixels (expectation `pixel` or definition `pixels`) and the event must
    #: not also reach the plan's other pixels (`other_pixels: fail`)
    exclusive: bool = False

    def wanted(self) -> str:
        if self.count is not None:
            return f"exactly {self.count}"
        low = self.at_least if self.at_least is not None else 1
        if self.at_most is not None:
            return f"{low} to {self.at_most}"
        return "at least once" if low == 1 else f"at least {low}"

    def count_ok(self, found: int) -> bool:
        if self.count is not None:
            return found == self.count
        low = self.at_least if self.at_least is not None else 1
        return found >= low and (self.at_most is None or found <= self.at_most)


def resolve(plan: Plan, expectation: Expectation) -> Resolved:
    definition: EventDefinition | None = plan.events.get(expectation.event)
    if definition is not None:
        name = definition.event or expectation.event
        params = {**definition.params, **expectation.params}
        optional = dict(definition.optional)
        event_id = definition.event_id
        pixel_names = [expectation.pixel] if expectation.pixel else definition.pixels
        other_pixels = expectation.other_pixels or definition.other_pixels
    else:
        name = expectation.event
        params = dict(expectation.params)
        optional, event_id = {}, None
        pixel_names = [expectation.pixel] if expectation.pixel else None
        other_pixels = expectation.other_pixels or "fail"
    if expectation.source == "call":
        pixels: tuple[str | None, ...] = (None,)
    elif pixel_names:
        pixels = tuple(plan.pixel_code(p) for p in pixel_names)
    elif plan.pixels:
        pixels = tuple(plan.pixels.values())
    else:
        pixels = (None,)
    return Resolved(
        label=expectation.event,
        name=name,
        params=params,
        optional=optional,
        event_id=event_id,
        pixels=pixels,
        source=expectation.source,
        count=expectation.count,
        at_least=expectation.at_least,
        at_most=expectation.at_most,
        exclusive=bool(pixel_names) and expectation.source == "wire" and other_pixels == "fail",
    )


# -- values ----------------------------------------------------------------------------------


def _show(value: Any) -> str:
    return "missing" if value is _MISSING else show(value, 80)


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def value_diffs(path: str, spec: Any, received: Any, context: dict[str, Any]) -> list[str]:
    """Why `received` (or _MISSING) does not satisfy `spec` ([] when it does)."""
    if not isinstance(spec, Matcher):
        if received is _MISSING:
            return [f"{path}: missing (expected {_show(spec)})"]
        return _equal(path, spec, received)
    if spec.absent:
        return [] if received is _MISSING else [f"{path}: expected absent, got {_show(received)}"]
    if received is _MISSING:
        return [f"{path}: missing (expected {_describe(spec)})"]
    diffs: list[str] = []
    if spec.has_equals:
        diffs += _equal(path, spec.equals, received)
    if spec.type is not None and not _is_type(received, spec.type):
        diffs.append(
            f"{path}: expected a {spec.type}, got {_show(received)} ({json_type(received)})"
        )
    if spec.pattern is not None and (
        not isinstance(received, str) or not _regex(spec.pattern).search(received)
    ):
        diffs.append(f"{path}: {_show(received)} does not match /{spec.pattern}/")
    if spec.min is not None or spec.max is not None:
        if not _is_number(received):
            diffs.append(
                f"{path}: expected a number in {_range(spec.min, spec.max)}, got {_show(received)}"
            )
        elif (spec.min is not None and received < spec.min) or (
            spec.max is not None and received > spec.max
        ):
            diffs.append(f"{path}: {_show(received)} is outside {_range(spec.min, spec.max)}")
    if spec.one_of is not None and not any(_same(received, item) for item in spec.one_of):
        diffs.append(f"{path}: {_show(received)} is not one of {_show(spec.one_of)}")
    if spec.length is not None:
        diffs += _length(path, spec.length, received)
    if spec.items is not None:
        if not isinstance(received, list):
            diffs.append(f"{path}: expected a list, got {_show(received)}")
        else:
            for position, item in enumerate(received):
                item_dict = item if isinstance(item, dict) else {}
                for key, item_spec in spec.items.items():
                    diffs += value_diffs(
                        f"{path}[{position}].{key}",
                        item_spec,
                        item_dict.get(key, _MISSING),
                        item_dict,
                    )
    if spec.sum_of_contents:
        diffs += _sum_of_contents(path, received, context.get("contents", _MISSING))
    return diffs


def _describe(spec: Matcher) -> str:
    parts = spec.model_dump(exclude_none=True, exclude_defaults=True)
    return ", ".join(f"{key} {_show(value)}" for key, value in parts.items()) or "present"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_type(value: Any, wanted: str) -> bool:
    if wanted == "integer":
        return _is_number(value) and float(value).is_integer()
    if wanted == "number":
        return _is_number(value)
    return json_type(value) == wanted


def _same(a: Any, b: Any) -> bool:
    return same(a, b, "close")


def _equal(path: str, expected: Any, received: Any) -> list[str]:
    """A literal expected value (objects partial; a key's value may be a matcher spec)."""
    return [
        _said(d)
        for d in json_diff(expected, received, how="close", path=path, lists="length", leaf=_spec)
    ]


def _spec(path: str, spec: Any, received: Any, holder: Any) -> list[Difference] | None:
    """An object's key is matched by `value_diffs` (its value may be a matcher spec); list
    items and leaves are compared by the walk."""
    if not isinstance(holder, dict):
        return None
    return [Difference(path, "other", message=m) for m in value_diffs(path, spec, received, holder)]


def _said(d: Difference) -> str:
    if d.kind == "other":
        return d.message
    if d.kind == "length":
        return f"{d.path}: expected {len(d.expected)} items, got {len(d.received)}"
    if d.kind == "type":
        return (
            f"{d.path}: expected {_show(d.expected)} ({json_type(d.expected)}), got "
            f"{_show(d.received)} ({json_type(d.received)})"
        )
    return f"{d.path}: expected {_show(d.expected)}, got {_show(d.received)}"


def _range(low: float | None, high: float | None) -> str:
    return f"[{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}]"


def _length(path: str, wanted: int | Range, received: Any) -> list[str]:
    if not isinstance(received, list | str):
        return [f"{path}: expected a list or string, got {_show(received)}"]
    size = len(received)
    if isinstance(wanted, int):
        return [] if size == wanted else [f"{path}: expected {wanted} items, got {size}"]
    if (wanted.min is not None and size < wanted.min) or (
        wanted.max is not None and size > wanted.max
    ):
        return [f"{path}: length {size} is outside {_range(wanted.min, wanted.max)}"]
    return []


def _sum_of_contents(path: str, value: Any, contents: Any) -> list[str]:
    if not isinstance(contents, list) or not contents:
        return [f"{path}: cannot check against contents: {_show(contents)}"]
    total = 0.0
    for item in contents:
        if not isinstance(item, dict) or not _is_number(item.get("price")):
            return [f"{path}: cannot sum contents: an item has no numeric price"]
        quantity = item.get("quantity", 1)
        if not _is_number(quantity):
            return [f"{path}: cannot sum contents: an item has no numeric quantity"]
        total += float(item["price"]) * float(quantity)
    if not _is_number(value):
        return [
            f"{path}: expected the sum of price × quantity ({round(total, 2):g}), got "
            f"{_show(value)} ({json_type(value)})"
        ]
    if abs(round(float(value) - total, 2)) > 0.01:
        return [
            f"{path}: {_show(value)} is not the sum of price × quantity over contents "
            f"({round(total, 2):g})"
        ]
    return []


# -- events ----------------------------------------------------------------------------------


def event_diffs(event: PixelEvent, want: Resolved, pixel: str | None) -> list[str]:
    """Field by field, why `event` is not the expected one ([] when it is)."""
    diffs: list[str] = []
    if event.source != want.source:
        diffs.append(f"source: expected {want.source}, got {event.source}")
    if event.name != want.name:
        diffs.append(f"event: expected {want.name!r}, got {event.name!r}")
    if pixel is not None and pixel != event.pixel_code and pixel not in event.pixel_codes:
        diffs.append(f"pixel: expected {pixel}, got {event.pixel_code}")
    props = event.properties
    if not isinstance(props, dict):
        if want.params:
            diffs.append(f"properties: expected an object, got {_show(props)}")
        return diffs
    for key, spec in want.params.items():
        diffs += value_diffs(f"properties.{key}", spec, props.get(key, _MISSING), props)
    for key, spec in want.optional.items():
        if key in props:
            diffs += value_diffs(f"properties.{key}", spec, props[key], props)
    if want.event_id is not None:
        diffs += value_diffs("event_id", want.event_id, event.event_id or _MISSING, props)
    return diffs


def matches(event: PixelEvent, want: Resolved, pixel: str | None) -> bool:
    return not event_diffs(event, want, pixel)


def near_misses(
    events: Sequence[PixelEvent], want: Resolved, pixel: str | None, limit: int = 3
) -> list[tuple[PixelEvent, list[str]]]:
    """The events closest to what was expected, same name first, with their differences."""
    candidates = [e for e in events if e.source == want.source and not e.auto]
    if pixel is not None:
        # Near misses on the expected pixel say what is wrong; the same event on another
        # pixel is reported separately (unplanned pixel) and would only repeat it.
        same_pixel = [e for e in candidates if e.pixel_code == pixel or pixel in e.pixel_codes]
        if any(e.name == want.name for e in same_pixel):
            candidates = same_pixel

    def rank(event: PixelEvent) -> tuple[float, int]:
        likeness = difflib.SequenceMatcher(None, event.name.lower(), want.name.lower()).ratio()
        return (-likeness, len(event_diffs(event, want, pixel)))

    ranked = sorted(candidates, key=rank)[:limit]
    return [
        (event, event_diffs(event, want, pixel))
        for event in ranked
        if difflib.SequenceMatcher(None, event.name.lower(), want.name.lower()).ratio() > 0.6
    ]


def is_background(event: PixelEvent) -> bool:
    """Events a plan need not list: the pixel's own page views and automatic events."""
    return event.auto or event.name in PIXEL_INTERNAL_EVENTS
