"""How a capture waits for the page, written once for both Playwright flavours.

Each wait is a generator of steps (harness.browser.flavour): PixelCapture drives them with
`run_sync`, AsyncPixelCapture with `run_async`. A mixin of CaptureBase (capture_base.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from playwright.async_api import BrowserContext as AsyncBrowserContext
from playwright.async_api import Request as AsyncRequest
from playwright.sync_api import BrowserContext, Request
from playwright.sync_api import Error as PlaywrightError  # the same class in both flavours

from harness.browser.flavour import Steps, Until
from harness.core.model import RawRequest, TtqCall

#: The recorder's count of timers due within a window (call_recorder.js), per frame.
#: (1 + the count; -1 where the recorder is absent: always truthy, so the first poll answers)
_PENDING_TIMERS = (
    "ms => typeof __ttqHarnessPending === 'function' ? __ttqHarnessPending(ms) + 1 : -1"
)
#: However early the page proves idle, a step waits at least this long (capped at its quiet):
#: for what no count sees (a postMessage, a CSS transition's event, a worker's timer).
MIN_GRACE = 0.1
#: How often the idle waits ask the page again (a Playwright round trip per frame each).
_POLL_MS = 20.0
#: How long a wait for a predicate lets pass at most before looking again, when nothing
#: arrives (a predicate may read more than calls and requests: documents, beacon notes).
_LOOK_MS = 50.0
#: After an arrival that did not make the predicate hold, the least pause before the next
#: look (a pump: a round trip, longer under load): a burst wakes the wait on every arrival,
#: and a predicate that reads every event costs O(events) each time.
MIN_LOOK = 0.005


class WaitSteps:
    """The waits of a capture, as steps: `pump`, `wait_for`, `wait_until_or_quiet`, `pending`,
    `wait_idle` and `settle` each have a `*_steps` form here."""

    calls: list[TtqCall]
    requests: list[RawRequest]
    _in_flight: set[Request | AsyncRequest]
    _arrival: asyncio.Event | None

    @property
    def context(self) -> BrowserContext | AsyncBrowserContext:
        raise NotImplementedError

    @property
    def revision(self) -> tuple[int, int, int]:
        raise NotImplementedError

    def pump_steps(self, milliseconds: float = 50) -> Steps[None]:
        """Let Playwright deliver pending callbacks for a moment.

        A page's `wait_for_timeout` is a round trip to the browser: when it returns, what was
        sent before it has been delivered, and under load it lasts as long as that takes. A
        loop that pumps and then reads every event is thereby held to the pace the events
        come in (a plain 10 ms sleep made a 10,000-event burst's poll loop look 7x as often
        and the burst 1.7x as slow). Without a page, the callbacks still run meanwhile."""
        pages = [page for page in self.context.pages if not page.is_closed()]
        if pages:
            try:
                yield pages[-1].wait_for_timeout(milliseconds)
                return
            except PlaywrightError:  # the page closed while we waited
                pass
        yield Until(asyncio.Event(), milliseconds / 1000, self.context)

    def _until_arrival_steps(self, seconds: float) -> Steps[None]:
        """Let Playwright deliver callbacks for up to `seconds`, ending as soon as anything
        arrives (CaptureBase._wake sets the signal)."""
        outer, self._arrival = self._arrival, asyncio.Event()
        try:
            yield Until(self._arrival, seconds, self.context)
        finally:
            self._arrival = outer

    def _look_again_steps(self, seconds: float, predicate: Callable[[], bool]) -> Steps[bool]:
        """Wait up to `seconds`, looking at `predicate` again whenever anything has arrived (a
        call, a request, a beacon note, a document; at most every MIN_LOOK): a wait ends as
        its event arrives, not at its next poll. The caller has just looked. True as soon as
        the predicate holds."""
        end = time.monotonic() + seconds
        seen = self.revision
        while True:
            if self.revision == seen:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                yield from self._until_arrival_steps(left)
                if self.revision == seen:
                    return False  # nothing arrived: the time is up
            seen = self.revision
            looked = time.monotonic()
            if predicate():
                return True
            # at least MIN_LOOK, and twice what the look took: a predicate that reads every
            # event may not take more than a third of the time during a burst
            spent = time.monotonic() - looked
            pause = min(max(MIN_LOOK, 2 * spent), end - time.monotonic())
            if pause > 0:  # a burst: a round trip's pause, what arrives meanwhile looked at after
                yield from self.pump_steps(pause * 1000)

    def wait_for_steps(self, predicate: Callable[[], bool], timeout: float) -> Steps[bool]:
        """Wait until predicate() holds or `timeout` seconds pass. Returns the last verdict."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if (yield from self._look_again_steps(min(_LOOK_MS / 1000, left), predicate)):
                return True

    def wait_until_or_quiet_steps(
        self,
        predicate: Callable[[], bool],
        *,
        timeout: float,
        quiet: float,
        idle_window: float | None = None,
    ) -> Steps[bool]:
        """Pump until predicate() holds, or nothing has arrived for `quiet` seconds, or timeout;
        with `idle_window`, also until the page provably has nothing left to send within that
        many seconds (`pending`, twice in a row).

        For "did the step send what it must": a missing event stops the wait once the page has
        gone quiet (or idle) instead of always costing the whole timeout.
        """
        deadline = time.monotonic() + timeout
        last = self._traffic()
        last_change = time.monotonic()
        idle_seen = False
        while True:
            if predicate():
                return True
            now = self._traffic()
            if now != last:
                last, last_change, idle_seen = now, time.monotonic(), False
            if time.monotonic() >= deadline or time.monotonic() - last_change >= quiet:
                return False
            if idle_window is not None:
                budget = max(0.05, min(1.0, deadline - time.monotonic()))
                pending = yield from self.pending_steps(idle_window, budget=budget)
                idle = pending == 0 and self._traffic() == now
                if idle and idle_seen and not predicate():
                    return False
                idle_seen = idle
            look = (_POLL_MS if idle_window is not None else _LOOK_MS) / 1000
            if (yield from self._look_again_steps(look, predicate)):
                return True

    def pending_steps(self, window: float, *, budget: float = 1.0) -> Steps[int | None]:
        """What may still reach the capture within `window` seconds: page requests in flight
        plus, in every frame, timers due within the window and pending animation-frame or idle
        callbacks (call_recorder.js). None when a frame cannot say within `budget` seconds (a
        busy page, a navigation, a document the recorder is not in): not idle.

        Each frame is asked with one round trip (an evaluate), and the recorder batches its
        reports per microtask: a report made before the question is delivered before the answer.
        A main thread stuck in a loop delays the answer until the loop ends (seen with a 3 s
        loop); `budget` only bounds how many frames are asked.
        """
        for request in list(self._in_flight):
            if _gone(request):  # its page closed: it will never finish or fail
                self._in_flight.discard(request)
        busy = len(self._in_flight)
        deadline = time.monotonic() + budget
        for page in [page for page in self.context.pages if not page.is_closed()]:
            for frame in page.frames:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                try:
                    # One round trip (evaluate), not wait_for_function + json_value: the waits
                    # poll every frame every _POLL_MS, and each round trip costs the browser.
                    answer = yield frame.evaluate(_PENDING_TIMERS, window * 1000)
                except PlaywrightError:  # navigating, detached or closed
                    return None
                if answer == -1:
                    if frame.url not in ("", "about:blank"):
                        return None
                    continue
                busy += int(answer) - 1
        return busy

    def wait_idle_steps(self, *, window: float, quiet: float, timeout: float) -> Steps[bool]:
        """Pump until the page provably has nothing left to send within `window` seconds
        (`pending` is 0 and no pixel traffic arrived while asking, twice, one poll apart, and
        at least MIN_GRACE passed), or no pixel traffic arrived for `quiet` seconds, or
        `timeout`. True when idleness was proven.

        A plan step asks with its quiet as the window: it ends as soon as nothing can send
        within it, instead of always after it.
        """
        started = time.monotonic()
        deadline = started + timeout
        grace = min(MIN_GRACE, quiet)
        last = self._traffic()
        last_change = started
        idle_seen = False
        while time.monotonic() < deadline:
            before = self._traffic()
            if before != last:
                last, last_change, idle_seen = before, time.monotonic(), False
            elif time.monotonic() - last_change >= quiet:
                return False
            budget = max(0.05, min(1.0, deadline - time.monotonic()))
            pending = yield from self.pending_steps(window, budget=budget)
            idle = pending == 0 and self._traffic() == before
            if idle and idle_seen and time.monotonic() - started >= grace:
                return True
            idle_seen = idle
            yield from self.pump_steps(_POLL_MS)
        return False

    def settle_steps(self, quiet: float = 0.5, timeout: float = 5.0) -> Steps[None]:
        """Wait until nothing more can arrive within `quiet` seconds: the page provably has
        nothing left to send within it (`wait_idle`), or nothing arrived for `quiet` seconds."""
        yield from self.wait_idle_steps(window=quiet, quiet=quiet, timeout=timeout)

    def _traffic(self) -> tuple[int, int]:
        """Pixel traffic so far (the quiet fallback counts only this: a site's own polling or
        lazy images must not keep a step from going quiet). A sendBeacon note is not traffic
        of its own: its beacon is a request, counted already, and a note may wait in the page
        for the next batch (call_recorder.js), which the idle question itself flushes."""
        return (len(self.calls), len(self.requests))


def _gone(request: Request | AsyncRequest) -> bool:
    try:
        return request.frame.page.is_closed()
    except PlaywrightError:  # a service worker's request, or its frame detached
        return False
