"""What a plan run covered: each planned event seen or not (`coverage`), and what each is for
in TikTok (`purposes`). Pure: computed from the plan and the journeys' results.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from harness.core.plan.match import event_diffs, resolve
from harness.core.plan.model import Expectation, Journey, Plan
from harness.core.plan.result import JourneyResult
from harness.core.rules.events import name_kind
from harness.core.tiktok import Profile


def purposes(plan: Plan, labels: Iterable[str], profile: Profile) -> dict[str, str]:
    """What each planned event is for: a definition's `purpose`; a custom event is always
    'custom (reporting only)', whatever it declares (plan lint fails the contradiction)."""
    found: dict[str, str] = {}
    for label in labels:
        definition = plan.events.get(label)
        name = (definition.event or label) if definition is not None else label
        if name_kind(name, profile) == "custom":
            found[label] = "custom (reporting only)"
        else:
            found[label] = definition.purpose if definition is not None else "reporting"
    return found


def coverage(
    plan: Plan, journeys: Sequence[JourneyResult], selected: Sequence[Journey] | None = None
) -> dict[str, bool]:
    """Each event definition (and inline expectation): seen at least once in the run?

    A run of some journeys only covers the events those journeys expect.
    """
    ran = list(selected) if selected is not None else list(plan.journeys)
    labels = list(plan.events) if len(ran) == len(plan.journeys) else []
    for journey in ran:
        for step in journey.steps:
            labels += [e.event for e in step.expect if e.event not in labels]
    events = [event for result in journeys for event in result.events]
    seen: dict[str, bool] = {}
    for label in labels:
        want = resolve(plan, Expectation(event=label))
        seen[label] = any(
            not event_diffs(event, want, None)
            for event in events
            if event.source == want.source and event.name == want.name
        )
    return seen


def sent_unmatched(
    plan: Plan, journeys: Sequence[JourneyResult], covered: dict[str, bool]
) -> list[str]:
    """The planned events never seen that were sent under their event name all the same, but
    never as their definition says (wrong parameters, another pixel): "never seen" would
    mislead there."""
    sent = {(e.source, e.name) for result in journeys for e in result.events}
    out = []
    for label, seen in covered.items():
        if not seen:
            want = resolve(plan, Expectation(event=label))
            if (want.source, want.name) in sent:
                out.append(label)
    return out
