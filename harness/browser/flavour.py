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
sink's settle) is yielded as `Sleep` or `Blocking`, which each driver runs its own way.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

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
