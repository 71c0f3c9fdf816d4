"""A pixel request whose page closed before it was answered must not raise into Playwright.

Playwright refuses `route.fulfill` once the page or context is gone; answering again after
that raised "Route is already handled!" inside Playwright's event loop, which surfaced in
whatever the next test did (CI saw it at `browser.new_context()`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from playwright.sync_api import Error as PlaywrightError

from harness.browser.recorder import PixelCapture

BEACON = "https://analytics.tiktok.com/api/v2/pixel"
BODY = b'{"event":"ViewContent","context":{"pixel":{"code":"C0DE"}},"properties":{}}'


class ClosedRoute:
    """A route whose page closed: every answer is refused, as Playwright does."""

    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []

    def fulfill(self, **answer: Any) -> None:
        self.answers.append(answer)
        if len(self.answers) == 1:
            raise PlaywrightError("Route.fulfill: Target page, context or browser has been closed")
        raise PlaywrightError("Route.fulfill: Route is already handled!")


class DetachedRequest:
    method = "POST"
    url = BEACON
    headers: ClassVar[dict[str, str]] = {"content-type": "application/json"}
    post_data_buffer = BODY

    @property
    def frame(self) -> Any:
        raise PlaywrightError("frame detached")


def test_a_route_whose_page_closed_is_answered_once_and_the_beacon_kept() -> None:
    capture = PixelCapture()
    route = ClosedRoute()
    capture._on_route(route, DetachedRequest())  # type: ignore[arg-type]
    assert len(route.answers) == 1
    assert capture.callback_errors == []
    assert [r.url for r in capture.requests] == [BEACON]


class BrokenCapture(PixelCapture):
    def handle_request(self, **request: Any) -> Any:
        raise ValueError("a bug in the harness")


def test_a_harness_error_is_kept_and_the_page_still_answered_once() -> None:
    capture = BrokenCapture()
    route = ClosedRoute()
    capture._on_route(route, DetachedRequest())  # type: ignore[arg-type]
    assert [a["status"] for a in route.answers] == [204]
    assert [str(e) for e in capture.callback_errors] == ["a bug in the harness"]
