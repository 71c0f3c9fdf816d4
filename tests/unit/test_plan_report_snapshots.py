"""The terminal and JUnit renderings of a plan result, pinned as approved snapshots.

The input is a real result (two journeys of the demo plan on the broken twin), stored as
JSON. Volatile text (durations, timestamps, order ids, event ids) is masked before comparing.
Set TTQ_UPDATE_SNAPSHOTS=1 to approve new output after reviewing the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from harness.core.plan.result import PlanResult
from harness.render.plan_text import journey_lines, junit_xml, summary_lines

DATA = Path(__file__).parent.parent / "data"
RESULT = PlanResult.model_validate_json((DATA / "plan-result-broken.json").read_text())
VOLATILE = [
    (re.compile(r"\d+\.\d+s\b"), "<secs>s"),
    (re.compile(r'time="[\d.]+"'), 'time="<secs>"'),
    (re.compile(r"evt-\d+-[a-z0-9]+"), "evt-<id>"),
    (re.compile(r"(order|purchase)-[a-z0-9]{8,}"), r"\1-<id>"),
]


def _masked(text: str) -> str:
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _approve(name: str, text: str) -> None:
    path = DATA / "snapshots" / name
    if os.environ.get("TTQ_UPDATE_SNAPSHOTS") or not path.exists():
        path.write_text(text, encoding="utf-8")
        if not os.environ.get("TTQ_UPDATE_SNAPSHOTS"):
            pytest.fail(f"new snapshot {path} written: review it and rerun")
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} changed; review and approve with TTQ_UPDATE_SNAPSHOTS=1"
    )


def test_terminal_output_snapshot() -> None:
    lines = [line for journey in RESULT.journeys for line in journey_lines(journey)]
    lines += list(summary_lines(RESULT))
    _approve("plan-terminal.txt", _masked("\n".join(lines) + "\n"))


def test_junit_snapshot() -> None:
    _approve("plan-junit.xml", _masked(junit_xml(RESULT)))
