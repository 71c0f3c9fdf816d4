"""A green result must be proof: every call recorded, with TikTok's real SDK loaded as with the
emulator, and every blind spot reported (CH rules).

Each test runs against both SDKs: the offline emulator and TikTok's own pixel.js 2.1.33
(tests/data/real-sdk/pixel-2.1.33, served as a pinned SDK). The real SDK installs its methods
with Object.defineProperty once it loads; before the fix, every call made after that was
missing from `calls`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from harness.browser.plan_run import run_journey
from harness.browser.recorder import PixelCapture
from harness.core.config import RulesConfig
from harness.core.model import CaptureReport, TtqCall
from harness.core.plan.model import Plan
from harness.core.sdk import requested_pixel, substitute_pixel_code
from harness.render.plan_text import journey_lines

REAL_SDK = Path(__file__).resolve().parents[1] / "data" / "real-sdk" / "pixel-2.1.33"
PAGES = Path(__file__).resolve().parents[1] / "pages" / "capture"
PIXEL = "CHEALTH0PIXEL0000001"


@pytest.fixture(params=["emulated", "real"])
def sdk(request: pytest.FixtureRequest) -> str:
    return "emulated" if request.param == "emulated" else str(REAL_SDK)


@pytest.fixture
def capture_page(browser: Browser, sdk: str) -> Iterator[tuple[PixelCapture, Page]]:
    context = browser.new_context()
    capture = PixelCapture(sdk=sdk).attach(context)
    yield capture, context.new_page()
    context.close()


def _report(capture: PixelCapture) -> CaptureReport:
    capture.check()
    return capture.report(url="", browser=None, harness_version="test")


def _page_calls(report: CaptureReport) -> list[TtqCall]:
    return [c for c in report.calls if not c.method.startswith("harness:")]


def _call_site(url: str, file: str, event: str) -> str:
    """URL:line:column of the `.track('EVENT'` call in a test page, as V8 reports it (the
    column of `track`)."""
    lines = (PAGES / file).read_text(encoding="utf-8").splitlines()
    needle = f".track('{event}'"
    number, line = next((n, line) for n, line in enumerate(lines, 1) if needle in line)
    return f"{url}:{number}:{line.index(needle) + 2}"


def _wait_for_wire(capture: PixelCapture, *names: str) -> None:
    def arrived() -> bool:
        seen = {e.name for e in capture.events("wire")}
        return all(name in seen for name in names)

    assert capture.wait_for(arrived, timeout=15), [e.name for e in capture.events("wire")]


def test_calls_after_the_sdk_loaded_are_recorded_with_call_site_and_paired(
    capture_page: tuple[PixelCapture, Page], test_pages: str, sdk: str
) -> None:
    capture, page = capture_page
    report = _after_load(capture, page, test_pages)
    if sdk != "emulated":
        assert report.sdk_version == "pixel.js 2.1.33"  # TikTok's SDK sent these beacons


def test_live_mode_records_calls_after_the_sdk_loaded(
    browser: Browser, test_pages: str, real_sdk_origin: str
) -> None:
    """--sdk live (TikTok's scripts fetched from their origin: here a loopback stand-in serving
    the real SDK) had the same blind spot as a pinned SDK."""
    context = browser.new_context()
    try:
        capture = PixelCapture(sdk="live", sdk_origin=real_sdk_origin).attach(context)
        report = _after_load(capture, context.new_page(), test_pages)
        assert report.sdk == "live" and report.sdk_version == "pixel.js 2.1.33"
    finally:
        context.close()


@pytest.fixture
def real_sdk_origin() -> Iterator[str]:
    """A loopback stand-in for TikTok's SDK host serving the real SDK folder, with the
    requested pixel code filled into events.js as TikTok's server does."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            file = REAL_SDK / path.lstrip("/")
            if not file.is_file():
                self.send_response(404)
                self.end_headers()
                return
            body = file.read_bytes()
            if path.endswith("/events.js"):
                body = substitute_pixel_code(body, requested_pixel(self.path))
            self.send_response(200)
            self.send_header("content-type", "application/javascript")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _after_load(capture: PixelCapture, page: Page, test_pages: str) -> CaptureReport:
    """Load after-load.html, make each kind of call once the SDK has loaded, and check that
    every call was recorded with its call site and paired with its beacon."""
    url = test_pages + "/capture/after-load.html"
    page.goto(url)
    _wait_for_wire(capture, "Pageview")  # the SDK has loaded and replayed the queue
    capture.settle(quiet=0.3)
    for button in ("click", "route", "timer", "module", "instance"):
        page.click("#" + button)
    _wait_for_wire(
        capture, "AddToCart", "InitiateCheckout", "ViewContent", "Search", "AddPaymentInfo"
    )
    capture.settle(quiet=0.5)
    report = _report(capture)

    calls = [(c.method, c.args[0] if c.args else None, c.pixel_code) for c in _page_calls(report)]
    assert calls == [
        ("load", PIXEL, None),
        ("page", None, None),
        ("track", "AddToCart", None),
        ("page", None, None),
        ("track", "InitiateCheckout", None),
        ("track", "ViewContent", None),
        ("track", "Search", None),
        ("instance", PIXEL, None),
        ("track", "AddPaymentInfo", PIXEL),
    ]
    sites = {c.args[0]: c.location for c in _page_calls(report) if c.method == "track"}
    assert sites == {
        "AddToCart": _call_site(url, "after-load.html", "AddToCart"),
        "InitiateCheckout": _call_site(url, "after-load.html", "InitiateCheckout"),
        "ViewContent": _call_site(url, "after-load.html", "ViewContent"),
        "Search": _call_site(
            test_pages + "/capture/after-load-module.js", "after-load-module.js", "Search"
        ),
        "AddPaymentInfo": _call_site(url, "after-load.html", "AddPaymentInfo"),
    }
    reconciliation = report.reconciliation
    assert reconciliation.lost_calls == []
    assert [b for b in reconciliation.unexplained_beacons if b.origin == "other"] == []
    paired = {p.call_name for p in reconciliation.pairs}
    assert paired >= {
        "Pageview",
        "AddToCart",
        "InitiateCheckout",
        "ViewContent",
        "Search",
        "AddPaymentInfo",
    }
    assert not [f for f in report.findings if f.code.startswith("CH") or f.code == "TR002"]
    return report


