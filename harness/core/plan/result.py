"""What a run found, as data: the one result value of every command, which every output
renders (terminal, JSON, JUnit, HTML).

A plan run (`run`, `demo`) has a journey per planned journey. `inspect`, `lint` (HAR) and
`record` are one-page runs: one journey holding the whole capture of that page
(`page_result`), so they are masked, written and drawn by the same code as a plan run. The JSON
of an `inspect` or `lint` result is its page's `CaptureReport` (`page_report`), the format
scripts already read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.core.config import FailOn, fails
from harness.core.model import (
    CapturedDocument,
    CaptureReport,
    Finding,
    PixelEvent,
    RawRequest,
    Reconciliation,
    TtqCall,
    UndecodableBeacon,
)

#: Which command made a result.
ResultKind = Literal["plan", "inspect", "lint", "record", "audit"]
#: Results whose JSON is their one page's CaptureReport (the `inspect --json` format).
PAGE_REPORT_KINDS: tuple[ResultKind, ...] = ("inspect", "lint")


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EventSummary(_Value):
    index: int
    source: str
    name: str
    pixel_code: str | None
    event_id: str
    page_url: str | None
    properties: Any

    @classmethod
    def of(cls, event: PixelEvent) -> EventSummary:
        return cls(
            index=event.index,
            source=event.source,
            name=event.name,
            pixel_code=event.pixel_code,
            event_id=event.event_id,
            page_url=event.page_url,
            properties=event.properties,
        )


class NearMiss(_Value):
    event: EventSummary
    differences: list[str]


class ExpectationResult(_Value):
    expected: str = Field(description="The expectation as the plan named it.")
    event: str = Field(description="Event name as sent.")
    pixel: str | None
    source: str
    wanted: str = Field(description="How many: 'exactly 1', 'at least once', 'never'...")
    found: int
    ok: bool
    matched: list[int] = Field(default_factory=list, description="Indexes of matching events.")
    near_misses: list[NearMiss] = Field(default_factory=list)


class StepResult(_Value):
    index: int
    description: str
    url: str | None = None
    ok: bool
    skipped: bool = False
    error: str | None = None
    expectations: list[ExpectationResult] = Field(default_factory=list)
    never: list[ExpectationResult] = Field(default_factory=list)
    unexpected: list[EventSummary] = Field(default_factory=list)
    unexpected_fails: bool = False
    unplanned_pixels: dict[str, list[int]] = Field(
        default_factory=dict, description="Pixel codes the plan does not name -> event indexes."
    )
    unplanned_pixels_fail: bool = False
    order_problem: str | None = None
    notes: list[str] = Field(
        default_factory=list,
        description="What the harness noticed that explains a failure (no pixel on the page).",
    )
    screenshot: str | None = Field(default=None, description="PNG of the page after the step.")
    duration: float = 0.0


class JourneyResult(_Value):
    name: str
    ok: bool
    steps: list[StepResult]
    findings: list[Finding] = Field(default_factory=list)
    failing_findings: int = 0
    events: list[PixelEvent] = Field(default_factory=list)
    error: str | None = None
    trace: str | None = Field(
        default=None,
        description="Playwright trace of the journey (open with `playwright show-trace`).",
    )
    duration: float = 0.0
    reconciliation: Reconciliation | None = Field(
        default=None,
        description="The journey's calls matched to their beacons (docs/reconciliation.md).",
    )
    # The rest of a capture: filled for a one-page run (inspect, lint, record), empty for a
    # plan's journeys, whose reports stay the size of their events.
    url: str | None = Field(default=None, description="The page a one-page run opened.")
    status: int | None = Field(
        default=None, description="An audited page's HTTP status (None: not audited)."
    )
    calls: list[TtqCall] = Field(default_factory=list)
    requests: list[RawRequest] = Field(default_factory=list)
    undecodable: list[UndecodableBeacon] = Field(default_factory=list)
    documents: list[CapturedDocument] = Field(default_factory=list)
    # An audited page's place in the audit's breadth-first order, and how it was found.
    position: int | None = Field(
        default=None,
        description="An audited page's place in the audit's visiting order (from 0): shard "
        "results merge back into this order.",
    )
    found_on: str | None = Field(
        default=None, description="An audited page: the page linking to it, 'start' or 'sitemap'."
    )
    depth: int | None = Field(default=None, description="An audited page: links from the start.")
    consent: list[str] = Field(
        default_factory=list,
        description="An audited page: the ttq consent methods it called (holdConsent, "
        "grantConsent, revokeConsent), in the order of their first call.",
    )
    pixel_install: str | None = Field(
        default=None,
        description="An audited page: how its pixel was installed, from where its ttq.load "
        "call ran: 'base-code' (inline in the page), 'tag-manager' (gtm.js, utag.js...), "
        "'script:HOST' (another script file), 'injected' (an inline script another script "
        "inserted), 'unknown' (pixel events, no load call recorded) or 'none'; several "
        "pixels installed differently give each way, comma-separated.",
    )


class AuditInfo(_Value):
    """What an audit covered, beside its pages: enough to merge shards and to resume."""

    start_url: str
    shard: str | None = Field(default=None, description="'I/N' for one shard of an audit.")
    pixels: list[str] = Field(
        default_factory=list, description="The allow-list of pixel codes (--pixel)."
    )
    discovered: int = Field(
        description="Pages found within the scope and limits (every shard's together)."
    )
    skipped: dict[str, int] = Field(
        default_factory=dict,
        description="Links not followed, by reason (other host, robots.txt, page limit...), and "
        "pages visited that were not the site's (redirected off site).",
    )
    resumed: int = Field(default=0, description="Pages taken from --resume state, not revisited.")
    workers: int = 1
    hosts: list[str] = Field(
        default_factory=list,
        description="The hosts audited: the start URL's, the host it redirects to, --allow-host.",
    )
    crawl: bool = Field(
        default=True,
        description="Links were followed (not --no-crawl): every shard then reads every page's "
        "links and skips alike; without, each shard knows only the redirects of its own pages.",
    )


class SiteCheck(_Value):
    """One site-level check of an audit (codes AU…): which pages break it."""

    code: str
    name: str
    severity: str = Field(description="error, warning or info")
    ok: bool
    message: str
    pages: list[str] = Field(default_factory=list, description="The pages that break it.")


class PlanResult(_Value):
    schema_version: int = 1
    kind: ResultKind = Field(
        default="plan",
        description="The command that made it: a plan run, or a one-page run (inspect, lint, "
        "record) with one journey.",
    )
    harness_version: str
    plan: str
    base_url: str | None
    profile: str
    sdk: str = "emulated"
    sdk_version: str | None = Field(
        default=None, description="Pixel library version seen on the wire."
    )
    browser: str | None = None
    ok: bool
    journeys: list[JourneyResult]
    coverage: dict[str, bool] = Field(description="Each planned event: seen at least once?")
    checks: list[SiteCheck] = Field(
        default_factory=list, description="An audit's site-level checks (empty otherwise)."
    )
    audit: AuditInfo | None = Field(default=None, description="An audit's coverage (else None).")
    unmatched: list[str] = Field(
        default_factory=list,
        description="Planned events never seen as defined, though sent under their event name "
        "(with other parameters, or to another pixel).",
    )
    purposes: dict[str, str] = Field(
        default_factory=dict,
        description="Each planned event: what it is for in TikTok (optimization, audience, "
        "reporting; 'custom (reporting only)' for a custom event).",
    )
    incomplete: str | None = Field(
        default=None,
        description="Why the run stopped before every journey ran (the browser closed or "
        "crashed, Ctrl-C); the result holds the journeys run until then. None: complete.",
    )
    started_at: str | None = Field(default=None, description="ISO 8601 UTC start of the run.")
    duration: float = 0.0
    unplaced_beacons: int = Field(
        default=0,
        description="Pixel requests sent as a page went away that the harness answered but "
        "could credit to no journey (journeys side by side and a frame it could not place, or "
        "no journey open any more): no journey's verdict includes them. 0 normally.",
    )


def page_result(
    report: CaptureReport,
    *,
    fail_on: FailOn,
    kind: ResultKind = "inspect",
    name: str | None = None,
    steps: Sequence[StepResult] = (),
    duration: float = 0.0,
) -> PlanResult:
    """A one-page run's result: one journey holding the whole capture (lossless: `page_report`
    gives the capture back). It holds when no finding fails at `fail_on`."""
    failing = sum(1 for f in report.findings if fails(f.severity, fail_on))
    ok = failing == 0 and all(s.ok or s.skipped for s in steps)
    journey = JourneyResult(
        name=name or report.url,
        ok=ok,
        steps=list(steps),
        findings=report.findings,
        failing_findings=failing,
        events=report.events,
        duration=duration,
        reconciliation=report.reconciliation,
        url=report.url,
        calls=report.calls,
        requests=report.requests,
        undecodable=report.undecodable,
        documents=report.documents,
    )
    return PlanResult(
        schema_version=report.schema_version,
        kind=kind,
        harness_version=report.harness_version,
        plan=report.url,
        base_url=None,
        profile=report.profile,
        sdk=report.sdk,
        sdk_version=report.sdk_version,
        browser=report.browser,
        ok=ok,
        journeys=[journey],
        coverage={},
        incomplete=report.incomplete,
        duration=duration,
    )


def page_report(result: PlanResult) -> CaptureReport:
    """The capture of a one-page run (its first journey) as a `CaptureReport`."""
    if not result.journeys:
        raise ValueError("page_report: the result has no journey")
    journey = result.journeys[0]
    return CaptureReport(
        schema_version=result.schema_version,
        harness_version=result.harness_version,
        sdk=result.sdk,
        profile=result.profile,
        sdk_version=result.sdk_version,
        url=journey.url or result.plan,
        browser=result.browser,
        events=journey.events,
        calls=journey.calls,
        requests=journey.requests,
        undecodable=journey.undecodable,
        findings=journey.findings,
        reconciliation=journey.reconciliation or Reconciliation(),
        incomplete=result.incomplete,
        documents=journey.documents,
    )
