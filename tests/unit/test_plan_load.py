"""The plan loader: valid plans load; every mistake is one line that points at the plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.core.errors import HarnessError
from harness.core.plan.load import (
    PlanError,
    dump_schema,
    load_plan,
    load_plan_with_positions,
    parse_plan_text,
    plan_from_text,
    schema_comment,
)
from harness.core.plan.model import SCHEMA_URL, Matcher

PLANS = Path(__file__).parent.parent / "data" / "plans"


def _error(name: str) -> str:
    path = PLANS / name
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    return str(caught.value).replace(f"{path}:", f"{name}:")


def test_valid_plan_loads_with_every_feature() -> None:
    plan = load_plan(PLANS / "valid.yaml")
    assert plan.schema_ == SCHEMA_URL
    assert plan.defaults.unexpected == "fail"
    assert plan.defaults.rules.ignore == ["PR013"]
    assert plan.pixel_code("main") == "CABCDEFGHI0123456789"
    view = plan.events["ViewProduct"]
    assert view.event == "ViewContent"
    contents = view.params["contents"]
    assert isinstance(contents, Matcher) and contents.items is not None
    assert isinstance(contents.items["price"], Matcher)
    value = plan.events["CompletePayment"].params["value"]
    assert isinstance(value, Matcher) and value.sum_of_contents
    steps = plan.journeys[0].steps
    assert [step.action for step in steps] == ["goto", "click", "fill", "click", "wait_for"]
    assert steps[0].expect[0].event == "ViewProduct"
    assert steps[1].expect[0].params == {"value": 8}
    assert steps[1].never[0].event == "CompletePayment"
    assert steps[4].ordered and steps[4].expect[1].pixel == "agency"


def test_positions_are_one_based_key_positions() -> None:
    _, positions = load_plan_with_positions(PLANS / "valid.yaml")
    assert positions["$schema"] == (2, 1)
    assert positions["events.ViewProduct.params.value"] == (22, 7)
    assert positions["journeys[0].steps[1].expect[0].params.value"] == (56, 15)
    assert positions['journeys[0].steps[2].fill["#email"]'] == (59, 11)


def test_json_plan_loads() -> None:
    plan = load_plan(PLANS / "valid.json")
    assert plan.journeys[0].steps[0].expect[0].event == "ViewContent"


def test_unknown_top_level_key_says_did_you_mean() -> None:
    assert _error("unknown_top_key.yaml") == (
        "unknown_top_key.yaml:2:1: jouneys: unknown key 'jouneys'; did you mean 'journeys'? "
        "(allowed: $schema, version, name, defaults, pixels, events, journeys)"
    )


def test_typo_in_step_action() -> None:
    assert _error("step_action_typo.yaml") == (
        "step_action_typo.yaml:5:9: journeys[0].steps[1].clik: unknown key 'clik'; did you "
        "mean 'click'? (allowed: name, goto, click, fill, select, check, uncheck, press, hover, "
        "scroll, wait_for, reload, back, consent, expect, never, ordered, timeout)"
    )


def test_step_with_two_actions() -> None:
    assert _error("two_actions.yaml") == (
        "two_actions.yaml:4:9: journeys[0].steps[0]: a step needs exactly one action (goto, "
        "click, fill, select, check, uncheck, press, hover, scroll, wait_for, reload, back, "
        "consent); got goto, click"
    )


def test_matcher_typo_is_one_problem() -> None:
    assert _error("matcher_typo.yaml") == (
        "matcher_typo.yaml:5:15: events.AddToCart.params.value.typ: unknown matcher key 'typ'; "
        "did you mean 'type'? (allowed: equals, type, pattern, min, max, one_of, present, "
        "absent, length, items, sum_of_contents)"
    )


def test_wrong_literal_lists_allowed_values() -> None:
    assert _error("wrong_literal.yaml") == (
        "wrong_literal.yaml:3:3: defaults.unexpected: invalid value 'sometimes' "
        "(allowed: 'ignore', 'warn', 'fail')"
    )


def test_duplicate_key_points_at_the_second() -> None:
    assert _error("duplicate_key.yaml") == (
        "duplicate_key.yaml:6:7: events.AddToCart.params.value: duplicate key 'value' "
        "(first at line 4)"
    )


def test_yaml_syntax_error_has_the_yaml_mark() -> None:
    assert _error("bad_syntax.yaml") == (
        "bad_syntax.yaml:5:6: (top level): YAML syntax error: expected <block end>, but found "
        "'<block sequence start>' (while parsing a block mapping)"
    )


def test_bad_regex() -> None:
    assert _error("bad_regex.yaml") == (
        "bad_regex.yaml:6:24: events.AddToCart.params.contents.items.content_id.pattern: not a "
        "valid regular expression: unterminated character set at position 0 (got '[0-9')"
    )


def test_missing_file() -> None:
    assert _error("no-such-plan.yaml") == "no-such-plan.yaml: cannot read the plan: no such file"


def test_json_plan_error_has_json_lines() -> None:
    # the file is indented with tabs, which JSON allows and YAML does not
    assert _error("invalid.json") == (
        "invalid.json:7:50: journeys[0].steps[0].expect[0].count: input should be a valid "
        "integer, unable to parse string as an integer (got 'twice')"
    )


def test_plan_error_is_a_harness_error_with_problems() -> None:
    with pytest.raises(HarnessError) as caught:
        load_plan(PLANS / "matcher_typo.yaml")
    assert isinstance(caught.value, PlanError)
    [problem] = caught.value.problems
    assert (problem.line, problem.column, problem.path) == (
        5,
        15,
        "events.AddToCart.params.value.typ",
    )


def _text_error(text: str) -> str:
    with pytest.raises(PlanError) as caught:
        plan_from_text(text, "p.yaml")
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "journeys:\n  - name: a\n    steps: [{goto: /, scroll: [1]}]\n",
            "p.yaml:3:23: journeys[0].steps[0].scroll: expected a string or an integer; "
            "got a list [1]",
        ),
        (
            "journeys:\n  - name: a\n    steps:\n      - goto: /\n        expect: [{evnt: A}]\n",
            "p.yaml:5:19: journeys[0].steps[0].expect[0].evnt: unknown key 'evnt'; did you mean "
            "'event'? (allowed: event, params, count, at_least, at_most, pixel, source, "
            "other_pixels)",
        ),
        (
            "journeys:\n  - name: a\n    steps: [{goto: /, expect: [5]}]\n",
            "p.yaml:3:32: journeys[0].steps[0].expect[0]: expected an event name or a mapping "
            "with 'event'; got the number 5",
        ),
        ("- a\n", 'p.yaml:1:1: (top level): a plan must be a mapping of keys; got a list ["a"]'),
        ("# nothing\n", "p.yaml:1:1: (top level): the plan is empty"),
        (
            "defaults: {rules: {fail_on: eror}}\n",
            "p.yaml:1:20: defaults.rules.fail_on: invalid value 'eror'; did you mean 'error'? "
            "(allowed: 'error', 'warning', 'info', 'never')",
        ),
    ],
)
def test_more_mistakes(text: str, expected: str) -> None:
    assert _text_error(text) == expected


def test_merge_keys_may_override_but_own_keys_may_not_repeat() -> None:
    text = (
        "events:\n"
        "  A: {params: &base {currency: USD, value: 1}}\n"
        "  B:\n"
        "    params:\n"
        "      <<: *base\n"
        "      value: 2\n"
    )
    data, _ = parse_plan_text(text)
    assert data["events"]["B"]["params"] == {"currency": "USD", "value": 2}


def test_schema_is_deterministic_json_with_id() -> None:
    text = dump_schema()
    assert text == dump_schema()
    schema = json.loads(text)
    assert schema["$id"] == SCHEMA_URL
    assert schema["title"] == "ttq-harness tracking plan"
    assert "$schema" in schema["properties"]
    assert schema_comment(SCHEMA_URL) == f"# yaml-language-server: $schema={SCHEMA_URL}"
    assert (PLANS / "valid.yaml").read_text().splitlines()[0] == schema_comment(SCHEMA_URL)


def test_valid_plan_passes_its_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data, _ = parse_plan_text((PLANS / "valid.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(data, json.loads(dump_schema()))


def test_only_true_and_false_are_booleans_and_keys_are_text() -> None:
    data, positions = parse_plan_text("a: NO\nb: yes\nc: true\n1: on\n")
    assert data == {"a": "NO", "b": "yes", "c": True, "1": "on"}
    assert positions['["1"]'] == (4, 1)
