"""`ttq-harness audit`: a whole site from its sitemap and links, each page captured as a first
visit sees it, and the site-level checks (AU001 to AU009) failing and holding where they should;
workers, shards and their merge, resume, steps, the generated catalog.

The site is tests/pages/audit/: a home page linking to a product (twice, once with utm_source
and once with a fragment: one page), a page without the pixel, one with the base code pasted
twice, one sending to another pixel, one with an e-mail in its URL, a dead link whose 404 page
fires CompletePayment, a private page robots.txt disallows, another host and a mailto link; the
sitemap index names a gzipped sitemap listing a page no link reaches.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import jsonschema
import pytest

from harness.core.plan.result import PlanResult

ROOT = Path(__file__).resolve().parents[2]


def _audit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", "audit", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "CI": "true"},
    )


def test_a_site_audit_finds_each_planted_mistake_once(test_pages: str, tmp_path: Path) -> None:
    site = test_pages + "/audit/"
    ran = _audit(
        site + "index.html",
        "--sitemap", site + "sitemap-index.xml",
        "--json", str(tmp_path / "audit.json"),
        "--junit", str(tmp_path / "audit.xml"),
        "--html", str(tmp_path / "audit.html"),
    )  # fmt: skip
    assert ran.returncode == 1, ran.stdout + ran.stderr  # error-level site checks fail
    written = json.loads((tmp_path / "audit.json").read_text())
    schema = json.loads((ROOT / "docs" / "schemas" / "audit-result.schema.json").read_text())
    jsonschema.validate(written, schema)  # `ttq-harness schema audit-result` describes it
    result = PlanResult.model_validate(written)
    assert result.kind == "audit" and not result.ok
    visited = {j.name.removeprefix(site) for j in result.journeys}
    assert visited == {
        "index.html",
        "orphan.html",  # from the sitemap index only
        "product.html?id=1",  # one page, however linked
        "nopixel.html",
        "double.html",
        "wrong.html",
        "account.html?email=j***%40example.com",  # masked in every output
        "missing.html",
    }  # not private/ (robots.txt), not another host, not mailto:
    status = {j.name.removeprefix(site): j.status for j in result.journeys}
    assert status["missing.html"] == 404 and status["index.html"] == 200
    broken = {c.code: [p.removeprefix(site) for p in c.pages] for c in result.checks}
    assert broken == {
        "AU001": ["nopixel.html"],
        "AU002": ["double.html"],
        "AU003": ["wrong.html"],
        "AU004": ["account.html?email=j***%40example.com"],
        "AU005": ["missing.html"],
        "AU006": ["account.html?email=j***%40example.com", "missing.html"],
        "AU007": [],
        "AU008": [],  # no page holds the pixel for consent: nothing to be inconsistent with
        "AU009": [],  # missing.html answered 404: seen (the site's answer), judged by AU005
    }
    suite = ET.fromstring((tmp_path / "audit.xml").read_text())
    cases = {c.get("name"): c.find("failure") is not None for c in suite.iter("testcase")}
    assert cases == {
        "AU001 page-without-pixel": True,
        "AU002 duplicate-pageview": True,
        "AU003 unknown-pixel": True,
        "AU004 pii-in-url": True,
        "AU005 conversion-on-error-page": True,
        "AU006 page-findings": False,  # a warning-level check does not fail the suite
        "AU007 unreachable-page": False,
        "AU008 consent-inconsistent": False,
        "AU009 page-not-seen": False,
    }
    assert "jane.doe" not in ran.stdout + (tmp_path / "audit.json").read_text()
    html = (tmp_path / "audit.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and 'id="site-checks"' in html
    assert "AU005 conversion-on-error-page" in html and "jane.doe" not in html
    assert "[8 done, 0 queued, " in ran.stdout  # plain progress lines under CI
    assert result.audit is not None and result.audit.discovered == 8
    assert [j.position for j in result.journeys] == list(range(8))


def test_a_clean_part_of_the_site_passes_and_the_allow_list_is_used(test_pages: str) -> None:
    site = test_pages + "/audit/"
    clean = _audit(site + "product.html?id=1", "--no-crawl")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "every site check holds" in clean.stdout
    other = _audit(site + "product.html?id=1", "--no-crawl", "--pixel", "CAUDITPIXEL000000002")
    assert other.returncode == 1
    assert "✗ AU003 unknown-pixel" in other.stdout


def test_a_sitemap_that_cannot_be_read_is_a_one_line_error(test_pages: str) -> None:
    ran = _audit(test_pages + "/audit/index.html", "--sitemap", test_pages + "/audit/none.xml")
    assert ran.returncode == 2
    assert ran.stderr.strip() == f"error: {test_pages}/audit/none.xml: HTTP 404"
    assert "Traceback" not in ran.stderr


def _pages(result: PlanResult) -> list[tuple[int | None, str, int | None, int]]:
    return [(j.position, j.name, j.status, len(j.events)) for j in result.journeys]


def _checks(result: PlanResult) -> dict[str, list[str]]:
    return {c.code: c.pages for c in result.checks}


def test_workers_shards_and_their_merge_give_the_audit_run_whole(
    test_pages: str, tmp_path: Path
) -> None:
    site = test_pages + "/audit/"
    start = [site + "index.html", "--sitemap", site + "sitemap-index.xml"]
    whole = tmp_path / "whole.json"
    assert _audit(*start, "--json", str(whole)).returncode == 1
    serial = PlanResult.model_validate_json(whole.read_text())
    two = tmp_path / "two.json"
    ran = _audit(*start, "--workers", "3", "--json", str(two))
    assert ran.returncode == 1, ran.stderr
    parallel = PlanResult.model_validate_json(two.read_text())
    assert _pages(parallel) == _pages(serial) and _checks(parallel) == _checks(serial)
    assert parallel.audit is not None and parallel.audit.workers == 3

    parts = []
    for n in (1, 2):
        part = tmp_path / f"part{n}.json"
        ran = _audit(*start, "--shard", f"{n}/2", "--json", str(part))
        assert "Traceback" not in ran.stderr
        parts.append(PlanResult.model_validate_json(part.read_text()))
    names = [{j.name for j in part.journeys} for part in parts]
    assert names[0] and names[1] and not names[0] & names[1]  # each page in one shard only
    merged_path = tmp_path / "merged.json"
    merged = subprocess.run(
        [sys.executable, "-m", "harness", "audit", "merge",
         str(tmp_path / "part1.json"), str(tmp_path / "part2.json"),
         "--json", str(merged_path), "--junit", str(tmp_path / "merged.xml")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert merged.returncode == 1, merged.stdout + merged.stderr
    assert "8 page(s) audited of 8 found" in merged.stdout
    result = PlanResult.model_validate_json(merged_path.read_text())
    assert _pages(result) == _pages(serial) and _checks(result) == _checks(serial)
    again = subprocess.run(
        [sys.executable, "-m", "harness", "audit", "merge", str(tmp_path / "part1.json")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert again.returncode == 2
    assert again.stderr.strip() == "error: audit merge: shard(s) 2/2 missing"


def test_an_interrupted_audit_resumes_without_redoing_its_pages(
    test_pages: str, tmp_path: Path
) -> None:
    site = test_pages + "/audit/"
    state = tmp_path / "audit.state"
    start = [site + "index.html", "--resume", str(state)]
    first = _audit(*start, "--json", str(tmp_path / "first.json"))
    assert first.returncode == 1, first.stderr
    lines = state.read_text().splitlines(keepends=True)
    assert len(lines) == 1 + 7  # the header, then each page (no sitemap: no orphan page)
    # As if interrupted while writing the fifth page: four kept, the fifth cut short.
    state.write_text("".join(lines[:5]) + lines[5][:50])
    second = _audit(*start, "--json", str(tmp_path / "second.json"))
    assert second.returncode == 1, second.stderr
    assert "7 page(s) audited of 7 found, 4 from --resume in " in second.stdout
    assert second.stdout.count("] ") == 3  # only the three pages left were audited (and shown)
    before = PlanResult.model_validate_json((tmp_path / "first.json").read_text())
    after = PlanResult.model_validate_json((tmp_path / "second.json").read_text())
    assert _pages(after) == _pages(before) and _checks(after) == _checks(before)
    # the resumed pages are the ones recorded, to the microsecond, not visits of their own
    assert [j.duration for j in after.journeys[:4]] == [j.duration for j in before.journeys[:4]]
    assert len(state.read_text().splitlines()) == 1 + 7
    other = _audit(site + "index.html", "--max-pages", "3", "--resume", str(state))
    assert other.returncode == 2
    assert other.stderr.strip() == (
        f"error: {state}:1: written by another audit (max_pages differ): run the same "
        "command, or delete the file to start again"
    )


def test_an_audit_that_sees_no_page_or_cannot_open_one_fails(test_pages: str) -> None:
    nothing = _audit(test_pages + "/audit/private/secret.html")  # robots.txt disallows it
    assert nothing.returncode == 1, nothing.stdout + nothing.stderr
    assert "✗ AU007 unreachable-page" in nothing.stdout
    assert "no page was audited" in nothing.stdout
    assert "0 page(s) audited of 0 found" in nothing.stdout
    closed = _audit("http://127.0.0.1:9/", "--no-crawl", "--timeout", "5")
    assert closed.returncode == 1, closed.stdout + closed.stderr
    assert "✗ AU007 unreachable-page: Every page opens: 1 page(s) break it" in closed.stdout
    assert "Traceback" not in closed.stdout + closed.stderr


def test_the_generated_catalog_is_served_and_its_planted_pages_are_found(tmp_path: Path) -> None:
    from harness.browser.server import SiteServer

    with SiteServer() as server:
        catalog = server.url("/catalog/")
        ran = _audit(
            catalog + "p/12.html",
            "--sitemap", catalog + "sitemap.xml",
            "--no-crawl", "--workers", "2",
            *(arg for n in (12, 13, 42, 77) for arg in ("--include", f"*/catalog/p/{n}.html")),
            "--json", str(tmp_path / "catalog.json"),
        )  # fmt: skip
    assert ran.returncode == 1, ran.stdout + ran.stderr
    result = PlanResult.model_validate_json((tmp_path / "catalog.json").read_text())
    assert [j.name.removeprefix(catalog) for j in result.journeys] == [
        "p/12.html", "p/13.html", "p/42.html", "p/77.html",
    ]  # fmt: skip
    broken = {c.code: [p.removeprefix(catalog) for p in c.pages] for c in result.checks if c.pages}
    assert broken == {"AU001": ["p/13.html"], "AU002": ["p/42.html"], "AU003": ["p/77.html"]}
    assert result.audit is not None and result.audit.skipped["not included"] == 307


def test_steps_run_on_every_page_and_a_failing_one_is_that_pages_error(tmp_path: Path) -> None:
    from harness.browser.server import SiteServer

    with SiteServer() as server:
        ran = _audit(
            server.url("/shop/product.html?id=301"), "--no-crawl",
            "--step", "click:#add-to-cart", "--step", "click:#no-such-button",
            "--timeout", "2", "--json", str(tmp_path / "steps.json"),
        )  # fmt: skip
    assert "Traceback" not in ran.stderr
    result = PlanResult.model_validate_json((tmp_path / "steps.json").read_text())
    (page,) = result.journeys
    assert [(s.description, s.ok) for s in page.steps[1:]] == [
        ("click #add-to-cart", True),
        ("click #no-such-button", False),
    ]
    assert page.steps[2].error and "#no-such-button" in page.steps[2].error
    wire = [e.name for e in page.events if e.source == "wire"]
    assert "AddToCart" in wire  # the event the step made was captured
    assert not page.ok


def test_ctrl_c_keeps_what_was_audited_and_the_same_command_finishes_the_rest(
    tmp_path: Path,
) -> None:
    import signal
    import time

    from harness.browser.server import SiteServer

    state = tmp_path / "audit.state"
    with SiteServer() as server:
        catalog = server.url("/catalog/")
        command = [
            sys.executable, "-m", "harness", "audit", catalog,
            "--sitemap", catalog + "sitemap.xml", "--no-crawl", "--max-pages", "40",
            "--workers", "2", "--resume", str(state),
        ]  # fmt: skip
        env = {**os.environ, "CI": "true"}
        running = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            start_new_session=True,  # Ctrl-C reaches the whole group, as in a terminal
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (
            not state.exists() or len(state.read_text().splitlines()) < 1 + 3
        ):
            time.sleep(0.05)
        os.killpg(running.pid, signal.SIGINT)
        stdout, stderr = running.communicate(timeout=120)
        assert running.returncode == 1, stdout + stderr
        assert "incomplete (interrupted (Ctrl-C))" in stdout and "Traceback" not in stderr
        kept = len(state.read_text().splitlines()) - 1
        assert 3 <= kept < 40
        again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 1, again.stdout + again.stderr  # catalog/p/13.html: no pixel
    assert "✗ AU001" in again.stdout and "Traceback" not in again.stderr
    assert f"40 page(s) audited of 40 found, {kept} from --resume in" in again.stdout
    assert len(state.read_text().splitlines()) == 1 + 40


def test_rate_and_per_host_limits_slow_the_audit_not_change_it(
    test_pages: str, tmp_path: Path
) -> None:
    site = test_pages + "/audit/"
    polite = tmp_path / "polite.json"
    ran = _audit(site + "index.html", "--workers", "3", "--per-host", "1", "--rate", "4",
                 "--json", str(polite))  # fmt: skip
    assert ran.returncode == 1, ran.stdout + ran.stderr
    result = PlanResult.model_validate_json(polite.read_text())
    assert [j.position for j in result.journeys] == list(range(7))
    # 7 page starts at most 4 a second: the first at once, the last no sooner than 1.5 s later
    # (a lower bound: a slow machine only makes it longer)
    assert result.duration >= 6 / 4
    assert _checks(result)["AU001"] == [site + "nopixel.html"]


def test_consent_asked_on_some_pages_and_not_others_fails_au008(
    test_pages: str, tmp_path: Path
) -> None:
    site = test_pages + "/audit-consent/"
    out = tmp_path / "consent.json"
    ran = _audit(site + "index.html", "--json", str(out))
    assert ran.returncode == 1, ran.stdout + ran.stderr
    result = PlanResult.model_validate_json(out.read_text())
    consent = {j.name.removeprefix(site): j.consent for j in result.journeys}
    assert consent == {"index.html": ["holdConsent"], "held.html": ["holdConsent"], "open.html": []}
    broken = {c.code: [p.removeprefix(site) for p in c.pages] for c in result.checks if c.pages}
    assert broken == {"AU008": ["open.html"]}  # held pages are not "without a pixel" (AU001)
    # Consent given on every page (the visitor agrees): the held pages send, AU008 still holds
    # against the page that never asks.
    agreed = _audit(site + "index.html", "--step", "consent:grant", "--json", str(out))
    result = PlanResult.model_validate_json(out.read_text())
    assert agreed.returncode == 1 and _checks(result)["AU008"] == [site + "open.html"]
    assert _checks(result)["AU001"] == []
    held_sent = [e.name for e in result.journeys[0].events if e.source == "wire"]
    assert "Pageview" in held_sent  # granted: the held Pageview went out


def test_with_tiktoks_real_sdk_each_page_keeps_its_own_events(tmp_path: Path) -> None:
    """TikTok's pixel.js 2.1.33 (pinned, offline), several pages at once in one browser: every
    event in a page's result left that page. (The SDK also sends when a page is left, and the
    browser-wide unload guard credits such a beacon to the capture whose page sent it: nothing
    may land in another page's result.)"""
    from harness.browser.server import SiteServer

    real_sdk = ROOT / "tests" / "data" / "real-sdk" / "pixel-2.1.33"
    out = tmp_path / "real.json"
    with SiteServer() as server:
        catalog = server.url("/catalog/")
        ran = _audit(
            catalog + "p/41.html", "--sdk", str(real_sdk), "--workers", "3",
            "--sitemap", catalog + "sitemap.xml", "--no-crawl",
            *(arg for n in (13, 41, 42, 43, 44, 77) for arg in ("--include", f"*/p/{n}.html")),
            "--json", str(out),
        )  # fmt: skip
    assert ran.returncode == 1, ran.stdout + ran.stderr
    result = PlanResult.model_validate_json(out.read_text())
    assert result.sdk.startswith("pinned:") and result.sdk_version == "pixel.js 2.1.33"
    assert len(result.journeys) == 6
    for page in result.journeys:
        wire = [e for e in page.events if e.source == "wire"]
        assert all(e.page_url == page.url for e in wire), page.name  # nobody else's events
        assert all(e.library_version == "2.1.33" for e in wire)
    broken = {c.code: [p.removeprefix(catalog) for p in c.pages] for c in result.checks if c.pages}
    assert broken == {"AU001": ["p/13.html"], "AU002": ["p/42.html"], "AU003": ["p/77.html"]}


