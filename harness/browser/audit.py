"""`ttq-harness audit`: visit a site's pages (its sitemaps and/or the links from a start page),
capture each page's pixel as a first visit would see it, and check the site as a whole.

Each page is a journey of the one result value (`PlanResult`, kind "audit"): one `goto` step,
its events and rule findings, its HTTP status; the site-level checks (AU…) sit beside them.
robots.txt, sitemaps and (in a sharded audit) pages' HTML are fetched from the site with
Playwright's request API (never from a TikTok host); pages open in a fresh context each, with
the capture answering the pixel hosts locally, as in every other command.

Which pages, in which order, is `core.audit.walk`'s business; this module runs its tasks on
`workers` threads, each with its own Playwright connection and Chromium (the sync API binds a
connection to its thread), and commits their outcomes in visiting order on the main thread.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from playwright.sync_api import APIRequestContext, Browser, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page as PlaywrightPage

from harness import __version__
from harness.browser.launch import open_chromium
from harness.browser.recorder import PixelCapture, SdkMode
from harness.browser.steps import perform
from harness.core.audit.checks import site_checks
from harness.core.audit.frontier import Frontier, robots_from
from harness.core.audit.links import html_links
from harness.core.audit.sitemap import SitemapError, parse_sitemap
from harness.core.audit.state import header_line, outcome_line, read_state
from harness.core.audit.urls import Scope
from harness.core.audit.walk import Outcome, Task, Walk
from harness.core.config import RulesConfig, fails
from harness.core.errors import INTERRUPTED, HarnessError, UsageError, step_failure
from harness.core.plan.model import Step
from harness.core.plan.result import AuditInfo, JourneyResult, PlanResult, StepResult
from harness.core.plan.shard import parse_shard

#: Sitemap indexes may nest; more levels than this is a loop or a mistake.
MAX_SITEMAPS = 200


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
    connect: str | None = None
    shard: str | None = None  # "I/N"
    #: a state file: pages it holds are not visited again; each new page is appended
    resume: Path | None = None
    #: called after each page audited with its result and where the audit stands
    on_page: Callable[[JourneyResult, AuditProgress], None] | None = None
    #: called for what discovery could not read (a sitemap, robots.txt), as one line
    on_note: Callable[[str], None] | None = None


@dataclass(frozen=True)
class AuditProgress:
    done: int  # pages audited (this run and resumed)
    queued: int  # pages found and not yet audited
    elapsed: float  # seconds since the first page started

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


def _fetch(request: APIRequestContext, source: str, timeout: float) -> bytes:
    """A sitemap or robots.txt: a file on disk, or a URL fetched from the site."""
    if not source.startswith(("http://", "https://")):
        try:
            return Path(source).read_bytes()
        except OSError as exc:
            raise SitemapError(f"{source}: cannot read it ({exc.strerror or exc})") from None
    try:
        response = request.get(source, timeout=timeout * 1000, max_redirects=5)
    except PlaywrightError as exc:
        raise SitemapError(f"{source}: {step_failure(exc)}") from None
    if not response.ok:
        raise SitemapError(f"{source}: HTTP {response.status}")
    return response.body()


def _sitemap_pages(
    request: APIRequestContext, sources: Sequence[str], opts: AuditOptions
) -> list[str]:
    """Every page the sitemaps list, following sitemap indexes (breadth first, each once)."""
    pending, pages = list(sources), []
    seen: set[str] = set()
    while pending and len(seen) < MAX_SITEMAPS:
        source = pending.pop(0)
        if source in seen:
            continue
        seen.add(source)
        try:
            found = parse_sitemap(_fetch(request, source, opts.timeout), source)
        except SitemapError as exc:
            if source in sources:  # the user named it: an error, not a note
                raise
            if opts.on_note:
                opts.on_note(f"skipped sitemap: {exc}")
            continue
        pages += found.pages
        pending += found.sitemaps
    return pages


def _robots(
    request: APIRequestContext, start: str, opts: AuditOptions
) -> dict[str, RobotFileParser]:
    if opts.ignore_robots:
        return {}
    url = urljoin(start, "/robots.txt")
    try:
        response = request.get(url, timeout=opts.timeout * 1000)
        text = response.text() if response.ok else ""
    except PlaywrightError as exc:
        if opts.on_note:
            opts.on_note(f"robots.txt not read ({step_failure(exc)}): every page allowed")
        text = ""
    return {urlsplit(start).hostname or "": robots_from(text)}


def _audit_page(browser: Browser, task: Task, opts: AuditOptions) -> Outcome:
    """One page as a first visit sees it: its status, events, findings (and, unsharded, the
    links its DOM holds once loaded). Whatever fails becomes the page's error, never a raise."""
    page = task.page
    started = time.monotonic()
    links: list[str] = []
    status: int | None = None
    error: str | None = None
    final_url = page.url
    findings, events, reconciliation = [], [], None
    done: list[StepResult] = []
    context = None
    try:
        context = browser.new_context()
        capture = PixelCapture(sdk=opts.sdk).attach(context)
        tab = context.new_page()
        try:
            response = tab.goto(page.url, wait_until="load", timeout=opts.timeout * 1000)
            status = response.status if response is not None else None
            final_url = tab.url
            done = _page_steps(tab, page.url, opts) if status is None or status < 400 else []
            capture.settle(quiet=opts.quiet, timeout=max(2.0, opts.quiet * 4))
            if opts.crawl and opts.shard is None:
                links = tab.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        except PlaywrightError as exc:
            error = f"opening {page.url} failed: {step_failure(exc)}"
        report = capture.report(
            url=page.url, browser=None, harness_version=__version__, config=opts.rules
        )
        findings, events, reconciliation = report.findings, report.events, report.reconciliation
    except (PlaywrightError, HarnessError) as exc:  # no context, or the browser went away
        error = error or f"opening {page.url} failed: {step_failure(exc)}"
    finally:
        if context is not None:
            with contextlib.suppress(PlaywrightError):
                context.close()
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
    )
    return Outcome(task.position, page.url, tuple(links), journey)


