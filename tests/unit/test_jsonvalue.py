"""The one JSON-value module: equality policies, the differences walk, clipping, one-line
display."""

from __future__ import annotations

from typing import Any

import pytest

from harness.core.jsonvalue import (
    MISSING,
    Difference,
    clip,
    is_number,
    js_type,
    json_diff,
    json_type,
    same,
    show,
)


@pytest.mark.parametrize(
    ("a", "b", "exact", "json", "close"),
    [
        (8, 8, True, True, True),
        (8, 8.0, False, True, True),  # the wire's texts differ; the numbers do not
        (0.1 + 0.2, 0.3, False, False, True),  # summed prices
        (True, 1, False, False, False),  # a boolean is never a number
        ("8", 8, False, False, False),
        ({"a": [1]}, {"a": [1]}, True, True, True),
        (None, None, True, True, True),
    ],
)
def test_each_equality_policy_says_what_it_means(
    a: object, b: object, exact: bool, json: bool, close: bool
) -> None:
    assert (same(a, b, "exact"), same(a, b, "json"), same(a, b, "close")) == (exact, json, close)


def test_clip_and_show_keep_one_line_short() -> None:
    assert clip("abcdef", 6) == "abcdef" and clip("abcdefg", 6) == "abcde…"
    assert show({"b": 1, "a": "é"}) == '{"b": 1, "a": "é"}'
    assert show({"b": 1, "a": 2}, sort_keys=True) == '{"a": 2, "b": 1}'
    assert show("x" * 100, 10) == '"xxxxxxxx…'
    assert show({1, 2}) in ("{1, 2}", '"{1, 2}"')  # not JSON: still one line, no error


def test_type_names() -> None:
    assert [json_type(v) for v in (None, True, 1, 1.5, "s", [], {})] == [
        "null", "boolean", "number", "number", "string", "array", "object",
    ]  # fmt: skip
    assert js_type({"__ttq_type__": "undefined"}) == "undefined"
    assert is_number(2) and is_number(2.5) and not is_number(True) and not is_number("2")


def _kinds(found: list[Difference]) -> list[tuple[str, str]]:
    return [(d.path, d.kind) for d in found]


def test_the_walk_finds_each_kind_of_difference_where_it_is() -> None:
    expected = {"a": 1, "b": {"c": [1, 2]}, "d": "x", "gone": True}
    received = {"a": "1", "b": {"c": [1, 3, 4]}, "d": "y", "new": None}
    assert _kinds(json_diff(expected, received, how="json", extra=True)) == [
        ("a", "type"),
        ("b.c[1]", "value"),
        ("b.c[2]", "added"),
        ("d", "value"),
        ("gone", "missing"),
        ("new", "added"),
    ]


def test_without_extra_the_expected_value_is_partial() -> None:
    found = json_diff({"a": 1}, {"a": 1, "other": 2}, how="json")
    assert found == []
    assert _kinds(json_diff({"a": [1]}, {"a": [1, 2]}, how="json")) == []


def test_lists_by_length_are_one_difference() -> None:
    found = json_diff([1, 2], [1, 2, 3], how="json", path="p", lists="length")
    assert found == [Difference("p", "length", expected=[1, 2], received=[1, 2, 3])]


def test_the_number_policy_is_the_walks() -> None:
    assert json_diff({"v": 8}, {"v": 8.0}, how="json") == []
    assert _kinds(json_diff({"v": 8}, {"v": 8.0}, how="exact")) == [("v", "value")]
    assert json_diff([0.1 + 0.2], [0.3], how="close") == []
    assert _kinds(json_diff([0.1 + 0.2], [0.3], how="json")) == [("[0]", "value")]
    assert _kinds(json_diff(True, 1, how="json")) == [("", "type")]


def test_sorted_keys_and_the_missing_side() -> None:
    found = json_diff({"b": 1, "a": 1}, {"c": 1}, how="exact", extra=True, sort_keys=True)
    assert [(d.path, d.expected, d.received) for d in found] == [
        ("a", 1, MISSING),
        ("b", 1, MISSING),
        ("c", MISSING, 1),
    ]


def test_a_leaf_hook_has_its_say_first_with_the_holder() -> None:
    seen: list[tuple[str, Any, Any]] = []

    def anything_goes_under_x(
        path: str, want: Any, got: Any, holder: Any
    ) -> list[Difference] | None:
        seen.append((path, got, holder))
        if path.endswith("x"):
            return [] if got is not MISSING else [Difference(path, "other", message="no x")]
        return None

    found = json_diff({"x": 1, "y": 1}, {"y": 2}, how="json", leaf=anything_goes_under_x)
    assert [(d.path, d.kind, d.message) for d in found] == [
        ("x", "other", "no x"),
        ("y", "value", ""),
    ]
    assert seen == [("", {"y": 2}, None), ("x", MISSING, {"y": 2}), ("y", 2, {"y": 2})]
