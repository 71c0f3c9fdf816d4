"""Render a CaptureReport: a terminal table and the JSON file. Pure (rich renderables)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from urllib.parse import urlsplit

from rich.table import Table
from rich.text import Text

from harness.core.config import FailOn, fails
from harness.core.jsonvalue import show
from harness.core.model import (
    CaptureReport,
    FieldDifference,
    Finding,
    PixelEvent,
    Reconciliation,
    Severity,
)
from harness.core.rules.custom_events import kinds_line
from harness.core.tiktok import DEFAULT_PROFILE, PROFILES
from harness.render.inert import for_terminal, xml_tree

_KEY_PARAMS = ("value", "currency", "content_id", "content_type", "query")


def key_params(event: PixelEvent, width: int = 70) -> str:
    """A short, readable summary of an event's properties."""
    props = event.properties
    if not isinstance(props, dict):
        return f"(not an object: {json.dumps(props)[: width - 16]})"
    parts: list[str] = []
    for key in _KEY_PARAMS:
        if key in props:
            parts.append(f"{key}={json.dumps(props[key])}")
    contents = props.get("contents")
    if isinstance(contents, list):
        ids = [str(item.get("content_id")) for item in contents if isinstance(item, dict)]
        parts.append(f"contents[{len(contents)}]={','.join(ids)}")
    others = [k for k in props if k not in _KEY_PARAMS and k != "contents"]
    if others:
        parts.append("+" + ",".join(others[:4]) + ("…" if len(others) > 4 else ""))
    text = " ".join(parts)
    return text if len(text) <= width else text[: width - 1] + "…"


def _path(url: str | None) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


#: Narrower than this, the table leaves out event_id and page (the JSON report has them) so
#: the key parameters keep a readable width.
WIDE = 120


def events_table(
    report: CaptureReport, *, include_auto: bool = True, width: int | None = None
) -> Table:
    wide = width is None or width >= WIDE
    table = Table(title=f"ttq events captured from {report.url}", title_justify="left")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("source", no_wrap=True)
    table.add_column("pixel", no_wrap=True)
    table.add_column("event", no_wrap=True)
    if wide:
        table.add_column("event_id", overflow="fold")
    table.add_column("key parameters", overflow="fold", ratio=2)
    if wide:
        table.add_column("page", overflow="fold", ratio=1)
    for event in report.events:
        if event.auto and not include_auto:
            continue
        # page data escaped before the table measures it, so columns stay aligned
        name = Text(for_terminal(event.name) + (" (auto)" if event.auto else ""))
        if event.source == "call":
            name.stylize("cyan")
        cells: list[str | Text] = [
            str(event.index),
            event.source,
            for_terminal(event.pixel_code or "(all)"),
            name,
        ]
        if wide:
            cells.append(for_terminal(event.event_id))
        cells.append(for_terminal(key_params(event)))
        if wide:
            cells.append(for_terminal(_path(event.page_url)))
        table.add_row(*cells)
    return table


def finding_line(finding: Finding) -> str:
    """One finding on one line: severity, code, name, where, message."""
    where = []
    if finding.event_index is not None:
        where.append(f"#{finding.event_index} {finding.source or ''} {finding.event_name or ''}")
    if finding.pixel_code:
        where.append(finding.pixel_code)
    if finding.call is not None and finding.call.location:
        where.append(f"at {finding.call.location}")
    elif finding.page_url:
        where.append(f"on {_path(finding.page_url)}")
    place = f" [{' '.join(' '.join(where).split())}]" if where else ""
    return (
        f"{finding.severity.value.upper()} {finding.code} {finding.name}{place}: {finding.message}"
    )


