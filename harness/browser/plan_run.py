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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin

from playwright.sync_api import Browser, BrowserContext, Page, Playwright
from playwright.sync_api import Error as PlaywrightError

from harness import __version__
from harness.browser.chromium import hosts_of
from harness.browser.events_api_sink import EventsApiSink
from harness.browser.launch import open_chromium
from harness.browser.recorder import PixelCapture, SdkMode, emulator_script
from harness.browser.steps import perform
from harness.browser.workers import run_journeys
from harness.core.config import RulesConfig, fails
from harness.core.endpoints import DEFAULT_PIXEL_HOSTS
from harness.core.engine import sdk_version
from harness.core.errors import (
    BROWSER_GONE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    INTERRUPTED,
    CaptureAborted,
    HarnessError,
    UsageError,
    step_failure,
)
from harness.core.model import PixelEvent, RawRequest
from harness.core.plan.check import (
    ConsentObservation,
    ConsentState,
    check_step,
    expectations_met,
)
from harness.core.plan.model import (
    Journey,
    Plan,
)
from harness.core.plan.result import JourneyResult, PlanResult, StepResult
from harness.core.plan.summary import coverage, purposes, sent_unmatched
from harness.core.rules.capture_health import pages_without_pixel
from harness.core.sdk import EmulatedSdk
from harness.core.tiktok import PROFILES


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
    journey's pixel events (EA findings).
    """
    started = time.monotonic()
    server_mark = 0
    if events_api is not None:
        server_mark = len(events_api.records)
        # The site's back end sends to the Events API: value events need an event_id (DD003).
        config = config.model_copy(update={"uses_events_api": True})
    capture = capture or PixelCapture().attach(context)
    page = context.pages[0] if context.pages else context.new_page()
    steps: list[StepResult] = []
    error: str | None = None
    # `require.no_pixel_traffic_before_consent`: consent as the journey has it so far
    consent: ConsentState | None = (
        ConsentState() if plan.requirements(journey).no_pixel_traffic_before_consent else None
    )
    ttp_cookie = False
    for number, step in enumerate(journey.steps, start=1):
        if error is not None:
            steps.append(
                StepResult(index=number, description=step.describe(), ok=False, skipped=True)
            )
            continue
        timeout = step.timeout or plan.defaults.timeout
        mark = capture.next_index
        step_started = time.monotonic()
        try:
            perform(page, step, base_url, timeout)
        except (PlaywrightError, HarnessError) as exc:
            error = f"step {number} ({step.describe()}) failed on {page.url}: {step_failure(exc)}"
            shot = _screenshot(page, screenshots, number)
            steps.append(
                StepResult(
                    index=number,
                    description=step.describe(),
                    url=page.url,
                    ok=False,
                    error=error,
                    screenshot=shot,
                    duration=time.monotonic() - step_started,
                )
            )
            continue

        def since_mark(mark: int = mark) -> list[PixelEvent]:
            return capture.events(since=mark)

        quiet = plan.defaults.quiet
        if step.expect:
            # Wait for what the step must send; give up early once the page has been quiet for
            # twice the settle time, or provably has nothing left to send within it (a missing
            # event then costs a moment, not the timeout).
            window = max(1.0, quiet * 2)
            capture.wait_until_or_quiet(
                lambda step=step: expectations_met(plan, step, since_mark()),  # type: ignore[misc]
                timeout=timeout,
                quiet=window,
                idle_window=window,
            )
        # Event-driven end: once nothing can send within `quiet` (no timer due, no frame or
        # idle callback, no request in flight, reports delivered), and at worst after `quiet`
        # of silence. The same for every step: a late event stays with the step that caused it.
        capture.wait_idle(window=quiet, quiet=quiet, timeout=max(2.0, quiet * 4))
        observed: ConsentObservation | None = None
        if consent is not None:
            calls = [c for c in capture.calls if c.index >= mark]
            cookie_before, ttp_cookie = ttp_cookie, _has_ttp_cookie(context)
            observed = ConsentObservation(
                before=consent,
                calls=calls,
                ttp_cookie=ttp_cookie,
                ttp_cookie_before=cookie_before,
                requests=[r for r in capture.requests if r.index >= mark],
            )
            consent = consent.after(calls)
        result = check_step(
            plan,
            step,
            since_mark(),
            index=number,
            url=page.url,
            duration=time.monotonic() - step_started,
            consent=observed,
        )
        result = _with_page_health(result, capture, mark)
        shot = _screenshot(page, screenshots, number)
        steps.append(result.model_copy(update={"screenshot": shot}) if shot else result)
    capture.check()
    server: list[RawRequest] = []
    if events_api is not None:
        events_api.settle(quiet=plan.defaults.quiet)  # a late server event stays with its journey
        server = events_api.requests[server_mark:]
    report = capture.report(
        url=page.url,
        browser=None,
        harness_version=__version__,
        config=config,
        server_requests=server,  # the EA rules run in the same pass as every other rule
    )
    failing = [f for f in report.findings if fails(f.severity, config.fail_on)]
    return JourneyResult(
        name=journey.name,
        ok=error is None and all(s.ok for s in steps) and not failing,
        steps=steps,
        findings=report.findings,
        failing_findings=len(failing),
        events=report.events,
        error=error,
        duration=time.monotonic() - started,
        reconciliation=report.reconciliation,
    )


def _with_page_health(result: StepResult, capture: PixelCapture, mark: int) -> StepResult:
    """A step whose navigation answered an HTTP error fails with the status; a failed step on
    a page without any pixel says so (the likely reason its events are missing)."""
    documents = capture.documents()
    loaded = [d for d in documents if d.main_frame and d.index is not None and d.index >= mark]
    errors = [d for d in loaded if d.status is not None and d.status >= 400]
    update: dict[str, object] = {}
    if errors:
        first = errors[0]
        update["ok"] = False
        update["error"] = f"{first.url} answered HTTP {first.status}"
    if errors or not result.ok:
        current = [d for d in documents if d.main_frame and d.index is not None]
        # the page the step ended on: the documents it loaded, else the one it stayed on
        seen = loaded or current[-1:]
        missing = set(pages_without_pixel(documents, capture.calls))
        bare = sorted({d.url for d in seen if d.url in missing and d.url})
        if bare:
            update["notes"] = [
                *result.notes,
                *(f"no TikTok pixel base code or SDK request on {url}" for url in bare),
            ]
    return result.model_copy(update=update) if update else result


def _journey_hosts(plan: Plan, journeys: Sequence[Journey], override: str | None) -> list[str]:
    """The hosts a run's journeys open: their base URLs' and their absolute goto steps'."""
    urls: list[str] = []
    for journey in journeys:
        base = journey_base_url(plan, journey, override)
        urls += [base] if base else []
        urls += [urljoin(base or "", s.goto) for s in journey.steps if s.goto is not None]
    return hosts_of(urls)


