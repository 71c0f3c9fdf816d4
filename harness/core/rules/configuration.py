"""CF: the harness's own configuration (findings the engine itself raises)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from harness.core.model import PixelEvent
from harness.core.rules._registry import Issue, RuleContext, rule


@rule(
    "CF001",
    "unused-suppression",
    severity="warning",
    scope="capture",
    fix="Remove the selector from `ignore` (pyproject, --ignore, marker or plan), or fix its "
    "spelling.",
)
def unused_suppression(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """An ignore selector suppressed nothing in this run.

    Why:
        Suppressions outlive the problems they hid. One that matches nothing is either stale
        (remove it) or aims at the wrong rule; either way it can hide the next real problem.

    Bad:
        [tool.ttq-harness]
        ignore = ["PR006"]   # and no event has a lower-case currency any more

    Good:
        [tool.ttq-harness]
        ignore = []
    """
    # Raised by the engine, which is the only place that knows which suppressions matched.
    return iter(())
