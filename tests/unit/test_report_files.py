"""One table of report formats for every command's report value (harness/render/files.py)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.core.model import CaptureReport
from harness.core.plan.result import PlanResult
from harness.render.files import Report, render, write_reports

DATA = Path(__file__).parent.parent / "data"


def _plan() -> PlanResult:
    return PlanResult.model_validate_json(
        (DATA / "report-html-plan-broken.json").read_text(encoding="utf-8")
    )


def _capture() -> CaptureReport:
    return CaptureReport.model_validate_json(
        (DATA / "report-html-capture.json").read_text(encoding="utf-8")
    )


@pytest.mark.parametrize("make", [_plan, _capture], ids=["run", "inspect"])
def test_every_format_renders_every_report_value(make: object, tmp_path: Path) -> None:
    report: Report = make()  # type: ignore[operator]
    paths = {"json": tmp_path / "r.json", "junit": None, "html": tmp_path / "r.html"}
    assert write_reports(report, paths) == [tmp_path / "r.json", tmp_path / "r.html"]
    assert not (tmp_path / "r.xml").exists()
    # JSON: the value itself, as the committed schemas describe it
    assert type(report).model_validate_json((tmp_path / "r.json").read_text()) == report
    assert json.loads(render(report, "json"))["harness_version"] == report.harness_version
    # JUnit parses; HTML is one self-contained page
    assert ET.fromstring(render(report, "junit")).tag == "testsuite"
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
