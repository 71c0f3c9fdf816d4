"""From what was recorded to events, findings and a report. Pure: no browser here.

The recorder hands over three logs: ttq calls, requests to pixel hosts, and sendBeacon notes
(bodies seen at the call to sendBeacon). This module derives the events on both sides.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from harness.core.capture import Capture, derive
from harness.core.collector import no_cyclic_gc
from harness.core.config import RulesConfig
from harness.core.decode import decode_beacon
from harness.core.model import (
    CapturedDocument,
    CaptureReport,
    Finding,
    PixelEvent,
    RawRequest,
    Reconciliation,
    RequestKind,
    Severity,
    TtqCall,
    UndecodableBeacon,
)
from harness.core.reconcile import Matching, match
from harness.core.reconcile import reconcile as reconcile_capture
from harness.core.rules import REGISTRY, Issue, Rule, RuleContext, all_rules, called_name, expand
from harness.core.tiktok import PROFILES


def wire_events(
    requests: Iterable[RawRequest],
) -> tuple[list[PixelEvent], list[UndecodableBeacon]]:
    events: list[PixelEvent] = []
    undecodable: list[UndecodableBeacon] = []
    for request in requests:
        if request.kind is not RequestKind.EVENT:
            continue
        decoded = decode_beacon(request)
        if isinstance(decoded, UndecodableBeacon):
            undecodable.append(decoded)
        else:
            events.extend(decoded)
    return events, undecodable


def reconcile(
    call_evs: Sequence[PixelEvent], wire_evs: Sequence[PixelEvent]
) -> tuple[list[PixelEvent], list[PixelEvent]]:
    """(wire events no call explains, call events that produced no beacon): see
    harness/core/reconcile/ for the pairing and the SDK behaviours it knows."""
    matching = match(call_evs, wire_evs)
    return matching.uncovered, matching.unanswered


@no_cyclic_gc()  # a pass makes many small objects and no cycles (harness/core/collector.py)
def run_rules(
    events: Sequence[PixelEvent],
    *,
    calls: Sequence[TtqCall] = (),
    requests: Sequence[RawRequest] = (),
    undecodable: Sequence[UndecodableBeacon] = (),
    config: RulesConfig | None = None,
    check_delivery: bool = True,
    matching: Matching | None = None,
    sdk: str = "",
    forward_beacons: bool = False,
    documents: Sequence[CapturedDocument] = (),
    capture: Capture | None = None,
) -> list[Finding]:
    """Check captured events against the selected rules; apply suppressions and severities.

    Each mistake is reported once: rules look at every ttq call, and at wire events only when
    no call explains them (automatic events, Event Builder, captures without call records),
    except rules that only the wire can answer (hashed identity, mangled arguments).
    `check_delivery=False` skips "call without beacon" (for captures with no wire side).
    `matching` is the call <-> beacon pairing when the caller already has it.
    `sdk` / `forward_beacons`: the capture's SDK mode, for rules whose meaning depends on it.
    `documents`: what the browser capture knows of each document (capture-health rules).
    `capture`: the capture value the events come from; rules then read its decoded beacons and
    its pairing instead of deriving them again.
    """
    settings = config or RulesConfig()
    settings.check_profile()
    selected = set().union(*(expand(s) for s in settings.select)) if settings.select else set()
    ignored = {selector: expand(selector) for selector in settings.ignore}
    severity: dict[str, Severity] = {}
    for selector, level in settings.severity.items():
        for code in expand(selector):
            severity[code] = level

    call_evs = [e for e in events if e.source == "call"]
    wire_evs = [e for e in events if e.source == "wire"]
    paired = matching or (capture.matching if capture is not None else None)
    paired = paired or match(call_evs, wire_evs, calls)
    uncovered, unanswered = paired.uncovered, paired.unanswered
    canonical = sorted([*call_evs, *uncovered], key=lambda e: e.index)
    ctx = RuleContext(
        profile=PROFILES[settings.profile],
        uses_events_api=settings.uses_events_api,
        duplicate_window=settings.duplicate_window,
        value_tolerance=settings.value_tolerance,
        calls=calls,
        requests=requests,
        undecodable=undecodable,
        unanswered_calls=unanswered if check_delivery else [],
        sdk=sdk,
        forward_beacons=forward_beacons,
        documents=documents,
        capture=capture,
    )
    found = _check(all_rules(), selected, canonical, wire_evs, ctx)
    kept: list[Finding] = found if not ignored else []
    used: set[str] = set()
    for finding in found if ignored else ():
        suppressed_by = [sel for sel, codes in ignored.items() if finding.code in codes]
        if suppressed_by:
            used.update(suppressed_by)
        else:
            kept.append(finding)
    if "CF001" in selected:
        unused_rule = REGISTRY["CF001"]
        for selector in ignored:
            if selector not in used and "CF001" not in ignored[selector]:
                kept.append(
                    _finding(
                        unused_rule,
                        Issue(
                            message=f"ignore selector {selector!r} suppressed nothing in this run",
                            path="ignore",
                            received=selector,
                        ),
                        None,
                    )
                )
    kept = [
        f.model_copy(update={"severity": severity[f.code]}) if f.code in severity else f
        for f in kept
    ]
    return sorted(kept, key=lambda f: (f.event_index if f.event_index is not None else -1, f.code))


def _check(
    rules: Sequence[Rule],
    selected: set[str],
    canonical: Sequence[PixelEvent],
    wire_evs: Sequence[PixelEvent],
    ctx: RuleContext,
) -> list[Finding]:
    """The selected rules' findings, unsorted: event rules first, then capture rules.

    Results another rule reads (Rule.reads) are kept in the context and shared; the rest are
    checked straight away. Either way each rule checks each target once."""
    chosen = [rule for rule in rules if rule.code in selected]
    shared = {code for rule in chosen for code in rule.reads}
    found: list[Finding] = []
    for applies, targets in (("canonical", canonical), ("wire", wire_evs)):
        checks = [r for r in chosen if r.scope == "event" and r.applies_to == applies]
        if checks:
            _check_events(checks, targets, ctx, shared, found)
    for rule in chosen:
        if rule.scope == "event":
            continue
        issues = (
            ctx.issues(rule.code, canonical) if rule.code in shared else rule.check(canonical, ctx)
        )
        found.extend(_finding(rule, issue, issue.event) for issue in issues)
    return found


def _check_events(
    rules: Sequence[Rule],
    events: Sequence[PixelEvent],
    ctx: RuleContext,
    shared: set[str],
    found: list[Finding],
) -> None:
    """Every event rule on every event of `events` (automatic events skipped), event by event.

    A name rule (`Rule.per_name`) is checked once per distinct name and its issues (immutable)
    reused for every event with that name. The results other rules read (`shared`) go into the
    context as they are found, so `ctx.issues` never checks an event again. Findings come out
    event by event rather than rule by rule; for one rule they keep the order of `events`,
    which is all the final sort (event index, then code; stable) keeps."""
    by_name = [rule for rule in rules if rule.per_name]
    others = [rule for rule in rules if not rule.per_name]
    kept = {code: ctx.kept(code) for code in shared}
    #: (name, the name is not a string at the call) -> [(rule, its issues)] for the name rules
    names: dict[tuple[str, bool], list[tuple[Rule, list[Issue]]]] = {}
    for event in events:
        if event.auto:
            continue
        key = (event.name, called_name(event) is None)
        named = names.get(key)
        if named is None:
            named = names[key] = [(rule, list(rule.check(event, ctx))) for rule in by_name]
        for rule, issues in named:
            if rule.code in kept:
                kept[rule.code][id(event)] = (event, issues)
            for issue in issues:
                found.append(_event_finding(rule, issue, event))
        for rule in others:
            store = kept.get(rule.code)
            if store is None:
                checked: Iterable[Issue] = rule.check(event, ctx)
            else:  # what ctx.issues does, without its look-ups
                known = store.get(id(event))
                if known is None or known[0] is not event:
                    known = store[id(event)] = (event, list(rule.check(event, ctx)))
                checked = known[1]
            for issue in checked:
                found.append(_event_finding(rule, issue, event))


def _event_finding(rule: Rule, issue: Issue, event: PixelEvent) -> Finding:
    """`_finding` for an event rule's issue: built from values already validated (the event,
    the rule, the issue's fields), so without validating them again."""
    return Finding.model_construct(
        code=rule.code,
        name=rule.name,
        severity=issue.severity or rule.severity,
        message=issue.message,
        fix=rule.fix,
        path=issue.path,
        expected=issue.expected,
        received=issue.received,
        call=issue.call or event.call,
        event_index=event.index,
        event_name=event.name,
        pixel_code=event.pixel_code,
        page_url=event.page_url,
        source=event.source,
        request=event.request,
    )


