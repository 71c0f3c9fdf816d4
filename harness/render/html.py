"""HTML reports: a plan run (`render_plan_html`) and a capture (`render_capture_html`).

One HTML string with inline CSS and a few lines of inline JS (expand/collapse, filtering; kept
in templates/report.css and report.js) that nothing depends on: the report reads the same
with JS disabled (<details>/<summary>), opens from disk and makes no request (a
Content-Security-Policy forbids any). Screenshots are embedded as data URIs.

Everything the page sent is data, never markup: Jinja2 autoescapes it, URLs are shown as text
(never as links), JSON sits escaped in <pre>. Personal data is masked by the caller, on the
report value (harness.core.masking.masked). Pure: no browser, no network; files are read only for
screenshots.

Why one module over 500 lines: it is one renderer (the view models both reports share and
their Jinja environment); the markup is in templates/report.html.j2, the style and script in
report.css and report.js.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from harness.core.model import (
    CaptureReport,
    Finding,
    PixelEvent,
    RawRequest,
    Reconciliation,
    Severity,
    TtqCall,
)
from harness.core.plan.result import (
    EventSummary,
    ExpectationResult,
    JourneyResult,
    PlanResult,
    StepResult,
)
from harness.core.rules import Rule, all_rules
from harness.core.tiktok import SDK_ALIASES
from harness.render.text import key_params, reconciliation_summary

__all__ = ["render_capture_html", "render_plan_html"]

OK, FAIL, WARN = "✓", "✗", "!"
#: Longest text shown whole in a one-line summary; longer values are cut with "…".
SUMMARY_LIMIT = 120
#: Longest text shown whole in a list; longer values get a <details> with the full value.
INLINE_LIMIT = 400
#: The report's style and its few lines of script, inlined (the report is one file) and pinned
#: by hash in its Content-Security-Policy.
_CSS, _JS = (
    resources.files("harness.render").joinpath("templates", name).read_text("utf-8").strip()
    for name in ("report.css", "report.js")
)


# ---------------------------------------------------------------------------------------------
# Views: plain values the template renders (all text; the template escapes it).


@dataclass(frozen=True)
class Clip:
    """A text value: `short` for one-line summaries, `full` when it had to be cut."""

    short: str
    full: str

    @property
    def cut(self) -> bool:
        return self.short != self.full

    def __str__(self) -> str:
        return self.short


def clip(text: str, limit: int = SUMMARY_LIMIT) -> Clip:
    if len(text) <= limit:
        return Clip(text, text)
    return Clip(f"{text[: limit - 1]}… ({len(text):,} characters)", text)


@dataclass(frozen=True)
class RequestView:
    method: str
    url: str
    endpoint: str
    kind: str
    headers: list[tuple[str, str]]
    body: str | None
    body_origin: str


@dataclass(frozen=True)
class CallView:
    method: str
    pixel_code: str | None
    args: str
    location: str | None
    frame_url: str | None


@dataclass(frozen=True)
class FindingRef:
    anchor: str
    code: str
    severity: str


@dataclass
class EventView:
    anchor: str
    index: int
    source: str
    name: Clip
    pixel: str
    event_id: str
    auto: bool
    params: Clip
    properties: str
    user: str | None
    page_url: str | None
    referrer: str | None
    library: str | None
    timestamp: str | None
    endpoint: str | None
    call: CallView | None
    request: RequestView | None
    findings: list[FindingRef] = field(default_factory=list)

    @property
    def search_text(self) -> str:
        return f"#{self.index} {self.name.full} {self.pixel} {self.event_id}".lower()


@dataclass(frozen=True)
class TimelineRow:
    call: EventView | None
    wires: list[EventView]

    @property
    def indexes(self) -> str:
        return " ".join(str(v.index) for v in ([self.call] if self.call else []) + self.wires)

    @property
    def search_text(self) -> str:
        views = ([self.call] if self.call else []) + self.wires
        return " ".join(view.search_text[:300] for view in views)


@dataclass(frozen=True)
class PageGroup:
    page_url: str
    rows: list[TimelineRow]
    calls: int
    wires: int


@dataclass(frozen=True)
class FindingView:
    anchor: str
    code: str
    name: str
    severity: str
    message: str
    fix: str
    path: str
    expected: str | None
    received: str | None
    event_anchor: str | None
    event_label: Clip | None
    where: str | None
    request: RequestView | None


@dataclass(frozen=True)
class EventLink:
    anchor: str | None
    label: str


@dataclass(frozen=True)
class Difference:
    path: str | None
    expected: str | None
    received: str | None
    text: str


@dataclass(frozen=True)
class NearMissView:
    event: EventLink
    differences: list[Difference]


@dataclass(frozen=True)
class CheckView:
    ok: bool
    mark: str
    text: str
    events: list[EventLink]
    near_misses: list[NearMissView]


@dataclass(frozen=True)
class Screenshot:
    data_uri: str | None
    path: str


@dataclass(frozen=True)
class StepView:
    index: int
    description: Clip
    url: str | None
    state: str  # passed | failed | skipped
    mark: str
    error: str | None
    checks: list[CheckView]
    order_problem: str | None
    notes: list[str]
    unplanned: list[CheckView]
    unexpected: list[CheckView]
    screenshot: Screenshot | None
    duration: float


@dataclass(frozen=True)
class TraceView:
    href: str
    path: str
    command: str


@dataclass(frozen=True)
class JourneyView:
    name: str
    anchor: str
    ok: bool
    headline: str
    error: str | None
    steps: list[StepView]
    findings: list[FindingView]
    pages: list[PageGroup]
    calls: int
    wires: int
    trace: TraceView | None
    reconciliation: ReconciliationView | None = None


@dataclass(frozen=True)
class RuleView:
    code: str
    anchor: str
    rule: Rule | None


@dataclass(frozen=True)
class CoverageRow:
    name: str
    seen: bool
    purpose: str
    journeys: list[tuple[str, str]]  # (name, anchor)


@dataclass(frozen=True)
class PageRow:
    """An audited page in the report's sortable, filterable pages table."""

    position: int
    anchor: str
    name: str
    ok: bool
    status: str
    pixels: str
    events: str
    findings: int
    seconds: float
    broken: str  # the site checks it breaks
    install: str = ""  # how its pixel was installed (base-code, tag-manager...)

    @property
    def search_text(self) -> str:
        fields = [self.name, self.status, self.pixels, self.install, self.events, self.broken]
        return " ".join(fields).lower()


