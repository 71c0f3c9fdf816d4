"""Render a PlanResult: terminal lines, JSON and JUnit XML. Pure."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

from harness.core.plan.result import ExpectationResult, JourneyResult, PlanResult, StepResult
from harness.core.rules.custom_events import kinds_line
from harness.core.tiktok import DEFAULT_PROFILE, PROFILES
from harness.render.inert import xml_tree
from harness.render.text import finding_line, reconciliation_lines

OK, FAIL, WARN = "✓", "✗", "!"


def journey_headline(journey: JourneyResult) -> str:
    failed = sum(1 for s in journey.steps if not s.ok and not s.skipped)
    wire = sum(1 for e in journey.events if e.source == "wire")
    state = f"{len(journey.steps)} steps" + (f", {failed} failed" if failed else "")
    if journey.failing_findings:
        state += f", {journey.failing_findings} failing finding(s)"
    mark = OK if journey.ok else FAIL
    return f"{mark} {journey.name} ({state}, {wire} wire events, {journey.duration:.1f}s)"


def _expectation_lines(result: ExpectationResult) -> Iterator[str]:
    pixel = f" to {result.pixel}" if result.pixel else ""
    source = " (at the call)" if result.source == "call" else ""
    label = (
        result.expected
        if result.expected == result.event
        else (f"{result.expected} ({result.event})")
    )
    if result.wanted == "never":
        # a cookie set before consent has no event to point at: say nothing rather than "()"
        events = f" (events {', '.join(f'#{i}' for i in result.matched)})" if result.matched else ""
        yield (
            f"{FAIL} {label}{pixel}{source}: must never be sent, was sent {result.found} "
            f"time(s){events}"
        )
        return
    yield (
        f"{FAIL} {label}{pixel}{source}: expected {result.wanted}, found {result.found}"
        + (f" (events {', '.join(f'#{i}' for i in result.matched)})" if result.matched else "")
    )
    for miss in result.near_misses:
        event = miss.event
        yield (
            f"    closest: #{event.index} {event.source} {event.name!r} "
            f"pixel={event.pixel_code or 'all'}"
        )
        for difference in miss.differences[:8]:
            yield f"        {difference}"


def step_lines(step: StepResult) -> Iterator[str]:
    if step.skipped:
        yield f"  - step {step.index} {step.description}: skipped (an earlier step failed)"
        return
    if step.ok and not step.unexpected and not step.unplanned_pixels:
        return
    mark = OK if step.ok else FAIL
    yield f"  {mark} step {step.index} {step.description}" + (f"  [{step.url}]" if step.url else "")
    if step.error:
        yield f"      {FAIL} {step.error}"
    for result in [*step.expectations, *step.never]:
        if not result.ok:
            yield from (f"      {line}" for line in _expectation_lines(result))
    if step.order_problem:
        yield f"      {FAIL} order: {step.order_problem}"
    for note in step.notes:
        yield f"      note: {note}"
    for pixel, indexes in step.unplanned_pixels.items():
        mark = FAIL if step.unplanned_pixels_fail else WARN
        yield (
            f"      {mark} {len(indexes)} event(s) went to pixel {pixel}, which the plan's "
            f"pixels do not name (events {', '.join(f'#{i}' for i in indexes)})"
        )
    for event in step.unexpected:
        mark = FAIL if step.unexpected_fails else WARN
        yield (
            f"      {mark} unexpected: #{event.index} {event.name!r} to "
            f"{event.pixel_code or 'all pixels'} (not in this step's expectations)"
        )


def journey_lines(journey: JourneyResult) -> Iterator[str]:
    yield journey_headline(journey)
    for step in journey.steps:
        yield from step_lines(step)
    if journey.reconciliation is not None:
        yield from (f"    {line}" for line in reconciliation_lines(journey.reconciliation))
    for finding in journey.findings:
        yield f"    {finding_line(finding)}"


def journey_counts(journey: JourneyResult) -> dict[str, int]:
    """Missing (nothing like it), mismatched (near misses), unexpected, and findings by level."""
    failing = [e for s in journey.steps for e in s.expectations if not e.ok]
    counts = {
        "missing": sum(1 for e in failing if not e.near_misses),
        "mismatched": sum(1 for e in failing if e.near_misses),
        "never": sum(1 for s in journey.steps for e in s.never if not e.ok),
        "unexpected": sum(len(s.unexpected) for s in journey.steps)
        + sum(len(i) for s in journey.steps for i in s.unplanned_pixels.values()),
    }
    for level in ("error", "warning", "info"):
        counts[level] = sum(1 for f in journey.findings if f.severity.value == level)
    return counts


def summary_lines(result: PlanResult) -> Iterator[str]:
    yield "Summary:"
    for journey in result.journeys:
        c = journey_counts(journey)
        yield (
            f"  {OK if journey.ok else FAIL} {journey.name:<24} missing {c['missing']}, "
            f"mismatched {c['mismatched']}, never-sent violated {c['never']}, unexpected "
            f"{c['unexpected']}; findings {c['error']} error, {c['warning']} warning, "
            f"{c['info']} info" + ("; step error" if journey.error else "")
        )
    passed = sum(1 for j in result.journeys if j.ok)
    failed = len(result.journeys) - passed
    seen = [name for name, was in result.coverage.items() if was]
    mismatched = [name for name in result.unmatched if not result.coverage.get(name, True)]
    unseen = [n for n, was in result.coverage.items() if not was and n not in mismatched]
    yield (
        f"Coverage: {len(seen)}/{len(result.coverage)} planned events seen"
        + (f"; never seen: {', '.join(unseen)}" if unseen else "")
        + (f"; sent but never as planned: {', '.join(mismatched)}" if mismatched else "")
    )
    custom = [name for name, purpose in result.purposes.items() if purpose.startswith("custom")]
    if custom:
        yield f"  planned custom events (reporting only, not for optimization): {', '.join(custom)}"
    profile = PROFILES.get(result.profile, PROFILES[DEFAULT_PROFILE])
    kinds = kinds_line([e for j in result.journeys for e in j.events], profile)
    if kinds:
        yield kinds
    if result.incomplete:
        yield f"INCOMPLETE: {result.incomplete}; only the journeys above ran"
    if result.unplaced_beacons:
        yield unplaced_warning(result)
    verdict = "plan holds" if result.ok else "plan does NOT hold"
    yield (
        f"{len(result.journeys)} journeys: {passed} passed, {failed} failed ({verdict}; "
        f"rule profile {result.profile}; {result.duration:.1f}s)"
    )


def unplaced_warning(result: PlanResult) -> str:
    """The run-level blind spot: pixel requests the unload guard could give to no capture."""
    what = "page" if result.kind == "audit" else "journey"
    return (
        f"WARNING: {result.unplaced_beacons} pixel request(s) sent as a page went away could "
        f"not be credited to any {what}, so no verdict above includes them (`--workers 1` "
        f"credits them one {what} at a time)"
    )


def junit_xml(result: PlanResult) -> str:
    """One test case per journey; failures carry the readable step differences."""
    suite = ET.Element(
        "testsuite",
        name=f"ttq-harness plan {result.plan}",
        tests=str(len(result.journeys)),
        failures=str(sum(1 for j in result.journeys if not j.ok and not j.error)),
        errors=str(sum(1 for j in result.journeys if j.error)),
        time=f"{result.duration:.3f}",
    )
    for journey in result.journeys:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"ttq-harness.{result.plan}",
            name=journey.name,
            time=f"{journey.duration:.3f}",
        )
        if not journey.ok:
            kind = "error" if journey.error else "failure"
            message = journey.error or journey_headline(journey)
            node = ET.SubElement(case, kind, message=message)
            node.text = "\n".join(journey_lines(journey))
        warnings = [line for step in journey.steps for line in step_lines(step) if journey.ok]
        if warnings:
            ET.SubElement(case, "system-out").text = "\n".join(warnings)
    ET.indent(suite)
    return ET.tostring(xml_tree(suite), encoding="unicode", xml_declaration=True) + "\n"


def page_line(page: JourneyResult) -> str:
    """One audited page: verdict, URL, status, pixels, events and findings."""
    wire = [e for e in page.events if e.source == "wire"]
    pixels = sorted({c for e in wire for c in [*e.pixel_codes, e.pixel_code] if c})
    names = list(dict.fromkeys(e.name for e in wire if not e.auto))
    status = f"HTTP {page.status}" if page.status is not None else (page.error or "no answer")
    how = f" ({page.pixel_install})" if page.pixel_install not in (None, "none") else ""
    return (
        f"{'✓' if page.ok else '✗'} {page.name}  {status}; pixel "
        f"{', '.join(pixels) if pixels else 'none'}{how}; events {', '.join(names) or 'none'}; "
        f"{len(page.findings)} finding(s)"
    )


def check_lines(result: PlanResult, limit: int = 5) -> Iterator[str]:
    """The site-level checks of an audit, with the first pages that break each."""
    for check in result.checks:
        mark = "✓" if check.ok else ("✗" if check.severity == "error" else "!")
        yield f"{mark} {check.code} {check.name}: {check.message}"
        for page in check.pages[:limit]:
            yield f"    {page}"
        if len(check.pages) > limit:
            yield f"    ... and {len(check.pages) - limit} more"


def audit_junit(result: PlanResult) -> str:
    """One test case per site-level check; a broken error-level check fails."""
    failing = [c for c in result.checks if not c.ok and c.severity == "error"]
    suite = ET.Element(
        "testsuite",
        name=f"ttq-harness audit {result.plan}",
        tests=str(len(result.checks)),
        failures=str(len(failing)),
        time=f"{result.duration:.3f}",
    )
    for check in result.checks:
        case = ET.SubElement(
            suite, "testcase", classname="ttq-harness.audit", name=f"{check.code} {check.name}"
        )
        if not check.ok:
            kind = "failure" if check.severity == "error" else "system-out"
            node = (
                ET.SubElement(case, kind, message=check.message)
                if kind == "failure"
                else (ET.SubElement(case, kind))
            )
            node.text = "\n".join(check.pages)
    ET.indent(suite)
    return ET.tostring(xml_tree(suite), encoding="unicode", xml_declaration=True) + "\n"
