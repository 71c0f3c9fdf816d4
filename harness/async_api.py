"""ttq-harness for Playwright's async API: the same capture, expect_event, report and plan
journeys as the sync API, awaited.

    from harness.async_api import AsyncPixelCapture, AsyncExpectEvent

    capture = await AsyncPixelCapture().attach(context)   # before the first navigation
    await page.goto(url)
    await AsyncExpectEvent(capture)("AddToCart", content_id="301")
    report = await capture_report(capture, url=page.url)

With pytest-playwright-asyncio (`pip install "ttq-harness[pytest-asyncio]"`), the fixtures
`ttq_capture`, `expect_event`, `ttq_events` and `ttq_findings` are these, awaited.
The logic is the sync API's, written once (harness.browser.flavour); this module only
re-exports it.
"""

from __future__ import annotations

from harness import __version__
from harness.adapters.expect import AsyncExpectEvent
from harness.browser.async_plan_run import run_journey
from harness.browser.async_recorder import AsyncPixelCapture
from harness.browser.plan_run import plan_rules, use_plan_settings
from harness.core.config import RulesConfig
from harness.core.model import CaptureReport

__all__ = [
    "AsyncExpectEvent",
    "AsyncPixelCapture",
    "capture_report",
    "plan_rules",
    "run_journey",
    "use_plan_settings",
]


async def capture_report(
    capture: AsyncPixelCapture,
    *,
    url: str | None = None,
    config: RulesConfig | None = None,
    quiet: float = 0.5,
    timeout: float = 5.0,
) -> CaptureReport:
    """The capture's report (events, findings, reconciliation) once the page settled: what
    `ttq-harness inspect` reports for a page. `url` defaults to the context's first page."""
    await capture.settle(quiet=quiet, timeout=timeout)
    pages = capture.context.pages
    return capture.report(
        url=url if url is not None else (pages[0].url if pages else ""),
        browser=None,
        harness_version=__version__,
        config=config,
    )