# ---------------------------------------------------------------------------------------------
# Building the views.


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _body_text(body: str | None) -> str | None:
    if body is None:
        return None
    try:
        return _json(json.loads(body))
    except ValueError:
        return body


def _request_view(request: RawRequest) -> RequestView:
    return RequestView(
        method=request.method,
        url=request.url,
        endpoint=request.endpoint,
        kind=request.kind.value,
        headers=sorted(request.headers.items()),
        body=_body_text(request.body),
        body_origin=request.body_origin,
    )


def _call_view(call: TtqCall) -> CallView:
    return CallView(
        method=call.method,
        pixel_code=call.pixel_code,
        args=_json(call.args),
        location=call.location,
        frame_url=call.frame_url if call.frame_url != call.page_url else None,
    )


def _event_view(event: PixelEvent, anchor: str) -> EventView:
    library = " ".join(x for x in (event.library_name, event.library_version) if x) or None
    return EventView(
        anchor=anchor,
        index=event.index,
        source=event.source,
        name=clip(event.name, 80),
        pixel=event.pixel_code or "all pixels",
        event_id=event.event_id,
        auto=event.auto,
        params=clip(key_params(event, width=SUMMARY_LIMIT + 1)),
        properties=_json(event.properties),
        user=_json(event.user) if event.user else None,
        page_url=event.page_url,
        referrer=event.referrer or None,
        library=library,
        timestamp=event.timestamp,
        endpoint=event.endpoint,
        call=_call_view(event.call) if event.call else None,
        request=_request_view(event.request) if event.request else None,
    )


