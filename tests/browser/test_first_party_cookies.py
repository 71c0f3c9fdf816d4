"""`--first-party-cookies`: the pixel's Events Manager switch, emulated offline.

A real pixel whose first-party cookies are on sets `_ttp` without the page calling
`ttq.enableCookie()` (its events.js carries `firstPartyCookieEnabled: true`). The emulator does
the same when told so, and still never before consent is granted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from harness.browser.recorder import PixelCapture


@pytest.mark.parametrize("first_party_cookies", [False, True])
def test_the_ttp_cookie_follows_the_pixels_setting_and_waits_for_consent(
    browser: Browser, test_pages: str, first_party_cookies: bool
) -> None:
    context = browser.new_context()
    try:
        capture = PixelCapture(first_party_cookies=first_party_cookies).attach(context)
        page = context.new_page()
        page.goto(test_pages + "/first-party-cookies.html")
        capture.settle(quiet=0.4)
        names = {c["name"] for c in context.cookies()}
        assert capture.events("wire") == [] and "_ttp" not in names  # consent is held
        page.evaluate("ttq.grantConsent()")
        assert capture.wait_for(
            lambda: any(e.name == "Pageview" for e in capture.events("wire")), timeout=5
        )
        page.evaluate("ttq.track('ViewContent', {content_id: '301', value: 8, currency: 'USD'})")
        assert capture.wait_for(
            lambda: any(e.name == "ViewContent" for e in capture.events("wire")), timeout=5
        )
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        view = next(e for e in capture.events("wire") if e.name == "ViewContent")
        if first_party_cookies:
            assert len(cookies["_ttp"]) == 27 and cookies["_tt_enable_cookie"] == "1"
            assert view.user["anonymous_id"] == cookies["_ttp"]
        else:
            assert "_ttp" not in cookies and "anonymous_id" not in view.user
    finally:
        context.close()


def test_inspect_first_party_cookies(test_pages: str, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "inspect",
            test_pages + "/first-party-cookies.html?nohold",
            "--first-party-cookies",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    wire = [e for e in json.loads(out.read_text())["events"] if e["source"] == "wire"]
    assert wire and all(len(e["user"]["anonymous_id"]) == 27 for e in wire if not e["auto"])
    rejected = subprocess.run(
        [
            *(sys.executable, "-m", "harness", "inspect", "http://127.0.0.1:1/"),
            *("--sdk", "live", "--first-party-cookies"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert rejected.returncode == 2
    assert "--first-party-cookies is for --sdk emulated" in rejected.stderr
