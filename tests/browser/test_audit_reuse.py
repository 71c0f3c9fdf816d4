"""An audit worker reuses one browser context, tab and capture for `--recycle N` pages: each
page must still be seen as a first visit sees it, exactly as with a fresh context per page
(`--recycle 1`): the same pages, events and checks; no state one page leaves behind (cookies,
local and session storage, IndexedDB, window.name, history) seen by the next; what a page
sends while it leaves (pagehide) is that page's, not the next one's.

The site is tests/pages/audit-reuse/: `a.html` stores a consent cookie, local and session
storage, an IndexedDB database and a window name, and (like every page of it, through
state.js) sends an event for each such piece of state it finds; `b.html`, visited next by the
same worker, finds none on a first visit; `leave.html` sends LeavingPage from `pagehide`;
`next.html` is visited after it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from harness.core.plan.result import PlanResult

STATE_EVENTS = {"CookieState", "LocalState", "SessionState", "NamedWindow", "LongHistory"}


def _audit(out: Path, *args: str) -> PlanResult:
    ran = subprocess.run(
        [sys.executable, "-m", "harness", "audit", *args, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "CI": "true"},
    )
    assert ran.returncode in (0, 1), ran.stdout + ran.stderr
    assert "Traceback" not in ran.stderr
    return PlanResult.model_validate(json.loads(out.read_text()))


def _events(result: PlanResult) -> dict[str, Counter[tuple[str, str]]]:
    """Each page's events: how many of each name from each source (call, wire)."""
    return {j.name: Counter((e.source, e.name) for e in j.events) for j in result.journeys}


def _seen(result: PlanResult) -> tuple[object, ...]:
    """What a page gives, as the comparisons need it: pages (position, status, final URL),
    their events, their finding codes, the site checks."""
    pages = [(j.position, j.name, j.status, j.url, j.pixel_install) for j in result.journeys]
    findings = {j.name: sorted(f.code for f in j.findings) for j in result.journeys}
    checks = {c.code: (c.ok, c.pages) for c in result.checks}
    return pages, _events(result), findings, checks


def test_a_page_after_another_in_one_context_sees_none_of_its_state(
    test_pages: str, tmp_path: Path
) -> None:
    site = test_pages + "/audit-reuse/"
    reused = _audit(tmp_path / "reused.json", site + "index.html", "--workers", "1")
    fresh = _audit(tmp_path / "fresh.json", site + "index.html", "--recycle", "1")
    names = [j.name.removeprefix(site) for j in reused.journeys]
    assert names == ["index.html", "a.html", "b.html", "leave.html", "next.html"]
    events = _events(reused)
    # a.html finds the state it stored itself: the page's script would tell
    a_names = {name for _, name in events[site + "a.html"]}
    assert {"CookieState", "LocalState", "SessionState", "NamedWindow"} <= a_names
    # b.html, next in the same context and tab, finds none of it; nor do the later pages
    for page in ("b.html", "leave.html", "next.html", "index.html"):
        assert not {name for _, name in events[site + page]} & STATE_EVENTS, page
    assert _seen(reused) == _seen(fresh)


def test_what_a_page_sends_while_leaving_is_its_own(test_pages: str, tmp_path: Path) -> None:
    site = test_pages + "/audit-reuse/"
    for how in (["--recycle", "25"], ["--recycle", "25", "--workers", "2"], ["--recycle", "1"]):
        result = _audit(tmp_path / "leave.json", site + "index.html", *how)
        events = _events(result)
        assert events[site + "leave.html"][("call", "LeavingPage")] == 1, how
        assert events[site + "leave.html"][("wire", "LeavingPage")] == 1, how
        for page in ("index.html", "a.html", "b.html", "next.html"):
            assert not any(name == "LeavingPage" for _, name in events[site + page]), page


def test_reusing_contexts_gives_the_audit_of_fresh_ones(test_pages: str, tmp_path: Path) -> None:
    """The planted-mistakes site and 40 catalog pages (with their planted mistakes), with 3
    workers: the default reuse and a fresh context per page give the same audit."""
    from harness.browser.server import SiteServer

    site = test_pages + "/audit/"
    start = [site + "index.html", "--sitemap", site + "sitemap-index.xml", "--workers", "3"]
    reused = _audit(tmp_path / "site-reused.json", *start)
    fresh = _audit(tmp_path / "site-fresh.json", *start, "--recycle", "1")
    assert _seen(reused) == _seen(fresh)
    assert len(reused.journeys) == 8
    with SiteServer() as server:
        catalog = server.url("/catalog/")
        start = [catalog, "--sitemap", catalog + "sitemap.xml", "--max-pages", "40"]
        small = [*start, "--workers", "3", "--recycle", "4"]
        reused = _audit(tmp_path / "catalog-reused.json", *small)
        fresh = _audit(tmp_path / "catalog-fresh.json", *start, "--workers", "2", "--recycle", "1")
    assert _seen(reused) == _seen(fresh)
    assert len(reused.journeys) == 40
    failing = {c.code for c in reused.checks if not c.ok}
    assert "AU001" in failing  # product 13, without a pixel, is among the first 40
