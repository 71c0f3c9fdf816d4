"""`run --workers N`: journeys at once, each in its own browser context; the same verdicts as
one after another, reported in plan order."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.browser.plan_run import RunOptions, run_plan
from harness.core.errors import INTERRUPTED, HarnessError
from harness.core.plan.load import load_plan
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


def _run(base: str, workers: int, out: Path) -> tuple[PlanResult, list[str]]:
    """`ttq-harness run` as a user runs it (its own process: the test session's Playwright
    holds this thread); the result and the journey lines in the order printed."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "run",
            str(PLAN),
            "--base-url",
            base,
            "--workers",
            str(workers),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "CI": "true"},
    )
    assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr
    printed = [line.split()[1] for line in done.stdout.splitlines() if line[:1] in ("✓", "✗")]
    return PlanResult.model_validate_json(out.read_text(encoding="utf-8")), printed


def test_parallel_journeys_give_the_serial_verdicts_in_plan_order(
    demo_site: str, tmp_path: Path
) -> None:
    base = demo_site + "/broken-shop/"  # steps that pass and steps that fail
    serial, _ = _run(base, 1, tmp_path / "serial.json")
    parallel, printed = _run(base, 2, tmp_path / "parallel.json")
    names = [j.name for j in load_plan(PLAN).journeys]
    assert [j.name for j in parallel.journeys] == names
    assert printed == names  # the progress lines come in plan order too
    assert _verdicts(parallel) == _verdicts(serial)
    # every beacon sent as a page went away found its journey (one unload guard for both)
    assert parallel.unplaced_beacons == serial.unplaced_beacons == 0
    # a real mix to compare: steps that pass and steps that fail
    assert {s.ok for j in serial.journeys for s in j.steps} == {True, False}


def test_a_worker_that_cannot_start_its_browser_stops_the_run_with_the_error(
    tmp_path: Path,
) -> None:
    plan = load_plan(PLAN)
    missing = str(tmp_path / "no-chromium")
    with pytest.raises(HarnessError, match="no-chromium"):
        run_plan(plan, PLAN, RunOptions(browser_path=missing, workers=2))


def test_ctrl_c_keeps_the_whole_journeys_in_plan_order_and_starts_no_other(
    demo_site: str, tmp_path: Path
) -> None:
    import signal

    out = tmp_path / "result.json"
    command = [
        sys.executable, "-m", "harness", "run", str(PLAN), "--base-url", demo_site + "/shop/",
        "--workers", "2", "--json", str(out),
    ]  # fmt: skip
    running = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "CI": "true"}, start_new_session=True,  # Ctrl-C reaches the group
    )  # fmt: skip
    assert running.stdout is not None
    printed = []
    for line in running.stdout:  # the first journey's line: others are under way
        printed.append(line)
        if line[:1] in ("✓", "✗"):
            break
    os.killpg(running.pid, signal.SIGINT)
    stdout, stderr = running.communicate(timeout=300)
    assert running.returncode == 130, "".join(printed) + stdout + stderr
    assert "interrupted (Ctrl-C)" in stdout + stderr and "Traceback" not in stderr
    result = PlanResult.model_validate_json(out.read_text(encoding="utf-8"))
    planned = [j.name for j in load_plan(PLAN).journeys]
    ran = [j.name for j in result.journeys]
    assert result.incomplete == "interrupted (Ctrl-C)"
    assert 1 <= len(ran) < len(planned) and ran == planned[: len(ran)]  # in plan order
    # what is kept is whole: every step of each journey, none cut short by the signal
    for journey in result.journeys:
        wanted = next(j for j in load_plan(PLAN).journeys if j.name == journey.name)
        assert len(journey.steps) == len(wanted.steps) and journey.error is None, journey.name


class _LiveBrowser:
    """A browser that stays connected (the Ctrl-C below never reaches it)."""

    def is_connected(self) -> bool:
        return True

    async def close(self) -> None:
        return None


