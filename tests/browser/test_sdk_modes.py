"""SDK modes against real Chromium on loopback: pinned folder, live (a local stand-in for
TikTok's SDK host), forwarded beacons, the SDK's console diagnostics, `sdk pull` / `sdk check`.

tests/data/sdk-pin/ has the layout of a pinned SDK; its main.<id>.js reports the library
version 2.1.33-pinned-fixture, so every assertion on that version proves the pinned (or
fetched) files ran, not the built-in emulator (2.1.33-emulated).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from harness import __version__
from harness.adapters.commands.sdk import base_code_page
from harness.adapters.expect import ExpectEvent
from harness.browser.recorder import PixelCapture
from harness.core.model import CaptureReport, RequestKind
from harness.core.observations import SDK_CONSOLE, SDK_FILE_MISSING
from harness.core.sdk import MANIFEST, requested_pixel, substitute_pixel_code

PIN = Path(__file__).resolve().parents[1] / "data" / "sdk-pin"
FIXTURE_VERSION = "2.1.33-pinned-fixture"
FIRST = "CPAGEPIXEL0000000001"
SECOND = "CPAGEPIXEL0000000002"
MAIN = "i18n/pixel/static/main.7f3c2a91d0.js"
IDENTIFY = "i18n/pixel/static/identify_5b1e0c4d.js"

PAGE = base_code_page(
    f"ttq.load('{FIRST}'); ttq.load('{SECOND}'); ttq.page();"
    "ttq.track('AddToCart', {content_id: '301', value: 8, currency: 'EUR'});"
    "ttq.track('InitiateCheckout', {value: 8, currency: 'EUR'});"
)

#: tests/data/sdk-pin-runtime: events.js picks main.<variant id>.js at run time, main names its
#: identify chunk at run time (see its build_fixture.py)
RUNTIME_PIN = Path(__file__).resolve().parents[1] / "data" / "sdk-pin-runtime"
RUNTIME_VERSION = "2.1.33-runtime-fixture"
RUNTIME_PIXEL = "CRUNTIME0FIXTURE0001"
RUNTIME_MAIN = "i18n/pixel/static/main.OWU0YzFiN2EyMQ.js"
RUNTIME_IDENTIFY = "i18n/pixel/static/identify_ce767.js"
RUNTIME_PAGE = base_code_page(
    f"ttq.load('{RUNTIME_PIXEL}'); ttq.load('{SECOND}'); ttq.page();"
    "ttq.identify({email: 'jane@example.com'});"
    "ttq.track('AddToCart', {content_id: '301', value: 8, currency: 'EUR'});"
)


@dataclass
class StandIn:
    """A loopback stand-in for TikTok's SDK host: serves a pinned folder as TikTok would (the
    requested pixel code substituted into events.js), the test page at /page.html, and logs
    every request it receives."""

    folder: Path
    origin: str = ""
    received: list[tuple[str, str]] = field(default_factory=list)

    def paths(self, method: str | None = None) -> list[str]:
        return [path for verb, path in self.received if method is None or verb == method]


@pytest.fixture
def stand_in(tmp_path: Path) -> Iterator[StandIn]:
    yield from _serve(PIN, tmp_path / "upstream", PAGE)


@pytest.fixture
def runtime_stand_in(tmp_path: Path) -> Iterator[StandIn]:
    """The stand-in serving the fixture whose file names are built at run time."""
    yield from _serve(RUNTIME_PIN, tmp_path / "upstream-runtime", RUNTIME_PAGE)


def _serve(pin: Path, folder: Path, page: str) -> Iterator[StandIn]:
    shutil.copytree(pin, folder)
    state = StandIn(folder)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.send_header("access-control-allow-origin", "*")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            state.received.append(("GET", self.path))
            path = urlsplit(self.path).path
            if path == "/page.html":
                return self._answer(200, page.encode(), "text/html; charset=utf-8")
            file = state.folder / path.lstrip("/")
            if not path.startswith("/i18n/") or not file.is_file():
                return self._answer(404, b"", "text/plain")
            body = file.read_bytes()
            if path.endswith("/events.js"):
                body = substitute_pixel_code(body, requested_pixel(self.path))
            return self._answer(200, body, "application/javascript")

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            state.received.append(("POST", self.path))
            self._answer(200, b'{"code":0}', "application/json")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _run(browser: Browser, url: str, capture: PixelCapture) -> tuple[Page, CaptureReport]:
    context = browser.new_context()
    capture.attach(context)
    page = context.new_page()
    page.goto(url)
    # Pageview + AddToCart to both pixels, InitiateCheckout to both, and the /act Metadata
    capture.wait_for(lambda: len(capture.events("wire")) >= 7, 10)
    capture.settle(quiet=0.3, timeout=3)
    report = capture.report(url=url, browser="chromium", harness_version=__version__)
    return page, report


def _assert_reconciled(report: CaptureReport) -> None:
    """The same reconciliation as in emulated mode: every call sent, every difference known."""
    done = report.reconciliation
    assert done.pairs and done.lost_calls == []
    assert [d for d in done.differences if d.behaviour is None] == []
    assert {b.origin for b in done.unexplained_beacons} <= {"automatic", "enrich-am"}


def _wire_versions(report: CaptureReport) -> set[str | None]:
    return {e.library_version for e in report.events if e.source == "wire"}


def test_pinned_folder_runs_offline_and_substitutes_the_pixel_code(
    browser: Browser, stand_in: StandIn
) -> None:
    capture = PixelCapture(sdk=str(PIN))
    page, report = _run(browser, stand_in.origin + "/page.html", capture)
    try:
        assert report.sdk == f"pinned:{PIN}"
        assert _wire_versions(report) == {FIXTURE_VERSION}
        assert report.sdk_version == f"pixel.js {FIXTURE_VERSION}"
        # each events.js run embedded the pixel it was requested for, not the saved one
        assert sorted(page.evaluate("window.__ttqPinnedConfigs")) == [FIRST, SECOND]
        assert (
            sorted(page.evaluate("window.__ttqPinnedModules")) == ["config"] * 2 + ["identify"] * 2
        )
        scripts = {r.endpoint for r in report.requests if r.kind is RequestKind.SDK_SCRIPT}
        assert {"events.js", "main.7f3c2a91d0.js", "identify_5b1e0c4d.js"} <= scripts
        assert {e.pixel_code for e in report.events if e.name == "InitiateCheckout"} >= {
            FIRST,
            SECOND,
        }
        assert not [f for f in report.findings if f.code == "SD001"]
        _assert_reconciled(report)
        # offline: the stand-in (a real server on loopback) saw only the page itself
        assert stand_in.paths() == ["/page.html"]
    finally:
        page.context.close()


def test_a_file_missing_from_the_pin_is_answered_404_and_reported(
    browser: Browser, stand_in: StandIn, tmp_path: Path
) -> None:
    pin = tmp_path / "pin"
    shutil.copytree(PIN, pin)
    (pin / IDENTIFY).unlink()
    page, report = _run(browser, stand_in.origin + "/page.html", PixelCapture(sdk=str(pin)))
    try:
        missing = [f for f in report.findings if f.code == "SD001"]
        assert missing and all(IDENTIFY in f.message for f in missing)
        assert missing[0].severity == "error"
        reported = next(c.args[0] for c in report.calls if c.method == SDK_FILE_MISSING)
        assert reported.endswith(IDENTIFY)
        # the rest of the SDK still ran
        assert _wire_versions(report) == {FIXTURE_VERSION}
        status = page.evaluate(
            "fetch('https://analytics.tiktok.com/" + IDENTIFY + "').then(r => r.status)"
        )
        assert status == 404
    finally:
        page.context.close()


def test_live_fetches_the_sdk_but_answers_beacons_locally(
    browser: Browser, stand_in: StandIn
) -> None:
    capture = PixelCapture(sdk="live", sdk_origin=stand_in.origin)
    page, report = _run(browser, stand_in.origin + "/page.html", capture)
    try:
        assert report.sdk == "live"
        assert _wire_versions(report) == {FIXTURE_VERSION}
        fetched = stand_in.paths("GET")
        assert f"/i18n/pixel/events.js?sdkid={FIRST}&lib=ttq" in fetched
        assert any(path.startswith("/" + MAIN) for path in fetched)
        assert sorted(page.evaluate("window.__ttqPinnedConfigs")) == [FIRST, SECOND]
        # every beacon was recorded and none reached the stand-in
        assert len([e for e in report.events if e.source == "wire"]) >= 7
        assert not [p for p in stand_in.paths() if p.startswith("/api/")]
        assert stand_in.paths("POST") == []
        _assert_reconciled(report)
    finally:
        page.context.close()


def test_forward_beacons_sends_them_upstream_and_still_records_them(
    browser: Browser, stand_in: StandIn
) -> None:
    capture = PixelCapture(sdk="live", sdk_origin=stand_in.origin, forward_beacons=True)
    page, _report = _run(browser, stand_in.origin + "/page.html", capture)

    def forwarded_and_recorded() -> tuple[int, int]:
        posted = [p for p in stand_in.paths("POST") if p.startswith("/api/v2/pixel")]
        wire = capture.events("wire")
        return len(posted), len({e.request.index for e in wire if e.request is not None})

    try:
        # a beacon is recorded, then forwarded: on a busy machine the last forward may land
        # a moment after the capture settled, so wait until both sides agree
        capture.wait_for(lambda: len(set(forwarded_and_recorded())) == 1, 10)
        posted, recorded = forwarded_and_recorded()
        assert posted == recorded
        assert posted >= 7
    finally:
        page.context.close()


def test_live_with_an_unreachable_origin_reports_the_sdk_missing(browser: Browser) -> None:
    capture = PixelCapture(sdk="live", sdk_origin="http://127.0.0.1:9")
    context = browser.new_context()
    capture.attach(context)
    page = context.new_page()
    try:
        page.set_content(PAGE)
        capture.wait_for(lambda: any(c.method == SDK_FILE_MISSING for c in capture.calls), 10)
        report = capture.report(url="about:blank", browser="chromium", harness_version="t")
        assert any(f.code == "SD001" and "events.js" in f.message for f in report.findings)
    finally:
        context.close()


def test_the_emulator_prints_the_sdk_diagnostics_and_they_are_not_reported_twice(
    page: Page, ttq_capture: PixelCapture, expect_event: ExpectEvent, stand_in: StandIn
) -> None:
    page.goto(stand_in.origin + "/page.html")
    expect_event("InitiateCheckout", exactly=2)
    ttq_capture.settle(quiet=0.3, timeout=3)
    report = ttq_capture.report(url=page.url, browser="chromium", harness_version="t")
    said = [c for c in report.calls if c.method == SDK_CONSOLE]
    # the real 2.1.33 SDK printed this once for the InitiateCheckout without content ids
    assert [c.args[0].splitlines()[0] for c in said] == [
        "[TikTok Pixel] - Missing 'content_id' paramter"
    ]
    assert said[0].location is not None
    codes = [f.code for f in report.findings if f.event_name == "InitiateCheckout"]
    assert "PR013" in codes
    assert not [f for f in report.findings if f.code.startswith("SD")]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    # A process of its own: pytest-playwright's session already runs an event loop here.
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_sdk_pull_saves_the_sdk_and_check_notices_a_change(
    stand_in: StandIn, tmp_path: Path
) -> None:
    saved = tmp_path / "saved"
    pixel = "CEKQ7JRC77U1R0B3Q5RG"
    result = _cli("sdk", "pull", "--pixel", pixel, str(saved), "--origin", stand_in.origin)
    assert result.returncode == 0, result.stdout + result.stderr
    assert FIXTURE_VERSION in result.stdout
    manifest = json.loads((saved / MANIFEST).read_text())
    assert manifest["pixel_code"] == pixel
    assert manifest["library_version"] == FIXTURE_VERSION
    assert manifest["origin"] == stand_in.origin
    assert set(manifest["files"]) == {
        "i18n/pixel/events.js",
        MAIN,
        IDENTIFY,
        "i18n/pixel/config.js",
    }
    assert f'"pixelCode":"{pixel}"' in (saved / "i18n/pixel/events.js").read_text()
    # no beacon was sent to the origin while reading the version
    assert stand_in.paths("POST") == []

    unchanged = _cli("sdk", "check", str(saved))
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr
    assert "SDK unchanged since the pin" in unchanged.stdout

    main = stand_in.folder / MAIN
    main.write_text(main.read_text().replace(FIXTURE_VERSION, "2.1.34-pinned-fixture"))
    changed = _cli("sdk", "check", str(saved))
    assert changed.returncode == 1, changed.stdout + changed.stderr
    assert "SDK changed since the pin" in changed.stdout
    assert f"changed: {MAIN}" in changed.stdout
    assert "2.1.33-pinned-fixture -> 2.1.34-pinned-fixture" in changed.stdout


def test_sdk_pull_saves_what_the_page_ran_and_fetches_each_file_once(
    stand_in: StandIn, tmp_path: Path
) -> None:
    saved = tmp_path / "saved"
    pixel = "CEKQ7JRC77U1R0B3Q5RG"
    result = _cli("sdk", "pull", "--pixel", pixel, str(saved), "--origin", stand_in.origin)
    assert result.returncode == 0, result.stdout + result.stderr
    fetched = [urlsplit(path).path.lstrip("/") for path in stand_in.paths("GET")]
    # the browser's fetch is what is saved: no second request per file
    for name in ("i18n/pixel/events.js", MAIN, IDENTIFY, "i18n/pixel/config.js"):
        assert fetched.count(name) == 1, fetched
    for name in (MAIN, IDENTIFY):
        assert (saved / name).read_bytes() == (stand_in.folder / name).read_bytes()


#: `python -m harness` whose pull page cannot load: Page.goto raises PlaywrightError at once
#: (Chromium refuses port 9 itself, net::ERR_UNSAFE_PORT: nothing is sent anywhere).
FAILING_PAGE = """
import contextlib, sys
import harness.adapters.commands.sdk as sdk
from harness.adapters.cli import main

