"""`expect_event`: wait for captured events and assert on them, with readable failures.

The waiting and the messages are written once as steps (harness.browser.flavour):
`ExpectEvent` runs them with Playwright's sync API, `AsyncExpectEvent` awaits them with the
async one, so a near miss reads the same in both."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, Literal, TypeVar

from harness.browser.async_recorder import AsyncPixelCapture
from harness.browser.capture_base import CaptureBase
from harness.browser.flavour import Steps, run_async, run_sync
from harness.browser.recorder import PixelCapture
from harness.core.assertions import (
    EventQuery,
    count_ok,
    describe_count,
    failure_message,
    matching,
    order_problem,
)
from harness.core.masking import mask_text
from harness.core.model import PixelEvent
from harness.core.plan.match import event_diffs, near_misses, resolve
from harness.core.plan.model import Expectation, Plan
from harness.render.inert import for_terminal

DEFAULT_TIMEOUT = 5.0
#: After the expected count is reached, how long to keep listening for one too many.
GRACE = 0.3


C = TypeVar("C", bound=CaptureBase[Any])


class _Expect(Generic[C]):
    """What both flavours of expect_event do, as steps."""

    def __init__(
        self,
        capture: C,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        plan: Plan | None = None,
        show_pii: bool = False,
    ) -> None:
        self.capture = capture
        self.timeout = timeout
        self.plan = plan
        self.show_pii = show_pii

    def _failure(self, message: str) -> AssertionError:
        """A failure pytest prints: page text made inert, personal data masked (the message
        quotes what the page sent; --ttq-show-pii keeps it)."""
        return AssertionError(for_terminal(message if self.show_pii else mask_text(message)))

    def _expect_steps(
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
    ) -> Steps[list[PixelEvent]]:
        __tracebackhide__ = True  # a failure points at the test, not at the harness
        if sum(x is not None and x is not False for x in (exactly, at_least, never)) > 1:
            raise TypeError("use only one of exactly=, at_least=, never=")
        if self.plan is not None and name in self.plan.events:
            return (
                yield from self._by_definition(
                    name,
                    pixel=pixel,
                    timeout=timeout,
                    exactly=exactly,
                    at_least=at_least,
                    never=never,
                    params={**(params or {}), **partial_params},
                )
            )
        query = EventQuery(
            name=name, params={**(params or {}), **partial_params}, pixel=pixel, source=source
        )
        limit = self.timeout if timeout is None else timeout
        target = exactly if exactly is not None else (at_least if at_least is not None else 1)

        def enough() -> bool:
            return len(matching(self.capture.events(), query)) >= max(target, 1)

        self.capture.check()
        if never:
            yield from self.capture.settle_steps(quiet=GRACE, timeout=limit)
        else:
            reached = yield from self.capture.wait_for_steps(enough, timeout=limit)
            if reached and exactly is not None:
                yield from self.capture.settle_steps(quiet=GRACE, timeout=max(GRACE, limit))
        events = self.capture.events()
        found = matching(events, query)
        if not count_ok(len(found), exactly=exactly, at_least=at_least, never=never):
            raise self._failure(
                failure_message(
                    query, events, exactly=exactly, at_least=at_least, never=never, waited=limit
                )
            )
        return found

    def _in_order_steps(
        self,
        names: Sequence[str | EventQuery],
        pixel: str | None,
        source: Literal["call", "wire"] | None,
        timeout: float | None,
    ) -> Steps[None]:
        __tracebackhide__ = True  # a failure points at the test, not at the harness
        queries: Sequence[EventQuery] = [
            item
            if isinstance(item, EventQuery)
            else EventQuery(name=item, pixel=pixel, source=source)
            for item in names
        ]
        yield from self.capture.wait_for_steps(
            lambda: order_problem(self.capture.events(), queries) is None,
            timeout=self.timeout if timeout is None else timeout,
        )
        problem = order_problem(self.capture.events(), queries)
        if problem:
            raise self._failure(problem)

    def _by_definition(
        self,
        name: str,
        *,
        pixel: str | None,
        timeout: float | None,
        exactly: int | None,
        at_least: int | None,
        never: bool,
        params: dict[str, Any],
    ) -> Steps[list[PixelEvent]]:
        """expect_event("ViewProduct"): a plan event definition, with its matchers."""
        __tracebackhide__ = True  # a failure points at the test, not at the harness
        assert self.plan is not None
        want = resolve(self.plan, Expectation(event=name, params=params, pixel=pixel))
        limit = self.timeout if timeout is None else timeout
        target = exactly if exactly is not None else (at_least if at_least is not None else 1)

        def found() -> list[PixelEvent]:
            return [
                e
                for e in self.capture.events()
                if any(not event_diffs(e, want, code) for code in want.pixels)
            ]

        if never:
            yield from self.capture.settle_steps(quiet=GRACE, timeout=limit)
        elif (
            yield from self.capture.wait_for_steps(
                lambda: len(found()) >= max(target, 1), timeout=limit
            )
        ) and exactly is not None:
            yield from self.capture.settle_steps(quiet=GRACE, timeout=max(GRACE, limit))
        matched = found()
        if count_ok(len(matched), exactly=exactly, at_least=at_least, never=never):
            return matched
        wanted = describe_count(exactly=exactly, at_least=at_least, never=never)
        lines = [
            f"expected plan event {name!r} ({want.name}) {wanted}; saw it {len(matched)} "
            f"time(s) within {limit:g}s."
        ]
        for event, diffs in near_misses(self.capture.events(), want, want.pixels[0]):
            lines.append(
                f"  closest: #{event.index} {event.source} {event.name!r} "
                f"pixel={event.pixel_code or 'all'}"
            )
            lines.extend(f"      {diff}" for diff in diffs[:6])
        raise self._failure("\n".join(lines))

    @property
    def events(self) -> list[PixelEvent]:
        return self.capture.events()


class ExpectEvent(_Expect[PixelCapture]):
    """Bound to one capture (PixelCapture, Playwright's sync API). Call it like a function:

    expect_event("AddToCart", content_id="301", pixel="C...", exactly=1)
    expect_event("Purchase", never=True)
    expect_event.in_order("ViewContent", "AddToCart", "InitiateCheckout")
    """

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
        __tracebackhide__ = True  # a failure points at the test, not at the harness
        return run_sync(
            self._expect_steps(
                name,
                pixel=pixel,
                timeout=timeout,
                exactly=exactly,
                at_least=at_least,
                never=never,
                source=source,
                params=params,
                **partial_params,
            )
        )

    def in_order(
        self,
        *names: str | EventQuery,
        pixel: str | None = None,
        source: Literal["call", "wire"] | None = "wire",
        timeout: float | None = None,
    ) -> None:
        """Assert events with these names (or queries) were sent in this order."""
        __tracebackhide__ = True  # a failure points at the test, not at the harness
        run_sync(self._in_order_steps(names, pixel, source, timeout))


class AsyncExpectEvent(_Expect[AsyncPixelCapture]):
    """ExpectEvent for an AsyncPixelCapture (Playwright's async API); await it:

    await expect_event("AddToCart", content_id="301", exactly=1)
    await expect_event.in_order("ViewContent", "AddToCart")
    """

    async def __call__(
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
        """As ExpectEvent.__call__, awaited."""
        __tracebackhide__ = True  # a failure points at the test, not at the harness
        return await run_async(
            self._expect_steps(
                name,
                pixel=pixel,
                timeout=timeout,
                exactly=exactly,
                at_least=at_least,
                never=never,
                source=source,
                params=params,
                **partial_params,
            )
        )

    async def in_order(
        self,
        *names: str | EventQuery,
        pixel: str | None = None,
        source: Literal["call", "wire"] | None = "wire",
        timeout: float | None = None,
    ) -> None:
        """Assert events with these names (or queries) were sent in this order."""
        __tracebackhide__ = True  # a failure points at the test, not at the harness
        await run_async(self._in_order_steps(names, pixel, source, timeout))