def _page_steps(tab: PlaywrightPage, url: str, opts: AuditOptions) -> list[StepResult]:
    """The audit's `--step`s on a loaded page. One that fails (a consent banner this page
    lacks) is that step's error, and the next ones still run: the page was audited."""
    done = []
    for number, step in enumerate(opts.steps, start=2):
        started = time.monotonic()
        error = None
        try:
            perform(tab, step, url, opts.timeout)
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


def _html_links(request: APIRequestContext, url: str, timeout: float) -> tuple[str, ...]:
    """A page's links as served (a sharded audit's links: the same in every shard)."""
    try:
        response = request.get(url, timeout=timeout * 1000, max_redirects=5)
        if not response.ok or "html" not in response.headers.get("content-type", "html"):
            return ()
        return tuple(html_links(response.text(), response.url))
    except (PlaywrightError, UnicodeDecodeError):
        return ()  # the shard that audits the page reports why it did not open


def _run_task(
    browser: Browser, request: APIRequestContext, task: Task, opts: AuditOptions
) -> Outcome:
    if task.visit:
        outcome = _audit_page(browser, task, opts)
    else:
        outcome = Outcome(task.position, task.page.url)
    if opts.shard is not None and opts.crawl:
        return Outcome(task.position, outcome.url, _html_links(request, task.page.url,
                       opts.timeout), outcome.journey)  # fmt: skip
    return outcome


@dataclass
class _Crew:
    """The worker threads and what they share: tasks to do, outcomes (and failures) back."""

    tasks: queue.Queue[Task | None] = field(default_factory=queue.Queue)
    outcomes: queue.Queue[Outcome | BaseException | str] = field(default_factory=queue.Queue)
    threads: list[threading.Thread] = field(default_factory=list)


def _worker(crew: _Crew, opts: AuditOptions) -> None:
    """One thread: its own Playwright and Chromium (relaunched if it dies), tasks until told
    to stop (None)."""
    try:
        with sync_playwright() as playwright:
            browser = _open(playwright, opts, crew)
            request = playwright.request.new_context()
            try:
                while (task := crew.tasks.get()) is not None:
                    if not browser.is_connected():
                        browser = _open(playwright, opts, crew)
                    crew.outcomes.put(_run_task(browser, request, task, opts))
            finally:
                with contextlib.suppress(PlaywrightError):
                    request.dispose()
                with contextlib.suppress(PlaywrightError):
                    browser.close()
    except BaseException as exc:  # handed to the main thread, which raises it
        crew.outcomes.put(exc)


def _open(playwright: Playwright, opts: AuditOptions, crew: _Crew) -> Browser:
    browser, name = open_chromium(
        playwright, browser_path=opts.browser_path, headed=opts.headed, connect=opts.connect
    )
    crew.outcomes.put(name)
    return browser


