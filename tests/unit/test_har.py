"""HAR files as captures: decoding, missing bodies, other vendors, bad files (pure, fast)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from harness.adapters.commands.har import register
from harness.core.engine import build_report
from harness.core.har import (
    MISSING_BODY_REASON,
    HarError,
    har_report,
    lint_har,
    load_har,
    parse_har,
)
from harness.core.model import RequestKind

DATA = Path(__file__).parents[1] / "data" / "har"
PLAYWRIGHT_HAR = DATA / "broken-shop-playwright.har"
CHROME_HAR = DATA / "chrome-devtools-missing-body.har"
PIXEL = "https://analytics.tiktok.com/api/v2/pixel"
SHOP = "http://127.0.0.1:8000/broken-shop/"
BODY = json.dumps(
    {
        "event": "AddToCart",
        "event_id": "evt-1",
        "context": {"pixel": {"code": "CDEMO00SHOP00PIXEL01"}, "page": {"url": "https://a.test/"}},
        "properties": {"value": 8, "currency": "USD"},
    }
)


def _entry(method: str, url: str, post_data: dict[str, Any] | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {"method": method, "url": url, "headers": []}
    if post_data is not None:
        request["postData"] = post_data
    return {"startedDateTime": "2026-01-02T03:04:05.500Z", "request": request, "response": {}}


def _har(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"log": {"version": "1.2", "creator": {"name": "test"}, "entries": list(entries)}}


# -- a HAR Playwright recorded on the broken demo shop ---------------------------------------


def test_playwright_har_decodes_every_beacon_with_its_page() -> None:
    report, notes = lint_har(PLAYWRIGHT_HAR)
    wire = [(e.index, e.name, e.pixel_code, e.auto) for e in report.events]
    p1, p2 = "CDEMO00SHOP00PIXEL01", "CDEMO00SHOP00PIXEL02"
    assert wire == [
        (5, "Pageview", p1, False),
        (6, "ViewContent", p1, False),
        (7, "Pageview", p2, False),
        (8, "ViewContent", p2, False),
        (9, "Metadata", p1, True),
        (10, "Click", p1, True),
        (11, "AddToCart", p1, False),
        (12, "AddToCart", p2, False),
        (18, "Pageview", p1, False),
        (19, "Search", p1, False),
        (20, "Pageview", p2, False),
        (21, "Search", p2, False),
        (22, "Metadata", p1, True),
    ]
    assert all(e.source == "wire" and e.request is not None for e in report.events)
    assert report.sdk == "har" and report.calls == [] and report.undecodable == []
    assert report.url == str(PLAYWRIGHT_HAR)
    assert report.browser == "Playwright 1.65.1 (chromium 156.0.8078.108)"
    # The beacons' Referer is only the origin; the page is the latest page load it matches.
    first = report.events[0].request
    assert first is not None and first.headers["referer"] == "http://127.0.0.1:8000/"
    assert first.page_url == SHOP + "product.html?id=301"
    assert report.events[-1].request is not None
    assert report.events[-1].request.page_url == SHOP + "search.html?q=dress"
    assert first.timestamp == pytest.approx(1795632211.434)  # "2026-11-25T18:43:31.434Z"
    assert notes == [
        f"HAR {PLAYWRIGHT_HAR}: 23 request(s) from Playwright 1.65.1 (chromium 156.0.8078.108); "
        "17 to the pixel hosts (13 event beacon(s)), 6 to other hosts",
        "6 other request(s) ignored (127.0.0.1: 6)",
    ]


def test_playwright_har_findings_are_the_broken_twins_mistakes_on_the_wire() -> None:
    report, _ = lint_har(PLAYWRIGHT_HAR)
    found = [(f.code, f.event_index, f.source) for f in report.findings]
    assert found == [
        ("PR002", 6, "wire"),
        ("PR002", 8, "wire"),
        ("PR007", 11, "wire"),
        ("PR007", 12, "wire"),
        ("PR015", 19, "wire"),
        ("PR015", 21, "wire"),
    ]
    assert report.findings[0].message == (
        'properties.value is the numeric string "8.00"; TikTok needs a number'
    )
    assert report.findings[2].message == (
        'properties.currency is "XYZ", which is not a currency TikTok accepts'
    )


def test_a_har_report_is_build_report_with_no_calls() -> None:
    capture = load_har(PLAYWRIGHT_HAR)
    ours = har_report(capture, harness_version="x")
    engine = build_report(
        harness_version="x",
        sdk="har",
        url=capture.source,
        browser=ours.browser,
        calls=[],
        requests=capture.requests,
    )
    assert ours == engine


# -- a Chrome DevTools export with a missing body and other vendors' requests ------------------


def test_chrome_har_missing_body_is_an_undecodable_beacon_that_says_why() -> None:
    report, notes = lint_har(CHROME_HAR)
    assert [(e.index, e.name, e.endpoint) for e in report.events] == [
        (4, "Pageview", "pixel"),
        (9, "CompletePayment", "pixel"),
        (11, "Metadata", "act"),
    ]
    [missing] = report.undecodable
    assert missing.request.index == 7 and missing.request.method == "POST"
    assert missing.request.body is None and missing.reason == MISSING_BODY_REASON
    assert missing.request.page_url == "http://shop.test/p/301?utm_source=tiktok"
    note, finding = report.findings
    assert note.code == "ID009"  # external_id 'u-42' is sent unhashed (information)
    assert finding.code == "TR001" and finding.event_index == 7
    assert finding.message == f"POST {PIXEL} could not be decoded: {MISSING_BODY_REASON}"
    assert "record_har_path" in finding.message
    assert notes[1:] == [
        "8 other request(s) ignored (facebook.com: 2, google-analytics.com: 2, shop.test: 2, "
        "connect.facebook.net: 1, googletagmanager.com: 1)",
        "1 event beacon(s) have no body in the HAR and are reported as TR001 undecodable-beacon: "
        "export the HAR with request bodies (Playwright's record_har_path keeps sendBeacon bodies)",
    ]
    assert report.browser == "WebInspector 537.36"


def test_chrome_har_image_fallback_decodes_from_analytics_message() -> None:
    report, _ = lint_har(CHROME_HAR)
    purchase = report.events[1]
    assert purchase.request is not None and purchase.request.method == "GET"
    assert "analytics_message=" in purchase.request.url and purchase.request.body is None
    assert purchase.properties["value"] == 9.2 and purchase.properties["currency"] == "USD"
    assert [c["content_id"] for c in purchase.properties["contents"]] == ["301", "401"]


def test_chrome_har_headers_are_lower_case_without_http2_pseudo_headers() -> None:
    capture = load_har(CHROME_HAR)
    headers = capture.requests[0].headers
    assert headers["referer"] == "http://shop.test/"
    assert not [name for name in headers if name.startswith(":") or name != name.lower()]
    assert capture.requests[0].kind is RequestKind.SDK_SCRIPT
    assert capture.page_urls == ["http://shop.test/p/301?utm_source=tiktok"]


# -- bodies and hosts, entry by entry ---------------------------------------------------------


def test_base64_and_params_bodies() -> None:
    encoded = base64.b64encode(BODY.encode()).decode()
    capture = parse_har(
        _har(
            _entry(
                "POST", PIXEL, {"mimeType": "text/plain", "text": encoded, "encoding": "base64"}
            ),
            _entry(
                "POST", PIXEL, {"mimeType": "text/plain", "params": [{"name": "a", "value": "1"}]}
            ),
            _entry("POST", PIXEL, {"mimeType": "text/plain", "text": ""}),
        ),
        source="x.har",
    )
    assert [r.body for r in capture.requests] == [BODY, "a=1", None]
    assert capture.missing_bodies == frozenset({2})
    report = har_report(capture)
    assert [e.name for e in report.events] == ["AddToCart"]
    reasons = {u.request.index: u.reason for u in report.undecodable}
    assert reasons[1].startswith("request body is not JSON")
    assert reasons[2] == MISSING_BODY_REASON


def test_a_get_without_analytics_message_is_not_a_missing_body() -> None:
    capture = parse_har(_har(_entry("GET", PIXEL)), source="x.har")
    assert capture.missing_bodies == frozenset()
    [bad] = har_report(capture).undecodable
    assert bad.reason == "empty body and no analytics_message query parameter"


def test_preflights_are_skipped_and_extra_pixel_hosts_count() -> None:
    proxy = "https://px.shop.test/api/v2/pixel"
    har = _har(
        _entry("OPTIONS", PIXEL),
        _entry("POST", proxy, {"mimeType": "text/plain", "text": BODY}),
    )
    default = parse_har(har, source="x.har")
    assert default.requests == [] and default.preflights == 1
    assert default.other_hosts == {"px.shop.test": 1}
    assert default.notes()[1].startswith("no requests to the pixel hosts (analytics.tiktok.com")
    assert default.notes()[-1] == "1 CORS preflight (OPTIONS) request(s) skipped"
    proxied = parse_har(har, source="x.har", hosts=("analytics.tiktok.com", "px.shop.test"))
    assert [e.name for e in har_report(proxied).events] == ["AddToCart"]


def test_other_vendors_summary_names_the_top_hosts() -> None:
    entries = [_entry("GET", "https://www.google-analytics.com/g/collect")] * 1200
    entries += [_entry("GET", f"https://cdn{n}.example/x.js") for n in range(6)] * 5
    entries += [_entry("GET", "https://www.facebook.com/tr/"), _entry("GET", "data:image/png,")]
    capture = parse_har(_har(*entries), source="big.har")
    assert capture.other_requests == 1232
    assert capture.notes()[2] == (
        "1,232 other request(s) ignored (google-analytics.com: 1,200, cdn0.example: 5, "
        "cdn1.example: 5, cdn2.example: 5, cdn3.example: 5, 4 more host(s))"
    )
    assert capture.other_hosts["(data URL)"] == 1


# -- files that are not HARs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "truncated.har",
            "not a HAR file: invalid JSON (Expecting ',' delimiter at line 3 column 1)",
        ),
        ("not-a-har.json", "not a HAR file: no log.entries (top-level keys: version, entries)"),
        ("no-such-file.har", "no such file"),
    ],
)
def test_bad_files_are_one_line_errors_naming_the_file(name: str, message: str) -> None:
    path = DATA / name
    with pytest.raises(HarError) as info:
        load_har(path)
    assert str(info.value) == f"{path}: {message}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a HAR file: the file is empty"),
        (
            b"\xff\xfe\x00{",
            "not a HAR file: not UTF-8 text (byte 0); a HAR is JSON, as exported "
            "from the browser's Network panel",
        ),
        (b"[1, 2]", "not a HAR file: no log.entries (a JSON list)"),
        (b'{"log": {"entries": [3]}}', "log.entries[0] is a JSON int, not an object"),
        (
            b'{"log": {"entries": [{"request": {"method": "GET"}}]}}',
            "log.entries[0].request has no url",
        ),
    ],
)
def test_malformed_content(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.har"
    path.write_bytes(content)
    with pytest.raises(HarError) as info:
        load_har(path)
    assert str(info.value) == f"{path}: {message}"
    with pytest.raises(HarError, match="is a directory"):
        load_har(tmp_path)


# -- the command ------------------------------------------------------------------------------


def _lint(*args: str) -> Any:
    app = typer.Typer()
    app.callback()(lambda: None)  # keep `lint` a subcommand, as in the real CLI
    register(app)
    return CliRunner().invoke(app, ["lint", *args])


def test_lint_command_exit_codes_and_output(tmp_path: Path) -> None:
    result = _lint(str(PLAYWRIGHT_HAR), "--json", str(tmp_path / "r.json"))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"HAR {PLAYWRIGHT_HAR}: 23 request(s)")
    assert "ERROR PR007 currency-unknown" in result.stdout
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["sdk"] == "har" and len(saved["findings"]) == 6
    assert _lint(str(PLAYWRIGHT_HAR), "--fail-on", "never").exit_code == 0
    assert _lint(str(PLAYWRIGHT_HAR), "--ignore", "PR", "--ignore", "CF001").exit_code == 0
    bad = _lint(str(DATA / "truncated.har"))
    assert bad.exit_code == 2 and bad.stdout == ""
    assert bad.stderr == (
        f"error: {DATA / 'truncated.har'}: not a HAR file: invalid JSON "
        "(Expecting ',' delimiter at line 3 column 1)\n"
    )
    typo = _lint(str(PLAYWRIGHT_HAR), "--select", "PR0077")
    assert typo.exit_code == 2 and typo.stderr.startswith("error: ")