def _timeline(views: Sequence[EventView], events: Sequence[PixelEvent]) -> list[PageGroup]:
    """Events by page, calls | beacons; a call and the beacons it produced share a row."""
    by_page: dict[str, list[tuple[PixelEvent, EventView]]] = {}
    for event, view in sorted(zip(events, views, strict=True), key=lambda p: p[0].index):
        by_page.setdefault(event.page_url or "(no page URL)", []).append((event, view))
    groups: list[PageGroup] = []
    for page_url, pairs in by_page.items():
        rows: list[tuple[int, EventView | None, list[EventView]]] = []
        open_calls: list[tuple[PixelEvent, list[EventView], set[str | None]]] = []
        for event, view in pairs:
            if event.source == "call":
                beacons: list[EventView] = []
                open_calls.append((event, beacons, set()))
                rows.append((event.index, view, beacons))
                continue
            owner = None
            if not event.auto:
                for call, beacons, pixels in open_calls:
                    if (
                        SDK_ALIASES.get(call.name, call.name) == event.name
                        and call.pixel_code in (None, event.pixel_code)
                        and event.pixel_code not in pixels
                    ):
                        owner = (beacons, pixels)
                        break
            if owner is None:
                rows.append((event.index, None, [view]))
            else:
                owner[0].append(view)
                owner[1].add(event.pixel_code)
        groups.append(
            PageGroup(
                page_url=page_url,
                rows=[TimelineRow(call, wires) for _, call, wires in rows],
                calls=sum(1 for e, _ in pairs if e.source == "call"),
                wires=sum(1 for e, _ in pairs if e.source == "wire"),
            )
        )
    return groups


def _finding_views(
    findings: Sequence[Finding], prefix: str, events: Mapping[int, EventView]
) -> list[FindingView]:
    views = []
    for number, finding in enumerate(findings, start=1):
        anchor = f"{prefix}f{number}"
        event = events.get(finding.event_index) if finding.event_index is not None else None
        if event is not None:
            event.findings.append(FindingRef(anchor, finding.code, finding.severity.value))
        label = None
        if finding.event_index is not None:
            label = clip(
                f"#{finding.event_index} {finding.source or ''} {finding.event_name or ''}".strip()
                + (f" to {finding.pixel_code}" if finding.pixel_code else ""),
                90,
            )
        where = None
        if finding.call is not None and finding.call.location:
            where = f"at {finding.call.location}"
        elif finding.page_url:
            where = f"on {finding.page_url}"
        views.append(
            FindingView(
                anchor=anchor,
                code=finding.code,
                name=finding.name,
                severity=finding.severity.value,
                message=finding.message,
                fix=finding.fix,
                path=finding.path,
                expected=None if finding.expected is None else _compact(finding.expected),
                received=None if finding.received is None else _compact(finding.received),
                event_anchor=event.anchor if event else None,
                event_label=label,
                where=where,
                request=(
                    _request_view(finding.request)
                    if finding.request is not None and event is None
                    else None
                ),
            )
        )
    return views


def _events_of(
    events: Sequence[PixelEvent], prefix: str, findings: Sequence[Finding]
) -> tuple[list[EventView], list[FindingView], list[PageGroup]]:
    views = [_event_view(event, f"{prefix}e{event.index}") for event in events]
    by_index = {view.index: view for view in views}
    finding_views = _finding_views(findings, prefix, by_index)
    return views, finding_views, _timeline(views, events)


_DIFF = re.compile(r"^(?P<path>[^\s:][^:]*): expected (?P<expected>.*?), got (?P<got>.*)$", re.S)
_MISSING = re.compile(r"^(?P<path>[^\s:][^:]*): missing \(expected (?P<expected>.*)\)$", re.S)


def _difference(text: str) -> Difference:
    if m := _DIFF.match(text):
        return Difference(m["path"], m["expected"], m["got"], text)
    if m := _MISSING.match(text):
        return Difference(m["path"], m["expected"], "(missing)", text)
    return Difference(None, None, None, text)


def _link(index: int, prefix: str, known: set[int], label: str | None = None) -> EventLink:
    return EventLink(f"{prefix}e{index}" if index in known else None, label or f"#{index}")


