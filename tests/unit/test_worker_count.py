"""How many journeys `run` runs at once (harness.browser.plan_run.worker_count)."""

from __future__ import annotations

import os

import pytest

from harness.browser.plan_run import RunOptions, worker_count
from harness.core.plan.model import Plan


def _plan(workers: int | None = None) -> Plan:
    defaults = {"workers": workers} if workers is not None else {}
    return Plan.model_validate(
        {"defaults": defaults, "journeys": [{"name": "a", "steps": [{"goto": "/"}]}]}
    )


def test_the_option_wins_over_the_plan_which_wins_over_the_cpus() -> None:
    assert worker_count(_plan(3), RunOptions(workers=2), 10) == 2
    assert worker_count(_plan(3), RunOptions(), 10) == 3
    assert worker_count(_plan(), RunOptions(), 64) == min(os.cpu_count() or 1, 64)


def test_never_more_workers_than_journeys_and_never_fewer_than_one() -> None:
    assert worker_count(_plan(), RunOptions(workers=8), 3) == 3
    assert worker_count(_plan(), RunOptions(workers=8), 0) == 1


def test_an_events_api_sink_runs_journeys_one_at_a_time() -> None:
    # its requests go to a journey by arrival time, which concurrent journeys would mix up
    sink = object()
    assert worker_count(_plan(4), RunOptions(workers=4, events_api=sink), 10) == 1  # type: ignore[arg-type]


def test_the_plan_rejects_zero_workers() -> None:
    with pytest.raises(ValueError, match="workers"):
        _plan(0)
