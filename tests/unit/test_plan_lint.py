"""Plan lint: references, pixels, rule settings, and TikTok's rules on the plan's own events."""

from __future__ import annotations

from pathlib import Path

from harness.core.plan.lint import LintProblem, lint_plan
from harness.core.plan.load import load_plan_with_positions, plan_from_text

PLANS = Path(__file__).parent.parent / "data" / "plans"

PIXELS = "pixels:\n  main: CABCDEFGHI0123456789\n"


def _lint(text: str) -> list[LintProblem]:
    plan, positions = plan_from_text(text, "p.yaml")
    return lint_plan(plan, source=Path("p.yaml"), positions=positions)


def _lines(text: str) -> list[str]:
    return [str(problem) for problem in _lint(text)]


def _journey(expect: str) -> str:
    return f"journeys:\n  - name: buy\n    steps:\n      - goto: /\n        expect:\n{expect}"


def test_clean_plan_has_no_problems() -> None:
    plan, positions = load_plan_with_positions(PLANS / "valid.yaml")
    assert lint_plan(plan, source=PLANS / "valid.yaml", positions=positions) == []


def test_reserved_event_name_is_flagged() -> None:
    assert _lines(_journey("          - Purchase\n")) == [
        'p.yaml:6:13: journeys[0].steps[0].expect[0]: warning EV004 "Purchase" is reserved: '
        'TikTok maps it to "CompletePayment" (reserved-event-name)'
    ]


def test_never_may_name_a_reserved_event() -> None:
    text = "journeys:\n  - name: buy\n    steps:\n      - goto: /\n        never: [Purchase]\n"
    assert _lint(text) == []


def test_string_value_is_flagged() -> None:
    text = _journey(
        "          - event: AddToCart\n"
        "            params: {currency: USD, value: {type: string}}\n"
        "          - event: ViewContent\n"
        '            params: {currency: USD, value: "9.20"}\n'
    )
    assert _lines(text) == [
        "p.yaml:7:37: journeys[0].steps[0].expect[0].params.value: error PR003 properties.value "
        "is any string in the plan: value, price or quantity is neither a number nor a numeric "
        "string (not-a-number)",
        "p.yaml:9:37: journeys[0].steps[0].expect[1].params.value: error PR002 properties.value "
        'is the numeric string "9.20"; TikTok needs a number (numeric-string)',
    ]


def test_definition_problems_point_at_the_definition_once() -> None:
    text = (
        "events:\n"
        "  Buy:\n"
        "    event: ViewContent\n"
        "    params: {currency: usd, value: 1}\n" + _journey("          - Buy\n          - Buy\n")
    )
    assert _lines(text) == [
        'p.yaml:4:14: events.Buy.params.currency: warning PR006 properties.currency is "usd", '
        'not upper case; the pixel sends "USD", but Events API or server-side copies are not '
        "fixed (currency-not-uppercase)"
    ]


def test_unknown_pixel_name_says_did_you_mean() -> None:
    text = PIXELS + _journey("          - event: ViewContent\n            pixel: mian\n")
    assert _lines(text) == [
        "p.yaml:9:13: journeys[0].steps[0].expect[0].pixel: error PL002 unknown pixel 'mian'; "
        "did you mean 'main'? (pixels: main); use a name from `pixels` or a pixel code"
    ]


def test_pixel_codes_need_no_name() -> None:
    text = _journey("          - event: ViewContent\n            pixel: CABCDEFGHI0123456789\n")
    assert _lint(text) == []


def test_unknown_definition_says_did_you_mean() -> None:
    text = "events:\n  AddToCartItem:\n    event: AddToCart\n" + _journey(
        "          - AddToCartItem\n          - AddToCartIten\n"
    )
    assert _lines(text) == [
        "p.yaml:10:13: journeys[0].steps[0].expect[1]: warning PL001 'AddToCartIten' is not an "
        "event definition; did you mean 'AddToCartItem'? (as written it is checked as a plain "
        "event name)"
    ]


def test_bad_rule_selector_in_defaults() -> None:
    text = "defaults:\n  rules:\n    select: [EV, parameter]\n    profile: tiktok2025\n"
    text += _journey("          - ViewContent\n")
    assert _lines(text) == [
        "p.yaml:3:18: defaults.rules.select[1]: error PL004 unknown rule selector 'parameter'; "
        "did you mean 'parameters'? (see `ttq-harness rules`)",
        "p.yaml:4:5: defaults.rules.profile: error PL004 unknown rule profile 'tiktok2025'; did "
        "you mean 'tiktok-2025'? (choose from spec, tiktok-2025)",
    ]


