"""The pages an audit visits, breadth first: each page once (by its normalised URL), within
the scope, depth and page limits, and only where robots.txt lets ttq-harness go. Pure: the
browser layer gives it the links it found and asks for the next page."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from harness.core.audit.urls import Scope, normalise

#: The user agent robots.txt rules are read for (a `*` group applies when none names it).
USER_AGENT = "ttq-harness"


def robots_from(text: str) -> RobotFileParser:
    """A robots.txt body, parsed (an empty body allows everything)."""
    parser = RobotFileParser()
    parser.parse(text.splitlines())
    return parser


@dataclass(frozen=True)
class Page:
    """A page to visit: its normalised URL, how many links from the start, and where it was
    found (the page that links to it, or "start" / "sitemap")."""

    url: str
    depth: int
    found_on: str


@dataclass
class Frontier:
    scope: Scope
    max_pages: int = 1000
    max_depth: int | None = None
    #: host -> its robots.txt (a host without one: everything allowed)
    robots: Mapping[str, RobotFileParser] = field(default_factory=dict)
    keep_tracking: bool = False
    #: URLs never visited, by reason ("other host", "excluded", "robots.txt", "page limit"...)
    skipped: Counter[str] = field(default_factory=Counter)
    _seen: set[str] = field(default_factory=set)
    _queue: deque[Page] = field(default_factory=deque)
    _left: int = 0  # pages visited that turned out not to be the site's (`leave`)
    _aliases: int = 0  # other URLs of pages seen (`alias`)

    def add(self, url: str, *, depth: int, found_on: str) -> str | None:
        """Queue `url` unless it was seen or is out of bounds; the reason when not queued."""
        try:
            key = normalise(url, keep_tracking=self.keep_tracking)
        except ValueError:
            return self._skip("not http(s)")
        if key in self._seen:
            return "seen"
        reason = self.scope.reason_out(key)
        if reason is None and self.max_depth is not None and depth > self.max_depth:
            reason = "too deep"
        if reason is None and not self._allowed(key):
            reason = "robots.txt"
        if reason is None and len(self._seen) - self._aliases >= self.max_pages:
            reason = "page limit"
        if reason is not None:
            return self._skip(reason)
        self._seen.add(key)
        self._queue.append(Page(key, depth, found_on))
        return None

    def alias(self, url: str) -> None:
        """Another URL of a page already queued (where the start URL redirects to): seen, so
        a link to it does not visit the page again."""
        try:
            key = normalise(url, keep_tracking=self.keep_tracking)
        except ValueError:
            return
        if key not in self._seen:
            self._seen.add(key)
            self._aliases += 1  # one page, however many URLs

    def add_links(self, page: Page, links: Iterable[str]) -> None:
        """The links found on `page`, one level deeper."""
        for link in links:
            self.add(link, depth=page.depth + 1, found_on=page.url)

    def next(self) -> Page | None:
        return self._queue.popleft() if self._queue else None

    @property
    def queued(self) -> int:
        return len(self._queue)

    @property
    def seen(self) -> int:
        """Pages of the site found (those that turned out to be another's not counted)."""
        return len(self._seen) - self._aliases - self._left

    def leave(self, reason: str) -> None:
        """A page visited that was not the site's after all (it redirected off site): counted
        as skipped, not as found. It keeps its place against the page limit (it was visited)."""
        self._left += 1
        self._skip(reason)

    def _allowed(self, url: str) -> bool:
        parser = self.robots.get(urlsplit(url).hostname or "")
        return parser is None or parser.can_fetch(USER_AGENT, url)

    def _skip(self, reason: str) -> str:
        self.skipped[reason] += 1
        return reason
