"""The order an audit visits pages in, whatever runs them: several at once, in shards, or
resumed. Pure: the browser layer asks for tasks and hands their outcomes back.

Pages are handed out in the frontier's breadth-first order, each with its place in that order
(`position`), and their outcomes are taken back in the same order: a page's links join the
frontier only after the links of every page before it. So the pages an audit visits, and
their positions, are the same with one worker or many, and in every shard, as long as each
page's links are the same (a sharded audit reads them from the HTML as served).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from harness.core.audit.frontier import Frontier, Page
from harness.core.plan.result import JourneyResult
from harness.core.plan.shard import in_shard


@dataclass(frozen=True)
class Task:
    position: int
    page: Page
    #: audit it in a browser (else: a page of another shard, only its links are wanted)
    visit: bool


@dataclass(frozen=True)
class Outcome:
    """What a task gave: the page's links and, for a visited page, its result; `skipped`:
    why the page turned out not to be the site's (it redirected off site): no result, no
    links followed, counted with the links not followed."""

    position: int
    url: str
    links: tuple[str, ...] = ()
    journey: JourneyResult | None = None
    skipped: str | None = None


@dataclass
class Walk:
    frontier: Frontier
    crawl: bool = True
    shard: tuple[int, int] | None = None
    #: outcomes from an earlier run of the same audit (`--resume`), by position
    resumed: Mapping[int, Outcome] = field(default_factory=dict)
    #: what was committed, in visiting order (visited pages and other shards' pages alike)
    committed: list[Outcome] = field(default_factory=list)
    resumed_count: int = 0
    _handed: int = 0
    _waiting: dict[int, Outcome] = field(default_factory=dict)
    _pages: dict[int, Page] = field(default_factory=dict)  # handed out, not yet committed

    def next(self) -> Task | None:
        """The next page to work on; None when none is ready (or the walk is over, see `done`).

        Pages of other shards without crawling, and pages the resumed state holds, are
        committed here without a task."""
        while (page := self.frontier.next()) is not None:
            position = self._handed
            self._handed += 1
            self._pages[position] = page
            earlier = self.resumed.get(position)
            if earlier is not None and earlier.url == page.url:
                self.resumed_count += earlier.journey is not None
                self.finish(earlier)
                continue
            visit = self.shard is None or in_shard(page.url, self.shard)
            if not visit and not self.crawl:
                self.finish(Outcome(position, page.url))
                continue
            return Task(position, page, visit)
        return None

    def finish(self, outcome: Outcome) -> None:
        """A task's outcome; committed once every earlier task's outcome is."""
        self._waiting[outcome.position] = outcome
        while (ready := self._waiting.pop(len(self.committed), None)) is not None:
            self.committed.append(ready)
            page = self._pages.pop(ready.position)
            if ready.skipped is not None:
                self.frontier.leave(ready.skipped)
            elif self.crawl:
                self.frontier.add_links(page, ready.links)

    @property
    def in_flight(self) -> int:
        return self._handed - len(self.committed)

    @property
    def done(self) -> bool:
        return self.in_flight == 0 and self.frontier.queued == 0

    @property
    def journeys(self) -> list[JourneyResult]:
        return [o.journey for o in self.committed if o.journey is not None]
