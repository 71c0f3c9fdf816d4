"""`inspect --watch` runs the rules again only when something arrived (counted, no browser)."""

from __future__ import annotations

from typing import Any

from harness.browser.runner import InspectOptions, _watch
from harness.core.model import CaptureReport, PixelEvent


class _Page:
    def is_closed(self) -> bool:
        return False


class _Context:
    def __init__(self) -> None:
        self.pages = [_Page()]


class _QuietCapture:
    """A capture where something arrives on the 3rd poll only."""

    def __init__(self) -> None:
        self.context = _Context()
        self.polls = 0
        self.reports = 0
        self.revision = (0, 0, 0)

    def pump(self, milliseconds: float) -> None:
        self.polls += 1
        if self.polls == 3:
            self.revision = (1, 0, 0)

    def report(self, **_: Any) -> CaptureReport:
        self.reports += 1
        events = [PixelEvent(index=0, source="call", name="Pageview")] if self.polls >= 3 else []
        return CaptureReport(
            harness_version="t", sdk="emulated", url="", events=events, calls=[], requests=[],
            undecodable=[], findings=[],
        )  # fmt: skip


def test_the_rules_run_only_when_something_arrived() -> None:
    capture = _QuietCapture()
    printed: list[tuple[list[PixelEvent], list[Any]]] = []
    _watch(capture, InspectOptions(), lambda e, f: printed.append((e, f)), 0.05)  # type: ignore[arg-type]
    assert capture.polls > 10  # it kept polling for the whole time
    assert capture.reports == 2  # the first poll, and the one after the event arrived
    assert [[e.name for e in events] for events, _ in printed] == [["Pageview"]]
