"""One result value for every command, one table of report formats (harness/render/files.py,
harness/core/plan/result.py `page_result`)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.core.masking import masked
from harness.core.model import CaptureReport, Severity
from harness.core.plan.result import PlanResult, ResultKind, StepResult, page_report, page_result
from harness.render.files import FORMATS, render, write_reports

DATA = Path(__file__).parent.parent / "data"


def _plan() -> PlanResult:
    return PlanResult.model_validate_json(
        (DATA / "report-html-plan-broken.json").read_text(encoding="utf-8")
    )


def _capture() -> CaptureReport:
    return CaptureReport.model_validate_json(
        (DATA / "report-html-capture.json").read_text(encoding="utf-8")
    )


def _result(kind: ResultKind) -> PlanResult:
    if kind == "plan":
        return _plan()
    steps = [StepResult(index=0, description="goto /", ok=True)] if kind == "record" else []
    return page_result(_capture(), fail_on="error", kind=kind, steps=steps)


@pytest.mark.parametrize("kind", ["plan", "inspect", "lint", "record"])
def test_every_format_renders_every_commands_result(kind: ResultKind, tmp_path: Path) -> None:
    result = _result(kind)
    paths = {"json": tmp_path / "r.json", "junit": None, "html": tmp_path / "r.html"}
    assert write_reports(result, paths) == [tmp_path / "r.json", tmp_path / "r.html"]
    assert not (tmp_path / "r.xml").exists()
    assert json.loads(render(result, "json"))["harness_version"] == result.harness_version
    assert ET.fromstring(render(result, "junit")).tag == "testsuite"
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    assert set(FORMATS) == {"json", "junit", "html"}


def test_inspect_and_lint_json_is_the_capture_report_format(tmp_path: Path) -> None:
    # The `inspect --json` contract (events, findings, calls at the top) survives the one value.
    capture = _capture()
    for kind in ("inspect", "lint"):
        text = render(page_result(capture, fail_on="error", kind=kind), "json")  # type: ignore[arg-type]
        assert CaptureReport.model_validate_json(text) == capture
        assert {"events", "findings", "calls", "requests"} <= json.loads(text).keys()


def test_plan_and_record_json_is_the_result_itself() -> None:
    for kind in ("plan", "record"):
        result = _result(kind)  # type: ignore[arg-type]
        assert PlanResult.model_validate_json(render(result, "json")) == result
        assert json.loads(render(result, "json"))["kind"] == kind


def test_a_one_page_result_gives_its_capture_back_whole() -> None:
    capture = _capture()
    result = page_result(capture, fail_on="error")
    assert page_report(result) == capture
    assert len(result.journeys) == 1
    assert result.journeys[0].requests == capture.requests
    # masked once as a result, the page is what masking the capture itself would give
    assert page_report(masked(result)) == masked(capture)


def test_a_one_page_result_holds_unless_a_finding_fails_at_fail_on() -> None:
    capture = _capture()
    worst = max((f.severity for f in capture.findings), key=list(Severity).index, default=None)
    assert worst is not None  # the fixture has findings
    assert page_result(capture, fail_on="never").ok
    failing = page_result(capture, fail_on="info")
    assert not failing.ok and not failing.journeys[0].ok
    assert failing.journeys[0].failing_findings == len(capture.findings)
    clean = capture.model_copy(update={"findings": []})
    assert page_result(clean, fail_on="info").ok
    # a one-page run whose step failed does not hold either
    broken = StepResult(index=0, description="click #buy", ok=False, error="no such element")
    assert not page_result(clean, fail_on="never", steps=[broken]).ok


def test_junit_of_a_page_is_per_page_and_of_a_run_per_journey() -> None:
    page = ET.fromstring(render(_result("inspect"), "junit", fail_on="info"))
    assert page.get("name", "").startswith("ttq-harness inspect ")
    run = ET.fromstring(render(_plan(), "junit"))
    assert [c.get("name") for c in run.iter("testcase")] == [j.name for j in _plan().journeys]
    record = ET.fromstring(render(_result("record"), "junit"))
    assert len(list(record.iter("testcase"))) == 1
