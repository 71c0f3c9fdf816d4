"""A pixel request the unload guard answers but can give to no capture is counted, and the
run's result says so: a blind spot is never silent (the guard itself runs in a browser in
tests/browser/test_unload_guard.py and tests/async_api/test_capture.py)."""

from __future__ import annotations

import weakref
from types import SimpleNamespace
from typing import Any

from harness.browser.answers import LocalResponse
from harness.browser.flavour import run_sync
from harness.browser.unload_guard import UnloadBeaconGuard
from harness.core.plan.result import PlanResult
from harness.render.plan_text import summary_lines, unplaced_warning

PIXEL = "https://analytics.tiktok.com/api/v2/pixel"


class _Session:
    """A browser CDP session that knows no target but "OTHER", a page of a browser context
    no capture watches."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.sent.append(method)
        if method == "Target.getTargetInfo" and (params or {}).get("targetId") == "OTHER":
            return {"targetInfo": {"targetId": "OTHER", "browserContextId": "ctx-nobody"}}
        return {}


class _Capture:
    hosts = ("analytics.tiktok.com",)

    def __init__(self) -> None:
        self.context = SimpleNamespace(pages=[])
        self.received: list[str] = []

    def handle_request(self, *, url: str, **_: Any) -> LocalResponse:
        self.received.append(url)
        return LocalResponse(204, {}, b"")


def _beacon(guard: UnloadBeaconGuard, frame: str) -> None:
    event = {"requestId": "r", "frameId": frame, "request": {"url": PIXEL, "method": "POST"}}
    run_sync(guard._paused_steps(event))


def test_a_beacon_with_no_capture_left_is_answered_and_counted() -> None:
    session = _Session()
    guard = UnloadBeaconGuard(session)  # type: ignore[arg-type]
    _beacon(guard, "F1")
    assert guard.unplaced == 1
    assert session.sent[-1] == "Fetch.fulfillRequest"  # answered locally all the same


def test_an_unknown_frame_goes_to_the_only_capture_but_is_counted_among_several() -> None:
    guard = UnloadBeaconGuard(_Session())  # type: ignore[arg-type]
    only = _Capture()
    guard.captures.append(only)  # type: ignore[arg-type]
    _beacon(guard, "F1")
    assert (only.received, guard.unplaced) == ([PIXEL], 0)
    other = _Capture()
    guard.captures.append(other)  # type: ignore[arg-type]
    _beacon(guard, "F2")  # neither capture's page has that frame: credited to none
    assert (len(only.received), other.received, guard.unplaced) == (1, [], 1)


def test_a_closed_captures_late_beacon_goes_to_nobody_not_to_the_only_capture_left() -> None:
    guard = UnloadBeaconGuard(_Session())  # type: ignore[arg-type]
    closed, left = _Capture(), _Capture()
    guard.captures.extend([closed, left])  # type: ignore[list-item]
    guard.frames["FA"] = weakref.ref(closed)  # type: ignore[arg-type]
    guard.contexts["CA"] = weakref.ref(closed)  # type: ignore[arg-type]
    guard.forget(closed)  # type: ignore[arg-type]
    assert (guard.frames, guard.contexts) == ({}, {})  # nothing of it kept but its ids
    _beacon(guard, "FA")
    assert (closed.received, left.received, guard.unplaced) == ([], [], 0)


def test_a_frame_of_a_closed_captures_context_goes_to_nobody() -> None:
    class _Knows(_Session):
        def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
            self.sent.append(method)
            return {"targetInfo": {"targetId": "POPUP", "browserContextId": "CA"}}

    guard = UnloadBeaconGuard(_Knows())  # type: ignore[arg-type]
    closed, left = _Capture(), _Capture()
    guard.captures.extend([closed, left])  # type: ignore[list-item]
    guard.contexts["CA"] = weakref.ref(closed)  # type: ignore[arg-type]
    guard.forget(closed)  # type: ignore[arg-type]
    _beacon(guard, "POPUP")  # a page of its context the guard never learnt
    assert (left.received, guard.unplaced, list(guard.foreign)) == ([], 0, [])


def test_closed_ids_are_bounded_and_the_newest_kept() -> None:
    guard = UnloadBeaconGuard(_Session())  # type: ignore[arg-type]
    kept = guard.CLOSED_KEPT
    captures = [_Capture() for _ in range(kept + 10)]
    for number, capture in enumerate(captures):
        guard.captures.append(capture)  # type: ignore[arg-type]
        guard.frames[f"F{number}"] = weakref.ref(capture)  # type: ignore[arg-type]
        guard.forget(capture)  # type: ignore[arg-type]
    assert (len(guard.frames), len(guard.closed)) == (0, kept)
    assert "F0" not in guard.closed and f"F{kept + 9}" in guard.closed


def _result(**changes: Any) -> PlanResult:
    return PlanResult(
        harness_version="t", plan="p.yaml", base_url=None, profile="spec", ok=True,
        journeys=[], coverage={}, **changes,
    )  # fmt: skip


def test_the_plan_summary_warns_of_unplaced_beacons_and_says_nothing_without() -> None:
    assert not [line for line in summary_lines(_result()) if "WARNING" in line]
    lines = list(summary_lines(_result(unplaced_beacons=2)))
    assert unplaced_warning(_result(unplaced_beacons=2)) in lines
    assert "2 pixel request(s) sent as a page went away" in unplaced_warning(
        _result(unplaced_beacons=2)
    )
    assert "any page" in unplaced_warning(_result(kind="audit", unplaced_beacons=1))


def test_a_page_of_a_context_without_a_capture_is_not_the_only_captures() -> None:
    guard = UnloadBeaconGuard(_Session())  # type: ignore[arg-type]
    only = _Capture()
    guard.captures.append(only)  # type: ignore[arg-type]
    session = guard.session
    _beacon(guard, "OTHER")
    assert (only.received, guard.unplaced) == ([], 1)
    _beacon(guard, "OTHER")  # the browser is asked once per frame
    assert (only.received, guard.unplaced) == ([], 2)
    assert session.sent.count("Target.getTargetInfo") == 1  # type: ignore[union-attr]


def test_frames_of_contexts_without_a_capture_are_remembered_up_to_a_bound() -> None:
    class _AllOthers(_Session):
        def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
            self.sent.append(method)
            target = (params or {}).get("targetId")
            return {"targetInfo": {"targetId": target, "browserContextId": "ctx-nobody"}}

    guard = UnloadBeaconGuard(_AllOthers())  # type: ignore[arg-type]
    guard.captures.append(_Capture())  # type: ignore[arg-type]
    kept = guard.CLOSED_KEPT
    for number in range(kept + 10):
        _beacon(guard, f"OTHER{number}")
    assert (len(guard.foreign), guard.unplaced) == (kept, kept + 10)
    assert "OTHER0" not in guard.foreign and f"OTHER{kept + 9}" in guard.foreign
