"""Journeys one after another, or several at once: the scheduling of `run_plan`, apart from
what running one journey means (`plan_run` hands that in as `run_one`).

Several at once: `workers` threads, each with its own Playwright connection and Chromium
(Playwright's sync API binds a connection to the thread that opened it), taking the next
journey from a shared index; the main thread alone calls the progress callbacks, in plan order,
and the results come back in plan order whatever order they finished in.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from playwright.sync_api import Browser, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from harness.core.errors import BROWSER_GONE, INTERRUPTED
from harness.core.plan.model import Journey
from harness.core.plan.result import JourneyResult

#: A browser and the one-line description the result shows.
OpenBrowser = Callable[[Playwright], tuple[Browser, str]]
#: One journey in a fresh context of the browser (a dead browser: error BROWSER_GONE).
RunOne = Callable[[Browser, Journey], JourneyResult]
#: (results in plan order, the browser's description, why the run stopped early or None)
Outcome = tuple[list[JourneyResult], str | None, str | None]


def run_journeys(
    journeys: Sequence[Journey],
    *,
    workers: int,
    open_browser: OpenBrowser,
    run_one: RunOne,
    on_start: Callable[[Journey], None] | None = None,
    on_journey: Callable[[JourneyResult], None] | None = None,
) -> Outcome:
    if workers > 1:
        return _in_parallel(journeys, workers, open_browser, run_one, on_start, on_journey)
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


@dataclass
class _Pool:
    """What the worker threads share: the next journey to take, and what they report to the
    main thread."""

    journeys: Sequence[Journey]
    next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    #: ("browser", name) | ("start", index) | ("done", index, result) | ("gone",) |
    #: ("error", exception)
    reports: queue.Queue[tuple[object, ...]] = field(default_factory=queue.Queue)

    def take(self) -> int | None:
        with self.lock:
            if self.stop.is_set() or self.next >= len(self.journeys):
                return None
            self.next += 1
            return self.next - 1


def _worker(pool: _Pool, open_browser: OpenBrowser, run_one: RunOne) -> None:
    """One thread: its own Playwright and browser, journeys until none is left."""
    try:
        with sync_playwright() as playwright:
            browser, name = open_browser(playwright)
            pool.reports.put(("browser", name))
            try:
                while (index := pool.take()) is not None:
                    if not browser.is_connected():
                        pool.reports.put(("gone",))
                        return
                    pool.reports.put(("start", index))
                    result = run_one(browser, pool.journeys[index])
                    pool.reports.put(("done", index, result))
                    if result.error == BROWSER_GONE:
                        pool.reports.put(("gone",))
                        return
            except PlaywrightError:
                if browser.is_connected():
                    raise
                pool.reports.put(("gone",))
            finally:
                with contextlib.suppress(PlaywrightError):
                    browser.close()
    except BaseException as exc:  # handed to the main thread, which raises it
        pool.reports.put(("error", exc))


def _in_parallel(
    journeys: Sequence[Journey],
    workers: int,
    open_browser: OpenBrowser,
    run_one: RunOne,
    on_start: Callable[[Journey], None] | None,
    on_journey: Callable[[JourneyResult], None] | None,
) -> Outcome:
    """Journeys on `workers` threads; Ctrl-C lets the journeys under way finish and starts no
    other; a worker's error (a browser that cannot start) stops the run and is raised here."""
    pool = _Pool(journeys)
    threads = [
        threading.Thread(target=_worker, args=(pool, open_browser, run_one), daemon=True)
        for _ in range(workers)
    ]
    for thread in threads:
        thread.start()
    done: dict[int, JourneyResult] = {}
    reported = 0  # the callbacks have seen journeys [0, reported)
    browser_name: str | None = None
    incomplete: str | None = None
    failure: BaseException | None = None

    def handle(report: tuple[object, ...]) -> None:
        nonlocal browser_name, incomplete, failure, reported
        match report:
            case ("browser", str(name)):
                browser_name = browser_name or name
            case ("start", int(index)):
                if on_start:
                    on_start(journeys[index])
            case ("done", int(index), JourneyResult() as result):
                done[index] = result
                while reported in done:
                    reported += 1  # first: a Ctrl-C inside the callback prints no line twice
                    if on_journey:
                        on_journey(done[reported - 1])
            case ("gone",):
                incomplete = incomplete or BROWSER_GONE
                pool.stop.set()
            case ("error", BaseException() as error):
                failure = failure or error
                pool.stop.set()

    try:
        while any(t.is_alive() for t in threads) or not pool.reports.empty():
            try:
                handle(pool.reports.get(timeout=0.1))
            except queue.Empty:
                continue
    except KeyboardInterrupt:
        incomplete = INTERRUPTED
        pool.stop.set()  # the journeys under way finish (a second Ctrl-C stops waiting)
        for thread in threads:
            thread.join()
        while not pool.reports.empty():  # their results are kept, not thrown away
            report = pool.reports.get_nowait()
            if report[0] == "done":
                handle(report)
    if failure is not None:  # what a serial run would have raised
        raise failure
    if on_journey:  # after a gap (a journey never finished): the rest, still in plan order
        for index in sorted(i for i in done if i >= reported):
            on_journey(done[index])
    if incomplete is None and len(done) < len(journeys):
        incomplete = BROWSER_GONE
    return [done[i] for i in sorted(done)], browser_name, incomplete
