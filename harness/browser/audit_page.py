"""One page of an audit as a first visit sees it (`run_task`): in a worker's slot (a context,
tab and capture reused page after page, cleared between pages: audit_slot.py), with the
capture every command uses (AsyncPixelCapture), the audit's `--step`s, the
page's status, events, findings, how its pixel was installed and (unsharded) its links; in a
sharded audit its links from the HTML as served. Whatever fails becomes the page's error; a
page that lands off site is skipped."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol

from playwright.async_api import APIRequestContext, Browser
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page as PlaywrightPage

from harness import __version__
from harness.browser.audit_slot import Slot, Slots, origin_of
from harness.browser.flavour import run_async
from harness.browser.recorder import SdkMode
from harness.browser.steps import perform_steps
from harness.core.audit.install import pixel_install
from harness.core.audit.links import html_links
from harness.core.audit.urls import Scope
from harness.core.audit.walk import Outcome, Task
from harness.core.config import RulesConfig, fails
from harness.core.errors import HarnessError, step_failure
from harness.core.observations import PAGE_CRASHED
from harness.core.plan.model import Step
from harness.core.plan.result import JourneyResult, StepResult
from harness.core.rules.consent import CONSENT_METHODS


class PageOptions(Protocol):
    """What a page visit reads of the audit's options (browser.audit.AuditOptions)."""

    @property
    def timeout(self) -> float: ...
    @property
    def quiet(self) -> float: ...
    @property
    def sdk(self) -> SdkMode: ...
    @property
    def rules(self) -> RulesConfig: ...
    @property
    def steps(self) -> Sequence[Step]: ...
    @property
    def crawl(self) -> bool: ...
    @property
    def shard(self) -> str | None: ...


async def _audit_page(
    slots: Slots, browser: Browser, task: Task, opts: PageOptions, scope: Scope
) -> Outcome:
    """One page as a first visit sees it: its status, events, findings (and, unsharded, the
    links its DOM holds once loaded). Whatever fails becomes the page's error, never a raise.
    A page that lands outside the scope (it redirected off site) is skipped, not judged.

    The page is visited in a worker's slot (audit_slot.py): its report holds only what came
    after the capture's mark, and it is left for about:blank before it, so what it sends while
    leaving is its own; the slot is then cleared for the next page, or closed."""
    page = task.page
    started = time.monotonic()
    links: list[str] = []
    status: int | None = None
    error: str | None = None
    final_url = page.url
    findings, events, reconciliation = [], [], None
    consent: list[str] = []
    install: str | None = None
    done: list[StepResult] = []
    slot: Slot | None = None
    origins = {origin_of(page.url)}
    mark = 0
    try:
        slot = await slots.take(browser, opts.sdk)
        capture, tab = slot.capture, slot.tab
        mark = capture.next_index
        try:
            response = await tab.goto(page.url, wait_until="load", timeout=opts.timeout * 1000)
            status = response.status if response is not None else None
            final_url = tab.url
            origins.add(origin_of(final_url))
            skipped = scope.redirected_out(final_url)
            if skipped is not None:  # another site's page: its pixel is not this site's
                # Let it finish sending (and leave) while its context lives: a beacon still in
                # flight would otherwise reach the browser-wide unload guard later and be
                # credited to another page's (measured: 2 runs in 14 with 2 workers).
                await capture.settle(quiet=opts.quiet, timeout=max(2.0, opts.quiet * 4))
                try:
                    await slot.leave(opts.quiet, opts.timeout)
                except PlaywrightError:
                    slot.broken = True
                return Outcome(task.position, page.url, skipped=skipped)
            if status is None or status < 400:
                done = await _page_steps(tab, page.url, opts)
            await capture.settle(quiet=opts.quiet, timeout=max(2.0, opts.quiet * 4))
            if opts.crawl and opts.shard is None:
                found = await tab.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
                links = [str(link) for link in found]
            await slot.leave(opts.quiet, opts.timeout)
        except PlaywrightError as exc:
            error = f"opening {page.url} failed: {step_failure(exc)}"
        slot.broken = error is not None or not all(s.ok for s in done) or tab.is_closed()
        report = capture.report(
            url=page.url,
            browser=None,
            harness_version=__version__,
            config=opts.rules,
            since=mark,
        )
        findings, events, reconciliation = report.findings, report.events, report.reconciliation
        consent = list(dict.fromkeys(c.method for c in report.calls if c.method in CONSENT_METHODS))
        install = pixel_install(report.calls, report.events)
        slot.broken = slot.broken or any(c.method == PAGE_CRASHED for c in report.calls)
    except (PlaywrightError, HarnessError) as exc:  # no context, or the browser went away
        error = error or f"opening {page.url} failed: {step_failure(exc)}"
    except BaseException:  # cancelled (Ctrl-C): the slot is closed, not reused
        if slot is not None:
            slot.broken = True
        raise
    finally:
        if slot is not None:
            slot.broken = slot.broken or error is not None
            # every origin a document of this page came from (iframes included)
            seen = slot.capture.documents()
            origins.update(origin_of(d.url) for d in seen if d.index is None or d.index >= mark)
            await slots.give(slot, (origin for origin in origins if origin))
    loaded = time.monotonic() - started
    failing = sum(1 for f in findings if fails(f.severity, opts.rules.fail_on))
    served = error is None and (status is None or status < 400)
    notes = [f"HTTP {status}"] if status is not None else []
    if final_url != page.url:
        notes.append(f"redirected to {final_url}")
    if page.found_on != "start":
        notes.append(f"found on {page.found_on}")
    step = StepResult(
        index=1,
        description=f"goto {page.url}",
        url=final_url,
        ok=served,
        error=error,
        notes=notes,
        duration=loaded,
    )
    journey = JourneyResult(
        name=page.url,
        ok=served and not failing and all(s.ok for s in done),
        steps=[step, *done],
        findings=findings,
        failing_findings=failing,
        events=events,
        error=error,
        duration=loaded,
        reconciliation=reconciliation,
        url=final_url,
        status=status,
        position=task.position,
        found_on=page.found_on,
        depth=page.depth,
        consent=consent,
        pixel_install=install,
    )
    return Outcome(task.position, page.url, tuple(links), journey)


