"""Matching events and explaining near misses (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.core.assertions import (
    EventQuery,
    count_ok,
    describe_count,
    differences,
    failure_message,
    matching,
    order_problem,
)
from harness.core.model import PixelEvent


def _event(
    index: int, name: str, pixel: str = "C1", source: str = "wire", **properties: Any
) -> PixelEvent:
    return PixelEvent(
        index=index,
        source=source,
        name=name,
        pixel_code=pixel,  # type: ignore[arg-type]
        pixel_codes=[pixel],
        properties=properties,
    )


EVENTS = [
    _event(0, "Pageview"),
    _event(1, "AddToCart", value=8, currency="USD", contents=[{"content_id": "301"}]),
    _event(2, "AddToCart", pixel="C2", value=9, currency="USD"),
    _event(3, "addtocart", value=8),
]


def test_partial_params_match_nested_values() -> None:
    query = EventQuery("AddToCart", {"value": 8, "contents": [{"content_id": "301"}]})
    assert matching(EVENTS, query) == [EVENTS[1]]
    assert matching(EVENTS, EventQuery("AddToCart", pixel="C2")) == [EVENTS[2]]
    assert matching(EVENTS, EventQuery("AddToCart", {"value": lambda v: v > 8})) == [EVENTS[2]]
    assert matching(EVENTS, EventQuery("AddToCart", {"value": 8.0})) == [EVENTS[1]]


def test_differences_are_field_by_field() -> None:
    query = EventQuery("AddToCart", {"value": "8", "currency": "EUR", "missing": 1}, pixel="C1")
    assert differences(EVENTS[1], query) == [
        "properties.value: expected '8' (string), got 8 (number)",
        "properties.currency: expected 'EUR', got 'USD'",
        "properties.missing: missing (expected 1)",
    ]
    assert differences(_event(5, "Search", properties_are="x"), EventQuery("Search")) == []


def test_properties_that_are_not_an_object_are_reported() -> None:
    event = PixelEvent(index=0, source="call", name="Search", properties="dress")
    assert differences(event, EventQuery("Search", {"query": "dress"}, source="call")) == [
        "properties: expected an object, got 'dress'"
    ]


@pytest.mark.parametrize(
    ("found", "kwargs", "ok"),
    [
        (1, {}, True),
        (0, {}, False),
        (2, {"exactly": 2}, True),
        (3, {"exactly": 2}, False),
        (0, {"never": True}, True),
        (1, {"never": True}, False),
        (2, {"at_least": 3}, False),
    ],
)
def test_counts(found: int, kwargs: dict[str, Any], ok: bool) -> None:
    assert count_ok(found, **kwargs) is ok


def test_describe_count() -> None:
    assert describe_count() == "at least once"
    assert describe_count(exactly=1) == "exactly 1 time"
    assert describe_count(at_least=2) == "at least 2 times"
    assert describe_count(never=True) == "never"


def test_failure_message_lists_the_closest_events_with_their_differences() -> None:
    message = failure_message(EventQuery("AddToCart", {"value": 10}, pixel="C1"), EVENTS, waited=2)
    lines = message.splitlines()
    assert lines[0] == (
        "expected wire event 'AddToCart' with value=10 on pixel C1 at least once;"
        " saw it 0 time(s) within 2s."
    )
    assert "Closest events seen:" in lines
    assert "#1 wire 'AddToCart' pixel=C1" in message
    assert "properties.value: expected 10, got 8" in message
    assert "#3 wire 'addtocart'" in message  # the case mistake shows up as a near miss
    assert lines[-1] == "All 4 wire events: Pageview, AddToCart, AddToCart, addtocart"


def test_failure_message_for_too_many_lists_the_matches() -> None:
    message = failure_message(EventQuery("AddToCart"), EVENTS, exactly=1)
    assert "exactly 1 time; saw it 2 time(s)" in message
    assert "Matching events:" in message


def test_failure_message_when_nothing_was_captured() -> None:
    assert "No events were captured" in failure_message(EventQuery("Pageview"), [])


def test_order() -> None:
    queries = [EventQuery("Pageview"), EventQuery("AddToCart", pixel="C2")]
    assert order_problem(EVENTS, queries) is None
    problem = order_problem(EVENTS, [EventQuery("AddToCart"), EventQuery("Pageview")])
    assert problem is not None and "expected wire event 'Pageview' after AddToCart#1" in problem