def _expectation_view(result: ExpectationResult, prefix: str, known: set[int]) -> CheckView:
    pixel = f" to {result.pixel}" if result.pixel else ""
    source = " (at the call)" if result.source == "call" else ""
    label = (
        result.expected
        if result.expected == result.event
        else (f"{result.expected} ({result.event})")
    )
    events = [_link(i, prefix, known) for i in result.matched]
    if result.wanted == "never":
        text = f"{label}{pixel}{source}: " + (
            "never sent" if result.ok else f"must never be sent, was sent {result.found} time(s)"
        )
    else:
        text = f"{label}{pixel}{source}: expected {result.wanted}, found {result.found}"
    near = [
        NearMissView(
            event=_link(
                miss.event.index,
                prefix,
                known,
                f"#{miss.event.index} {miss.event.source} {miss.event.name!r} "
                f"pixel={miss.event.pixel_code or 'all'}",
            ),
            differences=[_difference(d) for d in miss.differences],
        )
        for miss in result.near_misses
    ]
    return CheckView(result.ok, OK if result.ok else FAIL, text, events, near)


def _unexpected_view(event: EventSummary, fails: bool, prefix: str, known: set[int]) -> CheckView:
    name = clip(repr(event.name), 90).short
    return CheckView(
        ok=False,
        mark=FAIL if fails else WARN,
        text=f"unexpected: {name} to {event.pixel_code or 'all pixels'} "
        "(not in this step's expectations)",
        events=[_link(event.index, prefix, known)],
        near_misses=[],
    )


def _screenshot(path: str | None) -> Screenshot | None:
    if path is None:
        return None
    try:
        data = Path(path).read_bytes()
    except OSError:
        return Screenshot(None, path)
    return Screenshot("data:image/png;base64," + base64.b64encode(data).decode("ascii"), path)


def _step_view(step: StepResult, prefix: str, known: set[int], screenshot: str | None) -> StepView:
    state = "skipped" if step.skipped else ("passed" if step.ok else "failed")
    checks = [_expectation_view(r, prefix, known) for r in [*step.expectations, *step.never]]
    unplanned = [
        CheckView(
            ok=False,
            mark=FAIL if step.unplanned_pixels_fail else WARN,
            text=f"{len(indexes)} event(s) went to pixel {pixel}, which the plan's pixels do "
            "not name",
            events=[_link(i, prefix, known) for i in indexes],
            near_misses=[],
        )
        for pixel, indexes in step.unplanned_pixels.items()
    ]
    return StepView(
        index=step.index,
        description=clip(step.description),
        url=step.url,
        state=state,
        mark={"passed": OK, "failed": FAIL, "skipped": "-"}[state],
        error=step.error,
        checks=checks,
        order_problem=step.order_problem,
        notes=step.notes,
        unplanned=unplanned,
        unexpected=[
            _unexpected_view(e, step.unexpected_fails, prefix, known) for e in step.unexpected
        ],
        screenshot=_screenshot(screenshot),
        duration=step.duration,
    )


def _slugs(names: Iterable[str]) -> dict[str, str]:
    slugs: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60] or "journey"
        slug, n = base, 1
        while slug in used:
            n += 1
            slug = f"{base}-{n}"
        used.add(slug)
        slugs[name] = slug
    return slugs


def _trace(path: str) -> TraceView:
    posix = Path(path).as_posix()
    href = Path(path).resolve().as_uri() if Path(path).is_absolute() else quote(posix)
    return TraceView(href=href, path=path, command=f"playwright show-trace {shlex.quote(path)}")


def journey_headline(journey: JourneyResult) -> str:
    """As the terminal prints it (harness.render.plan_text)."""
    failed = sum(1 for s in journey.steps if not s.ok and not s.skipped)
    wire = sum(1 for e in journey.events if e.source == "wire")
    state = f"{len(journey.steps)} steps" + (f", {failed} failed" if failed else "")
    if journey.failing_findings:
        state += f", {journey.failing_findings} failing finding(s)"
    return f"{journey.name} ({state}, {wire} wire events, {journey.duration:.1f}s)"


@dataclass(frozen=True)
class ReconciledItem:
    """One lost call or one beacon without a call: link, label (reason/origin), detail."""

    link: EventLink
    label: str
    detail: str


