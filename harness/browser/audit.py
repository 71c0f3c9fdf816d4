"""`ttq-harness audit`: visit a site's pages (its sitemaps and/or the links from a start page),
capture each page's pixel as a first visit would see it, and check the site as a whole.

Each page is a journey of the one result value (`PlanResult`, kind "audit"): one `goto` step,
its events and rule findings, its HTTP status; the site-level checks (AU…) sit beside them.
robots.txt and sitemaps are fetched from the site with Playwright's request API (never
from a TikTok host); pages open in a fresh context each, with the capture answering the pixel
hosts locally, as in every other command.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from playwright.sync_api import APIRequestContext, Browser, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from harness import __version__
from harness.browser.launch import open_chromium
from harness.browser.recorder import PixelCapture, SdkMode
from harness.core.audit.checks import site_checks
from harness.core.audit.frontier import Frontier, Page, robots_from
from harness.core.audit.sitemap import SitemapError, parse_sitemap
from harness.core.audit.urls import Scope
from harness.core.config import RulesConfig, fails
from harness.core.errors import HarnessError, step_failure
from harness.core.plan.result import JourneyResult, PlanResult, StepResult

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
    #: called after each page with its result and the pages still queued
    on_page: Callable[[JourneyResult, int], None] | None = None
    #: called for what discovery could not read (a sitemap, robots.txt), as one line
    on_note: Callable[[str], None] | None = None


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


def _audit_page(
    browser: Browser, page: Page, opts: AuditOptions
) -> tuple[JourneyResult, list[str]]:
    """One page as a first visit sees it: its status, events, findings and links."""
    context = browser.new_context()
    started = time.monotonic()
    links: list[str] = []
    status: int | None = None
    error: str | None = None
    try:
        capture = PixelCapture(sdk=opts.sdk).attach(context)
        tab = context.new_page()
        try:
            response = tab.goto(page.url, wait_until="load", timeout=opts.timeout * 1000)
            status = response.status if response is not None else None
            capture.settle(quiet=opts.quiet, timeout=max(2.0, opts.quiet * 4))
            if opts.crawl:
                links = tab.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        except PlaywrightError as exc:
            error = f"opening {page.url} failed: {step_failure(exc)}"
        loaded = time.monotonic() - started
        report = capture.report(
            url=page.url, browser=None, harness_version=__version__, config=opts.rules
        )
        final_url = tab.url if not tab.is_closed() else page.url
    finally:
        with contextlib.suppress(PlaywrightError):
            context.close()
    failing = sum(1 for f in report.findings if fails(f.severity, opts.rules.fail_on))
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
        ok=served and not failing,
        steps=[step],
        findings=report.findings,
        failing_findings=failing,
        events=report.events,
        error=error,
        duration=time.monotonic() - started,
        reconciliation=report.reconciliation,
        url=final_url,
        status=status,
    )
    return journey, links


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
    pages: list[JourneyResult] = []
    with sync_playwright() as playwright:
        request = playwright.request.new_context(ignore_https_errors=False)
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
        browser, browser_name = open_chromium(
            playwright, browser_path=opts.browser_path, headed=opts.headed
        )
        try:
            while (page := frontier.next()) is not None:
                journey, links = _audit_page(browser, page, opts)
                pages.append(journey)
                if opts.crawl:
                    frontier.add_links(page, links)
                if opts.on_page:
                    opts.on_page(journey, frontier.queued)
        finally:
            with contextlib.suppress(PlaywrightError):
                browser.close()
    checks = site_checks(pages, allowed_pixels=opts.pixels)
    return PlanResult(
        kind="audit",
        harness_version=__version__,
        plan=start_url,
        base_url=start_url,
        profile=opts.rules.profile,
        browser=browser_name,
        ok=all(c.ok for c in checks if c.severity == "error"),
        journeys=pages,
        coverage={},
        checks=checks,
        started_at=started_at,
        duration=time.monotonic() - started,
    )