def _has_ttp_cookie(context: BrowserContext) -> bool:
    """Whether the pixel's first-party `_ttp` cookie exists, on any site of the journey."""
    try:
        return any(cookie.get("name") == "_ttp" for cookie in context.cookies())
    except PlaywrightError:
        return False  # a closed context: the step result already says what happened


def _screenshot(page: Page, directory: Path | None, number: int) -> str | None:
    if directory is None:
        return None
    path = directory / f"step-{number:02d}.png"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), timeout=5000)
    except PlaywrightError:
        return None  # a closed or crashed page: the step result says what happened
    return str(path)


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


def use_plan_settings(capture: PixelCapture, plan: Plan) -> PixelCapture:
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


def _run_in(
    browser: Browser, plan: Plan, journey: Journey, opts: RunOptions, config: RulesConfig
) -> JourneyResult:
    """One journey in a fresh context of `browser`, with its artifacts."""
    context = browser.new_context()
    folder = opts.artifacts / _slug(journey.name) if opts.artifacts else None
    tracing = folder is not None and opts.trace != "off"
    try:
        if tracing:
            context.tracing.start(screenshots=True, snapshots=True)
        capture = use_plan_settings(PixelCapture(hosts=opts.hosts, sdk=opts.sdk), plan).attach(
            context
        )
        result = run_journey(
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
                context.tracing.stop(path=str(trace_path))
                result = result.model_copy(update={"trace": str(trace_path)})
            else:
                context.tracing.stop()
    finally:
        with contextlib.suppress(PlaywrightError):
            context.close()
    if not browser.is_connected():  # the journey ran into a dead browser
        result = result.model_copy(update={"ok": False, "error": BROWSER_GONE})
    return result


def _open(
    playwright: Playwright, plan: Plan, opts: RunOptions, selected: Sequence[Journey]
) -> tuple[Browser, str]:
    hermetic = opts.block_third_party or plan.defaults.block_third_party
    return open_chromium(
        playwright,
        browser_path=opts.browser_path,
        headed=opts.headed,
        slow_mo=opts.slow_mo,
        connect=opts.connect,
        allow_only=_journey_hosts(plan, selected, opts.base_url) if hermetic else None,
    )


def run_plan(plan: Plan, plan_path: Path, options: RunOptions | None = None) -> PlanResult:
    """Run the selected journeys, each in a fresh browser context, `worker_count` at a time;
    the result lists them in plan order whatever order they finished in."""
    opts = options or RunOptions()
    started = time.monotonic()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    config = plan_rules(plan, opts.rules)
    selected = select_journeys(plan, opts.journeys)
    results, browser_name, incomplete = run_journeys(
        selected,
        workers=worker_count(plan, opts, len(selected)),
        open_browser=lambda playwright: _open(playwright, plan, opts, selected),
        run_one=lambda browser, journey: _run_in(browser, plan, journey, opts, config),
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
    )
    if incomplete:
        ran = f"{len(results)} of {len(selected)} journey(s) ran"
        code = EXIT_INTERRUPTED if incomplete == INTERRUPTED else EXIT_USAGE
        raise CaptureAborted(f"{incomplete}; {ran}", outcome.model_copy(update={"ok": False}), code)
    return outcome
