"""One journey of a plan, step by step, written once for both Playwright flavours.

`journey_steps` is steps (harness.browser.flavour): plan_run.run_journey drives it with the
sync API, harness.async_api.run_journey awaits it with the async one. A step's events are the
ones that arrived from its action's start until it ended (ARCHITECTURE.md, Plans).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext as AsyncBrowserContext
from playwright.async_api import Page as AsyncPage
from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError  # the same class in both flavours

from harness import __version__
from harness.browser.capture_base import CaptureBase
from harness.browser.events_api_sink import EventsApiSink
from harness.browser.flavour import Blocking, Steps
from harness.browser.steps import perform_steps
from harness.core.config import RulesConfig, fails
from harness.core.errors import HarnessError, step_failure
from harness.core.model import PixelEvent, RawRequest
from harness.core.plan.check import (
    ConsentObservation,
    ConsentState,
    check_step,
    expectations_met,
)
from harness.core.plan.model import Journey, Plan
from harness.core.plan.result import JourneyResult, StepResult
from harness.core.rules.capture_health import pages_without_pixel


def journey_steps(
    context: BrowserContext | AsyncBrowserContext,
    plan: Plan,
    journey: Journey,
    *,
    base_url: str | None,
    config: RulesConfig,
    capture: CaptureBase[Any],
    screenshots: Path | None = None,
    events_api: EventsApiSink | None = None,
) -> Steps[JourneyResult]:
    """Run one journey's steps in `context` with an attached `capture`; never raises for what
    the page does.

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
    page = context.pages[0] if context.pages else (yield context.new_page())
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
            yield from perform_steps(page, step, base_url, timeout)
        except (PlaywrightError, HarnessError) as exc:
            error = f"step {number} ({step.describe()}) failed on {page.url}: {step_failure(exc)}"
            shot = yield from _screenshot(page, screenshots, number)
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
            yield from capture.wait_until_or_quiet_steps(
                lambda step=step: expectations_met(plan, step, since_mark()),  # type: ignore[misc]
                timeout=timeout,
                quiet=window,
                idle_window=window,
            )
        # Event-driven end: once nothing can send within `quiet` (no timer due, no frame or
        # idle callback, no request in flight, reports delivered), and at worst after `quiet`
        # of silence. The same for every step: a late event stays with the step that caused it.
        yield from capture.wait_idle_steps(window=quiet, quiet=quiet, timeout=max(2.0, quiet * 4))
        observed: ConsentObservation | None = None
        if consent is not None:
            calls = [c for c in capture.calls if c.index >= mark]
            cookie_before, ttp_cookie = ttp_cookie, (yield from _has_ttp_cookie(context))
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
        shot = yield from _screenshot(page, screenshots, number)
        steps.append(result.model_copy(update={"screenshot": shot}) if shot else result)
    capture.check()
    server: list[RawRequest] = []
    if events_api is not None:
        # a late server event stays with its journey; the sink's settle blocks: off the loop
        sink, quiet = events_api, plan.defaults.quiet
        yield Blocking(lambda: sink.settle(quiet=quiet))
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


def _with_page_health(result: StepResult, capture: CaptureBase[Any], mark: int) -> StepResult:
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


def _has_ttp_cookie(context: BrowserContext | AsyncBrowserContext) -> Steps[bool]:
    """Whether the pixel's first-party `_ttp` cookie exists, on any site of the journey."""
    try:
        cookies = yield context.cookies()
        return any(cookie.get("name") == "_ttp" for cookie in cookies)
    except PlaywrightError:
        return False  # a closed context: the step result already says what happened


def _screenshot(page: Page | AsyncPage, directory: Path | None, number: int) -> Steps[str | None]:
    if directory is None:
        return None
    path = directory / f"step-{number:02d}.png"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        yield page.screenshot(path=str(path), timeout=5000)
    except PlaywrightError:
        return None  # a closed or crashed page: the step result says what happened
    return str(path)