def _finding(rule: Rule, issue: Issue, event: PixelEvent | None) -> Finding:
    """A Finding with everything needed to find the mistake: event, call or request."""
    if event is not None:
        return _event_finding(rule, issue, event)
    call = issue.call
    where: dict[str, Any] = {}
    if call is not None:
        where = {
            "event_index": call.index,
            "event_name": call.method,
            "pixel_code": call.pixel_code,
            "page_url": call.frame_url or call.page_url,
            "source": "call",
        }
    elif issue.request is not None:
        where = {
            "event_index": issue.request.index,
            "page_url": issue.request.page_url,
            "source": "wire",
            "request": issue.request,
        }
    return Finding(
        code=rule.code,
        name=rule.name,
        severity=issue.severity or rule.severity,
        message=issue.message,
        fix=rule.fix,
        path=issue.path,
        expected=issue.expected,
        received=issue.received,
        call=call,
        **where,
    )


def sdk_version(events: Sequence[PixelEvent]) -> str | None:
    """The pixel library version most beacons carried (e.g. 2.1.33-emulated), if any."""
    versions = Counter(f"{e.library_name} {e.library_version}" for e in events if e.library_version)
    return versions.most_common(1)[0][0] if versions else None


def build_report(
    *,
    harness_version: str,
    sdk: str,
    url: str,
    browser: str | None,
    calls: Sequence[TtqCall],
    requests: Sequence[RawRequest],
    notes: Sequence[dict[str, Any]] = (),
    config: RulesConfig | None = None,
    forward_beacons: bool = False,
    documents: Sequence[CapturedDocument] = (),
) -> CaptureReport:
    """The report of what was recorded (derived here: for HAR files and tests)."""
    return report_of(
        derive(calls, requests, notes=notes, documents=documents),
        harness_version=harness_version,
        sdk=sdk,
        url=url,
        browser=browser,
        config=config,
        forward_beacons=forward_beacons,
    )


