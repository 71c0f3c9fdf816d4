"""A planned event sent under its name but never as defined is not "never seen"."""

from __future__ import annotations

from harness.core.model import PixelEvent
from harness.core.plan.model import Plan
from harness.core.plan.result import JourneyResult, PlanResult
from harness.core.plan.summary import coverage, sent_unmatched
from harness.render.plan_text import summary_lines

PLAN = Plan.model_validate(
    {
        "events": {
            "ViewProduct": {"event": "ViewContent", "params": {"currency": "USD"}},
            "Search": {},
        },
        "journeys": [{"name": "j", "steps": [{"goto": "/", "expect": ["ViewProduct"]}]}],
    }
)


def _wire(index: int, name: str, **properties: object) -> PixelEvent:
    return PixelEvent(index=index, source="wire", name=name, properties=properties)


def test_sent_with_other_parameters_is_told_apart_from_never_sent() -> None:
    journey = JourneyResult(
        name="j", ok=False, steps=[], events=[_wire(0, "ViewContent", currency="XYZ")]
    )
    covered = coverage(PLAN, [journey])
    assert covered == {"ViewProduct": False, "Search": False}
    assert sent_unmatched(PLAN, [journey], covered) == ["ViewProduct"]
    result = PlanResult(
        harness_version="t",
        plan="p.yaml",
        base_url=None,
        profile="spec",
        ok=False,
        journeys=[journey],
        coverage=covered,
        unmatched=sent_unmatched(PLAN, [journey], covered),
    )
    line = next(line for line in summary_lines(result) if line.startswith("Coverage"))
    assert line == (
        "Coverage: 0/2 planned events seen; never seen: Search; "
        "sent but never as planned: ViewProduct"
    )


def test_an_event_seen_as_planned_is_not_listed() -> None:
    journey = JourneyResult(
        name="j", ok=True, steps=[], events=[_wire(0, "ViewContent", currency="USD")]
    )
    covered = coverage(PLAN, [journey])
    assert covered["ViewProduct"] is True
    assert sent_unmatched(PLAN, [journey], covered) == []