def test_plan_profile_decides_what_is_reserved() -> None:
    text = "defaults: {rules: {profile: tiktok-2025}}\n" + _journey("          - Purchase\n")
    assert _lint(text) == []


def test_journey_without_expectations_and_count_conflicts() -> None:
    text = (
        "journeys:\n"
        "  - name: idle\n"
        "    steps: [{goto: /}]\n"
        "  - name: buy\n"
        "    steps:\n"
        "      - goto: /\n"
        "        expect: [{event: ViewContent, at_least: 3, at_most: 1}]\n"
        "        never: [{event: Search, count: 1}]\n"
    )
    assert [(p.code, p.severity, p.path) for p in _lint(text)] == [
        ("PL005", "warning", "journeys[0]"),
        ("PL006", "error", "journeys[1].steps[0].expect[0]"),
        ("PL006", "warning", "journeys[1].steps[0].never[0]"),
    ]


def test_lint_without_positions_still_names_paths() -> None:
    plan, _ = plan_from_text(_journey("          - Purchase\n"))
    [problem] = lint_plan(plan)
    assert (problem.line, problem.file, problem.code) == (None, None, "EV004")
    assert str(problem).startswith("journeys[0].steps[0].expect[0]: warning EV004 ")


def test_wire_names_the_sdk_sends_are_not_flagged() -> None:
    profile = "defaults: {rules: {profile: tiktok-2025}}\n"
    assert _lint(profile + _journey("          - CompletePayment\n")) == []
    called = _lint(profile + _journey("          - {event: CompletePayment, source: call}\n"))
    assert [p.code for p in called] == ["EV004"]


def _purpose_plan(name: str, purpose: str, event: str = "", profile: str = "spec") -> str:
    sent_as = f"    event: {event}\n" if event else ""
    return (
        f"defaults:\n  rules: {{profile: {profile}}}\n"
        f"events:\n  {name}:\n{sent_as}    purpose: {purpose}\n" + _journey(f"          - {name}\n")
    )


def test_a_custom_event_declared_for_optimization_fails_naming_the_standard_event() -> None:
    problems = [
        p for p in _lint(_purpose_plan("OrderComplete", "optimization")) if p.code == "PL009"
    ]
    assert [(p.severity, str(p)) for p in problems] == [
        (
            "error",
            "p.yaml:5:5: events.OrderComplete.purpose: error PL009 event 'OrderComplete' is "
            "custom and declared for optimization, but custom events are reporting-only (TikTok "
            "cannot use them to optimize campaigns or build audiences): send the standard event "
            "'CompletePayment' instead",
        )
    ]
    in_2025 = _lint(_purpose_plan("OrderComplete", "audience", profile="tiktok-2025"))
    (problem,) = [p for p in in_2025 if p.code == "PL009"]
    assert "declared for audience" in problem.message and "'Purchase' instead" in problem.message


def test_a_custom_event_with_no_standard_meaning_still_fails_for_audiences() -> None:
    (problem,) = [
        p
        for p in _lint(_purpose_plan("Quiz", "audience", event="quiz_finished_v2"))
        if p.code == "PL009"
    ]
    assert "event 'quiz_finished_v2' is custom and declared for audience" in problem.message
    assert "declare `purpose: reporting`" in problem.message


def test_purpose_is_fine_on_standard_events_and_reporting_custom_events() -> None:
    for text in (
        _purpose_plan("Order", "optimization", event="CompletePayment"),
        _purpose_plan("AddToCart", "audience"),
        _purpose_plan("wallet_connected", "reporting"),
        _purpose_plan("OrderComplete", "reporting"),  # EV011 still warns about the name
    ):
        assert [p for p in _lint(text) if p.code == "PL009"] == [], text
    assert "EV011" in {p.code for p in _lint(_purpose_plan("OrderComplete", "reporting"))}


def test_an_unknown_purpose_is_a_plan_error() -> None:
    import pytest

    from harness.core.plan.load import PlanError

    with pytest.raises(PlanError, match="purpose"):
        _lint(_purpose_plan("AddToCart", "optimisation"))
