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


def _narrow_report() -> object:
    from harness.core.model import CaptureReport, PixelEvent

    event = PixelEvent(
        index=7,
        source="wire",
        name="AddToCart",
        pixel_code="CDEMO00SHOP00PIXEL01",
        event_id="evt-1796443784440-nwhh35",
        page_url="http://127.0.0.1:8000/shop/product.html?id=301",
        properties={"value": 19.99, "currency": "USD", "contents": [{"content_id": "301"}]},
    )
    return CaptureReport(
        harness_version="t",
        sdk="emulated",
        url="http://127.0.0.1:8000/shop/product.html?id=301",
        events=[event],
        calls=[],
        requests=[],
        undecodable=[],
        findings=[],
    )


@pytest.mark.parametrize("width", [80, 100])
def test_a_narrow_table_keeps_each_value_whole(width: int) -> None:
    from rich.console import Console

    from harness.render.text import events_table

    console = Console(width=width, record=True, color_system=None)
    console.print(events_table(_narrow_report(), width=width))  # type: ignore[arg-type]
    text = console.export_text()
    assert all(len(line) <= width for line in text.splitlines())
    assert "value=19.99" in text and 'currency="USD"' in text  # never split inside a value
    assert "event_id" not in text and "/shop/product.html" not in text.split("\n", 1)[1]


def test_a_wide_table_has_every_column() -> None:
    from rich.console import Console

    from harness.render.text import events_table

    console = Console(width=200, record=True, color_system=None)
    console.print(events_table(_narrow_report(), width=200))  # type: ignore[arg-type]
    text = console.export_text()
    assert "evt-1796443784440-nwhh35" in text and "/shop/product.html?id=301" in text


def test_the_cli_honours_columns_through_a_pipe(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    code = "from harness.adapters.options import console\nprint(console.width)\n"
    for columns, width in (("80", "80"), ("", "160")):
        env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
        if columns:
            env["COLUMNS"] = columns
        ran = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert ran.stdout.strip() == width
