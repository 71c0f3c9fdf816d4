"""Playwright adapter: run a plan's journeys in Chromium and check each step.

`run_journey` drives one journey in a given browser context (the pytest integration passes
pytest-playwright's); `run_plan` launches Chromium and runs every selected journey, each in a
fresh context, continuing after a failing one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import os
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urljoin

from playwright.async_api import Browser as AsyncBrowser
from playwright.async_api import BrowserContext as AsyncBrowserContext
from playwright.async_api import Playwright as AsyncPlaywright
from playwright.sync_api import Browser, BrowserContext, Playwright
from playwright.sync_api import Error as PlaywrightError

from harness import __version__
from harness.browser.async_recorder import AsyncPixelCapture
from harness.browser.capture_base import CaptureBase
from harness.browser.chromium import hosts_of
from harness.browser.events_api_sink import EventsApiSink
from harness.browser.flavour import Steps, run_async, run_sync
from harness.browser.journey import journey_steps
from harness.browser.launch import open_chromium, open_chromium_async
from harness.browser.recorder import PixelCapture, SdkMode, emulator_script
from harness.browser.unload_guard import unplaced_beacons
from harness.browser.workers import run_journeys
from harness.core.config import RulesConfig
from harness.core.endpoints import DEFAULT_PIXEL_HOSTS
from harness.core.engine import sdk_version
from harness.core.errors import (
    BROWSER_GONE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    INTERRUPTED,
    CaptureAborted,
    UsageError,
)
from harness.core.plan.model import (
    Journey,
    Plan,
)
from harness.core.plan.result import JourneyResult, PlanResult
from harness.core.plan.summary import coverage, purposes, sent_unmatched
from harness.core.sdk import EmulatedSdk
from harness.core.tiktok import PROFILES

Capt = TypeVar("Capt", bound=CaptureBase[Any])


def plan_rules(plan: Plan, base: RulesConfig | None = None) -> RulesConfig:
    """The plan's `defaults.rules` on top of the project's configuration."""
    settings = plan.defaults.rules
    config = (base or RulesConfig()).merged(
        profile=settings.profile,
        select=settings.select,
        ignore_extra=settings.ignore,
        severity=settings.severity,
        fail_on=settings.fail_on,
        uses_events_api=settings.uses_events_api,
    )
    config.check_profile()
    return config


def select_journeys(plan: Plan, names: Sequence[str]) -> list[Journey]:
    if not names:
        return list(plan.journeys)
    known = {journey.name: journey for journey in plan.journeys}
    chosen = []
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(
                f"--journey {name!r}: no such journey{hint} (journeys: {', '.join(known)})"
            )
        chosen.append(known[name])
    return chosen


def journey_base_url(plan: Plan, journey: Journey, override: str | None) -> str | None:
    return override or journey.base_url or plan.defaults.base_url


def run_journey(
    context: BrowserContext,
    plan: Plan,
    journey: Journey,
    *,
    base_url: str | None,
    config: RulesConfig,
    capture: PixelCapture | None = None,
    screenshots: Path | None = None,
    events_api: EventsApiSink | None = None,
) -> JourneyResult:
    """Run one journey's steps in `context`; never raises for what the page does.

    With `screenshots`, a PNG of the page is saved there after each step (and a failed one).
    With `events_api`, what the sink received during the journey is cross-checked with the
    journey's pixel events (EA findings). The journey itself is harness.browser.journey's,
    shared with the async API.
    """
    return run_sync(
        journey_steps(
            context,
            plan,
            journey,
            base_url=base_url,
            config=config,
            capture=capture or PixelCapture().attach(context),
            screenshots=screenshots,
            events_api=events_api,
        )
    )


def _journey_hosts(plan: Plan, journeys: Sequence[Journey], override: str | None) -> list[str]:
    """The hosts a run's journeys open: their base URLs' and their absolute goto steps'."""
    urls: list[str] = []
    for journey in journeys:
        base = journey_base_url(plan, journey, override)
        urls += [base] if base else []
        urls += [urljoin(base or "", s.goto) for s in journey.steps if s.goto is not None]
    return hosts_of(urls)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "journey"


