"""Hostile text from the page stays inert in the terminal and in JUnit XML."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from rich.table import Table

from harness.core.model import CaptureReport
from harness.core.plan.result import PlanResult
from harness.render.inert import InertConsole, for_terminal, for_xml
from harness.render.plan_text import junit_xml
from harness.render.text import capture_junit, summary_lines

DATA = Path(__file__).parent.parent / "data"
#: clear the screen, set the window title (OSC), ring the bell, reverse the line, a NUL
HOSTILE = "Buy\x1b[2J\x1b]0;pwned\x07Now\u202eevil\x00\x85"


def test_control_and_bidi_characters_are_shown_escaped_not_dropped() -> None:
    assert for_terminal(HOSTILE) == "Buy\\x1b[2J\\x1b]0;pwned\\x07Now\\u202eevil\\x00\\x85"
    assert for_terminal("tab\tand\nnewline stay; é, 日本, emoji 🙂 too") == (
        "tab\tand\nnewline stay; é, 日本, emoji 🙂 too"
    )
    assert for_xml("a\x0bb\ud800c\ufffe") == "a\\x0bb\\ud800c\\ufffe"
    assert for_terminal(for_terminal(HOSTILE)) == for_terminal(HOSTILE)  # idempotent


def test_the_console_escapes_page_text_but_keeps_its_own_styles() -> None:
    buffer = io.StringIO()
    console = InertConsole(file=buffer, force_terminal=True, color_system="standard", width=200)
    console.print(f"[red]finding[/red] {HOSTILE}", highlight=False)
    table = Table()
    table.add_column("event")
    table.add_row(HOSTILE)
    console.print(table)
    out = buffer.getvalue()
    assert "\x1b[31m" in out  # rich's own colour codes stay
    for raw in ("\x1b[2J", "\x1b]0;", "\x07", "\u202e", "\x00", "\x85"):
        assert raw not in out, repr(raw)
    assert "\\x1b[2J" in out and "\\u202e" in out


def _hostile_capture() -> CaptureReport:
    report = CaptureReport.model_validate_json((DATA / "report-html-capture.json").read_text())
    events = [e.model_copy(update={"name": HOSTILE}) for e in report.events]
    findings = [
        f.model_copy(update={"message": HOSTILE, "event_name": HOSTILE}) for f in report.findings
    ]
    return report.model_copy(update={"events": events, "findings": findings, "url": HOSTILE})


def test_junit_of_a_capture_and_of_a_plan_always_parses() -> None:
    capture = _hostile_capture()
    parsed = ET.fromstring(capture_junit(capture, fail_on="info").encode())
    assert "\\x1b[2J" in ET.tostring(parsed, encoding="unicode")
    data = json.loads((DATA / "plan-result-broken.json").read_text())
    for journey in data["journeys"]:
        journey["name"] = HOSTILE + journey["name"]
        journey["error"] = HOSTILE
    plan = PlanResult.model_validate(data)
    suite = ET.fromstring(junit_xml(plan).encode())
    assert all("\\x1b[2J" in (case.get("name") or "") for case in suite.iter("testcase"))


def test_summary_lines_carry_page_text_that_the_console_makes_inert() -> None:
    buffer = io.StringIO()
    console = InertConsole(file=buffer, width=300)
    for line in summary_lines(_hostile_capture()):
        console.print(line, markup=False, highlight=False)
    assert "\x1b" not in buffer.getvalue() and "\\x1b]0;pwned" in buffer.getvalue()
