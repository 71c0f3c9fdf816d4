"""`run --workers N`: journeys at once, each in its own browser context; the same verdicts as
one after another, reported in plan order."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.browser.plan_run import RunOptions, run_plan
from harness.core.errors import HarnessError
from harness.core.plan.load import load_plan
from harness.core.plan.model import Journey
from harness.core.plan.result import JourneyResult, PlanResult

PLAN = Path(__file__).parent.parent.parent / "sites" / "demo-plan.yaml"


def _verdicts(result: PlanResult) -> list[tuple[object, ...]]:
    return [
        (
            j.name,
            j.ok,
            [(s.ok, s.skipped) for s in j.steps],
            sorted(f.code for f in j.findings),
            sorted(e.name for e in j.events if e.source == "wire"),
        )
        for j in result.journeys
    ]


def test_parallel_journeys_give_the_serial_verdicts_in_plan_order(demo_site: str) -> None:
    plan = load_plan(PLAN)
    base = demo_site + "/broken-shop/"  # steps that pass and steps that fail
    serial = run_plan(plan, PLAN, RunOptions(base_url=base, workers=1))
    started: list[str] = []
    finished: list[str] = []

    def on_journey(result: JourneyResult) -> None:
        finished.append(result.name)

    def on_start(journey: Journey) -> None:
        started.append(journey.name)

    parallel = run_plan(
        plan,
        PLAN,
        RunOptions(base_url=base, workers=2, on_journey=on_journey, on_start=on_start),
    )
    names = [j.name for j in plan.journeys]
    assert [j.name for j in parallel.journeys] == names
    assert finished == names  # the progress lines come in plan order too
    assert sorted(started) == sorted(names)
    assert _verdicts(parallel) == _verdicts(serial)
    # a real mix to compare: steps that pass and steps that fail
    assert {s.ok for j in serial.journeys for s in j.steps} == {True, False}


def test_a_worker_that_cannot_start_its_browser_stops_the_run_with_the_error(
    tmp_path: Path,
) -> None:
    plan = load_plan(PLAN)
    missing = str(tmp_path / "no-chromium")
    with pytest.raises(HarnessError, match="no-chromium"):
        run_plan(plan, PLAN, RunOptions(browser_path=missing, workers=2))
