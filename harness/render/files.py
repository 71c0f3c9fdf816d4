"""The report files, one table of formats: each a function of the report value (already
masked by the caller), whichever command made it (`inspect`, `lint`: a CaptureReport; `run`,
`demo`: a PlanResult).

A new format is a renderer module, one branch in `render` and one command-line option that
names its path.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from harness.core.config import FailOn
from harness.core.model import CaptureReport
from harness.core.outputs import write_atomic
from harness.core.plan.result import PlanResult

Report = CaptureReport | PlanResult
Format = Literal["json", "junit", "html"]


def render(report: Report, kind: Format, *, fail_on: FailOn = "error") -> str:
    """The text of one report file."""
    if kind == "json":
        if isinstance(report, CaptureReport):
            return report.model_dump_json(indent=2)
        return json.dumps(report.model_dump(mode="json"), indent=2) + "\n"
    if kind == "junit":
        if isinstance(report, CaptureReport):
            from harness.render.text import capture_junit

            return capture_junit(report, fail_on)
        from harness.render.plan_text import junit_xml

        return junit_xml(report)
    from harness.render.html import render_capture_html, render_plan_html  # jinja2: on demand

    if isinstance(report, CaptureReport):
        return render_capture_html(report)
    screenshots = {
        (j.name, s.index): s.screenshot for j in report.journeys for s in j.steps if s.screenshot
    }
    traces = {j.name: j.trace for j in report.journeys if j.trace}
    return render_plan_html(report, screenshots=screenshots, trace_files=traces)


def write_reports(
    report: Report, paths: Mapping[Format, Path | None], *, fail_on: FailOn = "error"
) -> list[Path]:
    """Write each requested file (atomically); the paths written, in order."""
    written = []
    for kind, path in paths.items():
        if path is not None:
            write_atomic(path, render(report, kind, fail_on=fail_on))
            written.append(path)
    return written
