"""A plan journey through Playwright's async API: harness.browser.journey's steps, awaited."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import BrowserContext

from harness.browser.async_recorder import AsyncPixelCapture
from harness.browser.events_api_sink import EventsApiSink
from harness.browser.flavour import run_async
from harness.browser.journey import journey_steps
from harness.core.config import RulesConfig
from harness.core.plan.model import Journey, Plan
from harness.core.plan.result import JourneyResult


async def run_journey(
    context: BrowserContext,
    plan: Plan,
    journey: Journey,
    *,
    base_url: str | None,
    config: RulesConfig,
    capture: AsyncPixelCapture | None = None,
    screenshots: Path | None = None,
    events_api: EventsApiSink | None = None,
) -> JourneyResult:
    """Run one journey's steps in an async `context` (as plan_run.run_journey, awaited);
    never raises for what the page does."""
    return await run_async(
        journey_steps(
            context,
            plan,
            journey,
            base_url=base_url,
            config=config,
            capture=capture or await AsyncPixelCapture().attach(context),
            screenshots=screenshots,
            events_api=events_api,
        )
    )
