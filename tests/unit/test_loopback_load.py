"""The loopback servers (Events API sink, demo sites) hold load and hostile clients.

Counts, not timings: every request answered and recorded, threads bounded, nothing lost.
All traffic stays on 127.0.0.1, every loop is bounded.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest

from harness.browser.events_api_sink import _MAX_BODY, EVENTS_API_PATH, EventsApiSink
from harness.browser.server import SiteServer

PIXEL = "CDEMO00SHOP00PIXEL01"


def _request(body: bytes) -> bytes:
    return (
        f"POST {EVENTS_API_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccess-Token: t\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body


def _valid(number: int) -> bytes:
    item = {"event": "CompletePayment", "event_time": int(time.time()), "event_id": f"p-{number}"}
    return json.dumps({"event_source": "web", "event_source_id": PIXEL, "data": [item]}).encode()


def _port(server: EventsApiSink | SiteServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


def _read_all(conn: socket.socket) -> bytes:
    answer = b""
    while chunk := conn.recv(65536):
        answer += chunk
    return answer


def test_a_thousand_concurrent_requests_are_all_recorded() -> None:
    """All connections open at once (the listen backlog holds them), then all answered."""
    with EventsApiSink() as sink:
        connections = [
            socket.create_connection(("127.0.0.1", _port(sink)), timeout=60) for _ in range(1000)
        ]
        for number, conn in enumerate(connections):
            conn.sendall(_request(_valid(number)))
        answers = [_read_all(conn) for conn in connections]
        for conn in connections:
            conn.close()
        records = sink.wait_for(1000, timeout=30)
    assert sum(answer.startswith(b"HTTP/1.1 200") for answer in answers) == 1000
    assert len(records) == 1000 and all(record.ok for record in records)
    ids = {json.loads(r.request.body or "{}")["data"][0]["event_id"] for r in records}
    assert ids == {f"p-{number}" for number in range(1000)}


def test_five_hundred_slow_clients_cost_no_thread_and_a_valid_request_gets_through() -> None:
    threads_before = threading.active_count()
    with EventsApiSink() as sink:
        port = _port(sink)
        slow = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(500)]
        for conn in slow:  # a request head that never ends ("slowloris")
            conn.sendall(b"POST /open_api/v1.3/event/track/ HTTP/1.1\r\nHost: x\r\n")
        deadline = time.monotonic() + 20
        while sink.open_connections < 500 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sink.open_connections >= 500  # all held open at once...
        # ... by the event loop and a bounded pool, not a thread each
        assert threading.active_count() <= threads_before + 1 + 16
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            conn.sendall(_request(_valid(1)))
            answer = _read_all(conn)
        assert answer.startswith(b"HTTP/1.1 200")
        assert len(sink.wait_for(1)) == 1  # the slow ones sent no request: none recorded
        for conn in slow:
            conn.close()
    assert threading.active_count() <= threads_before + 1


def test_slow_clients_are_dropped_at_the_deadline() -> None:
    with EventsApiSink() as sink:
        sink.request_timeout = 0.5
        with socket.create_connection(("127.0.0.1", _port(sink)), timeout=10) as conn:
            conn.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
            assert conn.recv(1024) == b""  # closed by the server, without an answer
        assert sink.records == []


def test_a_body_over_the_cap_is_413_and_recorded_cut() -> None:
    body = b"x" * (_MAX_BODY + 1024)
    with (
        EventsApiSink() as sink,
        socket.create_connection(("127.0.0.1", _port(sink)), timeout=30) as conn,
    ):
        conn.sendall(_request(body))
        answer = _read_all(conn)
        (record,) = sink.wait_for(1)
    assert answer.startswith(b"HTTP/1.1 413")
    assert any("larger than" in problem.message for problem in record.problems)
    assert len(record.request.body or "") == _MAX_BODY


def test_clients_that_disconnect_leave_no_traceback(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "index.html").write_text("<p>hello</p>")
    with SiteServer(tmp_path) as site, EventsApiSink() as sink:
        for port in (_port(site), _port(sink)):
            for partial in (b"GET /index.html HT", _request(b"{}")[:-1], b""):
                with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                    conn.sendall(partial)
            with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                conn.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
                conn.settimeout(5)
                first = conn.recv(12)
            assert first.startswith(b"HTTP/1.")
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out
