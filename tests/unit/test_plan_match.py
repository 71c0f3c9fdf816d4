"""Plan matchers, expectation resolution and the step diff (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.core.model import PixelEvent
from harness.core.plan.check import check_step
from harness.core.plan.match import _MISSING, event_diffs, resolve, value_diffs
from harness.core.plan.model import Expectation, Matcher, Plan, Step

M = Matcher.model_validate


@pytest.mark.parametrize(
    ("spec", "value", "diffs"),
    [
        ("USD", "USD", []),
        ("USD", "usd", ['p: expected "USD", got "usd"']),
        (8, 8.0, []),
        (8, "8", ['p: expected 8 (number), got "8" (string)']),
        (M({"type": "number"}), 9.2, []),
        (M({"type": "number"}), "9.20", ['p: expected a number, got "9.20" (string)']),
        (M({"type": "integer"}), 2.5, ["p: expected a integer, got 2.5 (number)"]),
        (M({"pattern": "^evt-"}), "evt-1", []),
        (M({"pattern": "^evt-"}), "x", ['p: "x" does not match /^evt-/']),
        (M({"min": 0, "max": 10}), 11, ["p: 11 is outside [0, 10]"]),
        (M({"one_of": ["USD", "EUR"]}), "XYZ", ['p: "XYZ" is not one of ["USD", "EUR"]']),
        (M({"present": True}), _MISSING, ["p: missing (expected present true)"]),
        (M({"absent": True}), "x", ['p: expected absent, got "x"']),
        (M({"absent": True}), _MISSING, []),
        (M({"length": 2}), [1], ["p: expected 2 items, got 1"]),
        (M({"length": {"min": 1}}), [], ["p: length 0 is outside [1, inf]"]),
        (M({"equals": None}), None, []),
        (M({"equals": {"a": 1}}), {"a": 1, "b": 2}, []),
        (
            M({"items": {"content_id": M({"type": "string"})}}),
            [{"content_id": 1}],
            ["p[0].content_id: expected a string, got 1 (number)"],
        ),
    ],
)
def test_value_matchers(spec: Any, value: Any, diffs: list[str]) -> None:
    assert value_diffs("p", spec, value, {}) == diffs


def test_sum_of_contents() -> None:
    contents = [{"price": 8, "quantity": 2}, {"price": 1.2}]
    spec = M({"sum_of_contents": True})
    assert value_diffs("value", spec, 17.2, {"contents": contents}) == []
    assert value_diffs("value", spec, 16, {"contents": contents}) == [
        "value: 16 is not the sum of price × quantity over contents (17.2)"
    ]
    assert value_diffs("value", spec, "17.20", {"contents": contents}) == [
        'value: expected the sum of price × quantity (17.2), got "17.20" (string)'
    ]


PLAN = Plan.model_validate(
    {
        "pixels": {"main": "CDEMO00SHOP00PIXEL01"},
        "events": {
            "ViewProduct": {
                "event": "ViewContent",
                "params": {"value": {"type": "number"}, "currency": "USD"},
                "event_id": {"pattern": "^evt-"},
            },
        },
        "journeys": [{"name": "j", "steps": [{"goto": "x"}]}],
    }
)


def _wire(
    index: int,
    name: str,
    pixel: str = "CDEMO00SHOP00PIXEL01",
    event_id: str = "evt-1",
    **props: Any,
) -> PixelEvent:
    return PixelEvent(
        index=index,
        source="wire",
        name=name,
        pixel_code=pixel,
        pixel_codes=[pixel],
        event_id=event_id,
        properties=props,
    )


def test_definitions_resolve_with_their_pixels_and_matchers() -> None:
    want = resolve(PLAN, Expectation(event="ViewProduct", params={"value": 8}))
    assert (want.name, want.pixels, want.params["value"]) == (
        "ViewContent",
        ("CDEMO00SHOP00PIXEL01",),
        8,
    )
    assert event_diffs(_wire(1, "ViewContent", value=8, currency="USD"), want, want.pixels[0]) == []
    assert event_diffs(
        _wire(1, "ViewContent", event_id="", value=8, currency="USD"), want, None
    ) == ['event_id: missing (expected pattern "^evt-")']
    inline = resolve(PLAN, Expectation.model_validate("Pageview"))
    assert (inline.name, inline.params) == ("Pageview", {})


def test_a_step_reports_missing_near_misses_unexpected_and_order() -> None:
    step = Step.model_validate(
        {
            "click": "#add",
            "ordered": True,
            "expect": [{"event": "ViewProduct", "count": 1}, {"event": "AddToCart"}],
            "never": ["Purchase"],
        }
    )
    events = [
        _wire(1, "AddToCart", value=8, currency="USD"),
        _wire(2, "ViewContent", value="8.00", currency="USD"),
        _wire(3, "ViewContent", value=8, currency="USD"),
        _wire(4, "AddToCart", pixel="CDEMO00SHOP00PIXEL02"),
        _wire(5, "Purchase"),
        _wire(6, "Pageview"),
    ]
    result = check_step(PLAN, step, events, index=2)
    assert not result.ok
    view, add = result.expectations
    assert (view.ok, view.found, view.matched) == (True, 1, [3])
    assert (add.ok, add.matched) == (True, [1])
    assert result.order_problem == (
        "expected 'AddToCart' after 'ViewProduct', but it came first (event #1 before #3)"
    )
    assert [(n.ok, n.matched) for n in result.never] == [(False, [5])]
    # the second pixel's AddToCart and the Purchase are not in the plan; Pageview never is;
    # the ViewContent with a string value is a mismatch of an expectation, not unexpected
    assert [e.index for e in result.unexpected] == [5]
    assert result.unplanned_pixels == {"CDEMO00SHOP00PIXEL02": [4]}


def test_missing_event_shows_the_closest_with_field_differences() -> None:
    step = Step.model_validate({"goto": "p", "expect": [{"event": "ViewProduct", "count": 1}]})
    result = check_step(
        PLAN, step, [_wire(7, "ViewContent", value="8.00", currency="usd")], index=1
    )
    (view,) = result.expectations
    assert (view.ok, view.found, view.wanted) == (False, 0, "exactly 1")
    (miss,) = view.near_misses
    assert miss.event.index == 7
    assert miss.differences == [
        'properties.value: expected a number, got "8.00" (string)',
        'properties.currency: expected "USD", got "usd"',
    ]


def test_events_to_a_pixel_the_plan_does_not_name_fail_the_step() -> None:
    step = Step.model_validate({"goto": "p", "expect": ["Pageview"]})
    events = [
        _wire(1, "Pageview"),
        _wire(2, "Pageview", pixel="CDEMO00SHOP00PIXEL02"),
        _wire(3, "AddToCart", pixel="CDEMO00SHOP00PIXEL02"),
    ]
    result = check_step(PLAN, step, events, index=1)
    assert not result.ok and result.unplanned_pixels_fail
    assert result.unplanned_pixels == {"CDEMO00SHOP00PIXEL02": [2, 3]}
    assert result.unexpected == []  # reported once, as the unplanned pixel
    lenient = PLAN.model_copy(
        update={"defaults": PLAN.defaults.model_copy(update={"unplanned_pixels": "warn"})}
    )
    assert check_step(lenient, step, events, index=1).ok
