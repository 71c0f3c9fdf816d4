"""First-hour output: the "Next:" line of `run`."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.adapters.commands.plan import PlanRunRequest, _next_command


@pytest.mark.parametrize(
    ("given", "hint"),
    [
        ({}, "Next: add --junit junit.xml in CI, or --baseline baselines/ to catch regressions."),
        ({"junit_path": Path("j.xml")}, "Next: add --baseline baselines/ to catch regressions."),
        ({"baseline": Path("b")}, "Next: add --junit junit.xml in CI."),
        (
            {"junit_path": Path("j.xml"), "baseline": Path("b")},
            "Next: run the same command in CI; commit the baselines with the plan.",
        ),
    ],
)
def test_next_never_suggests_an_option_already_given(given: dict[str, Path], hint: str) -> None:
    assert _next_command(PlanRunRequest(plan_file=Path("plan.yaml"), **given), ok=True) == hint