@dataclass(frozen=True)
class RunOptions:
    base_url: str | None = None
    journeys: Sequence[str] = ()
    browser_path: str | None = None
    headed: bool = False
    slow_mo: float = 0
    hosts: Sequence[str] = DEFAULT_PIXEL_HOSTS
    rules: RulesConfig = field(default_factory=RulesConfig)
    on_journey: Callable[[JourneyResult], None] | None = None
    on_start: Callable[[Journey], None] | None = None
    #: where screenshots (after every step) and traces (of failed journeys) go; None: none
    artifacts: Path | None = None
    trace: Literal["off", "on", "retain-on-failure"] = "retain-on-failure"
    connect: str | None = None  # ws:// endpoint of a Playwright browser server
    #: where the pixel SDK comes from: 'emulated', 'live', a pinned folder, or an SdkSource
    sdk: SdkMode = "emulated"
    #: a running Events API sink whose requests are cross-checked per journey (EA rules)
    events_api: EventsApiSink | None = None
    #: --block-third-party (or the plan's defaults.block_third_party): only the journeys'
    #: own hosts resolve in the browser
    block_third_party: bool = False
    #: journeys at once (--workers); None: the plan's defaults.workers, else one per CPU
    workers: int | None = None


def _with_plan_cookies(sdk: SdkMode, plan: Plan) -> SdkMode:
    """A plan whose pixel has first-party cookies on turns them on in the emulator."""
    if not plan.defaults.first_party_cookies:
        return sdk
    if sdk == "emulated":
        return EmulatedSdk(emulator_script(), first_party_cookies=True)
    if isinstance(sdk, EmulatedSdk):
        return dataclasses.replace(sdk, first_party_cookies=True)
    return sdk  # TikTok's own SDK (live or pinned) reads the pixel's setting itself


def use_plan_settings(capture: Capt, plan: Plan) -> Capt:
    """What the plan says about its pixel, applied to a capture made before the plan was read
    (pytest's `ttq_capture` fixture). Call before the first navigation."""
    source = _with_plan_cookies(capture.sdk_source, plan)
    if not isinstance(source, str):
        capture.sdk_source = source
    return capture


def worker_count(plan: Plan, options: RunOptions, journeys: int) -> int:
    """How many journeys run at once: --workers, else the plan's `defaults.workers`, else one
    per CPU; never more than there are journeys. One with an Events API sink: its requests are
    given to a journey by arrival time, which concurrent journeys would mix up."""
    wanted = options.workers or plan.defaults.workers or os.cpu_count() or 1
    if options.events_api is not None:
        return 1
    return max(1, min(wanted, journeys))


def _run_in_steps(
    browser: Browser | AsyncBrowser,
    plan: Plan,
    journey: Journey,
    opts: RunOptions,
    config: RulesConfig,
    attach: Callable[[Any], Any],
) -> Steps[JourneyResult]:
    """One journey in a fresh context of `browser`, with its artifacts; `attach(context)`
    gives the flavour's capture (attached), or an awaitable of it."""
    context = yield browser.new_context()
    folder = opts.artifacts / _slug(journey.name) if opts.artifacts else None
    tracing = folder is not None and opts.trace != "off"
    try:
        if tracing:
            yield context.tracing.start(screenshots=True, snapshots=True)
        capture = yield attach(context)
        result = yield from journey_steps(
            context,
            plan,
            journey,
            capture=capture,
            config=config,
            base_url=journey_base_url(plan, journey, opts.base_url),
            screenshots=folder,
            events_api=opts.events_api,
        )
        if tracing and folder is not None:
            if opts.trace == "on" or not result.ok:
                trace_path = folder / "trace.zip"
                yield context.tracing.stop(path=str(trace_path))
                result = result.model_copy(update={"trace": str(trace_path)})
            else:
                yield context.tracing.stop()
    finally:
        with contextlib.suppress(PlaywrightError):
            yield context.close()
    if not browser.is_connected():  # the journey ran into a dead browser
        result = result.model_copy(update={"ok": False, "error": BROWSER_GONE})
    return result