def summary_lines(report: CaptureReport, *, verbose: bool = False) -> list[str]:
    calls = sum(1 for e in report.events if e.source == "call")
    wire = sum(1 for e in report.events if e.source == "wire")
    pixels = sorted({c for e in report.events if e.source == "wire" for c in e.pixel_codes})
    telemetry = sum(1 for r in report.requests if r.kind.value == "telemetry")
    lines = [
        f"{calls} event call(s), {wire} wire event(s) to {len(pixels)} pixel(s)"
        + (f" ({', '.join(pixels)})" if pixels else "")
        + f", {telemetry} telemetry request(s); SDK: {report.sdk}"
        + (f" ({report.sdk_version})" if report.sdk_version else "")
        + "; rule profile: "
        f"{report.profile}; browser: {report.browser}",
    ]
    kinds = kinds_line(report.events, PROFILES.get(report.profile, PROFILES[DEFAULT_PROFILE]))
    if kinds:
        lines.append(kinds)
    lines.extend(reconciliation_lines(report.reconciliation, verbose=verbose))
    lines.extend(finding_line(finding) for finding in report.findings)
    counts = {level: 0 for level in Severity}
    for finding in report.findings:
        counts[finding.severity] += 1
    lines.append(
        f"{len(report.findings)} finding(s): {counts[Severity.ERROR]} error(s), "
        f"{counts[Severity.WARNING]} warning(s), {counts[Severity.INFO]} info"
    )
    if report.incomplete:
        lines.append(f"INCOMPLETE: {report.incomplete}; the capture holds what came before")
    return lines


def reconciliation_summary(result: Reconciliation) -> str:
    """One line: N calls -> M beacons, paired, lost, unexplained beacons by origin, differences."""
    origins = Counter(b.origin for b in result.unexplained_beacons)
    unexplained = sum(1 for d in result.differences if d.behaviour is None)
    text = (
        f"Reconciliation: {result.calls} call(s) -> {result.beacons} beacon(s): "
        f"{len(result.pairs)} paired, {len(result.lost_calls)} lost, "
        f"{len(result.unexplained_beacons)} without a call"
    )
    if origins:
        text += " (" + ", ".join(f"{n} {origin}" for origin, n in sorted(origins.items())) + ")"
    text += f", {len(result.differences)} difference(s)"
    if result.differences:
        text += f" ({unexplained} not explained by the SDK)"
    return text


def difference_line(difference: FieldDifference) -> str:
    why = f"SDK: {difference.behaviour}" if difference.behaviour else "NOT explained by the SDK"
    return (
        f"call #{difference.call_index} -> beacon #{difference.beacon_index} "
        f"{difference.pixel_code or ''} {difference.path}: {difference.kind}, called "
        f"{_short(difference.called)}, sent {_short(difference.sent)} ({why})"
    )


def reconciliation_lines(result: Reconciliation, *, verbose: bool = False) -> list[str]:
    """The summary line, each lost call with its likely reason and each difference the SDK
    does not explain; with verbose, also every beacon without a call and every difference."""
    if not result.calls and not result.beacons and not result.quiet_calls:
        return []
    lines = [reconciliation_summary(result)]
    for lost in result.lost_calls:
        pixel = f" to {lost.pixel_code}" if lost.pixel_code else ""
        lines.append(
            f"  lost: call #{lost.call_index} {lost.name}{pixel}: {lost.reason}: {lost.detail}"
        )
    for difference in result.differences:
        if verbose or difference.behaviour is None:
            lines.append(f"  differs: {difference_line(difference)}")
    if verbose:
        for beacon in result.unexplained_beacons:
            lines.append(
                f"  no call: beacon #{beacon.beacon_index} {beacon.name} "
                f"{beacon.pixel_code or ''}: {beacon.origin}: {beacon.detail}"
            )
    return lines


def _short(value: object, limit: int = 40) -> str:
    return show(value, limit)


def to_json(report: CaptureReport) -> str:
    return report.model_dump_json(indent=2)


def capture_junit(report: CaptureReport, fail_on: FailOn = "error") -> str:
    """JUnit XML for an inspection: one test case per page, findings as failures."""
    pages = list(dict.fromkeys(e.page_url or report.url for e in report.events)) or [report.url]
    suite = ET.Element("testsuite", name=f"ttq-harness inspect {report.url}", tests=str(len(pages)))
    failures = 0
    for page in pages:
        case = ET.SubElement(suite, "testcase", classname="ttq-harness.inspect", name=page)
        found = [
            f
            for f in report.findings
            if (f.page_url or report.url) == page and fails(f.severity, fail_on)
        ]
        if found:
            failures += 1
            node = ET.SubElement(
                case, "failure", message=f"{len(found)} finding(s) at or above {fail_on}"
            )
            node.text = "\n".join(finding_line(f) for f in found)
    suite.set("failures", str(failures))
    ET.indent(suite)
    return ET.tostring(xml_tree(suite), encoding="unicode", xml_declaration=True) + "\n"
