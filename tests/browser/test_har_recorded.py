"""`ttq-harness lint` on a HAR recorded live by Playwright from the broken demo shop."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser

from harness.browser.recorder import PixelCapture

DATA = Path(__file__).parents[1] / "data" / "har"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _key(event: dict[str, Any]) -> tuple[str, str, str]:
    return event["name"], event["pixel_code"], event["event_id"]


def test_lint_a_har_recorded_from_the_broken_shop(
    browser: Browser, demo_site: str, tmp_path: Path
) -> None:
    har_path = tmp_path / "x.har"
    context = browser.new_context(record_har_path=str(har_path))
    capture = PixelCapture().attach(context)  # the pixel is answered by the offline emulator
    page = context.new_page()
    page.goto(demo_site + "/broken-shop/product.html?id=301")
    capture.settle(quiet=0.5, timeout=5)
    page.click("#add-to-cart")
    capture.settle(quiet=0.5, timeout=5)
    page.goto(demo_site + "/broken-shop/search.html?q=dress")
    capture.settle(quiet=0.5, timeout=5)
    live = [e.model_dump(mode="json") for e in capture.events("wire")]
    context.close()  # writes the HAR

    report_path = tmp_path / "out.json"
    result = _cli("lint", str(har_path), "--json", str(report_path))
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith(f"HAR {har_path}: ")
    assert "to the pixel hosts" in result.stdout and "other request(s) ignored (127.0.0.1:" in (
        result.stdout
    )
    report = json.loads(report_path.read_text())
    assert report["sdk"] == "har" and report["calls"] == [] and report["undecodable"] == []
    assert report["browser"].startswith("Playwright ")

    # Playwright's HAR keeps the sendBeacon bodies: every beacon decodes, with the same content
    # as the live capture. Beacons sent while a page unloads (ProductPageExit, on pagehide) are
    # caught live at browser level and are not in the HAR.
    har_events = [_key(e) for e in report["events"]]
    live_events = [_key(e) for e in live]
    assert [k for k in live_events if k[0] != "ProductPageExit"] == [
        k for k in har_events if k[0] != "ProductPageExit"
    ]
    for name in ("Pageview", "ViewContent", "AddToCart", "Search"):
        assert {k[1] for k in har_events if k[0] == name} == {
            "CDEMO00SHOP00PIXEL01",
            "CDEMO00SHOP00PIXEL02",
        }
    view = next(e for e in report["events"] if e["name"] == "ViewContent")
    assert view["page_url"] == demo_site + "/broken-shop/product.html?id=301"
    assert view["request"]["page_url"] == view["page_url"]

    # With no call records the rules check each wire event: one finding per pixel's beacon.
    found = {(f["code"], f["event_name"], f["pixel_code"]): f for f in report["findings"]}
    for pixel in ("CDEMO00SHOP00PIXEL01", "CDEMO00SHOP00PIXEL02"):
        numeric = found[("PR002", "ViewContent", pixel)]
        assert numeric["message"] == (
            'properties.value is the numeric string "8.00"; TikTok needs a number'
        )
        assert numeric["source"] == "wire" and numeric["path"] == "properties.value"
        currency = found[("PR007", "AddToCart", pixel)]
        assert currency["message"] == (
            'properties.currency is "XYZ", which is not a currency TikTok accepts'
        )
        assert ("PR015", "Search", pixel) in found  # ttq.track('Search', 'dress') on the wire
    assert "ERROR PR002 numeric-string" in result.stdout
    assert not [f for f in report["findings"] if f["code"] in ("TR001", "TR002")]

    assert _cli("lint", str(har_path), "--fail-on", "never").returncode == 0


def test_lint_bad_files_are_usage_errors(tmp_path: Path) -> None:
    for path, message in (
        (DATA / "truncated.har", "not a HAR file: invalid JSON"),
        (DATA / "not-a-har.json", "not a HAR file: no log.entries"),
        (tmp_path / "missing.har", "no such file"),
    ):
        result = _cli("lint", str(path))
        assert result.returncode == 2, result.stdout
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith(f"error: {path}: {message}")
        assert result.stderr.count("\n") == 1  # one line
    result = _cli("lint")
    assert result.returncode == 2 and "Missing argument" in result.stderr