@contextlib.contextmanager
def _crew(opts: AuditOptions) -> Iterator[_Crew]:
    crew = _Crew()
    for _ in range(max(1, opts.workers)):
        thread = threading.Thread(target=_worker, args=(crew, opts), daemon=True)
        crew.threads.append(thread)
        thread.start()
    try:
        yield crew
    finally:
        for _ in crew.threads:
            crew.tasks.put(None)
        for thread in crew.threads:
            thread.join(timeout=opts.timeout + 30)


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
        elif not text.endswith("\n"):  # a line cut short: drop it, the page is visited again
            path.write_text(text[: text.rfind("\n") + 1], encoding="utf-8")
        handle = path.open("a", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--resume {path}: cannot write it ({exc.strerror or exc})") from None
    return resumed, handle


def _discover(start_url: str, opts: AuditOptions, scope: Scope, playwright: Playwright) -> Frontier:
    request = playwright.request.new_context()
    try:
        frontier = Frontier(
            scope,
            max_pages=opts.max_pages,
            max_depth=opts.max_depth,
            robots=_robots(request, start_url, opts),
            keep_tracking=opts.keep_tracking,
        )
        frontier.add(start_url, depth=0, found_on="start")
        for url in _sitemap_pages(request, opts.sitemaps, opts):
            frontier.add(url, depth=0, found_on="sitemap")
    finally:
        request.dispose()
    return frontier


def audit(start_url: str, options: AuditOptions | None = None) -> PlanResult:
    """Audit the site from `start_url`; HarnessError (one line) for what the user must fix."""
    opts = options or AuditOptions()
    started = time.monotonic()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        scope = Scope.of(start_url, allow_hosts=opts.allow_hosts, include=opts.include,
                         exclude=opts.exclude)  # fmt: skip
    except ValueError as exc:
        raise HarnessError(f"audit: {exc}") from None
    shard = parse_shard(opts.shard) if opts.shard else None
    resumed, state = _state(start_url, opts)
    browser_name: str | None = None
    incomplete: str | None = None
    with sync_playwright() as playwright:
        frontier = _discover(start_url, opts, scope, playwright)
    walk = Walk(frontier, crawl=opts.crawl, shard=shard, resumed=resumed)
    report = _Reporter(walk, resumed, state, opts, time.monotonic())
    spacing = 1 / opts.rate if opts.rate else 0.0
    last_start = -spacing
    busy = 0  # tasks the workers hold
    try:
        with _crew(opts) as crew:
            while not walk.done:
                # Outcomes wait for every earlier one: a slow page holds at most this many.
                while busy < opts.workers and walk.in_flight < opts.workers * 8:
                    now = time.monotonic()
                    if now < last_start + spacing:
                        break
                    task = walk.next()
                    if task is None:
                        break
                    crew.tasks.put(task)
                    busy += 1
                    last_start = now if task.visit else last_start
                report()
                if walk.done:
                    break
                try:
                    got = crew.outcomes.get(timeout=0.1)
                except queue.Empty:
                    if not any(t.is_alive() for t in crew.threads):
                        raise HarnessError("audit: every browser worker stopped") from None
                    continue
                if isinstance(got, BaseException):
                    raise got
                if isinstance(got, str):
                    browser_name = browser_name or got
                else:
                    busy -= 1
                    walk.finish(got)
            report()
    except KeyboardInterrupt:
        incomplete = INTERRUPTED
    finally:
        if state is not None:
            state.close()
    pages = walk.journeys
    info = AuditInfo(
        start_url=start_url,
        shard=opts.shard,
        pixels=list(opts.pixels),
        discovered=frontier.seen,
        skipped=dict(sorted(frontier.skipped.items())),
        resumed=walk.resumed_count,
        workers=opts.workers,
    )
    checks = site_checks(pages, allowed_pixels=opts.pixels, discovered=frontier.seen)
    return PlanResult(
        kind="audit",
        harness_version=__version__,
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
    )


@dataclass
class _Reporter:
    """Writes (to the resume state) and shows the outcomes the walk committed, once each."""

    walk: Walk
    resumed: dict[int, Outcome]
    state: TextIO | None
    opts: AuditOptions
    started: float
    written: int = 0
    audited: int = 0

    def __call__(self) -> None:
        for outcome in self.walk.committed[self.written :]:
            self.written += 1
            self.audited += outcome.journey is not None
            if self.resumed.get(outcome.position) is outcome:
                continue  # already in the state, shown by the run that audited it
            if self.state is not None:
                self.state.write(outcome_line(outcome))
                self.state.flush()
                os.fsync(self.state.fileno())
            if self.opts.on_page and outcome.journey is not None:
                queued = self.walk.frontier.queued + self.walk.in_flight
                elapsed = time.monotonic() - self.started
                self.opts.on_page(outcome.journey, AuditProgress(self.audited, queued, elapsed))