@contextlib.contextmanager
def refused(html):
    yield "http://127.0.0.1:9/"

sdk._blank_page = refused
sys.argv = ["ttq-harness", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("command", ["pull", "check"])
def test_a_pull_page_that_fails_is_a_one_line_error(
    command: str, stand_in: StandIn, tmp_path: Path
) -> None:
    folder = tmp_path / "pin"
    shutil.copytree(PIN, folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    (folder / MANIFEST).write_text(json.dumps({**manifest, "origin": stand_in.origin}))
    args = ["--pixel", "CEKQ7JRC77U1R0B3Q5RG"] if command == "pull" else []
    args += [str(folder), "--origin", stand_in.origin]
    result = subprocess.run(
        [sys.executable, "-c", FAILING_PAGE, "sdk", command, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: sdk {command}: ")
    assert "Page.goto: net::ERR_UNSAFE_PORT" in lines[0]


def test_sdk_check_without_a_manifest_is_a_usage_error(tmp_path: Path) -> None:
    result = _cli("sdk", "check", str(tmp_path))
    assert result.returncode == 2
    assert "not a pinned SDK manifest" in result.stderr


def test_inspect_passes_the_sdk_options_through(stand_in: StandIn, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = _cli(
        "inspect",
        stand_in.origin + "/page.html",
        "--sdk",
        "live",
        "--sdk-origin",
        stand_in.origin,
        "--json",
        str(out),
        "--fail-on",
        "never",
    )
    assert result.returncode == 0, result.stderr
    report = CaptureReport.model_validate_json(out.read_text())
    assert report.sdk == "live"
    assert report.sdk_version == f"pixel.js {FIXTURE_VERSION}"
    assert stand_in.paths("POST") == []
    pinned = _cli("inspect", stand_in.origin + "/page.html", "--sdk", str(PIN), "--json", str(out))
    assert pinned.returncode in (0, 1), pinned.stderr
    assert CaptureReport.model_validate_json(out.read_text()).sdk == f"pinned:{PIN}"


INNER = """
def test_pinned(page, ttq_capture, expect_event, demo_site):
    assert ttq_capture.sdk.startswith("pinned:")
    page.goto(demo_site + "/shop/index.html")
    event = expect_event("Pageview")[0]
    assert event.library_version == "2.1.33-pinned-fixture"
"""


def test_the_pytest_option_selects_the_sdk(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess(f"--ttq-sdk={PIN}", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    wrong = pytester.runpytest_subprocess("--ttq-sdk=nowhere", "-p", "no:cacheprovider")
    wrong.assert_outcomes(errors=1)
    wrong.stdout.fnmatch_lines(["*ttq-harness: --ttq-sdk nowhere: no such folder*"])


def test_sdk_pull_saves_the_files_the_sdk_names_at_run_time(
    runtime_stand_in: StandIn, tmp_path: Path, browser: Browser
) -> None:
    saved = tmp_path / "saved"
    result = _cli(
        "sdk", "pull", "--pixel", RUNTIME_PIXEL, str(saved), "--origin", runtime_stand_in.origin
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((saved / MANIFEST).read_text())
    # main.<variant id>.js and the identify chunk: no text names them, the run found them
    assert set(manifest["files"]) == {"i18n/pixel/events.js", RUNTIME_MAIN, RUNTIME_IDENTIFY}
    assert manifest["library_version"] == RUNTIME_VERSION
    assert runtime_stand_in.paths("POST") == []

    # the pin then runs offline, whole: no SD001, the pinned main and identify chunk ran
    capture = PixelCapture(sdk=str(saved))
    context = browser.new_context()
    capture.attach(context)
    page = context.new_page()
    try:
        page.set_content(
            base_code_page(
                f"ttq.load('{RUNTIME_PIXEL}'); ttq.page(); ttq.identify({{email: 'a@b.co'}});"
                "ttq.track('ViewContent', {content_id: '301', value: 8, currency: 'EUR'});"
            )
        )
        capture.wait_for(lambda: len(capture.events("wire")) >= 2, 10)
        capture.settle(quiet=0.5, timeout=3)
        report = capture.report(url="about:blank", browser="chromium", harness_version="t")
        assert [f.message for f in report.findings if f.code == "SD001"] == []
        assert _wire_versions(report) == {RUNTIME_VERSION}
        assert page.evaluate("window.__ttqRuntimeModules") == ["identify"]
    finally:
        context.close()


def test_live_reports_an_sdk_file_the_origin_answers_with_an_error(
    browser: Browser, stand_in: StandIn
) -> None:
    (stand_in.folder / IDENTIFY).unlink()  # the stand-in now answers it 404
    capture = PixelCapture(sdk="live", sdk_origin=stand_in.origin)
    page, report = _run(browser, stand_in.origin + "/page.html", capture)
    try:
        missing = [f for f in report.findings if f.code == "SD001"]
        assert missing and all(IDENTIFY in f.message and "HTTP 404" in f.message for f in missing)
        assert missing[0].severity == "error"
        # the page still got the origin's own answer, and the rest of the SDK ran
        assert _wire_versions(report) == {FIXTURE_VERSION}
    finally:
        page.context.close()


def test_a_pin_served_for_another_pixel_drops_its_event_builder_rules(
    browser: Browser, runtime_stand_in: StandIn
) -> None:
    capture = PixelCapture(sdk=str(RUNTIME_PIN))
    context = browser.new_context()
    capture.attach(context)
    page = context.new_page()
    try:
        page.goto(runtime_stand_in.origin + "/page.html")
        capture.wait_for(lambda: len(capture.events("wire")) >= 4, 10)
        capture.settle(quiet=0.3, timeout=3)
        configs = {c["code"]: c for c in page.evaluate("window.__ttqRuntimeConfigs")}
        own, other = configs[RUNTIME_PIXEL], configs[SECOND]
        assert own["rules"] and own["name"] == "runtime fixture shop"
        assert (other["rules"], other["name"], other["advertiser"]) == (None, "", "0")
        report = capture.report(url=page.url, browser="chromium", harness_version="t")
        noted = [f for f in report.findings if f.code == "SD009"]
        assert len(noted) == 1 and noted[0].severity == "info"
        assert SECOND in noted[0].message and RUNTIME_PIXEL in noted[0].message
    finally:
        context.close()
