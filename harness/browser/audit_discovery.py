"""Which pages an audit starts from: robots.txt and the sitemaps (URLs or files), fetched from
the site with Playwright's request API (async), never from a TikTok host. Then `Frontier`
(core.audit.frontier) takes over."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from playwright.async_api import APIRequestContext
from playwright.async_api import Error as PlaywrightError

from harness.core.audit.frontier import Frontier, robots_from
from harness.core.audit.sitemap import SitemapError, parse_sitemap
from harness.core.audit.urls import Scope
from harness.core.errors import step_failure

#: Sitemap indexes may nest; more levels than this is a loop or a mistake.
MAX_SITEMAPS = 200


class DiscoveryOptions(Protocol):
    """What discovery reads of the audit's options (browser.audit.AuditOptions)."""

    @property
    def timeout(self) -> float: ...
    @property
    def ignore_robots(self) -> bool: ...
    @property
    def sitemaps(self) -> Sequence[str]: ...
    @property
    def max_pages(self) -> int: ...
    @property
    def max_depth(self) -> int | None: ...
    @property
    def keep_tracking(self) -> bool: ...
    @property
    def on_note(self) -> Callable[[str], None] | None: ...


async def _fetch(request: APIRequestContext, source: str, timeout: float) -> bytes:
    """A sitemap or robots.txt: a file on disk, or a URL fetched from the site."""
    if not source.startswith(("http://", "https://")):
        try:
            return Path(source).read_bytes()
        except OSError as exc:
            raise SitemapError(f"{source}: cannot read it ({exc.strerror or exc})") from None
    try:
        response = await request.get(source, timeout=timeout * 1000, max_redirects=5)
        if not response.ok:
            raise SitemapError(f"{source}: HTTP {response.status}")
        return await response.body()
    except PlaywrightError as exc:
        raise SitemapError(f"{source}: {step_failure(exc)}") from None


async def _sitemap_pages(
    request: APIRequestContext, sources: Sequence[str], opts: DiscoveryOptions
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
            found = parse_sitemap(await _fetch(request, source, opts.timeout), source)
        except SitemapError as exc:
            if source in sources:  # the user named it: an error, not a note
                raise
            if opts.on_note:
                opts.on_note(f"skipped sitemap: {exc}")
            continue
        pages += found.pages
        pending += found.sitemaps
    return pages


async def _robots(
    request: APIRequestContext, sites: Sequence[str], opts: DiscoveryOptions
) -> dict[str, RobotFileParser]:
    """The robots.txt of each site (a URL on its host), by host."""
    if opts.ignore_robots:
        return {}
    robots = {}
    for site in sites:
        url = urljoin(site, "/robots.txt")
        try:
            response = await request.get(url, timeout=opts.timeout * 1000)
            text = await response.text() if response.ok else ""
        except PlaywrightError as exc:
            if opts.on_note:
                opts.on_note(f"{url} not read ({step_failure(exc)}): every page allowed")
            text = ""
        robots[urlsplit(site).hostname or ""] = robots_from(text)
    return robots


async def _landing(request: APIRequestContext, start: str, opts: DiscoveryOptions) -> str:
    """Where the start URL lands after its HTTP redirects (itself when it cannot be fetched:
    its visit reports why)."""
    try:
        response = await request.get(start, timeout=opts.timeout * 1000, max_redirects=10)
    except PlaywrightError:
        return start
    return response.url or start


async def discover(
    start_url: str, opts: DiscoveryOptions, scope: Scope, request: APIRequestContext
) -> Frontier:
    """The pages to start from. A start URL that redirects to another host (example.com to
    www.example.com) puts that host in scope: the audit covers the site, not one page."""
    sites = [start_url]
    landing = await _landing(request, start_url, opts)
    if scope.redirected_out(landing) == "redirected off site":
        host = urlsplit(landing).hostname or ""
        scope = scope.with_host(host)
        sites.append(landing)
        if opts.on_note:
            opts.on_note(f"{start_url} redirects to {landing}: {host} is audited too")
    frontier = Frontier(
        scope,
        max_pages=opts.max_pages,
        max_depth=opts.max_depth,
        robots=await _robots(request, sites, opts),
        keep_tracking=opts.keep_tracking,
    )
    frontier.add(start_url, depth=0, found_on="start")
    if landing != start_url:
        frontier.alias(landing)
    for url in await _sitemap_pages(request, opts.sitemaps, opts):
        frontier.add(url, depth=0, found_on="sitemap")
    return frontier
