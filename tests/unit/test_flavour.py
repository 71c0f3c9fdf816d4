"""One browser logic for both Playwright flavours (harness.browser.flavour), and the async
plugin staying out of a sync pytest-playwright session."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from harness.adapters.pytest_async_plugin import async_playwright
from harness.browser.flavour import Blocking, Sleep, Steps, Until, run_async, run_sync

T = TypeVar("T")


class Failed(Exception):
    pass


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a thread of its own: after a sync Playwright test in the same session,
    this thread has a running event loop (pytest-playwright's), and asyncio.run refuses it."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _logic(call: object) -> Steps[str]:
    """Yields what a Playwright call returned (a value, or an awaitable); catches its error."""
    first = yield call
    try:
        yield _failing(call)
    except Failed as exc:
        caught = str(exc)
    slept = yield Sleep(0.01)
    blocked = yield Blocking(lambda: "from a thread")
    return f"{first} {caught} {slept} {blocked}"


def _failing(call: object) -> object:
    if asyncio.iscoroutine(call):
        call.close()

        async def fails() -> None:
            raise Failed("thrown back")

        return fails()
    raise Failed("thrown back")


def test_the_sync_driver_hands_back_values_and_errors_raise_in_place() -> None:
    started = time.monotonic()
    assert run_sync(_logic("value")) == "value thrown back None from a thread"
    assert time.monotonic() - started >= 0.01


def test_the_async_driver_awaits_and_throws_errors_back_where_they_were_yielded() -> None:
    async def value() -> str:
        return "value"

    assert _run(run_async(_logic(value()))) == "value thrown back None from a thread"


def test_an_error_the_logic_does_not_catch_reaches_the_caller_in_both() -> None:
    def logic(call: object) -> Steps[None]:
        yield _failing(call)

    with pytest.raises(Failed):
        run_sync(logic(None))

    async def nothing() -> None:
        return None

    with pytest.raises(Failed):
        _run(run_async(logic(nothing())))


def test_the_async_plugin_is_inert_under_sync_pytest_playwright(
    pytestconfig: pytest.Config,
) -> None:
    assert pytestconfig.pluginmanager.has_plugin("ttq_harness_asyncio")  # its entry point
    assert not async_playwright(pytestconfig)
    assert pytestconfig.pluginmanager.get_plugin("ttq-harness-async-fixtures") is None


def _until(signal: asyncio.Event, seconds: float, owner: object = None) -> Steps[bool]:
    yield Until(signal, seconds, owner)
    return signal.is_set()


def test_until_ends_when_a_callback_sets_its_signal_not_when_its_time_is_up() -> None:
    async def main() -> bool:
        signal = asyncio.Event()
        asyncio.get_running_loop().call_soon(signal.set)  # a callback, one loop turn later
        # 60 s if the signal did not end it: the outer bound fails the test instead
        return await asyncio.wait_for(run_async(_until(signal, 60.0)), 10.0)

    assert _run(main())


def test_until_in_the_sync_driver_runs_on_the_owners_loop_in_either_signature() -> None:
    class Owner:
        """A sync Playwright object: `_sync` runs a coroutine on its event loop."""

        def __init__(self) -> None:
            self.loop = asyncio.new_event_loop()

        def _sync(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
            # in a thread of its own, as _run: pytest-playwright's loop may run in this one
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                return pool.submit(self.loop.run_until_complete, coroutine).result()

    class OldOwner(Owner):
        def _sync(self, api_name: str, coroutine: Coroutine[Any, Any, Any]) -> Any:  # type: ignore[override]
            assert api_name
            return super()._sync(coroutine)

    for owner in (Owner(), OldOwner()):
        signal = asyncio.Event()
        owner.loop.call_soon(signal.set)
        started = time.monotonic()
        try:
            assert run_sync(_until(signal, 60.0, owner))
        finally:
            owner.loop.close()
        assert time.monotonic() - started < 30  # ended by the callback, not by its 60 s


def test_until_without_an_event_loop_lets_a_page_deliver_callbacks_for_the_time() -> None:
    class Page:
        def __init__(self) -> None:
            self.waited: list[float] = []

        def is_closed(self) -> bool:
            return False

        def wait_for_timeout(self, milliseconds: float) -> None:
            self.waited.append(milliseconds)

    page = Page()
    owner = type("Context", (), {"pages": [page]})()
    assert not run_sync(_until(asyncio.Event(), 0.02, owner))
    assert page.waited == [20.0]
