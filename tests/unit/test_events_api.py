"""Events API 2.0: request validation, the browser ↔ server cross-check, the sink over real
HTTP on loopback, and the demo back end sending to it."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from harness.browser.events_api_sink import EventsApiSink
from harness.browser.server import SiteServer
from harness.core.config import RulesConfig
from harness.core.engine import build_report, events_api_findings
from harness.core.events_api.crosscheck import DEDUP_WINDOW, MERGE_WINDOW, crosscheck
from harness.core.events_api.validate import (
    EVENTS_API_PATH,
    ServerEvent,
    events_api_request,
    server_events,
    validate_body,
    validate_request,
)
from harness.core.model import PixelEvent, RawRequest, RequestKind

NOW = 1_795_556_804.0
PIXEL = "CDEMO00SHOP00PIXEL01"
EMAIL_HASH = hashlib.sha256(b"jane.doe@example.com").hexdigest()
HEADERS = {"Access-Token": "t", "Content-Type": "application/json"}


def _body(**item: Any) -> dict[str, Any]:
    event = {"event": "CompletePayment", "event_time": int(NOW), "event_id": "purchase-1"}
    return {"event_source": "web", "event_source_id": PIXEL, "data": [{**event, **item}]}


def _paths(body: Any) -> list[str]:
    return [p.path for p in validate_body(body, now=NOW)]


# --- validation ---------------------------------------------------------------------------


def test_a_good_body_has_no_problem() -> None:
    body = _body(
        user={"email": EMAIL_HASH, "phone": EMAIL_HASH, "ip": "127.0.0.1", "ttp": "x"},
        properties={"value": 17.2, "currency": "USD", "contents": []},
        page={"url": "http://127.0.0.1/shop/", "referrer": ""},
        limited_data_use=False,
    )
    assert validate_body({**body, "test_event_code": "TEST123"}, now=NOW) == []


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ([], "body"),
        ({**_body(), "event_source": "app"}, "event_source"),
        ({**_body(), "event_source_id": ""}, "event_source_id"),
        ({**_body(), "data": []}, "data"),
        ({**_body(), "data": "x"}, "data"),
        ({**_body(), "data": [1]}, "data[0]"),
        (_body(event=""), "data[0].event"),
        (_body(event_time="1795556804"), "data[0].event_time"),
        (_body(event_time=True), "data[0].event_time"),
        (_body(event_time=NOW * 1000), "data[0].event_time"),
        (_body(event_time=12345), "data[0].event_time"),
        (_body(event_time=NOW + 7200), "data[0].event_time"),
        (_body(event_id=42), "data[0].event_id"),
        (_body(user={"email": "jane.doe@example.com"}), "data[0].user.email"),
        (_body(user={"phone": "+12133734253"}), "data[0].user.phone"),
        (_body(user={"external_id": EMAIL_HASH.upper()}), "data[0].user.external_id"),
        (_body(user={"phone_number": EMAIL_HASH}), "data[0].user.phone_number"),
        (_body(user="x"), "data[0].user"),
        (_body(properties={"value": "9.20"}), "data[0].properties.value"),
        (_body(properties={"currency": "usd"}), "data[0].properties.currency"),
        (_body(page={"url": 3}), "data[0].page.url"),
        (_body(limited_data_use="no"), "data[0].limited_data_use"),
    ],
)
def test_each_malformed_field_is_one_problem_at_its_path(body: Any, path: str) -> None:
    assert _paths(body) == [path]


def test_request_level_problems_method_path_headers_and_json() -> None:
    bad = events_api_request(
        0,
        '{"data": [',
        timestamp=NOW,
        url="http://127.0.0.1/open_api/v1.3/pixel/track/",
        method="PUT",
        headers={},
    )
    paths = [p.path for p in validate_request(bad)]
    assert paths == ["url", "method", "headers.Access-Token", "headers.Content-Type", "body"]
    assert "not JSON" in validate_request(bad)[-1].message


def test_server_events_are_read_leniently() -> None:
    body = _body()
    body["data"].append("junk")
    body["data"].append({"event": "AddToCart", "event_time": "later"})
    request = events_api_request(3, json.dumps(body), timestamp=NOW, headers=HEADERS)
    events = server_events(request)
    assert [(e.name, e.event_id, e.event_time, e.position) for e in events] == [
        ("CompletePayment", "purchase-1", NOW, 0),
        ("AddToCart", "", None, 2),
    ]
    assert server_events(events_api_request(0, "nope", timestamp=NOW)) == []


# --- cross-check --------------------------------------------------------------------------


def _beacon(name: str, event_id: str = "", *, at: float = NOW, pixel: str = PIXEL) -> PixelEvent:
    request = RawRequest(
        index=0,
        timestamp=at,
        method="POST",
        url="https://analytics.tiktok.com/api/v2/pixel",
        kind=RequestKind.EVENT,
        endpoint="pixel",
    )
    return PixelEvent(
        index=0, source="wire", name=name, pixel_code=pixel, event_id=event_id, request=request
    )


def _server(name: str, event_id: str = "", *, at: float | None = NOW) -> ServerEvent:
    request = events_api_request(0, None, timestamp=NOW)
    return ServerEvent(
        request=request,
        position=0,
        pixel_code=PIXEL,
        name=name,
        event_id=event_id,
        event_time=at,
    )


def _kinds(browser: list[PixelEvent], server: list[ServerEvent], **options: Any) -> list[str]:
    return [m.kind for m in crosscheck(browser, server, **options)]


def test_twins_with_the_same_event_and_event_id_match() -> None:
    assert _kinds([_beacon("CompletePayment", "p-1")], [_server("CompletePayment", "p-1")]) == []


def test_every_kind_of_mismatch() -> None:
    cp = "CompletePayment"
    assert _kinds([_beacon(cp, "p-1")], [_server(cp, "o-1")]) == ["event-id-mismatch"]
    assert _kinds([_beacon("PlaceAnOrder", "o-1")], [_server(cp, "o-1")]) == ["event-name-mismatch"]
    assert _kinds([], [_server(cp, "p-1")]) == ["server-without-browser-twin"]
    assert _kinds([_beacon(cp, "p-1"), _beacon(cp, "p-2")], [_server(cp, "p-1")]) == [
        "browser-without-server-twin"
    ]
    assert _kinds([_beacon(cp, "p-1")], [_server(cp)]) == ["missing-event-id"]
    assert _kinds([_beacon(cp)], [_server(cp, "p-1")]) == ["missing-event-id"]


def test_browser_events_the_server_never_sends_are_not_reported_unless_configured() -> None:
    browser = [_beacon("AddToCart", "a-1"), _beacon("CompletePayment", "p-1")]
    server = [_server("CompletePayment", "p-1")]
    assert _kinds(browser, server) == []
    assert _kinds(browser, server, server_side_events={"AddToCart"}) == [
        "browser-without-server-twin"
    ]
    assert _kinds(browser, [], server_side_events={"CompletePayment"}) == [
        "browser-without-server-twin"
    ]


def test_the_dedup_windows() -> None:
    cp = "CompletePayment"
    near = [_server(cp, "p-1", at=NOW - MERGE_WINDOW + 1)]
    assert _kinds([_beacon(cp, "p-1")], near) == []
    later = [_server(cp, "p-1", at=NOW + MERGE_WINDOW + 1)]
    assert _kinds([_beacon(cp, "p-1")], later) == ["not-merged"]
    edge = [_server(cp, "p-1", at=NOW - DEDUP_WINDOW + 1)]
    assert _kinds([_beacon(cp, "p-1")], edge) == ["not-merged"]
    late = [_server(cp, "p-1", at=NOW + DEDUP_WINDOW + 1)]
    assert _kinds([_beacon(cp, "p-1")], late) == ["outside-dedup-window"]
    unknown = [_server(cp, "p-1", at=None)]
    assert _kinds([_beacon(cp, "p-1")], unknown) == []
    # an id mismatch is looked for only within 48 hours: beyond, two unrelated events
    far = [_server(cp, "o-1", at=NOW + DEDUP_WINDOW + 1)]
    assert _kinds([_beacon(cp, "p-1")], far) == [
        "server-without-browser-twin",
        "browser-without-server-twin",
    ]


def test_pixels_the_server_never_sends_to_and_automatic_events_are_left_out() -> None:
    browser = [
        _beacon("CompletePayment", "p-1"),
        _beacon("CompletePayment", "p-1", pixel="COTHERPIXEL"),
        _beacon("Pageview"),
    ]
    assert _kinds(browser, [_server("CompletePayment", "p-1")]) == []


def test_a_missing_browser_event_id_reported_by_dd003_is_not_reported_again() -> None:
    browser = [_beacon("CompletePayment")]
    server = [_server("CompletePayment", "p-1")]
    assert _kinds(browser, server, missing_id_reported_elsewhere={"CompletePayment"}) == []


# --- the engine: EA findings next to DD003 --------------------------------------------------


def _capture(event_id: str) -> Any:
    body = {
        "event": "CompletePayment",
        "event_id": event_id,
        "timestamp": "2026-11-24T21:46:44.138Z",
        "context": {"pixel": {"code": PIXEL}, "page": {"url": "https://shop.example/"}},
        "properties": {"value": 9.2, "currency": "USD"},
    }
    beacon = RawRequest(
        index=0,
        timestamp=NOW,
        method="POST",
        url="https://analytics.tiktok.com/api/v2/pixel",
        body=json.dumps(body),
        kind=RequestKind.EVENT,
        endpoint="pixel",
    )
    return build_report(
        harness_version="t", sdk="emulated", url="u", browser=None, calls=[], requests=[beacon]
    )


def test_events_api_findings_run_only_ea_rules_and_respect_dd003() -> None:
    server = [
        events_api_request(5, json.dumps(_body(event_id="order-1")), timestamp=NOW, headers=HEADERS)
    ]
    report = _capture("purchase-1")
    found = events_api_findings(report, server)
    assert [f.code for f in found] == ["EA004"]
    assert events_api_findings(report, server, RulesConfig(ignore=["EA004"])) == []
    assert events_api_findings(report, []) == []
    without_id = _capture("")
    assert [f.code for f in events_api_findings(without_id, server)] == ["EA006"]
    dd003 = RulesConfig(uses_events_api=True)
    assert events_api_findings(without_id, server, dd003) == []
    assert "DD003" in [f.code for f in _with_config(without_id, dd003)]


def _with_config(report: Any, config: RulesConfig) -> Any:
    from harness.core.engine import run_rules

    return run_rules(report.events, requests=report.requests, config=config, check_delivery=False)


# --- the sink over HTTP -------------------------------------------------------------------


def _post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers or HEADERS)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_sink_answers_like_tiktok_and_records_every_request() -> None:
    with EventsApiSink() as sink:
        assert sink.url.startswith("http://127.0.0.1:") and sink.url.endswith(EVENTS_API_PATH)
        good = _body(user={"email": EMAIL_HASH})
        status, answer = _post(sink.url, json.dumps(good).encode())
        assert status == 200 and answer["code"] == 0 and answer["message"] == "OK"
        assert answer["request_id"] and answer["data"] == {}

        status, answer = _post(sink.url, b'{"event_source": "web", "data": [')
        assert status == 200 and answer["code"] != 0 and "not JSON" in answer["message"]

        status, answer = _post(sink.url, json.dumps({"event_source": "web"}).encode())
        assert answer["code"] != 0 and "event_source_id" in answer["message"]

        unhashed = _body(user={"email": "jane.doe@example.com"})
        status, answer = _post(sink.url, json.dumps(unhashed).encode())
        assert answer["code"] != 0 and "data[0].user.email" in answer["message"]

        status, answer = _post(sink.base_url + "/elsewhere", b"{}")
        assert status == 404 and answer["code"] != 0

        records = sink.wait_for(5)
        assert [r.ok for r in records] == [True, False, False, False, False]
        assert [r.request.index for r in records] == [0, 1, 2, 3, 4]
        assert [e.event_id for e in sink.events] == ["purchase-1", "purchase-1"]

        report = _capture("purchase-1")
        found = sink.findings(report)
        ea001 = [f for f in found if f.code == "EA001"]
        assert {f.path for f in ea001} >= {"body", "event_source_id", "data[0].user.email", "url"}
        assert all(f.request is not None for f in ea001)


def _raw_http(port: int, request: bytes) -> bytes:
    """Send bytes exactly as given (malformed framing included) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(request)
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


