"""The one JSON-value module: equality policies, clipping, one-line display."""

from __future__ import annotations

import pytest

from harness.core.jsonvalue import clip, is_number, js_type, json_type, same, show


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
