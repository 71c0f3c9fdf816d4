"""What a plan run found, as data: one value every output renders (terminal, JSON, JUnit)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.core.model import Finding, PixelEvent, Reconciliation


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


class PlanResult(_Value):
    schema_version: int = 1
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