def test_a_page_the_capture_could_not_see_fails_the_audit(test_pages: str, tmp_path: Path) -> None:
    """A green audit is proof: a page whose capture was blind (its ttq calls never reached the
    recorder, CH001) fails AU009, an error, not only the AU006 warning."""
    site = test_pages + "/audit-blind/"
    out = tmp_path / "blind.json"
    ran = _audit(site + "index.html", "--json", str(out))
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "✗ AU009 page-not-seen" in ran.stdout
    result = PlanResult.model_validate_json(out.read_text())
    assert [j.name.removeprefix(site) for j in result.journeys] == ["index.html", "blind.html"]
    (blind,) = [j for j in result.journeys if j.name.endswith("blind.html")]
    assert "CH001" in {f.code for f in blind.findings}
    broken = {c.code: [p.removeprefix(site) for p in c.pages] for c in result.checks if c.pages}
    assert broken == {"AU006": ["blind.html"], "AU009": ["blind.html"]}
    assert not result.ok


@pytest.mark.parametrize("stage", ["discovery", "browser"])
def test_ctrl_c_before_any_page_is_an_incomplete_result_not_aborted(
    test_pages: str, tmp_path: Path, stage: str
) -> None:
    """Ctrl-C while a sitemap is still being fetched, or while the browser is being reached,
    ends as Ctrl-C does later in the audit: 'incomplete', exit 1, the files asked for written
    (with no page in them), never typer's bare 'Aborted!' or a traceback."""
    import signal

    from harness.browser.loopback import LoopbackServer

    arrived, release, answered = threading.Event(), threading.Event(), threading.Event()

    class Stall(BaseHTTPRequestHandler):
        """Answers nothing until the test is done: a sitemap or a browser server that hangs."""

        def do_GET(self) -> None:
            arrived.set()
            release.wait(120)
            self.send_error(404)
            answered.set()

        def log_message(self, *args: object) -> None:
            pass

    out, html = tmp_path / "audit.json", tmp_path / "audit.html"
    with LoopbackServer(Stall) as stall:
        where = stall.base_url.removeprefix("http://")
        hang = (
            ["--sitemap", f"http://{where}/sitemap.xml"]
            if stage == "discovery"
            else ["--connect", f"ws://{where}/"]
        )
        running = subprocess.Popen(
            [sys.executable, "-m", "harness", "audit", test_pages + "/audit/product.html?id=1",
             *hang, "--json", str(out), "--html", str(html)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "CI": "true"},
            start_new_session=True,  # Ctrl-C reaches the whole group, as in a terminal
        )  # fmt: skip
        try:
            assert arrived.wait(120), "the audit never reached the stalled server"
            os.killpg(running.pid, signal.SIGINT)
            stdout, stderr = running.communicate(timeout=120)
        finally:
            release.set()
            if running.poll() is None:
                running.kill()
        answered.wait(10)  # the server stops once its answer is out
    assert running.returncode == 1, stdout + stderr
    assert "Aborted" not in stderr and "Traceback" not in stderr, stderr
    assert "0 page(s) audited" in stdout and "incomplete (interrupted (Ctrl-C))" in stdout
    result = PlanResult.model_validate_json(out.read_text())
    assert result.incomplete == "interrupted (Ctrl-C)" and not result.ok
    assert result.journeys == []
    assert html.read_text().startswith("<!DOCTYPE html>")
    if stage == "discovery":  # AU007 says why nothing was audited
        assert "interrupted before the audit found its pages" in stdout