@dataclass(frozen=True)
class FieldDifferenceView:
    call: EventLink
    beacon: EventLink
    pixel: str
    path: str
    kind: str
    called: str
    sent: str
    behaviour: str | None


@dataclass(frozen=True)
class ReconciliationView:
    summary: str
    lost: list[ReconciledItem]
    beacons: list[ReconciledItem]
    differences: list[FieldDifferenceView]

    @property
    def unexplained(self) -> int:
        return sum(1 for d in self.differences if d.behaviour is None)


def _reconciliation_view(
    result: Reconciliation | None, prefix: str, known: set[int]
) -> ReconciliationView | None:
    """Lost calls with reasons, beacons without a call by origin, and the differences."""
    if result is None or not (result.calls or result.beacons or result.quiet_calls):
        return None
    return ReconciliationView(
        summary=reconciliation_summary(result),
        lost=[
            ReconciledItem(
                _link(lost.call_index, prefix, known, f"#{lost.call_index} {lost.name}"),
                lost.reason + (f" (pixel {lost.pixel_code})" if lost.pixel_code else ""),
                lost.detail,
            )
            for lost in result.lost_calls
        ],
        beacons=[
            ReconciledItem(
                _link(beacon.beacon_index, prefix, known, f"#{beacon.beacon_index} {beacon.name}"),
                beacon.origin,
                beacon.detail,
            )
            for beacon in result.unexplained_beacons
        ],
        differences=[
            FieldDifferenceView(
                call=_link(d.call_index, prefix, known),
                beacon=_link(d.beacon_index, prefix, known),
                pixel=d.pixel_code or "",
                path=d.path,
                kind=d.kind,
                called=_compact(d.called),
                sent=_compact(d.sent),
                behaviour=d.behaviour,
            )
            for d in result.differences
        ],
    )


def _journey_view(
    journey: JourneyResult,
    anchor: str,
    screenshots: Mapping[tuple[str, int], str],
    trace_files: Mapping[str, str],
) -> JourneyView:
    prefix = f"{anchor}-"
    _, findings, pages = _events_of(journey.events, prefix, journey.findings)
    known = {e.index for e in journey.events}
    trace = trace_files.get(journey.name)
    return JourneyView(
        name=journey.name,
        anchor=anchor,
        ok=journey.ok,
        headline=journey_headline(journey),
        error=journey.error,
        steps=[
            _step_view(s, prefix, known, screenshots.get((journey.name, s.index)))
            for s in journey.steps
        ],
        findings=findings,
        pages=pages,
        calls=sum(1 for e in journey.events if e.source == "call"),
        wires=sum(1 for e in journey.events if e.source == "wire"),
        trace=_trace(trace) if trace else None,
        reconciliation=_reconciliation_view(journey.reconciliation, prefix, known),
    )


def _rule_views(findings: Iterable[Finding]) -> list[RuleView]:
    rules = {r.code: r for r in all_rules()}
    codes = sorted({f.code for f in findings})
    return [RuleView(code, f"rule-{code}", rules.get(code)) for code in codes]


def _severity_counts(findings: Iterable[Finding]) -> dict[str, int]:
    counts = {level.value: 0 for level in Severity}
    for finding in findings:
        counts[finding.severity.value] += 1
    return counts


