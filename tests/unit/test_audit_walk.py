"""How an audit's pages are handed out and taken back (harness/core/audit/walk.py), its resume
state, shard results merged, and links read from HTML. Pure, no browser."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from harness.core.audit.checks import blind_reason, site_checks
from harness.core.audit.frontier import Frontier
from harness.core.audit.links import html_links
from harness.core.audit.merge import merge_audits
from harness.core.audit.progress import AuditProgress
from harness.core.audit.state import header_line, outcome_line, read_state
from harness.core.audit.urls import Scope
from harness.core.audit.walk import Outcome, Task, Walk
from harness.core.errors import UsageError
from harness.core.model import Finding
from harness.core.plan.result import AuditInfo, JourneyResult, PlanResult, StepResult

SITE = "https://shop.example"
#: A small site: each page's links (a tree of 3 levels with cross links and repeats).
LINKS: dict[str, list[str]] = {
    "/": ["/a", "/b", "/c", "/a#x"],
    "/a": ["/a1", "/a2", "/b", "/"],
    "/b": ["/b1", "/a1", "/b2"],
    "/c": ["/c1"],
    "/a1": ["/deep"],
    "/a2": [],
    "/b1": ["/c1", "/b2"],
    "/b2": [],
    "/c1": ["/deep2"],
    "/deep": [],
    "/deep2": [],
}


def _links(url: str) -> tuple[str, ...]:
    return tuple(SITE + link for link in LINKS[url.removeprefix(SITE)])


def _journey(task: Task) -> JourneyResult:
    step = StepResult(index=1, description=f"goto {task.page.url}", ok=True)
    return JourneyResult(name=task.page.url, ok=True, steps=[step], position=task.position)


def _walk(
    *,
    workers: int,
    seed: int = 0,
    shard: tuple[int, int] | None = None,
    max_pages: int = 100,
    resumed: dict[int, Outcome] | None = None,
    stop_after: int | None = None,
) -> Walk:
    """Run a walk with `workers` tasks out at once, finishing them in a random order."""
    frontier = Frontier(Scope.of(SITE), max_pages=max_pages)
    frontier.add(SITE + "/", depth=0, found_on="start")
    walk = Walk(frontier, shard=shard, resumed=resumed or {})
    out: list[Task] = []
    shuffle = random.Random(seed)
    finished = 0
    while not walk.done:
        while len(out) < workers and (task := walk.next()) is not None:
            out.append(task)
        if stop_after is not None and finished >= stop_after:
            break
        task = out.pop(shuffle.randrange(len(out)))
        journey = _journey(task) if task.visit else None
        walk.finish(Outcome(task.position, task.page.url, _links(task.page.url), journey))
        finished += 1
    return walk


def _visited(walk: Walk) -> list[tuple[int, str]]:
    return [(j.position or 0, j.name.removeprefix(SITE)) for j in walk.journeys]


def test_pages_come_back_in_breadth_first_order_whatever_order_they_finish_in() -> None:
    serial = _visited(_walk(workers=1))
    assert [url for _p, url in serial] == [
        "/", "/a", "/b", "/c", "/a1", "/a2", "/b1", "/b2", "/c1", "/deep", "/deep2",
    ]  # fmt: skip
    for seed in range(20):
        assert _visited(_walk(workers=4, seed=seed)) == serial


def test_the_page_limit_cuts_the_same_pages_with_one_worker_or_many() -> None:
    serial = _visited(_walk(workers=1, max_pages=6))
    assert len(serial) == 6
    for seed in range(10):
        assert _visited(_walk(workers=3, seed=seed, max_pages=6)) == serial


def test_shards_visit_disjoint_pages_that_together_are_every_page_once() -> None:
    whole = _visited(_walk(workers=1))
    parts = [_visited(_walk(workers=2, seed=n, shard=(n, 3))) for n in (1, 2, 3)]
    assert all(parts), "each shard of this site has pages"
    assert sorted(p for part in parts for p in part) == sorted(whole)


def test_a_resumed_walk_redoes_only_what_the_state_does_not_hold() -> None:
    first = _walk(workers=2, stop_after=5)
    done = {o.position: o for o in first.committed}
    assert 0 < len(done) <= 5
    state = header_line({"start_url": SITE}) + "".join(outcome_line(o) for o in done.values())
    resumed = read_state(state, {"start_url": SITE}, name="state.jsonl")
    again = _walk(workers=2, resumed=resumed)
    assert again.resumed_count == len(done)
    assert _visited(again) == _visited(_walk(workers=1))
    assert all(again.committed[p] is resumed[p] for p in resumed)  # kept, not redone


def test_progress_rate_and_time_left_count_only_this_runs_pages() -> None:
    fresh = AuditProgress(done=12, queued=30, elapsed=5.0, this_run=10)
    assert (fresh.rate, fresh.left) == (2.0, 15.0)
    assert fresh.summary() == "12 done, 30 queued, 2.0 pages/s, ~15s left"
    # 39 pages from --resume and one audited now: no rate yet, not "40 pages a second"
    resumed = AuditProgress(done=40, queued=10, elapsed=1.0, this_run=1)
    assert resumed.left is None and resumed.summary() == "40 done, 10 queued"
    later = AuditProgress(done=42, queued=8, elapsed=4.0, this_run=3)
    assert (later.rate, later.left) == (0.75, 8 / 0.75)


def test_the_reporter_counts_resumed_pages_as_done_but_not_as_audited_now() -> None:
    from harness.browser.audit import AuditOptions, _Reporter

    first = _walk(workers=1, stop_after=5)
    resumed = {o.position: o for o in first.committed}
    shown: list[AuditProgress] = []
    frontier = Frontier(Scope.of(SITE))
    frontier.add(SITE + "/", depth=0, found_on="start")
    walk = Walk(frontier, resumed=resumed)
    options = AuditOptions(on_page=lambda _page, progress: shown.append(progress))
    report = _Reporter(walk, resumed, None, options, started=time.monotonic())
    while (task := walk.next()) is not None or not walk.done:
        if task is not None:
            walk.finish(
                Outcome(task.position, task.page.url, _links(task.page.url), _journey(task))
            )
        report()
    assert [(p.done, p.this_run) for p in shown] == [(5 + n, n) for n in range(1, 7)]
    for progress in shown:  # the rate is this run's pages over this run's time
        assert progress.rate == progress.fresh / progress.elapsed


def test_a_page_that_redirected_off_site_is_skipped_with_its_links() -> None:
    scope = Scope.of(SITE + "/", exclude=["*/login*"])
    assert scope.redirected_out(SITE + "/a?x=1") is None
    assert scope.redirected_out("https://partner.example/deal") == "redirected off site"
    assert scope.redirected_out(SITE + "/login?next=/a") == "redirected out of scope"
    assert scope.redirected_out("chrome-error://chromewebdata/") is None  # not a page: its error

    def run(resumed: dict[int, Outcome] | None = None) -> Walk:
        frontier = Frontier(scope)
        frontier.add(SITE + "/", depth=0, found_on="start")
        walk = Walk(frontier, resumed=resumed or {})
        while (task := walk.next()) is not None:
            if task.page.url == SITE + "/a":  # lands on another site: its links are not the site's
                walk.finish(Outcome(task.position, task.page.url, skipped="redirected off site"))
            else:
                links = _links(task.page.url)
                walk.finish(Outcome(task.position, task.page.url, links, _journey(task)))
        return walk

    walk = run()
    visited = [url for _p, url in _visited(walk)]
    assert "/a" not in visited and "/a2" not in visited  # /a2: linked from /a only
    assert "/a1" in visited  # /b links to it too
    assert walk.frontier.skipped["redirected off site"] == 1
    assert walk.frontier.seen == len(visited)  # found pages: the site's only
    # the skip survives --resume: the state line says it
    lines = "".join(outcome_line(o) for o in walk.committed)
    state = read_state(header_line({"start_url": SITE}) + lines, {"start_url": SITE}, name="s")
    assert [o.skipped for o in state.values()].count("redirected off site") == 1
    again = run(resumed=state)
    assert _visited(again) == _visited(walk) and again.frontier.skipped == walk.frontier.skipped


def test_the_start_urls_landing_is_the_same_page_and_takes_no_page_slot() -> None:
    frontier = Frontier(Scope.of("https://example.com/").with_host("www.example.com"), max_pages=2)
    frontier.add("https://example.com/", depth=0, found_on="start")
    frontier.alias("https://www.example.com/")
    assert frontier.add("https://www.example.com/", depth=1, found_on="x") == "seen"
    assert frontier.add("https://www.example.com/shop", depth=1, found_on="x") is None
    assert frontier.seen == 2 and frontier.queued == 2


def test_a_state_line_cut_short_is_dropped_and_a_damaged_one_named() -> None:
    walk = _walk(workers=1, stop_after=3)
    lines = [outcome_line(o) for o in walk.committed]
    header = header_line({"start_url": SITE})
    cut = header + lines[0] + lines[1] + lines[2][:40]
    assert sorted(read_state(cut, {"start_url": SITE}, name="s")) == [0, 1]
    damaged = header + lines[0][:40] + "\n" + lines[1]
    with pytest.raises(UsageError, match=r"^s:2: damaged line .*delete the file"):
        read_state(damaged, {"start_url": SITE}, name="s")


def test_a_state_from_another_audit_is_refused_naming_what_differs() -> None:
    header = header_line({"start_url": SITE, "max_pages": 10})
    with pytest.raises(UsageError, match=r"^s:1: written by another audit \(max_pages differ\)"):
        read_state(header, {"start_url": SITE, "max_pages": 20}, name="s")
    with pytest.raises(UsageError, match="not a ttq-harness audit state file"):
        read_state('{"a": 1}\n', {"start_url": SITE}, name="s")


def _result(pages: list[JourneyResult], shard: str | None, discovered: int) -> PlanResult:
    return PlanResult(
        kind="audit",
        harness_version="t",
        plan=SITE + "/",
        base_url=SITE + "/",
        profile="default",
        ok=True,
        journeys=pages,
        coverage={},
        checks=site_checks(pages, discovered=discovered),
        audit=AuditInfo(start_url=SITE + "/", shard=shard, discovered=discovered),
    )


def test_merged_shards_equal_the_audit_run_whole() -> None:
    whole = _walk(workers=1).journeys
    # a page without a pixel (AU001) in each shard
    parts = []
    for n in (1, 2):
        pages = _walk(workers=2, shard=(n, 2)).journeys
        part = _result(pages, f"{n}/2", len(whole)).model_copy(update={"unplaced_beacons": n})
        parts.append((f"part{n}.json", part))
    merged = merge_audits(parts)
    assert merged.unplaced_beacons == 3  # each shard's browser answered its own
    expected = _result(whole, None, len(whole))
    assert [j.name for j in merged.journeys] == [j.name for j in whole]
    assert merged.checks == expected.checks
    assert merged.audit is not None and merged.audit.shard is None
    assert not merged.checks[0].ok and merged.checks[0].pages == [j.name for j in whole]


def _sitemap_audit(shard: tuple[int, int] | None) -> PlanResult:
    """A --no-crawl audit of sitemap pages, some of which redirect off site."""
    frontier = Frontier(Scope.of(SITE), max_pages=100)
    for n in range(12):
        frontier.add(f"{SITE}/p{n}", depth=0, found_on="sitemap")
    frontier.add("https://other.example/x", depth=0, found_on="sitemap")  # a link skipped
    walk = Walk(frontier, crawl=False, shard=shard)
    while (task := walk.next()) is not None:
        gone = task.page.url.endswith(("p1", "p4", "p7", "p10"))  # each redirects away
        skipped = "redirected off site" if gone else None
        walk.finish(Outcome(task.position, task.page.url, (), None if gone else _journey(task),
                            skipped))  # fmt: skip
    result = _result(walk.journeys, f"{shard[0]}/{shard[1]}" if shard else None, frontier.seen)
    assert result.audit is not None
    info = result.audit.model_copy(update={"skipped": dict(frontier.skipped), "crawl": False})
    return result.model_copy(update={"audit": info})


def test_merged_no_crawl_shards_count_every_shards_redirects() -> None:
    # without crawling, a shard learns that a page redirected away only if it visited it
    whole = _sitemap_audit(None).audit
    parts = [(f"part{n}.json", _sitemap_audit((n, 2))) for n in (1, 2)]
    own = [p.audit.skipped.get("redirected off site", 0) for _n, p in parts if p.audit]
    assert sorted(own) != [0, 4] and sum(own) == 4  # the redirects are split between shards
    merged = merge_audits(parts).audit
    assert whole is not None and merged is not None
    assert merged.skipped == whole.skipped == {"other host": 1, "redirected off site": 4}
    assert merged.discovered == whole.discovered == 8
    second = parts[1][1].audit
    assert second is not None
    crawled = parts[1][1].model_copy(update={"audit": second.model_copy(update={"crawl": True})})
    with pytest.raises(UsageError, match=r"part2\.json: follows links, but part1\.json was run"):
        merge_audits([parts[0], ("part2.json", crawled)])


@pytest.mark.parametrize(
    ("shards", "message"),
    [
        (["1/2"], r"shard\(s\) 2/2 missing"),
        (["1/2", "1/2"], "shard 1/2 again"),
        (["1/2", "2/3"], "out of 2"),
        ([None], "not a shard"),
    ],
)
def test_shards_that_do_not_make_one_audit_are_refused(
    shards: list[str | None], message: str
) -> None:
    parts = [(f"p{n}.json", _result([], shard, 1)) for n, shard in enumerate(shards)]
    with pytest.raises(UsageError, match=message):
        merge_audits(parts)


def test_an_audit_that_saw_no_page_fails_and_says_why() -> None:
    au007 = {c.code: c for c in site_checks([], discovered=0)}["AU007"]
    assert not au007.ok and "no page was audited" in au007.message
    assert {c.code: c for c in site_checks([], discovered=5)}["AU007"].ok  # another shard's


def _seen(
    name: str, *, status: int | None = 200, codes: tuple[str, ...] = (), error: str | None = None
) -> JourneyResult:
    findings = [
        Finding(code=code, name=code.lower(), severity="warning", message="m") for code in codes
    ]
    step = StepResult(index=1, description=f"goto {name}", ok=True)
    return JourneyResult(
        name=name, ok=True, steps=[step], status=status, findings=findings, error=error
    )


def test_a_page_the_capture_could_not_see_whole_fails_au009_an_error() -> None:
    pages = [
        _seen("/clean"),
        _seen("/blind", codes=("CH001",)),  # a severity override does not make it seen
        _seen("/failed", codes=("CH002", "EV001")),
        _seen("/missing", status=404, codes=("CH003",)),  # the site's answer, seen whole
        _seen("/down", status=503, codes=("CH003",)),  # the server did not show the page
        _seen("/crashed", error="the page crashed"),  # opened, its capture cut short
        _seen("/closed", status=None, error="connection refused"),  # AU007's, not AU009's
    ]
    checks = {c.code: c for c in site_checks(pages)}
    assert checks["AU009"].severity == "error" and not checks["AU009"].ok
    assert checks["AU009"].pages == ["/blind", "/failed", "/down", "/crashed"]
    assert checks["AU007"].pages == ["/closed"]
    assert [blind_reason(p) for p in pages[1:3]] == [
        "the call recorder was blind there (CH001)",
        "the call recorder was blind there (CH002)",
    ]
    assert site_checks(pages[:1] + pages[3:4])[-1].ok  # AU009 holds on pages seen whole


def test_links_as_served_resolve_against_the_base_element() -> None:
    html = (
        '<base href="/shop/"><a href="p/1">one</a><A HREF="../about">about</A>'
        '<area href="https://other.example/x"><a name="no-href"><a href="">self</a>'
    )
    assert html_links(html, SITE + "/index.html") == [
        SITE + "/shop/p/1",
        SITE + "/about",
        "https://other.example/x",
    ]


def test_a_link_no_url_parser_takes_is_skipped_not_fatal() -> None:
    html = '<a href="http://[oops/">bad</a><a href="/ok">ok</a><base href="http://[x/">'
    assert html_links(html, SITE + "/") == [SITE + "/ok"]


def test_shards_run_with_other_pixels_or_rules_are_refused() -> None:
    one = _result([], "1/2", 1)
    two = _result([], "2/2", 1)
    other_pixels = two.model_copy(
        update={"audit": two.audit.model_copy(update={"pixels": ["CX"]}) if two.audit else None}
    )
    with pytest.raises(UsageError, match=r"^b.json: --pixel CX, but a.json has \(none\)"):
        merge_audits([("a.json", one), ("b.json", other_pixels)])
    with pytest.raises(UsageError, match="rule profile tiktok-2025"):
        merge_audits(
            [("a.json", one), ("b.json", two.model_copy(update={"profile": "tiktok-2025"}))]
        )


def test_a_whole_last_state_line_without_its_newline_is_kept(tmp_path: Path) -> None:
    from harness.browser.audit import AuditOptions, _state, _walk_key

    opts = AuditOptions(resume=tmp_path / "state")
    walk = _walk(workers=1, stop_after=2)
    header = header_line(_walk_key(SITE + "/", opts))
    lines = [outcome_line(o) for o in walk.committed]
    (tmp_path / "state").write_text(header + lines[0] + lines[1].rstrip("\n"))
    resumed, handle = _state(SITE + "/", opts)
    assert handle is not None
    handle.close()
    assert sorted(resumed) == [0, 1]  # the whole line counts, and stays in the file
    assert (tmp_path / "state").read_text() == header + lines[0] + lines[1]
    (tmp_path / "state").write_text(header + lines[0] + lines[1][:30])  # cut short: dropped
    resumed, handle = _state(SITE + "/", opts)
    assert handle is not None
    handle.close()
    assert sorted(resumed) == [0]
    assert (tmp_path / "state").read_text() == header + lines[0]
