"""Journeys one after another, or several at once: the scheduling of `run_plan`, apart from
what running one journey means (`plan_run` hands that in as `run_one` / `run_one_async`).

Several at once: one Chromium, `workers` journeys side by side in contexts of it, on
Playwright's async API (one event loop; the sync API would need a connection, so a Chromium,
per thread). The progress callbacks run on that loop, in plan order, and the results come back
in plan order whatever order they finished in.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, TypeVar

from playwright.async_api import Browser as AsyncBrowser
from playwright.async_api import Playwright as AsyncPlaywright
from playwright.async_api import async_playwright
from playwright.sync_api import Browser, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from harness.core.errors import BROWSER_GONE, INTERRUPTED
from harness.core.plan.model import Journey
from harness.core.plan.result import JourneyResult

#: A browser and the one-line description the result shows.
OpenBrowser = Callable[[Playwright], tuple[Browser, str]]
#: One journey in a fresh context of the browser (a dead browser: error BROWSER_GONE).
RunOne = Callable[[Browser, Journey], JourneyResult]
#: The same two through Playwright's async API (journeys side by side).
OpenBrowserAsync = Callable[[AsyncPlaywright], Awaitable[tuple[AsyncBrowser, str]]]
RunOneAsync = Callable[[AsyncBrowser, Journey], Awaitable[JourneyResult]]
T = TypeVar("T")
#: (results in plan order, the browser's description, why the run stopped early or None)
Outcome = tuple[list[JourneyResult], str | None, str | None]


def run_journeys(
    journeys: Sequence[Journey],
    *,
    workers: int,
    open_browser: OpenBrowser,
    run_one: RunOne,
    open_browser_async: OpenBrowserAsync,
    run_one_async: RunOneAsync,
    on_start: Callable[[Journey], None] | None = None,
    on_journey: Callable[[JourneyResult], None] | None = None,
) -> Outcome:
    if workers > 1:
        parallel = _Parallel(journeys, workers, open_browser_async, run_one_async)
        return _in_a_loop(parallel.run(on_start, on_journey))
    return _serially(journeys, open_browser, run_one, on_start, on_journey)


def _serially(
    journeys: Sequence[Journey],
    open_browser: OpenBrowser,
    run_one: RunOne,
    on_start: Callable[[Journey], None] | None,
    on_journey: Callable[[JourneyResult], None] | None,
) -> Outcome:
    """Each journey in turn in one browser."""
    results: list[JourneyResult] = []
    incomplete: str | None = None
    with sync_playwright() as playwright:
        browser, browser_name = open_browser(playwright)
        try:
            for journey in journeys:
                if not browser.is_connected():
                    incomplete = BROWSER_GONE
                    break
                if on_start:
                    on_start(journey)
                result = run_one(browser, journey)
                results.append(result)
                if on_journey:
                    on_journey(result)
                if result.error == BROWSER_GONE:
                    incomplete = BROWSER_GONE
                    break
        except KeyboardInterrupt:
            incomplete = INTERRUPTED
        except PlaywrightError:
            if browser.is_connected():
                raise
            incomplete = BROWSER_GONE
        finally:
            with contextlib.suppress(PlaywrightError):
                browser.close()
    return results, browser_name, incomplete


#: How long a worker lets Chromium's disconnection arrive, once a Ctrl-C's handler has run,
#: before it judges a journey that ended in an error (only such a journey waits).
SIGNAL_GRACE = 0.5
#: Event-loop turns after a journey's error in which a Ctrl-C's handler, if one came, has run:
#: asyncio reads the signal's wakeup byte in one turn and runs the handler in the next (from
#: reading asyncio's selector loop; the margin is for turns other callbacks take first).
SIGNAL_TURNS = 10


class _Parallel:
    """`workers` journeys at a time in contexts of one browser. Ctrl-C starts no other journey
    and lets those under way finish (a second Ctrl-C stops them); one that the same Ctrl-C cut
    short by reaching Chromium too (a terminal signals the whole process group) is dropped, as a
    serial run drops the journey it interrupts; so is one that ended in an error once Ctrl-C
    came, the error being the browser going away. A browser that cannot start stops the run with
    its error, as a serial run would; so does a journey that raises (a fault of the harness),
    the others cancelled at once."""

    def __init__(
        self,
        journeys: Sequence[Journey],
        workers: int,
        open_browser: OpenBrowserAsync,
        run_one: RunOneAsync,
    ) -> None:
        self.journeys = journeys
        self.workers = workers
        self.open_browser = open_browser
        self.run_one = run_one
        self.next = 0
        self.stopped: str | None = None  # why no other journey starts (INTERRUPTED, gone)
        self.running: list[asyncio.Task[None]] = []
        self.faulted = False  # a journey raised (a harness fault): the run ends with it

    async def run(
        self,
        on_start: Callable[[Journey], None] | None,
        on_journey: Callable[[JourneyResult], None] | None,
    ) -> Outcome:
        done: dict[int, JourneyResult] = {}
        reported = 0  # the callbacks have seen journeys [0, reported)

        def finished(index: int, result: JourneyResult) -> None:
            nonlocal reported
            done[index] = result
            while reported in done:
                reported += 1  # first: a Ctrl-C inside the callback prints no line twice
                if on_journey:
                    on_journey(done[reported - 1])

        async def worker(browser: AsyncBrowser) -> None:
            while self.stopped is None and not self.faulted and self.next < len(self.journeys):
                if not browser.is_connected():
                    self.stopped = BROWSER_GONE
                    return
                index, self.next = self.next, self.next + 1
                if on_start:
                    on_start(self.journeys[index])
                try:
                    result = await self.run_one(browser, self.journeys[index])
                except PlaywrightError:
                    raise  # the browser going away: judged once every worker has ended
                except Exception:
                    self._fault()
                    raise
                if result.error is not None:
                    await self._let_ctrl_c_arrive(browser)
                if self.stopped == INTERRUPTED and (
                    result.error is not None or not browser.is_connected()
                ):
                    return  # cut short by the Ctrl-C that also reached Chromium: no verdict
                finished(index, result)
                if result.error == BROWSER_GONE:
                    self.stopped = self.stopped or BROWSER_GONE

        browser_name: str | None = None
        with self._ctrl_c():
            async with async_playwright() as playwright:
                browser, browser_name = await self.open_browser(playwright)
                try:
                    self.running = [
                        asyncio.create_task(worker(browser)) for _ in range(self.workers)
                    ]
                    for outcome in await asyncio.gather(*self.running, return_exceptions=True):
                        if isinstance(outcome, asyncio.CancelledError):
                            if not self.faulted:  # else cancelled by _fault, not by Ctrl-C
                                self.stopped = self.stopped or INTERRUPTED
                        elif isinstance(outcome, PlaywrightError) and not browser.is_connected():
                            self.stopped = self.stopped or BROWSER_GONE
                        elif isinstance(outcome, BaseException):
                            raise outcome
                finally:
                    with contextlib.suppress(PlaywrightError):
                        await browser.close()
        if on_journey:  # after a gap (a journey never finished): the rest, still in plan order
            for index in sorted(i for i in done if i >= reported):
                on_journey(done[index])
        incomplete = self.stopped
        if incomplete is None and len(done) < len(self.journeys):
            incomplete = BROWSER_GONE
        return [done[i] for i in sorted(done)], browser_name, incomplete

    def _fault(self) -> None:
        """A journey raised instead of returning its result: a fault of the harness, which
        the run ends with, as a serial run does. The other workers' journeys are cancelled
        at once rather than run to their end for a result nobody gets."""
        self.faulted = True
        current = asyncio.current_task()
        for task in self.running:
            if task is not current:
                task.cancel()

    async def _let_ctrl_c_arrive(self, browser: AsyncBrowser) -> None:
        """After a journey's error. A Ctrl-C reaches Chromium too: a journey can fail on the
        browser going away before this loop has run the signal's handler or heard of the
        disconnection.

        A terminal's Ctrl-C signals the whole process group at once, and the kernel runs this
        process's C-level handler (which writes the loop's wakeup byte) before this process
        can read anything of Chromium's death; so a few loop turns (SIGNAL_TURNS) show whether
        one came, and without one the journey is judged at once. With one, the wait goes on
        until Chromium's disconnection is seen too, at worst SIGNAL_GRACE."""
        for _ in range(SIGNAL_TURNS):
            if self.stopped == INTERRUPTED:
                break
            await asyncio.sleep(0)  # one loop turn
        if self.stopped != INTERRUPTED:
            return
        deadline = asyncio.get_running_loop().time() + SIGNAL_GRACE
        while browser.is_connected():
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return
            await asyncio.sleep(min(0.02, left))

    @contextlib.contextmanager
    def _ctrl_c(self) -> Any:
        """The first Ctrl-C stops new journeys, the second the ones under way (only where the
        loop can take signals: the main thread; elsewhere Ctrl-C stays Python's)."""

        def interrupted() -> None:
            if self.stopped == INTERRUPTED:
                for task in self.running:
                    task.cancel()
            self.stopped = INTERRUPTED

        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGINT, interrupted)
        except (RuntimeError, ValueError, NotImplementedError):
            yield
            return
        try:
            yield
        finally:
            loop.remove_signal_handler(signal.SIGINT)


def _in_a_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run an event loop; in a thread of its own when this one already runs a loop (a caller
    inside Playwright's sync API, or inside an async test)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
