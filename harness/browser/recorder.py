"""Playwright adapter (sync API): attach to a BrowserContext, answer the pixel hosts locally,
record.

One PixelCapture per browser context. Routes and the init script are context-wide, so pages,
popups, iframes and new tabs are all covered. Sync Playwright dispatches the route and binding
callbacks on the caller's thread while it waits inside a Playwright call; `wait_for` and
`settle` therefore pump the event loop with short page waits.

Everything but the wiring and the driving is CaptureBase (capture_base.py), shared with the
async API's AsyncPixelCapture (async_recorder.py): this class runs its steps with `run_sync`.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Request, Route

from harness.browser.capture_base import (
    BINDING_NAME,
    EMULATOR_ERROR_PREFIX,
    HARNESS_PATH,
    MAX_PAGE_ERRORS,
    MAX_RECORDER_ERRORS,
    MAX_SDK_MESSAGES,
    CaptureBase,
    SdkMode,
    emulator_script,
    recorder_script,
)
from harness.browser.capture_waits import MIN_GRACE
from harness.browser.flavour import run_sync
from harness.browser.unload_guard import UnloadBeaconGuard

__all__ = [
    "BINDING_NAME",
    "EMULATOR_ERROR_PREFIX",
    "HARNESS_PATH",
    "MAX_PAGE_ERRORS",
    "MAX_RECORDER_ERRORS",
    "MAX_SDK_MESSAGES",
    "MIN_GRACE",
    "PixelCapture",
    "SdkMode",
    "emulator_script",
    "recorder_script",
]


class PixelCapture(CaptureBase[BrowserContext]):
    """Records every ttq call and every pixel request of one browser context (sync API)."""

    def attach(self, context: BrowserContext) -> PixelCapture:
        run_sync(self._attach_steps(context, self._on_route, self._on_binding))
        UnloadBeaconGuard.register(self)
        return self

    def _on_route(self, route: Route, request: Request) -> None:
        run_sync(self._route_steps(route, request))

    # -- waiting ------------------------------------------------------------------------------

    def pump(self, milliseconds: float = 50) -> None:
        """Let Playwright deliver pending callbacks for a moment."""
        run_sync(self.pump_steps(milliseconds))

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Pump until predicate() holds or `timeout` seconds pass. Returns the last verdict."""
        return run_sync(self.wait_for_steps(predicate, timeout))

    def wait_until_or_quiet(
        self,
        predicate: Callable[[], bool],
        *,
        timeout: float,
        quiet: float,
        idle_window: float | None = None,
    ) -> bool:
        """Pump until predicate() holds, or nothing has arrived for `quiet` seconds, or timeout
        (with `idle_window`, also until the page provably idles): see capture_waits."""
        return run_sync(
            self.wait_until_or_quiet_steps(
                predicate, timeout=timeout, quiet=quiet, idle_window=idle_window
            )
        )

    def pending(self, window: float, *, budget: float = 1.0) -> int | None:
        """What may still reach the capture within `window` seconds (None: cannot say within
        `budget`): see capture_waits."""
        return run_sync(self.pending_steps(window, budget=budget))

    def wait_idle(self, *, window: float, quiet: float, timeout: float) -> bool:
        """Pump until the page provably has nothing left to send within `window` seconds, or
        no pixel traffic arrived for `quiet` seconds, or `timeout`. True when idleness was
        proven (see capture_waits)."""
        return run_sync(self.wait_idle_steps(window=window, quiet=quiet, timeout=timeout))

    def settle(self, quiet: float = 0.5, timeout: float = 5.0) -> None:
        """Wait until nothing more can arrive within `quiet` seconds."""
        run_sync(self.settle_steps(quiet=quiet, timeout=timeout))
