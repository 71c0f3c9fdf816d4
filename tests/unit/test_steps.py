"""One step vocabulary: `--step ACTION:ARGUMENT` parses into the plan's own Step."""

from __future__ import annotations

import pytest

from harness.core.errors import UsageError
from harness.core.plan.model import FillAction, Step, WaitFor
from harness.core.plan.steps import FORMS, parse_step, step_label, step_target


@pytest.mark.parametrize(
    ("text", "step"),
    [
        ("goto:product.html?id=301", Step(goto="product.html?id=301")),
        ("click:#add-to-cart", Step(click="#add-to-cart")),
        ("click:role=button[name=Buy]", Step(click="role=button[name=Buy]")),
        ("fill:#email=a=b@x.test", Step(fill=FillAction(selector="#email", value="a=b@x.test"))),
        ("select:#size=M", Step(select={"#size": "M"})),
        ("check:#terms", Step(check="#terms")),
        ("uncheck:#news", Step(uncheck="#news")),
        ("press:Enter", Step(press="Enter")),
        ("hover:.menu", Step(hover=".menu")),
        ("scroll:800", Step(scroll=800)),
        ("scroll:0", Step(scroll=0)),
        ("wait_for:0", Step(wait_for=0.0)),
        ("scroll:#footer", Step(scroll="#footer")),
        ("wait_for:1.5", Step(wait_for=1.5)),
        ("wait_for:#thanks", Step(wait_for="#thanks")),
        ("consent:grant", Step(consent="grant")),
        ("reload", Step(reload=True)),
        ("back", Step(back=True)),
    ],
)  # fmt: skip
def test_every_plan_action_has_a_command_line_form(text: str, step: Step) -> None:
    assert parse_step(text) == step
    assert step.action in FORMS


def test_a_negative_wait_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="seconds cannot be negative"):
        parse_step("wait_for:-2")


@pytest.mark.parametrize(
    "text", ["tap:#x", "click:", "fill:#x", "fill:=v", "consent:maybe", "reload:now", ""]
)
def test_anything_else_is_a_usage_error_naming_the_forms(text: str) -> None:
    with pytest.raises(UsageError, match="expected one of goto:URL, click:SELECTOR"):
        parse_step(text)


def test_labels_and_targets_name_the_step_as_messages_show_it() -> None:
    assert step_label(parse_step("click:#buy")) == "click '#buy'"
    assert step_label(parse_step("fill:#q=dress")) == "fill '#q' with 'dress'"
    assert step_label(parse_step("reload")) == "reload"
    assert step_label(Step(wait_for=WaitFor(seconds=2))) == "wait_for {'seconds': 2.0}"
    assert step_target(parse_step("fill:#q=dress")) == "#q"
    assert step_target(parse_step("goto:/x")) == "/x"
    assert step_target(parse_step("press:Enter")) == ""