#: What a page can observe of the pixel's objects once the SDK has loaded.
PROBE = """() => {
  const out = {};
  out.isArray = Array.isArray(ttq);
  out.keys = Object.keys(ttq).filter(k => !k.startsWith('_')).sort();
  out.methods = ['page', 'track', 'identify', 'instance', 'load', 'holdConsent']
    .map(m => m + ':' + typeof ttq[m]);
  out.track = String(ttq.track('ViewContent', {content_id: 'probe'}));
  out.page = String(ttq.page());
  out.identify = String(ttq.identify({external_id: 'probe'}));
  const inst = ttq.instance('CHEALTH0PIXEL0000001');
  out.instance = [typeof inst, Array.isArray(inst), typeof inst.track,
                  String(inst.track('Search', {query: 'probe'}))];
  const detached = ttq.track;
  try { out.detached = String(detached('ViewContent', {content_id: 'd'})); }
  catch (e) { out.detached = 'threw ' + e.constructor.name; }
  try { Object.defineProperty(null, 'x', {}); } catch (e) { out.defineNull = e.constructor.name; }
  out.defineReturns = Object.defineProperty({}, 'x', {value: 1}).x;
  out.reflectReturns = Reflect.defineProperty(Object.freeze({}), 'x', {value: 1});
  return out;
}"""


def test_what_the_page_and_the_sdk_see_is_unchanged(
    browser: Browser, test_pages: str, sdk: str
) -> None:
    """The same probe, with and without the recorder: the page sees the same objects, return
    values and exceptions (only property descriptors of the methods differ)."""
    results = []
    for recorded in (True, False):
        context = browser.new_context()
        capture = PixelCapture(sdk=sdk)
        if recorded:
            capture.attach(context)
        else:  # the same SDK answers, no recorder
            context.route(
                re.compile(r"^https://analytics\.tiktok\.com/"),
                lambda route, request, capture=capture: _answer(route, request, capture),
            )
        page = context.new_page()
        # the queued Pageview leaves once the SDK has loaded and replaced the stubs
        with page.expect_request(lambda r: r.url.endswith("/api/v2/pixel"), timeout=15_000):
            page.goto(test_pages + "/capture/after-load.html")
        results.append(page.evaluate(PROBE))
        context.close()
    assert results[0] == results[1]
    assert results[0]["isArray"] and "track" in results[0]["methods"][1]


def _answer(route: Any, request: Any, capture: PixelCapture) -> None:
    answer = capture.handle_request(
        method=request.method,
        url=request.url,
        headers=dict(request.headers),
        body=request.post_data_buffer,
        frame_url=None,
    )
    route.fulfill(status=answer.status, headers=answer.headers, body=answer.body)


