"""Playwright adapter (async API): the capture of PixelCapture for an async BrowserContext.

Everything but the wiring and the driving is CaptureBase (capture_base.py), shared with the
sync PixelCapture: this class awaits the same steps with `run_async`. Playwright's async API
delivers the route, binding and event callbacks on the event loop whenever the test awaits,
so the waits need no pumping page call; they still poll the page the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.async_api import BrowserContext, Request, Route

from harness.browser.capture_base import CaptureBase
from harness.browser.flavour import run_async
from harness.browser.unload_guard import AsyncUnloadBeaconGuard


class AsyncPixelCapture(CaptureBase[BrowserContext]):
    """Records every ttq call and every pixel request of one async browser context:
    `capture = await AsyncPixelCapture().attach(context)`."""

    async def attach(self, context: BrowserContext) -> AsyncPixelCapture:
        await run_async(self._attach_steps(context, self._on_route, self._on_binding))
        await AsyncUnloadBeaconGuard.register(self)
        return self

    async def _on_route(self, route: Route, request: Request) -> None:
        await run_async(self._route_steps(route, request))

    # -- waiting (as PixelCapture's, awaited) ---------------------------------------------------

    async def pump(self, milliseconds: float = 50) -> None:
        """Let Playwright deliver pending callbacks for a moment."""
        await run_async(self.pump_steps(milliseconds))

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until predicate() holds or `timeout` seconds pass. Returns the last verdict."""
        return await run_async(self.wait_for_steps(predicate, timeout))

    async def wait_until_or_quiet(
        self,
        predicate: Callable[[], bool],
        *,
        timeout: float,
        quiet: float,
        idle_window: float | None = None,
    ) -> bool:
        """Wait until predicate() holds, or nothing has arrived for `quiet` seconds, or timeout
        (with `idle_window`, also until the page provably idles): see capture_waits."""
        return await run_async(
            self.wait_until_or_quiet_steps(
                predicate, timeout=timeout, quiet=quiet, idle_window=idle_window
            )
        )

    async def pending(self, window: float, *, budget: float = 1.0) -> int | None:
        """What may still reach the capture within `window` seconds (None: cannot say within
        `budget`): see capture_waits."""
        return await run_async(self.pending_steps(window, budget=budget))

    async def wait_idle(self, *, window: float, quiet: float, timeout: float) -> bool:
        """Wait until the page provably has nothing left to send within `window` seconds, or
        no pixel traffic arrived for `quiet` seconds, or `timeout`. True when idleness was
        proven (see capture_waits)."""
        return await run_async(self.wait_idle_steps(window=window, quiet=quiet, timeout=timeout))

    async def settle(self, quiet: float = 0.5, timeout: float = 5.0) -> None:
        """Wait until nothing more can arrive within `quiet` seconds."""
        await run_async(self.settle_steps(quiet=quiet, timeout=timeout))
