"""`ttq-harness audit`: visit a site's pages (its sitemaps and/or the links from a start page),
capture each page's pixel as a first visit would see it, and check the site as a whole.

Each page is a journey of the one result value (`PlanResult`, kind "audit"): one `goto` step,
its events and rule findings, its HTTP status; the site-level checks (AU…) sit beside them.
robots.txt, sitemaps and (in a sharded audit) pages' HTML are fetched from the site with
Playwright's request API (never from a TikTok host); pages open in a worker's slot (one
context, one tab, one capture reused for `--recycle N` pages, its state cleared between them:
audit_slot.py), with the capture answering the pixel hosts locally, as in every other command.

Which pages, in which order, is `core.audit.walk`'s business; this module runs its tasks with
Playwright's async API: `workers` pages at once, each worker in its slot of one Chromium
(replaced after `recycle` pages, so memory stays bounded), outcomes committed in visiting
order. The page visit (`audit_page.py`) uses the same capture as every command
(AsyncPixelCapture).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar
from urllib.parse import urlsplit

from playwright.async_api import APIRequestContext, Browser, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Playwright as AsyncPlaywright

from harness import __version__
from harness.browser.audit_discovery import discover
from harness.browser.audit_page import run_task
from harness.browser.audit_slot import DEFAULT_RECYCLE, Slots
from harness.browser.launch import open_chromium_async
from harness.browser.recorder import SdkMode
from harness.browser.unload_guard import unplaced_beacons
from harness.core.audit.checks import site_checks
from harness.core.audit.frontier import Frontier
from harness.core.audit.progress import AuditProgress
from harness.core.audit.state import header_line, outcome_line, read_state
from harness.core.audit.urls import Scope
from harness.core.audit.walk import Outcome, Task, Walk
from harness.core.config import RulesConfig
from harness.core.engine import sdk_version
from harness.core.errors import INTERRUPTED, HarnessError, UsageError
from harness.core.plan.model import Step
from harness.core.plan.result import AuditInfo, JourneyResult, PlanResult
from harness.core.plan.shard import parse_shard
from harness.core.sdk import parse_sdk

T = TypeVar("T")


@dataclass(frozen=True)
class AuditOptions:
    max_pages: int = 100
    max_depth: int | None = None
    crawl: bool = True  # follow each page's links (else: the sitemaps' pages only)
    sitemaps: Sequence[str] = ()  # URLs or files
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    allow_hosts: Sequence[str] = ()
    ignore_robots: bool = False
    keep_tracking: bool = False
    pixels: Sequence[str] = ()  # the allow-list of pixel codes (AU003)
    rules: RulesConfig = field(default_factory=RulesConfig)
    browser_path: str | None = None
    headed: bool = False
    timeout: float = 15.0
    quiet: float = 0.5
    sdk: SdkMode = "emulated"
    #: done on every page after it loads (scroll, a consent click...), each then captured
    steps: Sequence[Step] = ()
    workers: int = 1
    #: at most this many pages started per second (None: as fast as the workers go)
    rate: float | None = None
    #: at most this many pages of one host at once (None: up to `workers`)
    per_host: int | None = None
    #: pages a worker visits in one browser context (one tab, one capture) before it is
    #: replaced; 1: a fresh context per page (audit_slot.py)
    recycle: int = DEFAULT_RECYCLE
    connect: str | None = None
    shard: str | None = None  # "I/N"
    #: a state file: pages it holds are not visited again; each new page is appended
    resume: Path | None = None
    #: called after each page audited with its result and where the audit stands
    on_page: Callable[[JourneyResult, AuditProgress], None] | None = None
    #: called for what discovery could not read (a sitemap, robots.txt), as one line
    on_note: Callable[[str], None] | None = None


def _walk_key(start_url: str, opts: AuditOptions) -> dict[str, object]:
    """What decides which pages an audit visits and in which order (the resume state's
    header: resuming another audit's state would skip the wrong pages)."""
    return {
        "start_url": start_url,
        "sitemaps": list(opts.sitemaps),
        "max_pages": opts.max_pages,
        "max_depth": opts.max_depth,
        "crawl": opts.crawl,
        "include": list(opts.include),
        "exclude": list(opts.exclude),
        "allow_hosts": list(opts.allow_hosts),
        "ignore_robots": opts.ignore_robots,
        "keep_tracking": opts.keep_tracking,
        "shard": opts.shard,
        "steps": [step.describe() for step in opts.steps],  # they may change a page's links
        # pages judged under other rules or another SDK must not be mixed with these
        "sdk": _sdk_label(opts.sdk),
        "rules": opts.rules.model_dump(mode="json"),
    }


def _state(start_url: str, opts: AuditOptions) -> tuple[dict[int, Outcome], TextIO | None]:
    """The outcomes of an interrupted run of this audit, and the state file to append to."""
    if opts.resume is None:
        return {}, None
    key = _walk_key(start_url, opts)
    path = opts.resume
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--resume {path}: cannot read it ({exc})") from None
    resumed = read_state(text, key, name=str(path))
    try:
        if not text:
            path.write_text(header_line(key), encoding="utf-8")
            os.chmod(path, 0o600)  # what the pages sent, unmasked
        elif not text.endswith("\n"):
            # A last line cut short is dropped (that page is visited again); a whole one that
            # only lacks its newline is kept.
            whole = max(resumed, default=-1) == len(text.splitlines()) - 2
            kept = text + "\n" if whole else text[: text.rfind("\n") + 1]
            path.write_text(kept, encoding="utf-8")
        handle = path.open("a", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--resume {path}: cannot write it ({exc.strerror or exc})") from None
    return resumed, handle


def audit(start_url: str, options: AuditOptions | None = None) -> PlanResult:
    """Audit the site from `start_url`; HarnessError (one line) for what the user must fix."""
    opts = options or AuditOptions()
    if opts.recycle < 1 or opts.workers < 1:
        raise UsageError("audit: --workers and --recycle must be 1 or more")
    started = time.monotonic()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        scope = Scope.of(start_url, allow_hosts=opts.allow_hosts, include=opts.include,
                         exclude=opts.exclude)  # fmt: skip
    except ValueError as exc:
        raise HarnessError(f"audit: {exc}") from None
    shard = parse_shard(opts.shard) if opts.shard else None
    resumed, state = _state(start_url, opts)
    run = _Run()
    try:
        _in_a_loop(_walk(start_url, opts, scope, shard, resumed, state, run))
    except KeyboardInterrupt:
        # Ctrl-C before the pages (discovery, the browser's launch) or while cleaning up after
        # them: what was committed is kept, as when it comes while pages are audited.
        run.incomplete = INTERRUPTED
    finally:
        if state is not None:
            state.close()
    walk = run.walk or Walk(Frontier(scope, max_pages=opts.max_pages), crawl=opts.crawl)
    browser_name, incomplete = run.browser, run.incomplete
    frontier = walk.frontier
    pages = walk.journeys
    info = AuditInfo(
        start_url=start_url,
        shard=opts.shard,
        pixels=list(opts.pixels),
        discovered=frontier.seen,
        skipped=dict(sorted(frontier.skipped.items())),
        resumed=walk.resumed_count,
        workers=opts.workers,
        hosts=sorted(frontier.scope.hosts),
        crawl=opts.crawl,
    )
    checks = site_checks(pages, allowed_pixels=opts.pixels, discovered=frontier.seen,
                         interrupted_early=run.walk is None)  # fmt: skip
    return PlanResult(
        kind="audit",
        harness_version=__version__,
        sdk=_sdk_label(opts.sdk),
        sdk_version=sdk_version([e for p in pages for e in p.events if e.source == "wire"]),
        plan=start_url,
        base_url=start_url,
        profile=opts.rules.profile,
        browser=browser_name,
        ok=all(c.ok for c in checks if c.severity == "error") and incomplete is None,
        journeys=pages,
        coverage={},
        checks=checks,
        audit=info,
        incomplete=incomplete,
        started_at=started_at,
        duration=time.monotonic() - started,
        unplaced_beacons=run.unplaced_beacons,
    )


def _sdk_label(sdk: SdkMode) -> str:
    """How the pixel's SDK was run, as every result says it (emulated, pinned:DIR, live)."""
    return parse_sdk(sdk, emulator="").label if isinstance(sdk, str) else sdk.label


def _in_a_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run the audit's event loop; in a thread of its own when this one already runs a loop
    (a caller inside Playwright's sync API, or inside an async test)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@dataclass
class _Run:
    """How far an audit got, filled in as it goes: a Ctrl-C at any point keeps what is here."""

    walk: Walk | None = None
    browser: str | None = None
    incomplete: str | None = None  # why it stopped early
    unplaced_beacons: int = 0  # answered by the unload guard, credited to no page


async def _walk(
    start_url: str,
    opts: AuditOptions,
    scope: Scope,
    shard: tuple[int, int] | None,
    resumed: dict[int, Outcome],
    state: TextIO | None,
    run: _Run,
) -> None:
    """Discover, then audit the walk's pages: `workers` at once, each worker in its slot (a
    context of one browser); outcomes committed in visiting order. Ctrl-C before the pages
    ends the run incomplete (the caller catches what comes later still, while cleaning up)."""
    try:
        async with async_playwright() as playwright:
            request = await playwright.request.new_context()
            try:
                run.walk = walk = Walk(await discover(start_url, opts, scope, request),
                                       crawl=opts.crawl, shard=shard, resumed=resumed)  # fmt: skip
                report = _Reporter(walk, resumed, state, opts, time.monotonic())
                browser, run.browser = await _browser(playwright, opts)
                try:
                    run.incomplete = await _dispatch(walk, report, browser, request, opts,
                                                     playwright)  # fmt: skip
                finally:
                    run.unplaced_beacons = unplaced_beacons(browser)
                    with contextlib.suppress(PlaywrightError):
                        await browser.close()
            finally:
                with contextlib.suppress(PlaywrightError):
                    await request.dispose()
    except (KeyboardInterrupt, asyncio.CancelledError):
        run.incomplete = INTERRUPTED


async def _browser(playwright: AsyncPlaywright, opts: AuditOptions) -> tuple[Browser, str]:
    return await open_chromium_async(
        playwright, browser_path=opts.browser_path, headed=opts.headed, connect=opts.connect
    )


async def _dispatch(
    walk: Walk,
    report: _Reporter,
    browser: Browser,
    request: APIRequestContext,
    opts: AuditOptions,
    playwright: AsyncPlaywright,
) -> str | None:
    """Hand the walk's tasks to at most `workers` page visits at once (`per_host` on one host),
    `rate` starts a second at most; a browser that died is launched again for the pages after
    it. Ctrl-C: the pages under way are dropped (not committed: a resumed run visits them)."""
    spacing = 1 / opts.rate if opts.rate else 0.0
    last_start = -spacing
    slots = Slots(opts.recycle)  # each worker's context, tab and capture, reused
    running: dict[asyncio.Task[Outcome], str] = {}  # each visit and its host
    held: Task | None = None  # the next task, waiting for its host to have a free slot
    try:
        while not walk.done:
            # Outcomes wait for every earlier one: a slow page holds at most this many.
            while len(running) < opts.workers and walk.in_flight < opts.workers * 8:
                now = time.monotonic()
                if now < last_start + spacing:
                    break
                task, held = held or walk.next(), None
                if task is None:
                    break
                host = urlsplit(task.page.url).hostname or ""
                if opts.per_host and sum(h == host for h in running.values()) >= opts.per_host:
                    held = task
                    break
                if not browser.is_connected():
                    browser, _name = await _browser(playwright, opts)
                visit = run_task(slots, browser, request, task, opts, walk.frontier.scope)
                running[asyncio.create_task(visit)] = host
                last_start = now  # a link fetch is a request to the site too
            report()
            if walk.done:
                break
            full = len(running) >= opts.workers or held is not None
            wait = (
                None if full or not spacing else max(0.01, last_start + spacing - time.monotonic())
            )
            if not running:  # only the rate holds the next start back
                await asyncio.sleep(wait or 0.01)
                continue
            finished, _ = await asyncio.wait(
                running, timeout=wait, return_when=asyncio.FIRST_COMPLETED
            )
            for done in finished:
                del running[done]
                walk.finish(done.result())
        report()
    except (KeyboardInterrupt, asyncio.CancelledError):
        for pending in running:
            pending.cancel()
        report()  # what was committed is written and shown
        return INTERRUPTED
    finally:
        with contextlib.suppress(PlaywrightError, asyncio.CancelledError):
            await slots.close()
    return None


@dataclass
class _Reporter:
    """Writes (to the resume state) and shows the outcomes the walk committed, once each."""

    walk: Walk
    resumed: dict[int, Outcome]
    state: TextIO | None
    opts: AuditOptions
    started: float
    written: int = 0
    audited: int = 0  # pages audited, resumed ones included
    audited_now: int = 0  # pages this run audited

    def __call__(self) -> None:
        for outcome in self.walk.committed[self.written :]:
            self.written += 1
            self.audited += outcome.journey is not None
            if self.resumed.get(outcome.position) is outcome:
                continue  # already in the state, shown by the run that audited it
            self.audited_now += outcome.journey is not None
            if self.state is not None:
                self.state.write(outcome_line(outcome))
                self.state.flush()
                os.fsync(self.state.fileno())
            if self.opts.on_page and outcome.journey is not None:
                queued = self.walk.frontier.queued + self.walk.in_flight
                elapsed = time.monotonic() - self.started
                progress = AuditProgress(self.audited, queued, elapsed, self.audited_now)
                self.opts.on_page(outcome.journey, progress)