# ---------------------------------------------------------------------------------------------
# Rendering.


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("harness.render", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["clip"] = clip
    return env


_ENV: Environment | None = None


def _render(**context: Any) -> str:
    global _ENV
    if _ENV is None:
        _ENV = _environment()
    template = _ENV.get_template("report.html.j2")
    csp = "; ".join(
        [
            "default-src 'none'",
            "img-src data:",
            f"style-src 'sha256-{_sha256(_CSS)}'",
            f"script-src 'sha256-{_sha256(_JS)}'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    # Our own constant CSS and JS, not page data: the only markup marked safe.
    return template.render(csp=csp, css=Markup(_CSS), js=Markup(_JS), ok=OK, fail=FAIL, **context)


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def render_plan_html(
    result: PlanResult,
    *,
    screenshots: dict[tuple[str, int], str] | None = None,
    trace_files: dict[str, str] | None = None,
) -> str:
    """A plan run as one self-contained HTML page (of a result already masked by the caller).

    screenshots: (journey name, step index) -> PNG path, embedded as data URIs (a missing
    file is noted). trace_files: journey name -> Playwright trace zip, shown as a link
    (relative paths stay relative to the report) and a `playwright show-trace` command.
    """
    slugs = _slugs(j.name for j in result.journeys)
    journeys = [
        _journey_view(j, f"j-{slugs[j.name]}", screenshots or {}, trace_files or {})
        for j in result.journeys
    ]
    all_findings = [f for j in result.journeys for f in j.findings]
    steps = [s for j in result.journeys for s in j.steps]
    coverage = [
        CoverageRow(
            name=name,
            seen=seen,
            purpose=result.purposes.get(name, ""),
            journeys=[
                (j.name, f"j-{slugs[j.name]}")
                for j in result.journeys
                if any(
                    e.expected == name and e.found and e.wanted != "never"
                    for s in j.steps
                    for e in s.expectations
                )
            ],
        )
        for name, seen in result.coverage.items()
    ]
    passed = sum(1 for j in result.journeys if j.ok)
    return _render(
        kind="plan",
        audit_pages=_page_rows(result, slugs) if result.kind == "audit" else [],
        title=f"ttq-harness plan report: {result.plan}",
        result=result,
        harness_version=result.harness_version,
        verdict="plan holds" if result.ok else "plan does NOT hold",
        journeys=journeys,
        coverage=coverage,
        seen=sum(1 for row in coverage if row.seen),
        counts={
            "journeys": len(result.journeys),
            "passed": passed,
            "failed": len(result.journeys) - passed,
            "steps": len(steps),
            "steps_failed": sum(1 for s in steps if not s.ok and not s.skipped),
            "steps_skipped": sum(1 for s in steps if s.skipped),
            "calls": sum(j.calls for j in journeys),
            "wires": sum(j.wires for j in journeys),
            **_severity_counts(all_findings),
        },
        findings_total=len(all_findings),
        rules=_rule_views(all_findings),
    )


def _page_rows(result: PlanResult, slugs: dict[str, str]) -> list[PageRow]:
    broken: dict[str, list[str]] = {}
    for check in result.checks:
        for page in check.pages if not check.ok else ():
            broken.setdefault(page, []).append(check.code)
    rows = []
    for n, journey in enumerate(result.journeys):
        wire = [e for e in journey.events if e.source == "wire"]
        pixels = sorted({c for e in wire for c in [*e.pixel_codes, e.pixel_code] if c})
        rows.append(
            PageRow(
                position=journey.position if journey.position is not None else n,
                anchor=f"j-{slugs[journey.name]}",
                name=journey.name,
                ok=journey.ok and journey.name not in broken,
                status=str(journey.status) if journey.status is not None else "none",
                pixels=", ".join(pixels),
                events=", ".join(dict.fromkeys(e.name for e in wire)),
                findings=len(journey.findings),
                seconds=journey.duration,
                broken=" ".join(broken.get(journey.name, [])),
                install=journey.pixel_install or "",
            )
        )
    return rows


def render_capture_html(report: CaptureReport) -> str:
    """A capture (`ttq-harness inspect`) as one self-contained HTML page (of a report already
    masked by the caller)."""
    _, findings, pages = _events_of(report.events, "", report.findings)
    pixels = sorted({c for e in report.events if e.source == "wire" for c in e.pixel_codes})
    return _render(
        kind="capture",
        title=f"ttq-harness capture: {clip(report.url, 80)}",
        report=report,
        harness_version=report.harness_version,
        findings=findings,
        pages=pages,
        pixels=pixels,
        undecodable=[(_request_view(u.request), u.reason) for u in report.undecodable],
        requests=[_request_view(r) for r in report.requests],
        counts={
            "calls": sum(1 for e in report.events if e.source == "call"),
            "wires": sum(1 for e in report.events if e.source == "wire"),
            "telemetry": sum(1 for r in report.requests if r.kind.value == "telemetry"),
            **_severity_counts(report.findings),
        },
        rules=_rule_views(report.findings),
        reconciliation=_reconciliation_view(
            report.reconciliation, "", {e.index for e in report.events}
        ),
    )