class _TwoHosts(BaseHTTPRequestHandler):
    """tests/pages/audit-redirect/ on two hosts of one loopback server, told apart by the Host
    header: 127.0.0.1 is the site (/, /product.html, and /away redirecting to the other host),
    localhost another site (/other.html, with another pixel) whose / redirects to the site,
    as an apex domain redirects to www."""

    pages = ROOT / "tests" / "pages" / "audit-redirect"

    def do_GET(self) -> None:
        host, _, port = (self.headers.get("Host") or "").partition(":")
        path = self.path.split("?")[0]
        routes = {
            ("127.0.0.1", "/"): "home.html",
            ("127.0.0.1", "/product.html"): "product.html",
            ("localhost", "/other.html"): "other.html",
        }
        moved = {
            ("127.0.0.1", "/away"): f"http://localhost:{port}/other.html",
            ("localhost", "/"): f"http://127.0.0.1:{port}/",
        }
        if (host, path) in moved:
            self.send_response(301 if path == "/" else 302)
            self.send_header("Location", moved[host, path])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif (host, path) in routes:
            body = (self.pages / routes[host, path]).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


def test_a_page_redirecting_off_site_is_skipped_not_judged_as_the_sites(tmp_path: Path) -> None:
    from harness.browser.loopback import LoopbackServer

    out = tmp_path / "redirect.json"
    with LoopbackServer(_TwoHosts) as server:
        site = server.base_url  # http://127.0.0.1:PORT
        ran = _audit(site + "/", "--workers", "2", "--json", str(out))
    assert ran.returncode == 0, ran.stdout + ran.stderr  # no false AU001/AU003 from /away
    result = PlanResult.model_validate_json(out.read_text())
    assert [j.name.removeprefix(site) for j in result.journeys] == ["/", "/product.html"]
    assert result.audit is not None and result.audit.skipped["redirected off site"] == 1
    assert result.audit.discovered == 2 and result.audit.hosts == ["127.0.0.1"]
    assert "other.html" not in ran.stdout  # nor its links followed