async def _page_steps(tab: PlaywrightPage, url: str, opts: PageOptions) -> list[StepResult]:
    """The audit's `--step`s on a loaded page. One that fails (a consent banner this page
    lacks) is that step's error, and the next ones still run: the page was audited."""
    done = []
    for number, step in enumerate(opts.steps, start=2):
        started = time.monotonic()
        error = None
        try:
            await run_async(perform_steps(tab, step, url, opts.timeout))
        except (PlaywrightError, HarnessError) as exc:
            error = step_failure(exc)
        done.append(
            StepResult(
                index=number,
                description=step.describe(),
                url=tab.url,
                ok=error is None,
                error=error,
                duration=time.monotonic() - started,
            )
        )
    return done


async def _html_links(
    request: APIRequestContext, url: str, timeout: float, scope: Scope
) -> tuple[tuple[str, ...], str | None]:
    """A page's links as served (a sharded audit's links: the same in every shard), and why
    it is not the site's when it redirects out of scope (then no links)."""
    try:
        response = await request.get(url, timeout=timeout * 1000, max_redirects=5)
        skipped = scope.redirected_out(response.url)
        if skipped is not None:
            return (), skipped
        if not response.ok or "html" not in response.headers.get("content-type", "html"):
            return (), None
        return tuple(html_links(await response.text(), response.url)), None
    except (PlaywrightError, UnicodeDecodeError):
        return (), None  # the shard that audits the page reports why it did not open


async def run_task(
    slots: Slots,
    browser: Browser,
    request: APIRequestContext,
    task: Task,
    opts: PageOptions,
    scope: Scope,
) -> Outcome:
    try:
        if task.visit:
            outcome = await _audit_page(slots, browser, task, opts, scope)
        else:
            outcome = Outcome(task.position, task.page.url)
        if opts.shard is not None and opts.crawl:
            # every shard reads the same links (the HTML as served) and skips alike
            links, off_site = await _html_links(request, task.page.url, opts.timeout, scope)
            skipped = outcome.skipped or off_site
            journey = outcome.journey if skipped is None else None
            return Outcome(task.position, outcome.url, () if skipped else links, journey, skipped)
        return outcome
    except Exception as exc:  # one page's surprise must not end the audit or lose the others
        return _failed(task, f"auditing {task.page.url} failed: {type(exc).__name__}: {exc}")


def _failed(task: Task, error: str) -> Outcome:
    """A page the audit could not finish: its error, judged like a page that did not open."""
    step = StepResult(index=1, description=f"goto {task.page.url}", ok=False, error=error)
    journey = JourneyResult(
        name=task.page.url,
        ok=False,
        steps=[step],
        error=error,
        url=task.page.url,
        position=task.position,
        found_on=task.page.found_on,
        depth=task.page.depth,
    )
    return Outcome(task.position, task.page.url, (), journey if task.visit else None)
