"""Plans as pytest tests: one test per journey, with pytest-playwright's fixtures and options.

    # tests/test_tracking_plan.py
    from harness.adapters.plan_pytest import plan_tests

    test_journey = plan_tests("tracking-plan.yaml")

The base URL is, in order: `base_url=` given here (a string, or DEMO_SHOP for the bundled demo
shop), pytest-playwright's `--base-url`, then the plan's own.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext

from harness.browser.plan_run import (
    journey_base_url,
    plan_rules,
    run_journey,
    select_journeys,
    use_plan_settings,
)
from harness.browser.recorder import PixelCapture
from harness.core.config import RulesConfig
from harness.core.plan.load import PlanError, load_plan
from harness.core.plan.model import Journey
from harness.render.plan_text import journey_lines

#: base_url=DEMO_SHOP runs the plan against the bundled demo shop (the `demo_site` fixture).
DEMO_SHOP = "demo:/shop/"
DEMO_BROKEN_SHOP = "demo:/broken-shop/"


def _beside_caller(path: Path, caller: str | None) -> Path:
    if path.is_absolute() or caller is None:
        return path
    beside = Path(caller).resolve().parent / path
    return beside if beside.exists() or not path.exists() else path


def plan_tests(
    path: str | Path, *, base_url: str | None = None, journeys: Sequence[str] = ()
) -> Callable[..., None]:
    """A test function parametrized with one case per journey of the plan at `path`: relative
    to the test file that calls it (as a fixture file would be), else to the working
    directory."""
    plan_path = _beside_caller(Path(path), sys._getframe(1).f_globals.get("__file__"))
    try:
        plan = load_plan(plan_path)
        selected = select_journeys(plan, journeys)
    except PlanError as exc:
        raise pytest.UsageError(str(exc)) from exc

    @pytest.mark.parametrize("ttq_journey", selected, ids=[j.name for j in selected])
    def test_journey(
        ttq_journey: Journey,
        context: BrowserContext,
        ttq_capture: PixelCapture,
        ttq_rules_config: RulesConfig,
        request: pytest.FixtureRequest,
    ) -> None:
        base = _base_url(request, base_url) or journey_base_url(plan, ttq_journey, None)
        result = run_journey(
            context,
            plan,
            ttq_journey,
            base_url=base,
            capture=use_plan_settings(ttq_capture, plan),
            config=plan_rules(plan, ttq_rules_config),
        )
        if not result.ok:
            pytest.fail("\n".join(journey_lines(result)), pytrace=False)

    test_journey.__doc__ = f"Journeys of the tracking plan {plan_path}."
    return test_journey


def _base_url(request: pytest.FixtureRequest, given: str | None) -> str | None:
    if given and given.startswith("demo:"):
        site: Any = request.getfixturevalue("demo_site")
        return str(site) + given.removeprefix("demo:")
    if given:
        return given
    option = request.config.getoption("base_url", default=None)
    return str(option) if option else None
