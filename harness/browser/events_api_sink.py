"""A local stand-in for TikTok's Events API 2.0 track endpoint, on loopback.

`with EventsApiSink() as sink:` point a back end at `sink.url`; every request is recorded
(nothing dropped, whatever its path or body), validated (harness/core/events_api/validate.py) and
answered in the Business API's style: `{"code": 0, "message": "OK", "request_id": …, "data":
{}}`, or a non-zero code and the problems in `message`.

The reference (tiktok-pixel-rules.md §7) documents the request, not the response: the
`code`/`message`/`request_id`/`data` shape and answering errors with HTTP 200 are what
TikTok's Business API is commonly seen to do, and the non-zero code values used here
(40002 invalid parameters, 40001 authentication, 40400 unknown path) are the harness's own.
Clients should rely only on `code != 0`.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from harness.browser.loopback import LoopbackServer
from harness.core.events_api.validate import (
    EVENTS_API_PATH,
    Problem,
    ServerEvent,
    events_api_request,
    server_events,
    validate_request,
)
from harness.core.model import CaptureReport, Finding, RawRequest

if TYPE_CHECKING:
    from harness.core.config import RulesConfig

CODE_OK = 0
CODE_AUTH = 40001
CODE_INVALID = 40002
CODE_NOT_FOUND = 40400
_MAX_BODY = 10 * 1024 * 1024  # larger bodies are recorded truncated and refused


@dataclass(frozen=True)
class SinkRecord:
    """One request the sink received and what it answered."""

    request: RawRequest
    problems: list[Problem] = field(default_factory=list)
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def response_for(problems: list[Problem]) -> dict[str, Any]:
    """The answer to a request with these problems (none: accepted)."""
    request_id = uuid.uuid4().hex
    if not problems:
        return {"code": CODE_OK, "message": "OK", "request_id": request_id, "data": {}}
    paths = {p.path for p in problems}
    code = CODE_INVALID
    if paths & {"url", "method"}:
        code = CODE_NOT_FOUND
    elif paths == {"headers.Access-Token"}:
        code = CODE_AUTH
    message = "; ".join(f"{p.path}: {p.message}" for p in problems[:5])
    if len(problems) > 5:
        message += f"; … and {len(problems) - 5} more"
    return {"code": code, "message": message, "request_id": request_id, "data": {}}


#: Credentials a back end sends: recorded as present (and their length), never their value,
#: so reports, JSON and HTML never hold a real token.
SECRET_HEADERS = frozenset({"access-token", "authorization", "cookie", "proxy-authorization"})


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    return {
        name: f"<redacted, {len(value)} characters>"
        if name.lower() in SECRET_HEADERS and value.strip()
        else value
        for name, value in headers.items()
    }


class FramingError(ValueError):
    """A body whose end cannot be known: recorded as a problem at `path`, connection closed."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
_DIGITS = re.compile(r"[0-9]+")


def _read_body(handler: BaseHTTPRequestHandler) -> tuple[bytes, bool]:
    """The request body (at most _MAX_BODY bytes) and whether it was cut there.

    Reads a Content-Length body or a chunked one. A length that is not a number of bytes
    (negative included) or a malformed chunk raises FramingError: where the body ends is then
    unknown, so the caller records the request with that problem and closes the connection
    rather than read the rest as the next request.
    """
    if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
        return _read_chunked(handler)
    declared = (handler.headers.get("Content-Length") or "0").strip()
    if declared.startswith("-") and _DIGITS.fullmatch(declared[1:]):
        raise FramingError(
            "headers.Content-Length",
            f"Content-Length {declared[:40]!r} is negative; expected the body's size in bytes",
        )
    if not _DIGITS.fullmatch(declared):
        raise FramingError(
            "headers.Content-Length",
            f"Content-Length {declared[:40]!r} is not a number of bytes",
        )
    digits = declared.lstrip("0") or "0"
    # 20 digits are far past _MAX_BODY: longer is just too large (int() refuses 4,300+ digits)
    length = int(digits) if len(digits) <= 20 else _MAX_BODY + 1
    if length == 0:
        return b"", False
    return handler.rfile.read(min(length, _MAX_BODY)), length > _MAX_BODY