def test_a_start_url_redirecting_to_another_host_audits_that_host(tmp_path: Path) -> None:
    from harness.browser.loopback import LoopbackServer

    out = tmp_path / "apex.json"
    with LoopbackServer(_TwoHosts) as server:
        www = server.base_url
        apex = www.replace("127.0.0.1", "localhost")
        ran = _audit(apex + "/", "--exclude", "*/away", "--json", str(out))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    result = PlanResult.model_validate_json(out.read_text())
    pages = [(j.name, j.url) for j in result.journeys]
    assert pages == [
        (apex + "/", www + "/"),  # named as given, audited where it lands
        (www + "/product.html", www + "/product.html"),  # the site, not one page
    ]
    assert result.audit is not None and result.audit.hosts == ["127.0.0.1", "localhost"]
    assert f"note: {apex}/ redirects to {www}/: 127.0.0.1 is audited too" in ran.stderr


def test_each_page_says_how_its_pixel_was_installed(test_pages: str, tmp_path: Path) -> None:
    """tests/pages/audit-install/: the base code inline, loaded by a GTM-like container script
    (gtm.js, served on loopback), by the site's own script file, by an inline script another
    script inserted (a tag manager's custom HTML tag), and no pixel at all."""
    site = test_pages + "/audit-install/"
    out, html = tmp_path / "install.json", tmp_path / "install.html"
    ran = _audit(site + "inline.html", "--json", str(out), "--html", str(html))
    assert ran.returncode == 1, ran.stdout + ran.stderr  # none.html: AU001
    result = PlanResult.model_validate_json(out.read_text())
    installed = {j.name.removeprefix(site): j.pixel_install for j in result.journeys}
    assert installed == {
        "inline.html": "base-code",
        "gtm.html": "tag-manager",
        "script.html": "script:127.0.0.1",
        "custom-html.html": "injected",
        "none.html": "none",
    }
    assert json.loads(out.read_text())["journeys"][1]["pixel_install"] == "tag-manager"
    assert (
        "<th>installed by</th>" in html.read_text() and "<td>tag-manager</td>" in html.read_text()
    )
    assert f"✓ {site}gtm.html  HTTP 200; pixel CAUDITPIXEL000000001 (tag-manager);" in ran.stdout
