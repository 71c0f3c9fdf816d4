"""`expect_event`: wait for captured events and assert on them, with readable failures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from harness.assertions import EventQuery, count_ok, failure_message, matching, order_problem
from harness.capture.recorder import PixelCapture
from harness.model import PixelEvent

DEFAULT_TIMEOUT = 5.0
#: After the expected count is reached, how long to keep listening for one too many.
GRACE = 0.3


class ExpectEvent:
    """Bound to one capture. Call it like a function:

    expect_event("AddToCart", content_id="301", pixel="C...", exactly=1)
    expect_event("Purchase", never=True)
    expect_event.in_order("ViewContent", "AddToCart", "InitiateCheckout")
    """

    def __init__(self, capture: PixelCapture, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.capture = capture
        self.timeout = timeout

    def __call__(
        self,
        name: str,
        *,
        pixel: str | None = None,
        timeout: float | None = None,
        exactly: int | None = None,
        at_least: int | None = None,
        never: bool = False,
        source: Literal["call", "wire"] | None = "wire",
        params: dict[str, Any] | None = None,
        **partial_params: Any,
    ) -> list[PixelEvent]:
        """Wait for events named `name` whose properties contain `partial_params`.

        Default: at least one on the wire. Returns the matching events. `source="call"` checks
        what the page called instead of what left the browser; `source=None` either.
        """
        if sum(x is not None and x is not False for x in (exactly, at_least, never)) > 1:
            raise TypeError("use only one of exactly=, at_least=, never=")
        query = EventQuery(
            name=name, params={**(params or {}), **partial_params}, pixel=pixel, source=source
        )
        limit = self.timeout if timeout is None else timeout
        target = exactly if exactly is not None else (at_least if at_least is not None else 1)

        def enough() -> bool:
            return len(matching(self.capture.events(), query)) >= max(target, 1)

        self.capture.check()
        if never:
            self.capture.settle(quiet=GRACE, timeout=limit)
        else:
            reached = self.capture.wait_for(enough, timeout=limit)
            if reached and exactly is not None:
                self.capture.settle(quiet=GRACE, timeout=max(GRACE, limit))
        events = self.capture.events()
        found = matching(events, query)
        if not count_ok(len(found), exactly=exactly, at_least=at_least, never=never):
            raise AssertionError(
                failure_message(
                    query, events, exactly=exactly, at_least=at_least, never=never, waited=limit
                )
            )
        return found

    def in_order(
        self,
        *names: str | EventQuery,
        pixel: str | None = None,
        source: Literal["call", "wire"] | None = "wire",
        timeout: float | None = None,
    ) -> None:
        """Assert events with these names (or queries) were sent in this order."""
        queries: Sequence[EventQuery] = [
            item
            if isinstance(item, EventQuery)
            else EventQuery(name=item, pixel=pixel, source=source)
            for item in names
        ]
        self.capture.wait_for(
            lambda: order_problem(self.capture.events(), queries) is None,
            timeout=self.timeout if timeout is None else timeout,
        )
        problem = order_problem(self.capture.events(), queries)
        if problem:
            raise AssertionError(problem)

    @property
    def events(self) -> list[PixelEvent]:
        return self.capture.events()
