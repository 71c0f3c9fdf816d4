"""The report files, one table of formats: each a function of the one result value (already
masked by the caller), whichever command made it (`run`, `demo`: a plan run; `inspect`, `lint`,
`record`: a one-page run).

A one-page run of `inspect` or `lint` is drawn as its page's capture (JSON: the `CaptureReport`
format scripts read; JUnit: a test case per page; HTML: the capture page); every other result
as a run of journeys.

A new format is a renderer module, one row in `FORMATS` and one option naming its path
(`harness/adapters/options.py`, shared by every command).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

from harness.core.config import FailOn
from harness.core.model import CaptureReport
from harness.core.outputs import write_atomic
from harness.core.plan.result import PAGE_REPORT_KINDS, PlanResult, page_report

Format = Literal["json", "junit", "html"]


def _page(result: PlanResult) -> CaptureReport | None:
    return page_report(result) if result.kind in PAGE_REPORT_KINDS else None


def _json(result: PlanResult, fail_on: FailOn) -> str:
    page = _page(result)
    if page is not None:
        return page.model_dump_json(indent=2)
    return json.dumps(result.model_dump(mode="json"), indent=2) + "\n"


def _junit(result: PlanResult, fail_on: FailOn) -> str:
    page = _page(result)
    if page is not None:
        from harness.render.text import capture_junit

        return capture_junit(page, fail_on)
    from harness.render.plan_text import audit_junit, junit_xml

    return audit_junit(result) if result.kind == "audit" else junit_xml(result)


def _html(result: PlanResult, fail_on: FailOn) -> str:
    from harness.render.html import render_capture_html, render_plan_html  # jinja2: on demand

    page = _page(result)
    if page is not None:
        return render_capture_html(page)
    screenshots = {
        (j.name, s.index): s.screenshot for j in result.journeys for s in j.steps if s.screenshot
    }
    traces = {j.name: j.trace for j in result.journeys if j.trace}
    return render_plan_html(result, screenshots=screenshots, trace_files=traces)


#: Each format: the text of its file from the result and the --fail-on level.
FORMATS: dict[Format, Callable[[PlanResult, FailOn], str]] = {
    "json": _json,
    "junit": _junit,
    "html": _html,
}


def render(result: PlanResult, kind: Format, *, fail_on: FailOn = "error") -> str:
    """The text of one report file."""
    return FORMATS[kind](result, fail_on)


def write_reports(
    result: PlanResult, paths: Mapping[Format, Path | None], *, fail_on: FailOn = "error"
) -> list[Path]:
    """Write each requested file (atomically); the paths written, in order."""
    written = []
    for kind, path in paths.items():
        if path is not None:
            write_atomic(path, render(result, kind, fail_on=fail_on))
            written.append(path)
    return written
