"""Playwright adapter: get a Chromium, launched here or served by a remote browser server.

`--connect ws://HOST:PORT/` uses a Playwright browser server (`playwright run-server`, or a
Browserless/Selenium Grid endpoint speaking the Playwright protocol). Routes, init scripts and
the browser-level unload guard work the same over the connection. The server picks its own
browser unless --browser-path / TTQ_HARNESS_BROWSER names one (a `playwright run-server` must
then be started with --unsafe to accept it).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from playwright.async_api import Browser as AsyncBrowser
from playwright.async_api import Playwright as AsyncPlaywright
from playwright.sync_api import Browser, Playwright
from playwright.sync_api import Error as PlaywrightError

from harness.browser.chromium import ENV_VAR, offline_args, resolve_chromium
from harness.browser.flavour import Steps, run_async, run_sync
from harness.core.errors import HarnessError


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check_display(environ: Mapping[str, str] | None = None, system: str | None = None) -> None:
    """A visible browser on Linux needs an X or Wayland display; without one, say how to get
    one (Playwright's own hint is lost past its first line)."""
    env = os.environ if environ is None else environ
    if (system or sys.platform).startswith("linux") and not (
        env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")
    ):
        raise HarnessError(
            "--headed needs a display and none is set (DISPLAY, WAYLAND_DISPLAY): run the "
            "command under `xvfb-run` (e.g. `xvfb-run ttq-harness ...`), or leave out --headed"
        )


def open_chromium(
    playwright: Playwright,
    *,
    browser_path: str | None = None,
    headed: bool = False,
    slow_mo: float = 0,
    connect: str | None = None,
    allow_only: Sequence[str] | None = None,
) -> tuple[Browser, str]:
    """A Chromium and a one-line description of it; HarnessError with the fix otherwise."""
    found: tuple[Browser, str] = run_sync(
        _open_steps(playwright, browser_path, headed, slow_mo, connect, allow_only)
    )
    return found


async def open_chromium_async(
    playwright: AsyncPlaywright,
    *,
    browser_path: str | None = None,
    headed: bool = False,
    slow_mo: float = 0,
    connect: str | None = None,
    allow_only: Sequence[str] | None = None,
) -> tuple[AsyncBrowser, str]:
    """`open_chromium` for Playwright's async API."""
    found: tuple[AsyncBrowser, str] = await run_async(
        _open_steps(playwright, browser_path, headed, slow_mo, connect, allow_only)
    )
    return found


def _open_steps(
    playwright: Playwright | AsyncPlaywright,
    browser_path: str | None,
    headed: bool,
    slow_mo: float,
    connect: str | None,
    allow_only: Sequence[str] | None,
) -> Steps[tuple[Any, str]]:
    if connect:
        # The server launches the browser: it gets the offline switches all the same.
        options: dict[str, object] = {"headless": not headed, "args": offline_args([], allow_only)}
        explicit = browser_path or os.environ.get(ENV_VAR)
        if explicit:
            resolved = resolve_chromium(explicit)
            options["executablePath"] = resolved.executable_path
            options["args"] = offline_args(resolved.args, allow_only)
        try:
            browser = yield playwright.chromium.connect(
                connect,
                headers={"x-playwright-launch-options": json.dumps(options)},
                slow_mo=slow_mo,
                timeout=30_000,
            )
        except PlaywrightError as exc:
            raise HarnessError(
                f"cannot connect to the browser server {connect}: {_first_line(exc)}"
            ) from exc
        return browser, f"Chromium {browser.version} (remote {connect})"
    if headed:
        check_display()
    resolved = resolve_chromium(
        browser_path, playwright_executable=playwright.chromium.executable_path, headless=not headed
    )
    try:
        browser = yield playwright.chromium.launch(
            headless=not headed,
            slow_mo=slow_mo,
            **resolved.launch_options(allow_only=allow_only),  # type: ignore[arg-type]
        )
    except PlaywrightError as exc:
        raise HarnessError(
            f"cannot start Chromium {resolved.describe()}: {_first_line(exc)}"
        ) from exc
    return browser, f"Chromium {browser.version} ({resolved.origin})"
