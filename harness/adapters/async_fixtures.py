"""The async fixtures (pytest-playwright-asyncio), registered by pytest_async_plugin.py only
when pytest-playwright-asyncio is active, over the sync plugin's fixtures of the same names.

Tests are coroutines on pytest-asyncio's session loop, where pytest-playwright-asyncio's
`context` lives: `@pytest.mark.asyncio(loop_scope="session")`. The options, the marker, the
rule configuration and the failure report are the sync plugin's (pytest_plugin.py).
"""

from __future__ import annotations

import pytest
import pytest_asyncio
from playwright.async_api import BrowserContext

from harness.adapters.expect import AsyncExpectEvent
from harness.adapters.pytest_plugin import (
    CAPTURE_KEY,
    FindingsProbe,
    _captures_every_test,
    capture_options,
)
from harness.browser.async_recorder import AsyncPixelCapture
from harness.core.config import RulesConfig, fails
from harness.core.model import CaptureReport, Finding, PixelEvent
from harness.core.plan.model import Plan


@pytest_asyncio.fixture(loop_scope="session")
async def ttq_capture(context: BrowserContext, request: pytest.FixtureRequest) -> AsyncPixelCapture:
    """The capture attached to this test's async browser context (pixel hosts answered
    locally): `await ttq_capture.settle()`, `ttq_capture.events()`, `ttq_capture.report(...)`."""
    capture = AsyncPixelCapture(**capture_options(request))
    request.node.stash[CAPTURE_KEY] = capture
    return await capture.attach(context)


@pytest.fixture(autouse=True)
def _ttq_capture_when_asked(request: pytest.FixtureRequest) -> None:
    # As the sync plugin's: a test that uses `context` or `page` gets the capture only with the
    # ttq marker, --ttq-capture all or --ttq-fail-on (this overrides the sync one, which
    # touches no test without sync pytest-playwright).
    if "context" not in request.fixturenames:
        return
    if _captures_every_test(request.config) or request.node.get_closest_marker("ttq"):
        request.getfixturevalue("ttq_capture")
        request.getfixturevalue("ttq_rules_config")


@pytest.fixture
def expect_event(
    ttq_capture: AsyncPixelCapture, pytestconfig: pytest.Config, ttq_plan: Plan | None
) -> AsyncExpectEvent:
    """`await expect_event(name, **partial_params, pixel=None, timeout=...,
    exactly|at_least|never)`; `await expect_event.in_order(...)`."""
    return AsyncExpectEvent(
        ttq_capture,
        timeout=pytestconfig.getoption("--ttq-timeout"),
        plan=ttq_plan,
        show_pii=pytestconfig.getoption("--ttq-show-pii"),
    )


@pytest.fixture
def ttq_events(ttq_capture: AsyncPixelCapture) -> list[PixelEvent]:
    """Events captured so far (a snapshot; call ttq_capture.events() for fresh ones)."""
    return ttq_capture.events()


class AsyncFindingsProbe:
    """`await ttq_findings()`: the findings on what was captured once the page settled."""

    def __init__(self, capture: AsyncPixelCapture, config: RulesConfig) -> None:
        self.capture = capture
        self.config = config

    async def report(self) -> CaptureReport:
        await self.capture.settle(quiet=0.3, timeout=5)
        return FindingsProbe(self.capture, self.config).report()

    async def __call__(self, min_severity: str = "info") -> list[Finding]:
        findings = (await self.report()).findings
        return [f for f in findings if fails(f.severity, min_severity)]  # type: ignore[arg-type]


@pytest.fixture
def ttq_findings(
    ttq_capture: AsyncPixelCapture, ttq_rules_config: RulesConfig
) -> AsyncFindingsProbe:
    """`await ttq_findings("warning")`: the rule findings on the events captured so far."""
    return AsyncFindingsProbe(ttq_capture, ttq_rules_config)
