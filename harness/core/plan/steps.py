"""The plan's step vocabulary on the command line: `--step ACTION:ARGUMENT` (inspect, record).

One vocabulary: a command-line step is parsed into the plan's own `Step` and done by the one
executor (harness.browser.steps.perform), so `inspect --step`, `record --step` and a plan's
`steps:` accept the same actions and behave the same. Pure.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from harness.core.errors import UsageError
from harness.core.plan.model import FillAction, Step

#: The forms `parse_step` accepts, for help texts and error messages.
FORMS = (
    "goto:URL, click:SELECTOR, fill:SELECTOR=VALUE, select:SELECTOR=OPTION, check:SELECTOR, "
    "uncheck:SELECTOR, press:KEY, hover:SELECTOR, scroll:PIXELS|SELECTOR, "
    "wait_for:SELECTOR|SECONDS, consent:grant|revoke|hold, reload, back"
)
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def parse_step(text: str, option: str = "--step") -> Step:
    """`click:#buy` -> Step(click="#buy"); a UsageError naming the forms for anything else."""
    action, _, argument = text.partition(":")
    try:
        step = _step(action, argument)
    except ValidationError as exc:
        reason = exc.errors()[0].get("msg", "invalid")
        raise UsageError(f"{option} {text!r}: {reason}") from None
    if step is None:
        raise UsageError(f"{option} {text!r}: expected one of {FORMS}")
    return step


def _step(action: str, argument: str) -> Step | None:
    if action in ("goto", "click", "check", "uncheck", "hover", "press") and argument:
        return Step.model_validate({action: argument})
    if action in ("fill", "select") and argument.partition("=")[0] and "=" in argument:
        selector, _, value = argument.partition("=")
        if action == "fill":
            return Step(fill=FillAction(selector=selector, value=value))
        return Step(select={selector: value})
    if action == "scroll" and argument:
        return Step(scroll=int(argument) if re.fullmatch(r"-?\d+", argument) else argument)
    if action == "wait_for" and argument:
        if _NUMBER.fullmatch(argument) and float(argument) < 0:
            raise UsageError(f"wait_for:{argument}: seconds cannot be negative")
        return Step(wait_for=float(argument) if _NUMBER.fullmatch(argument) else argument)
    if action == "consent" and argument in ("grant", "revoke", "hold"):
        return Step.model_validate({"consent": argument})
    if action in ("reload", "back") and not argument:
        return Step.model_validate({action: True})
    return None


def step_label(step: Step) -> str:
    """How a command-line step is named in messages: `click '#buy'`, `fill '#q' with 'x'`."""
    if isinstance(step.fill, FillAction):
        return f"fill {step.fill.selector!r} with {step.fill.value!r}"
    value = getattr(step, step.action)
    if value is True:
        return step.action
    return f"{step.action} {value!r}" if isinstance(value, str) else step.describe()


def step_target(step: Step) -> str:
    """The selector or URL a goto/click/fill step acts on ("" for other actions)."""
    if isinstance(step.fill, FillAction):
        return step.fill.selector
    if step.goto is not None:
        return step.goto
    return step.click or ""
