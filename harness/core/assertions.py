"""Matching captured events against what a test expects, and explaining near misses. Pure."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.core.jsonvalue import MISSING, Difference, json_diff
from harness.core.model import PixelEvent

_MISSING = MISSING


@dataclass(frozen=True)
class EventQuery:
    """An expected event: its name, a partial match on its properties, optionally a pixel."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    pixel: str | None = None
    source: Literal["call", "wire"] | None = "wire"

    def describe(self) -> str:
        where = f"{self.source} " if self.source else ""
        text = f"{where}event {self.name!r}"
        if self.params:
            shown = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
            text += f" with {shown}"
        if self.pixel:
            text += f" on pixel {self.pixel}"
        return text


def differences(event: PixelEvent, query: EventQuery) -> list[str]:
    """What stops `event` from matching `query`, field by field ('' list = it matches)."""
    diffs: list[str] = []
    if query.source and event.source != query.source:
        diffs.append(f"source: expected {query.source}, got {event.source}")
    if event.name != query.name:
        diffs.append(f"name: expected {query.name!r}, got {event.name!r}")
    if query.pixel and query.pixel != event.pixel_code and query.pixel not in event.pixel_codes:
        diffs.append(f"pixel: expected {query.pixel}, got {event.pixel_code}")
    properties = event.properties if isinstance(event.properties, dict) else {}
    if query.params and not isinstance(event.properties, dict):
        diffs.append(f"properties: expected an object, got {event.properties!r}")
        return diffs
    for key, expected in query.params.items():
        diffs.extend(_compare(f"properties.{key}", expected, properties.get(key, _MISSING)))
    return diffs


def _compare(path: str, expected: Any, received: Any) -> list[str]:
    return [
        _said(d)
        for d in json_diff(expected, received, how="json", path=path, lists="length", leaf=_call)
    ]


def _call(path: str, expected: Any, received: Any, holder: Any) -> list[Difference] | None:
    """A callable expected value is a check of the received one."""
    if not callable(expected) or received is MISSING:
        return None
    check: Callable[[Any], Any] = expected
    return (
        []
        if check(received)
        else [Difference(path, "other", message=f"{path}: {received!r} fails {_name(check)}")]
    )


def _said(d: Difference) -> str:
    if d.kind == "other":
        return d.message
    if d.kind == "missing":
        return f"{d.path}: missing (expected {d.expected!r})"
    if d.kind == "length":
        return f"{d.path}: expected {len(d.expected)} items, got {len(d.received)}"
    if type(d.expected) is not type(d.received) and not _both_numbers(d.expected, d.received):
        return (
            f"{d.path}: expected {d.expected!r} ({_type(d.expected)}), got {d.received!r} "
            f"({_type(d.received)})"
        )
    return f"{d.path}: expected {d.expected!r}, got {d.received!r}"


def _both_numbers(a: Any, b: Any) -> bool:
    return all(isinstance(x, int | float) and not isinstance(x, bool) for x in (a, b))


def _type(value: Any) -> str:
    return {
        str: "string",
        int: "number",
        float: "number",
        bool: "boolean",
        dict: "object",
        list: "array",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _name(check: Callable[[Any], Any]) -> str:
    return getattr(check, "__name__", repr(check))


def matching(events: Sequence[PixelEvent], query: EventQuery) -> list[PixelEvent]:
    return [event for event in events if not differences(event, query)]


def closest(
    events: Sequence[PixelEvent], query: EventQuery, limit: int = 5
) -> list[tuple[PixelEvent, list[str]]]:
    """The events nearest to the query: same name first, then similar names, fewest diffs."""

    def score(event: PixelEvent) -> tuple[float, int]:
        similarity = difflib.SequenceMatcher(None, event.name.lower(), query.name.lower()).ratio()
        return (-similarity, len(differences(event, query)))

    candidates = [e for e in events if query.source is None or e.source == query.source]
    ranked = sorted(candidates, key=score)[:limit]
    return [(event, differences(event, query)) for event in ranked]


def count_ok(
    found: int, *, exactly: int | None = None, at_least: int | None = None, never: bool = False
) -> bool:
    if never:
        return found == 0
    if exactly is not None:
        return found == exactly
    return found >= (at_least if at_least is not None else 1)


def describe_count(
    *, exactly: int | None = None, at_least: int | None = None, never: bool = False
) -> str:
    if never:
        return "never"
    if exactly is not None:
        return f"exactly {exactly} time{'s' if exactly != 1 else ''}"
    wanted = at_least if at_least is not None else 1
    return "at least once" if wanted == 1 else f"at least {wanted} times"


def failure_message(
    query: EventQuery,
    events: Sequence[PixelEvent],
    *,
    exactly: int | None = None,
    at_least: int | None = None,
    never: bool = False,
    waited: float | None = None,
) -> str:
    found = matching(events, query)
    wanted = describe_count(exactly=exactly, at_least=at_least, never=never)
    lines = [
        f"expected {query.describe()} {wanted}; saw it {len(found)} time(s)"
        + (f" within {waited:g}s" if waited is not None else "")
        + "."
    ]
    if never or (exactly is not None and len(found) > exactly):
        lines.append("Matching events:")
        lines.extend(f"  {_line(event)}" for event in found)
    else:
        near = closest(events, query)
        if near:
            lines.append("Closest events seen:")
            for event, diffs in near:
                lines.append(f"  {_line(event)}")
                lines.extend(f"      {diff}" for diff in diffs[:6])
        else:
            lines.append("No events were captured at all (is the pixel base code on the page?).")
    names = [e.name for e in events if query.source is None or e.source == query.source]
    if names:
        lines.append(f"All {len(names)} {query.source or ''} events: " + ", ".join(names))
    return "\n".join(lines)


def _line(event: PixelEvent) -> str:
    pixel = event.pixel_code or "all pixels"
    page = f" on {event.page_url}" if event.page_url else ""
    return f"#{event.index} {event.source} {event.name!r} pixel={pixel}{page}"


def order_problem(events: Sequence[PixelEvent], queries: Sequence[EventQuery]) -> str | None:
    """None if events matching `queries` occur in that order (as a subsequence), else why."""
    position = 0
    matched: list[PixelEvent] = []
    for query in queries:
        while position < len(events) and differences(events[position], query):
            position += 1
        if position >= len(events):
            seen = ", ".join(f"{e.name}#{e.index}" for e in matched) or "nothing"
            return (
                f"expected {query.describe()} after {seen}, but it was not seen after that "
                f"point. Order seen: " + ", ".join(e.name for e in events)
            )
        matched.append(events[position])
        position += 1
    return None