def _run_in(
    browser: Browser, plan: Plan, journey: Journey, opts: RunOptions, config: RulesConfig
) -> JourneyResult:
    """One journey in a fresh context of `browser` (sync API: one journey at a time)."""

    def attach(context: BrowserContext) -> PixelCapture:
        return use_plan_settings(PixelCapture(hosts=opts.hosts, sdk=opts.sdk), plan).attach(context)

    return run_sync(_run_in_steps(browser, plan, journey, opts, config, attach))


async def _run_in_async(
    browser: AsyncBrowser, plan: Plan, journey: Journey, opts: RunOptions, config: RulesConfig
) -> JourneyResult:
    """One journey in a fresh context of `browser` (async API: journeys side by side)."""

    def attach(context: AsyncBrowserContext) -> Awaitable[AsyncPixelCapture]:
        capture = AsyncPixelCapture(hosts=opts.hosts, sdk=opts.sdk)
        return use_plan_settings(capture, plan).attach(context)

    return await run_async(_run_in_steps(browser, plan, journey, opts, config, attach))


def _launch(plan: Plan, opts: RunOptions, selected: Sequence[Journey]) -> dict[str, Any]:
    """How the run's Chromium is opened, in either flavour (open_chromium's options)."""
    hermetic = opts.block_third_party or plan.defaults.block_third_party
    return {
        "browser_path": opts.browser_path,
        "headed": opts.headed,
        "slow_mo": opts.slow_mo,
        "connect": opts.connect,
        "allow_only": _journey_hosts(plan, selected, opts.base_url) if hermetic else None,
    }


def _open(
    playwright: Playwright, plan: Plan, opts: RunOptions, selected: Sequence[Journey]
) -> tuple[Browser, str]:
    return open_chromium(playwright, **_launch(plan, opts, selected))


async def _open_async(
    playwright: AsyncPlaywright, plan: Plan, opts: RunOptions, selected: Sequence[Journey]
) -> tuple[AsyncBrowser, str]:
    return await open_chromium_async(playwright, **_launch(plan, opts, selected))


def run_plan(plan: Plan, plan_path: Path, options: RunOptions | None = None) -> PlanResult:
    """Run the selected journeys, each in a fresh browser context, `worker_count` at a time;
    the result lists them in plan order whatever order they finished in."""
    opts = options or RunOptions()
    started = time.monotonic()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    config = plan_rules(plan, opts.rules)
    selected = select_journeys(plan, opts.journeys)
    opened: list[Browser | AsyncBrowser] = []  # to ask its unload guard afterwards

    def open_browser(playwright: Playwright) -> tuple[Browser, str]:
        browser, name = _open(playwright, plan, opts, selected)
        opened.append(browser)
        return browser, name

    async def open_browser_async(playwright: AsyncPlaywright) -> tuple[AsyncBrowser, str]:
        browser, name = await _open_async(playwright, plan, opts, selected)
        opened.append(browser)
        return browser, name

    results, browser_name, incomplete = run_journeys(
        selected,
        workers=worker_count(plan, opts, len(selected)),
        open_browser=open_browser,
        run_one=lambda browser, journey: _run_in(browser, plan, journey, opts, config),
        open_browser_async=open_browser_async,
        run_one_async=lambda browser, journey: _run_in_async(browser, plan, journey, opts, config),
        on_start=opts.on_start,
        on_journey=opts.on_journey,
    )
    covered = coverage(plan, results, selected)
    outcome = PlanResult(
        harness_version=__version__,
        plan=str(plan_path),
        base_url=opts.base_url or plan.defaults.base_url,
        profile=config.profile,
        browser=browser_name,
        ok=all(r.ok for r in results),
        journeys=results,
        coverage=covered,
        unmatched=sent_unmatched(plan, results, covered),
        purposes=purposes(plan, covered, PROFILES[config.profile]),
        sdk_version=sdk_version([e for r in results for e in r.events if e.source == "wire"]),
        started_at=started_at,
        duration=time.monotonic() - started,
        incomplete=incomplete,
        unplaced_beacons=sum(unplaced_beacons(browser) for browser in opened),
    )
    if incomplete:
        ran = f"{len(results)} of {len(selected)} journey(s) ran"
        code = EXIT_INTERRUPTED if incomplete == INTERRUPTED else EXIT_USAGE
        raise CaptureAborted(f"{incomplete}; {ran}", outcome.model_copy(update={"ok": False}), code)
    return outcome
