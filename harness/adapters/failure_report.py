"""What a failing pytest test shows of its capture: a report section and a report file name."""

from __future__ import annotations

import hashlib
import re

from harness.core.model import CaptureReport
from harness.render.inert import for_terminal
from harness.render.text import finding_line, key_params


def report_file_name(nodeid: str) -> str:
    """A file name for a test's report: readable, at most ~120 characters, and unique (a
    short hash of the node id tells apart ids that read the same once cleaned)."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:100]
    digest = hashlib.sha256(nodeid.encode("utf-8")).hexdigest()[:8]
    return f"{readable}-{digest}.html"


def capture_section(report: CaptureReport, limit: int = 50) -> str:
    """What a failing test captured, one line per event (the last `limit`) and finding."""
    events = report.events[-limit:]
    lines = [f"{len(report.events)} event(s) captured on {report.url or '(no page)'}:"]
    if len(report.events) > limit:
        lines.append(f"  ... {len(report.events) - limit} earlier event(s) left out")
    for event in events:
        lines.append(
            f"  #{event.index} {event.source} {event.name} {event.pixel_code or '(all)'} "
            f"{key_params(event)}".rstrip()
        )
    if report.findings:
        lines.append(f"{len(report.findings)} finding(s):")
        lines += [f"  {finding_line(f)}" for f in report.findings]
    # each line inert on its own: a page's newline cannot forge a line of the section
    return "\n".join(for_terminal(line).replace("\n", "\\n") for line in lines)
