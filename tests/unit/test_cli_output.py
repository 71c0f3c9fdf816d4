"""First-hour output: the terminal width through a pipe, and the "Next:" line of `run`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.adapters.commands.plan import PlanRunRequest, _next_command


def _widest(env: dict[str, str]) -> int:
    result = subprocess.run(
        [sys.executable, "-m", "harness", "rules"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    return max(len(line) for line in result.stdout.splitlines())


def test_a_pipe_gets_160_columns_unless_columns_says_otherwise() -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    assert _widest(env) == 160
    assert _widest({**env, "COLUMNS": "80"}) == 80


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
