"""`ttq-harness audit`: a whole site from its sitemap and links, each page captured as a first
visit sees it, and the site-level checks (AU001 to AU006) failing and holding where they should.

The site is tests/pages/audit/: a home page linking to a product (twice, once with utm_source
and once with a fragment: one page), a page without the pixel, one with the base code pasted
twice, one sending to another pixel, one with an e-mail in its URL, a dead link whose 404 page
fires CompletePayment, a private page robots.txt disallows, another host and a mailto link; the
sitemap index names a page no link reaches.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.core.plan.result import PlanResult


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
    result = PlanResult.model_validate_json((tmp_path / "audit.json").read_text())
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
    }
    assert "jane.doe" not in ran.stdout + (tmp_path / "audit.json").read_text()
    html = (tmp_path / "audit.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and 'id="site-checks"' in html
    assert "AU005 conversion-on-error-page" in html and "jane.doe" not in html
    assert "[8 done, 0 queued]" in ran.stdout


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
