"""One browser logic for Playwright's sync and async APIs ("flavours").

Playwright's two APIs have the same objects and methods; the async ones return awaitables.
What the harness does with a browser (wait for the page to go idle, answer a route, run a
plan step or a journey, expect an event) is therefore written once, as a generator of *steps*:
it yields each Playwright call's return value and is sent back its result.

    def title_length(page: Page | AsyncPage) -> Steps[int]:
        title = yield page.title()
        return len(title)

    run_sync(title_length(page))            # sync API: the call already ran; its value returns
    await run_async(title_length(page))     # async API: the driver awaits the coroutine

A Playwright error raises where the call is in the sync flavour, and is thrown into the
generator at its `yield` in the async one: a `try` around the `yield` catches it in both.
What neither API can await (a sleep without a page, a blocking call such as the Events API
sink's settle) is yielded as `Sleep` or `Blocking`, which each driver runs its own way; a
wait that Playwright's callbacks end early (something arrived) as `Until`.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from playwright.sync_api import Error as PlaywrightError  # the same class in both flavours

T = TypeVar("T")
#: A flavour-neutral piece of browser logic: yields Playwright calls' results, returns T.
Steps = Generator[Any, Any, T]


@dataclass(frozen=True)
class Sleep:
    """Wait this long without a page to wait on (time.sleep, or asyncio.sleep)."""

    seconds: float


@dataclass(frozen=True)
class Blocking:
    """A blocking call (no Playwright): run as is, or in a thread off the event loop."""

    call: Callable[[], Any]


@dataclass(frozen=True)
class Until:
    """Wait until `signal` is set or `seconds` pass, Playwright delivering its callbacks (routes,
    bindings, events) meanwhile: a callback that sets the signal ends the wait at once, with no
    round trip to the browser. `owner` is a Playwright object of the flavour that runs it (its
    event loop is the one the callbacks run on)."""

    signal: asyncio.Event
    seconds: float
    owner: Any


async def until(signal: asyncio.Event, seconds: float) -> None:
    """Wait until `signal` is set or `seconds` pass (the signal is set either way)."""
    if signal.is_set():
        return
    timer = asyncio.get_running_loop().call_later(seconds, signal.set)
    try:
        await signal.wait()
    finally:
        timer.cancel()


def _until_sync(step: Until) -> None:
    """`Until` in the sync API: the wait runs on Playwright's own event loop, as every sync call
    does (its `_sync`, private but present in every supported version). Without it, a page's
    `wait_for_timeout` lets the callbacks run for the whole time instead."""
    run = getattr(step.owner, "_sync", None)
    try:
        if callable(run):
            if _takes_api_name(run):  # older Playwright: _sync(api_name, coro)
                run("ttq_harness.until", until(step.signal, step.seconds))
            else:
                run(until(step.signal, step.seconds))
            return
        pages = [page for page in getattr(step.owner, "pages", []) if not page.is_closed()]
        if pages:
            pages[-1].wait_for_timeout(step.seconds * 1000)
            return
    except PlaywrightError:  # Playwright stopped or the page closed: nothing can arrive now
        pass
    time.sleep(step.seconds)


def _takes_api_name(run: Callable[..., Any]) -> bool:
    return _parameters(getattr(run, "__func__", run)) == 3  # self, api_name, coro


@cache
def _parameters(function: Callable[..., Any]) -> int:
    return len(inspect.signature(function).parameters)


def run_sync(steps: Steps[T]) -> T:
    """Drive `steps` with Playwright's sync API: every yielded value is already a result."""
    __tracebackhide__ = True  # a failure points at the caller, not at the driver
    value: Any = None
    try:
        while True:
            yielded = steps.send(value)
            if isinstance(yielded, Sleep):
                time.sleep(yielded.seconds)
                value = None
            elif isinstance(yielded, Until):
                _until_sync(yielded)
                value = None
            elif isinstance(yielded, Blocking):
                value = yielded.call()
            else:
                value = yielded
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def run_async(steps: Steps[T]) -> T:
    """Drive `steps` with Playwright's async API: awaitables are awaited, their errors thrown
    back into the generator where it yielded them."""
    __tracebackhide__ = True  # a failure points at the caller, not at the driver
    try:
        yielded = steps.send(None)
        while True:
            try:
                if isinstance(yielded, Sleep):
                    await asyncio.sleep(yielded.seconds)
                    value: Any = None
                elif isinstance(yielded, Until):
                    await until(yielded.signal, yielded.seconds)
                    value = None
                elif isinstance(yielded, Blocking):
                    value = await asyncio.to_thread(yielded.call)
                elif inspect.isawaitable(yielded):
                    value = await yielded
                else:
                    value = yielded
            except Exception as exc:
                yielded = steps.throw(exc)
                continue
            yielded = steps.send(value)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