@pytest.mark.parametrize("name", ["array-tojson", "object-tojson", "array-push"])
def test_pages_that_break_built_ins_never_pass_blind(
    capture_page: tuple[PixelCapture, Page], test_pages: str, sdk: str, name: str
) -> None:
    capture, page = capture_page
    page.goto(f"{test_pages}/capture/{name}.html")
    capture.wait_for(lambda: any(c.method == "page" for c in capture.calls), timeout=10)
    capture.settle(quiet=0.5)
    page.click("#add")
    capture.wait_for(
        lambda: any(c.method == "track" for c in capture.calls),
        timeout=10,
    )
    capture.settle(quiet=0.8)
    report = _report(capture)

    # every call recorded, with its arguments exactly as the page passed them
    calls = [(c.method, c.args) for c in _page_calls(report)]
    assert calls == [
        ("load", [PIXEL]),
        ("page", []),
        (
            "track",
            [
                "AddToCart",
                {
                    "contents": [{"content_id": "c-1", "price": 2, "quantity": 1}],
                    "value": 2,
                    "currency": "USD",
                },
            ],
        ),
    ]
    codes = {f.code for f in report.findings}
    levels = {f.severity for f in report.findings}
    if name == "array-push":  # harmless to the pixel: all paired, nothing to report
        assert report.reconciliation.lost_calls == []
        assert not [c for c in codes if c.startswith("CH")]
    elif name == "array-tojson":  # the page garbles every array the SDK serialises
        (difference,) = [d for d in report.reconciliation.differences if d.behaviour is None]
        assert difference.path == "properties.contents" and difference.kind == "type-changed"
        assert "TR011" in codes
    else:  # object-tojson: JSON.stringify throws; no SDK can send anything
        assert len(report.reconciliation.lost_calls) == 2
        if sdk == "emulated":
            (finding,) = [f for f in report.findings if f.code == "CH002"]
            assert "could not run the pixel emulator" in finding.message
            assert "no toJSON for you" in finding.message
        else:
            reasons = {lost.reason for lost in report.reconciliation.lost_calls}
            assert reasons == {"page-error"}
            assert "TR002" in codes and "TR008" in codes
    assert levels & {"error", "warning"} or name == "array-push"


def test_a_document_the_recorder_cannot_see_is_an_error(
    capture_page: tuple[PixelCapture, Page], test_pages: str
) -> None:
    capture, page = capture_page
    url = test_pages + "/capture/blind.html"
    page.goto(url)
    _wait_for_wire(capture, "Pageview")
    capture.settle(quiet=0.5)
    report = _report(capture)
    assert _page_calls(report) == []  # the page defeated the recorder...
    (finding,) = [f for f in report.findings if f.code == "CH001"]  # ... and it is said
    assert finding.severity == "error"
    assert f"left {url} (Pageview)" in finding.message
    assert "recorded no ttq call" in finding.message
    (document,) = [d for d in report.documents if d.url == url]
    assert document.recorder and document.status == 200


def test_an_error_page_and_a_page_without_pixel_are_reported(
    capture_page: tuple[PixelCapture, Page], test_pages: str
) -> None:
    capture, page = capture_page
    page.goto(test_pages + "/capture/prodcut.html")
    page.goto(test_pages + "/capture/no-pixel.html")
    capture.settle(quiet=0.3)
    report = _report(capture)
    (error,) = [f for f in report.findings if f.code == "CH003"]
    assert error.severity == "error"
    assert re.search(r"/capture/prodcut\.html answered HTTP 404", error.message)
    (note,) = [f for f in report.findings if f.code == "CH004"]
    assert note.severity == "info"
    assert note.message == (
        f"no TikTok pixel base code or SDK request on {test_pages}/capture/no-pixel.html"
    )
    statuses = {d.url: d.status for d in report.documents if d.main_frame}
    assert statuses[test_pages + "/capture/prodcut.html"] == 404
    assert statuses[test_pages + "/capture/no-pixel.html"] == 200


def test_a_plan_step_fails_on_an_error_page_and_names_a_page_without_pixel(
    browser: Browser, test_pages: str
) -> None:
    plan = Plan.model_validate(
        {
            "pixels": {"main": PIXEL},
            "journeys": [
                {
                    "name": "health",
                    "steps": [
                        {"goto": "capture/prodcut.html"},
                        {"goto": "capture/no-pixel.html", "expect": [{"event": "Pageview"}]},
                        {"goto": "capture/after-load.html", "expect": [{"event": "Pageview"}]},
                    ],
                }
            ],
        }
    )
    context = browser.new_context()
    try:
        result = run_journey(
            context, plan, plan.journeys[0], base_url=test_pages + "/", config=RulesConfig()
        )
    finally:
        context.close()
    typo, bare, good = result.steps
    assert not typo.ok and not typo.skipped
    assert typo.error == f"{test_pages}/capture/prodcut.html answered HTTP 404"
    assert not bare.ok and not bare.skipped  # the journey went on after the error page
    assert bare.notes == [
        f"no TikTok pixel base code or SDK request on {test_pages}/capture/no-pixel.html"
    ]
    assert good.ok and good.notes == []
    assert not result.ok
    assert "CH003" in {f.code for f in result.findings}
    lines = "\n".join(journey_lines(result))
    assert "answered HTTP 404" in lines and "note: no TikTok pixel base code" in lines