def _port(sink: EventsApiSink) -> int:
    return int(sink.base_url.rsplit(":", 1)[1])


def test_malformed_framing_is_answered_and_recorded_never_dropped() -> None:
    body = json.dumps(_body(user={"email": EMAIL_HASH})).encode()
    with EventsApiSink() as sink:
        bad_length = (
            f"POST {EVENTS_API_PATH} HTTP/1.1\r\nHost: x\r\nAccess-Token: t\r\n"
            "Content-Type: application/json\r\nContent-Length: abc\r\n\r\n"
        ).encode() + body
        answer = _raw_http(_port(sink), bad_length)
        assert answer.startswith(b"HTTP/1.1 200") and b'"code": 40002' in answer
        chunked = (
            f"POST {EVENTS_API_PATH} HTTP/1.1\r\nHost: x\r\nAccess-Token: t\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        ).encode() + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        answer = _raw_http(_port(sink), chunked)
        assert b'"code": 0' in answer
        first, second = sink.wait_for(2)
        assert [p.path for p in first.problems][:1] == ["headers.Content-Length"]
        assert "abc" in first.problems[0].message
        assert second.ok and second.request.body == body.decode()
        assert [e.event_id for e in sink.events] == ["purchase-1"]


def _head(framing: str) -> bytes:
    return (
        f"POST {EVENTS_API_PATH} HTTP/1.1\r\nHost: x\r\nAccess-Token: t\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n\r\n"
    ).encode()


def test_a_negative_content_length_is_a_problem_and_closes_the_connection() -> None:
    body = json.dumps(_body(user={"email": EMAIL_HASH})).encode()
    valid = _head(f"Content-Length: {len(body)}") + body
    with EventsApiSink() as sink:
        answer = _raw_http(_port(sink), _head("Content-Length: -1") + body + valid)
        # one answer, then the connection closes: the body is never read as a request
        assert answer.count(b"HTTP/1.1 ") == 1 and b"Connection: close" in answer
        assert b'"code": 40002' in answer and b"negative" in answer
        # the client re-sends what the server did not answer: nothing is lost
        assert b'"code": 0' in _raw_http(_port(sink), valid)
        bad, resent = sink.wait_for(2)
        assert [(p.path, "'-1' is negative" in p.message) for p in bad.problems][:1] == [
            ("headers.Content-Length", True)
        ]
        assert resent.ok and resent.request.body == body.decode()
        assert len(sink.records) == 2


@pytest.mark.parametrize(
    ("size", "says"),
    [
        (b"zz", "chunk size 'zz' is not 1 to 16 hexadecimal digits"),
        (b"-5", "chunk size '-5' is not"),
        (b"0x10", "chunk size '0x10' is not"),
        (b"1" * 17, "is not 1 to 16 hexadecimal digits"),
    ],
)
def test_a_bad_chunk_size_is_reported_readably_and_closes_the_connection(
    size: bytes, says: str
) -> None:
    body = json.dumps(_body()).encode()
    valid = _head(f"Content-Length: {len(body)}") + body
    chunked = _head("Transfer-Encoding: chunked") + size + b"\r\n" + body + b"\r\n0\r\n\r\n"
    with EventsApiSink() as sink:
        answer = _raw_http(_port(sink), chunked + valid)
        assert answer.count(b"HTTP/1.1 ") == 1 and b"Connection: close" in answer
        (record,) = sink.wait_for(1, timeout=0.5)
        framing = [p for p in record.problems if p.path.startswith("headers.")]
        assert [p.path for p in framing] == ["headers.Transfer-Encoding"]
        assert says in framing[0].message and "invalid literal" not in framing[0].message


def test_a_chunked_body_cut_short_is_a_problem() -> None:
    with EventsApiSink() as sink:
        answer = _raw_http(_port(sink), _head("Transfer-Encoding: chunked") + b"40\r\n{}")
        assert b'"code": 40002' in answer
        (record,) = sink.wait_for(1)
        assert record.problems[0].path == "headers.Transfer-Encoding"
        assert "ended inside a chunk of 64 bytes" in record.problems[0].message


@pytest.mark.parametrize(
    "text",
    [
        '{"event_source": "web", "event_source_id": "C", "data": [{"event": "X", '
        '"event_time": ' + "9" * 400 + "}]}",  # too large for a float
        '{"event_source": "web", "data": [{"event_time": ' + "9" * 5000 + "}]}",  # 4,300+ digits
    ],
)
def test_huge_numbers_are_problems_not_crashes(text: str) -> None:
    request = events_api_request(0, text, timestamp=NOW)
    problems = validate_request(request)
    assert problems and all(isinstance(p.message, str) for p in problems)
    assert [e.event_time for e in server_events(request)] in ([], [None])


def test_settle_waits_for_a_late_request_then_for_quiet() -> None:
    with EventsApiSink() as sink:
        body = json.dumps(_body(user={"email": EMAIL_HASH})).encode()
        late = threading.Timer(0.2, lambda: _post(sink.url, body))
        late.start()
        started = time.monotonic()
        records = sink.settle(quiet=0.4, timeout=60.0)
        late.join()
        assert len(records) == 1  # the request 0.2 s later was waited for
        # then 0.4 s of quiet ended it, not the timeout (a minute away: no load reaches it)
        assert 0.4 <= time.monotonic() - started < 60.0


def test_the_access_token_is_never_recorded() -> None:
    with EventsApiSink() as sink:
        secret = "live-token-0123456789abcdef"
        headers = {**HEADERS, "Access-Token": secret, "Authorization": "Bearer " + secret}
        _post(sink.url, json.dumps(_body(user={"email": EMAIL_HASH})).encode(), headers)
        (record,) = sink.wait_for(1)
        assert record.ok  # the token's presence is still checked
        assert secret not in json.dumps(record.request.model_dump())
        assert record.request.headers["Access-Token"] == f"<redacted, {len(secret)} characters>"


def test_the_sink_keeps_concurrent_requests() -> None:
    with EventsApiSink() as sink:
        threads = [
            threading.Thread(target=_post, args=(sink.url, json.dumps(_body()).encode()))
            for _ in range(12)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(r.request.index for r in sink.wait_for(12)) == list(range(12))


# --- the demo back end ----------------------------------------------------------------------


def _order(event_id: str = "purchase-abc") -> bytes:
    return json.dumps(
        {
            "order_id": "abc",
            "event": "CompletePayment",
            "event_id": event_id,
            "contents": [{"content_id": "301", "price": 8, "quantity": 1}],
            "value": 8,
            "currency": "USD",
            "email": " Jane.Doe@Example.com ",
            "phone": "+12025550123",
        }
    ).encode()


def test_the_demo_back_end_sends_the_order_to_the_sink() -> None:
    with EventsApiSink() as sink, SiteServer(events_api_url=sink.url) as site:
        status, answer = _post(site.url("/shop/api/order"), _order(), {})
        assert status == 200 and answer["sent"] is True and answer["events_api"]["code"] == 0
        (record,) = sink.wait_for(1)
        assert record.ok, record.problems
        (event,) = sink.events
        assert (event.name, event.event_id, event.pixel_code) == (
            "CompletePayment",
            "purchase-abc",
            PIXEL,
        )
        assert event.user["email"] == EMAIL_HASH
        assert event.user["phone"] == hashlib.sha256(b"+12025550123").hexdigest()
        assert record.request.headers.get("Access-Token")


def test_without_a_sink_the_back_end_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TTQ_HARNESS_EVENTS_API_URL", raising=False)
    with SiteServer() as site:
        assert _post(site.url("/shop/api/order"), _order(), {}) == (200, {"sent": False})
        status, _ = _post(site.url("/shop/api/order"), b"[1]", {})
        assert status == 400


def test_the_back_end_reads_the_sink_url_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with EventsApiSink() as sink:
        monkeypatch.setenv("TTQ_HARNESS_EVENTS_API_URL", sink.url)
        with SiteServer() as site:
            assert site.events_api_url == sink.url
            _post(site.url("/broken-shop/api/order"), _order("order-abc"), {})
        assert [e.event_id for e in sink.events] == ["order-abc"]


def test_serve_prints_each_request_and_its_problems() -> None:
    from harness.adapters.commands.events_api import record_lines

    with EventsApiSink() as sink:
        _post(sink.url, json.dumps(_body(user={"email": "jane.doe@example.com"})).encode())
        (record,) = sink.wait_for(1)
    lines = record_lines(record)
    assert "code 40002" in lines[0]
    assert "event CompletePayment event_id=purchase-1" in lines[1]
    assert lines[2].startswith("  EA001 invalid-events-api-request data[0].user.email")
    assert "jane.doe@example.com" not in "\n".join(lines)  # masked
