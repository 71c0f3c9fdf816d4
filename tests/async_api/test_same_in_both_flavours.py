"""What a user reads is the same in both flavours: expect_event's near-miss messages and a
plan journey's step verdicts, the sync API's run in a thread (it cannot run on the event
loop) against the same loopback site, the async API's awaited here."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser as AsyncBrowser
from playwright.sync_api import BrowserContext, sync_playwright

from harness.adapters.expect import ExpectEvent
from harness.async_api import (
    AsyncExpectEvent,
    AsyncPixelCapture,
    plan_rules,
    run_journey,
    use_plan_settings,
)
from harness.browser import plan_run
from harness.browser.launch import open_chromium
from harness.browser.recorder import PixelCapture
from harness.core.plan.load import load_plan
from harness.core.plan.result import JourneyResult

pytestmark = pytest.mark.asyncio(loop_scope="session")
PLAN = load_plan(Path(__file__).parent.parent.parent / "sites" / "demo-plan.yaml")


def _in_sync_chromium(work: Callable[[BrowserContext], Any]) -> Any:
    with sync_playwright() as playwright:
        browser, _ = open_chromium(playwright)
        try:
            return work(browser.new_context())
        finally:
            browser.close()


def _sync_failure(url: str, name: str, **kwargs: Any) -> str:
    def work(context: BrowserContext) -> str:
        capture = PixelCapture().attach(context)
        context.new_page().goto(url)
        try:
            ExpectEvent(capture, plan=PLAN)(name, timeout=1, **kwargs)
        except AssertionError as failure:
            return str(failure)
        raise AssertionError("the sync expect_event did not fail")

    return str(_in_sync_chromium(work))


async def _async_failure(browser: AsyncBrowser, url: str, name: str, **kwargs: Any) -> str:
    context = await browser.new_context()
    try:
        capture = await AsyncPixelCapture().attach(context)
        await (await context.new_page()).goto(url)
        with pytest.raises(AssertionError) as failure:
            await AsyncExpectEvent(capture, plan=PLAN)(name, timeout=1, **kwargs)
        return str(failure.value)
    finally:
        await context.close()


@pytest.mark.parametrize(
    ("path", "name", "kwargs", "says"),
    [
        # a free-form expectation: the closest events, field by field
        (
            "/shop/product.html?id=301",
            "ViewContent",
            {"currency": "EUR"},
            "properties.currency: expected 'EUR', got 'USD'",
        ),
        # a plan event definition on the broken twin: its matchers' near miss
        (
            "/broken-shop/product.html?id=301",
            "ViewProduct",
            {},
            'properties.value: expected a number, got "8.00" (string)',
        ),
    ],
    ids=["free-form", "plan-definition"],
)
async def test_a_near_miss_reads_the_same_in_both_flavours(
    browser: AsyncBrowser,
    demo_site: str,
    path: str,
    name: str,
    kwargs: dict[str, Any],
    says: str,
) -> None:
    url = demo_site + path
    in_sync = await asyncio.to_thread(_sync_failure, url, name, **kwargs)
    in_async = await _async_failure(browser, url, name, **kwargs)
    assert says in in_async
    # event numbers depend on when the SDK's automatic events arrived, nothing else may differ
    assert re.sub(r"#\d+", "#N", in_async) == re.sub(r"#\d+", "#N", in_sync)


def _verdicts(result: JourneyResult) -> list[tuple[Any, ...]]:
    return [
        (
            step.description,
            step.ok,
            step.skipped,
            step.error,
            [(e.expected, e.event, e.ok, e.found) for e in step.expectations],
        )
        for step in result.steps
    ]


def _sync_journey(name: str, base_url: str) -> JourneyResult:
    journey = next(j for j in PLAN.journeys if j.name == name)

    def work(context: BrowserContext) -> JourneyResult:
        capture = plan_run.use_plan_settings(PixelCapture(), PLAN).attach(context)
        return plan_run.run_journey(
            context, PLAN, journey, base_url=base_url, config=plan_rules(PLAN), capture=capture
        )

    result = _in_sync_chromium(work)
    assert isinstance(result, JourneyResult)
    return result


@pytest.mark.parametrize(
    ("shop", "holds"), [("/shop/", True), ("/broken-shop/", False)], ids=["shop", "broken"]
)
@pytest.mark.parametrize("name", ["product-page", "purchase"])
async def test_a_plan_journey_has_the_same_verdicts_in_both_flavours(
    browser: AsyncBrowser, demo_site: str, shop: str, holds: bool, name: str
) -> None:
    journey = next(j for j in PLAN.journeys if j.name == name)
    context = await browser.new_context()
    try:
        capture = await use_plan_settings(AsyncPixelCapture(), PLAN).attach(context)
        in_async = await run_journey(
            context,
            PLAN,
            journey,
            base_url=demo_site + shop,
            config=plan_rules(PLAN),
            capture=capture,
        )
    finally:
        await context.close()
    in_sync = await asyncio.to_thread(_sync_journey, name, demo_site + shop)
    assert in_async.ok is holds
    assert _verdicts(in_async) == _verdicts(in_sync)
    assert [f.code for f in in_async.findings] == [f.code for f in in_sync.findings]