def _read_chunked(handler: BaseHTTPRequestHandler) -> tuple[bytes, bool]:
    """A `Transfer-Encoding: chunked` body: hex size lines (RFC 9112 §7.1), then the data."""
    chunks: list[bytes] = []
    size = 0
    while True:
        raw = handler.rfile.readline(1024)
        line = raw.split(b";", 1)[0].strip()  # a chunk extension is allowed and ignored
        if not _CHUNK_SIZE.fullmatch(line):
            shown = line[:40].decode("ascii", errors="replace")
            why = (
                "the body ended before its last (zero-size) chunk"
                if not raw
                else f"chunk size {shown!r} is not 1 to 16 hexadecimal digits"
            )
            raise FramingError("headers.Transfer-Encoding", f"chunked body: {why}")
        length = int(line, 16)
        if length == 0:
            handler.rfile.readline(1024)  # the blank line after the last chunk
            return b"".join(chunks), False
        if size + length > _MAX_BODY:
            return b"".join(chunks), True
        data = handler.rfile.read(length)
        if len(data) < length:
            raise FramingError(
                "headers.Transfer-Encoding",
                f"chunked body: the body ended inside a chunk of {length} bytes",
            )
        chunks.append(data)
        size += length
        handler.rfile.readline(1024)  # the CRLF after each chunk


class EventsApiSink(LoopbackServer):
    """The sink: thread-safe, a context manager, port 0 (any free port) by default."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Lock()
        self._records: list[SinkRecord] = []
        self._arrived = threading.Condition(self._lock)
        #: called (from the server thread) with each record; for `events-api serve`
        self.on_record: Any = None
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                sink._receive(self)

            do_POST = do_GET = do_PUT = do_DELETE = do_PATCH = _handle

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet: records and findings say what matters

        super().__init__(Handler, host, port, max_body=_MAX_BODY)

    @property
    def url(self) -> str:
        """The track endpoint to give the back end."""
        return self.base_url + EVENTS_API_PATH

    @property
    def records(self) -> list[SinkRecord]:
        with self._lock:
            return list(self._records)

    @property
    def requests(self) -> list[RawRequest]:
        return [record.request for record in self.records]

    @property
    def events(self) -> list[ServerEvent]:
        return [event for request in self.requests for event in server_events(request)]

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[SinkRecord]:
        """Block until `count` requests arrived or `timeout` seconds passed; the records."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self._records) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._arrived.wait(left)
            return list(self._records)

    def settle(self, quiet: float = 0.5, timeout: float = 3.0) -> list[SinkRecord]:
        """Block until no request arrived for `quiet` seconds (at most `timeout`); the records.

        A back end may send its server event a little after the page moved on (a queue, a
        retry); waiting for a quiet sink keeps such a request with the journey that caused it.
        """
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                seen = len(self._records)
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._arrived.wait(min(quiet, left))
                if len(self._records) == seen:
                    break
            return list(self._records)

    def findings(self, report: CaptureReport, config: RulesConfig | None = None) -> list[Finding]:
        """The EA findings: what arrived here, validated and cross-checked with a capture."""
        from harness.core.engine import events_api_findings

        return events_api_findings(report, self.requests, config)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def _receive(self, handler: BaseHTTPRequestHandler) -> None:
        """Record and answer one request, whatever it holds: nothing is dropped or left hanging."""
        problems: list[Problem] = []
        try:
            raw, too_large = _read_body(handler)
        except FramingError as exc:  # a bad Content-Length or chunk size
            raw, too_large = b"", False
            problems.append(Problem(exc.path, exc.message))
            handler.close_connection = True  # the body's end is unknown: do not reuse
        body = raw.decode("utf-8", errors="replace") if raw else None
        request = events_api_request(
            0,  # numbered below, under the lock
            body,
            timestamp=time.time(),
            url=self.base_url + handler.path,
            method=handler.command,
            headers=redact_headers(dict(handler.headers.items())),
        )
        problems = [*problems, *validate_request(request)]
        if too_large:
            problems.append(Problem("body", f"the body is larger than {_MAX_BODY} bytes"))
            handler.close_connection = True  # the rest of the body was not read
        with self._arrived:
            record = SinkRecord(
                request=request.model_copy(update={"index": len(self._records)}),
                problems=problems,
                response=response_for(problems),
            )
            self._records.append(record)
            self._arrived.notify_all()
        payload = json.dumps(record.response).encode()
        status = 404 if record.response["code"] == CODE_NOT_FOUND else 200
        if too_large:
            status = 413  # Payload Too Large: recorded (cut), refused
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        if handler.close_connection:  # tell the client: requests it pipelined must be re-sent
            handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(payload)
        if self.on_record is not None:
            self.on_record(record)