def report_of(
    capture: Capture,
    *,
    harness_version: str,
    sdk: str,
    url: str,
    browser: str | None,
    config: RulesConfig | None = None,
    forward_beacons: bool = False,
) -> CaptureReport:
    """The report of a capture value: one rule pass over it, nothing decoded or paired again."""
    settings = config or RulesConfig()
    events = capture.events
    # the pixel's requests, then what an Events API sink received (the EA rules' input)
    requests = [*capture.requests, *capture.server_requests]
    findings = run_rules(
        events,
        calls=capture.calls,
        requests=requests,
        undecodable=capture.undecodable,
        config=settings,
        sdk=sdk,
        forward_beacons=forward_beacons,
        documents=capture.documents,
        capture=capture,
    )
    return CaptureReport(
        harness_version=harness_version,
        sdk=sdk,
        profile=settings.profile,
        sdk_version=sdk_version(capture.wire_events),
        url=url,
        browser=browser,
        events=events,
        calls=list(capture.calls),
        requests=requests,
        undecodable=list(capture.undecodable),
        findings=findings,
        # With no call recorded there is nothing to reconcile (a HAR, a page without ttq).
        reconciliation=reconcile_capture(
            capture.call_events,
            capture.wire_events,
            calls=capture.calls,
            requests=capture.requests,
            matching=capture.matching,
            index=capture.document_index,
            differences=capture.differences,
        )
        if capture.calls
        else Reconciliation(),
        documents=list(capture.documents),
    )


# -- the Events API rules on a capture plus what a local sink received -----------------------


def events_api_findings(
    report: CaptureReport,
    server_requests: Sequence[RawRequest],
    config: RulesConfig | None = None,
) -> list[Finding]:
    """Run the EA rules the configuration selects on the capture and the sink's requests.

    Only EA rules run, so the capture's other findings (already in `report.findings`) are not
    repeated; `ignore` and `severity` apply as usual.
    """
    settings = config or RulesConfig()
    selected = set().union(*(expand(selector) for selector in settings.select))
    chosen = sorted(code for code in selected if code.startswith("EA"))
    if not chosen or not server_requests:
        return []
    return run_rules(
        report.events,
        calls=report.calls,
        requests=[*report.requests, *server_requests],
        undecodable=report.undecodable,
        config=settings.merged(select=chosen),
        check_delivery=False,
        capture=capture_of(report, server_requests),
    )


def capture_of(report: CaptureReport, server_requests: Sequence[RawRequest] = ()) -> Capture:
    """The capture value behind a report, from what the report holds (nothing decoded again)."""
    decoded: dict[int, list[PixelEvent] | UndecodableBeacon] = {
        bad.request.index: bad for bad in report.undecodable
    }
    wire = [event for event in report.events if event.source == "wire"]
    for event in wire:
        if event.request is not None:
            found = decoded.setdefault(event.request.index, [])
            if isinstance(found, list):
                found.append(event)
    return Capture(
        calls=report.calls,
        requests=[*report.requests, *server_requests],
        call_events=[event for event in report.events if event.source == "call"],
        wire_events=wire,
        undecodable=report.undecodable,
        decoded=decoded,
        documents=report.documents,
    )


def with_events_api_findings(
    report: CaptureReport,
    server_requests: Sequence[RawRequest],
    config: RulesConfig | None = None,
) -> CaptureReport:
    """The report with the EA findings added (and the Events API requests among its requests)."""
    extra = events_api_findings(report, server_requests, config)
    return report.model_copy(
        update={
            "findings": [*report.findings, *extra],
            "requests": [*report.requests, *server_requests],
        }
    )
