"""Playwright adapter for the CLI: launch Chromium, open a page, follow steps, capture.

Steps are the plan's `Step` (harness.core.plan.steps parses `--step`), done by the one
executor, harness.browser.steps.perform.

The pytest plugin does not use this module: there pytest-playwright owns the browser.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from harness import __version__
from harness.browser.chromium import hosts_of
from harness.browser.events_api_sink import EventsApiSink
from harness.browser.launch import open_chromium
from harness.browser.recorder import PixelCapture, SdkMode
from harness.browser.steps import perform
from harness.core.config import RulesConfig
from harness.core.endpoints import DEFAULT_PIXEL_HOSTS
from harness.core.errors import (
    BROWSER_GONE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    INTERRUPTED,
    CaptureAborted,
    HarnessError,
    step_failure,
)
from harness.core.model import CaptureReport, Finding, PixelEvent
from harness.core.plan.model import Step
from harness.core.plan.steps import step_label


class StepError(HarnessError):
    """A step could not be done; the capture up to that point is kept on `report`."""

    def __init__(self, message: str, report: CaptureReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class InspectOptions:
    browser_path: str | None = None
    headed: bool = False
    slow_mo: float = 0
    hosts: Sequence[str] = DEFAULT_PIXEL_HOSTS
    sdk: SdkMode = "emulated"
    quiet: float = 0.5  # seconds without pixel traffic that count as "settled"
    timeout: float = 10.0  # per navigation / step
    rules: RulesConfig = field(default_factory=RulesConfig)
    connect: str | None = None  # ws:// endpoint of a Playwright browser server
    #: --block-third-party: only the pages' own hosts resolve in the browser (hermetic runs)
    block_third_party: bool = False
    #: --events-api: a local sink the site's back end sends to; what it received is checked
    #: with the capture (EA rules)
    events_api: EventsApiSink | None = None


def _page_hosts(url: str, steps: Sequence[Step]) -> list[str]:
    """The hosts an inspection opens: its URL's and its goto steps'."""
    return hosts_of([url, *(urljoin(url, s.goto) for s in steps if s.goto is not None)])


def inspect(
    url: str,
    steps: Sequence[Step] = (),
    options: InspectOptions | None = None,
    *,
    watch: Callable[[list[PixelEvent], list[Finding]], None] | None = None,
    watch_seconds: float | None = None,
) -> CaptureReport:
    """Open `url`, do `steps`, and return everything the pixel did.

    With `watch`, keep the browser open after the steps and call `watch(new_events,
    new_findings)` as events arrive, until the user closes the browser, presses Ctrl-C, or
    `watch_seconds` pass.
    """
    opts = options or InspectOptions()
    with sync_playwright() as playwright:
        browser, browser_name = open_chromium(
            playwright,
            browser_path=opts.browser_path,
            headed=opts.headed,
            slow_mo=opts.slow_mo,
            connect=opts.connect,
            allow_only=_page_hosts(url, steps) if opts.block_third_party else None,
        )
        capture: PixelCapture | None = None
        label = "opening the page"

        def report(incomplete: str | None = None) -> CaptureReport:
            assert capture is not None
            capture.check()
            done = capture.report(
                url=url,
                browser=browser_name,
                harness_version=__version__,
                config=opts.rules,
                # the EA rules run in the same pass as every other rule
                server_requests=opts.events_api.requests if opts.events_api else (),
            )
            return done.model_copy(update={"incomplete": incomplete}) if incomplete else done

        try:
            context = browser.new_context()
            capture = PixelCapture(hosts=opts.hosts, sdk=opts.sdk).attach(context)
            page = context.new_page()
            for number, step in enumerate([Step(goto=url), *steps]):
                label = "opening the page" if number == 0 else f"step {number} ({step_label(step)})"
                try:
                    perform(page, step, url, opts.timeout)
                except (PlaywrightError, HarnessError) as exc:
                    if not browser.is_connected():
                        raise _aborted(BROWSER_GONE, label, report(BROWSER_GONE)) from None
                    first = step_failure(exc)
                    raise StepError(f"{label} failed on {page.url}: {first}", report()) from exc
                capture.settle(quiet=opts.quiet, timeout=opts.timeout)
                if not browser.is_connected():
                    raise _aborted(BROWSER_GONE, label, report(BROWSER_GONE))
            if watch is not None:
                _watch(capture, opts, watch, watch_seconds)
            return report()
        except KeyboardInterrupt:
            if capture is None:
                raise
            raise _aborted(INTERRUPTED, label, report(INTERRUPTED)) from None
        except PlaywrightError:
            if capture is None or browser.is_connected():
                raise
            raise _aborted(BROWSER_GONE, label, report(BROWSER_GONE)) from None
        finally:
            with contextlib.suppress(PlaywrightError):
                browser.close()


def _aborted(reason: str, during: str, partial: CaptureReport) -> CaptureAborted:
    code = EXIT_INTERRUPTED if reason == INTERRUPTED else EXIT_USAGE
    return CaptureAborted(f"{reason} during {during}", partial, code)


def _watch(
    capture: PixelCapture,
    opts: InspectOptions,
    notify: Callable[[list[PixelEvent], list[Finding]], None],
    seconds: float | None,
) -> None:
    """Report events and their findings as they arrive, until the window closes or time is up."""
    seen_events: set[tuple[str, int]] = set()
    seen_findings: set[tuple[str, int | None, str]] = set()
    deadline = None if seconds is None else time.monotonic() + seconds
    reported_at: tuple[int, int, int] | None = None
    try:
        while deadline is None or time.monotonic() < deadline:
            if not [page for page in capture.context.pages if not page.is_closed()]:
                return  # the user closed the browser window
            capture.pump(250)
            # The rules run again only when something arrived since the last report.
            if capture.revision == reported_at:
                continue
            reported_at = capture.revision
            report = capture.report(
                url="", browser=None, harness_version=__version__, config=opts.rules
            )
            new_events = [e for e in report.events if (e.source, e.index) not in seen_events]
            new_findings = [
                f
                for f in report.findings
                if (f.code, f.event_index, f.path) not in seen_findings and f.code != "TR002"
            ]  # a call's beacon may still be on its way
            seen_events.update((e.source, e.index) for e in new_events)
            seen_findings.update((f.code, f.event_index, f.path) for f in new_findings)
            if new_events or new_findings:
                notify(new_events, new_findings)
    except KeyboardInterrupt:
        return