def _parallel_run(error: str | None, *, ctrl_c_after: int | None) -> tuple[list[str], str | None]:
    """Two journeys, one worker; each ends at once with `error`. With `ctrl_c_after`, the
    run's Ctrl-C handler runs that many loop turns after the first journey ended, as asyncio
    runs a signal's handler (its wakeup byte read in one turn, the handler in a later one):
    the order in which a journey failing on Chromium's death and the handler reach the loop."""
    import asyncio

    from harness.browser.workers import _in_a_loop, _Parallel

    journeys = load_plan(PLAN).journeys[:2]
    parallel: _Parallel

    async def open_browser(_playwright: object) -> tuple[object, str]:
        return _LiveBrowser(), "chromium"

    def ctrl_c(turns: int) -> None:
        if turns:
            asyncio.get_running_loop().call_soon(ctrl_c, turns - 1)
        else:
            parallel.stopped = INTERRUPTED

    async def run_one(_browser: object, journey: object) -> JourneyResult:
        if ctrl_c_after is not None:
            ctrl_c(ctrl_c_after)
        return JourneyResult(name=journey.name, ok=False, steps=[], error=error)  # type: ignore[attr-defined]

    parallel = _Parallel(journeys, 1, open_browser, run_one)  # type: ignore[arg-type]
    # in a thread of its own when the test session's Playwright holds this thread's loop
    results, _name, incomplete = _in_a_loop(parallel.run(None, None))
    return [r.name for r in results], incomplete


def test_a_journey_failing_before_the_ctrl_c_handler_ran_is_dropped() -> None:
    # the journey's error came first, the handler a moment later: still no verdict for it,
    # and no other journey starts
    closed = "Target page, context or browser has been closed"
    assert _parallel_run(closed, ctrl_c_after=3) == ([], INTERRUPTED)


def test_a_failing_journey_without_ctrl_c_is_kept() -> None:
    names = [j.name for j in load_plan(PLAN).journeys[:2]]
    refused = "step 1 (goto) failed: net::ERR_CONNECTION_REFUSED"
    assert _parallel_run(refused, ctrl_c_after=None) == (names, None)


def test_a_failing_journey_without_ctrl_c_is_judged_without_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No Ctrl-C came in the loop turns after the error: nothing more is waited for (it used
    # to wait SIGNAL_GRACE after every journey with a step error, Ctrl-C or not). With the
    # grace set to 30 s, a run that still waited on time would take a minute for its two
    # journeys; without the wait it takes a few loop turns.
    import time

    import harness.browser.workers as workers

    monkeypatch.setattr(workers, "SIGNAL_GRACE", 30.0)
    names = [j.name for j in load_plan(PLAN).journeys[:2]]
    refused = "step 1 (goto) failed: net::ERR_CONNECTION_REFUSED"
    started = time.monotonic()
    assert _parallel_run(refused, ctrl_c_after=None) == (names, None)
    assert time.monotonic() - started < 30


def test_a_journey_that_raises_ends_the_run_at_once_with_its_error() -> None:
    # a fault of the harness in one journey: the journey under way beside it is cancelled and
    # no other starts (they used to run to the end of the plan before the error came out)
    import asyncio

    from harness.browser.workers import _in_a_loop, _Parallel

    journeys = load_plan(PLAN).journeys[:4]
    started: list[str] = []
    finished: list[str] = []

    async def open_browser(_playwright: object) -> tuple[object, str]:
        return _LiveBrowser(), "chromium"

    async def run_one(_browser: object, journey: Any) -> JourneyResult:
        started.append(journey.name)
        if journey is journeys[0]:
            await asyncio.sleep(0.01)
            raise RuntimeError("a harness bug")
        await asyncio.sleep(1)
        finished.append(journey.name)
        return JourneyResult(name=journey.name, ok=True, steps=[])

    parallel = _Parallel(journeys, 2, open_browser, run_one)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="a harness bug"):
        _in_a_loop(parallel.run(None, None))
    assert started == [journeys[0].name, journeys[1].name]
    assert finished == []
