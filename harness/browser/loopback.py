"""An HTTP server on loopback that holds load, started and stopped around a `with` block.

The base of the demo-site server (harness/browser/server.py) and the Events API sink
(harness/browser/events_api_sink.py): bound to 127.0.0.1 by default, port 0 (any free port) unless
asked. The request handlers are ordinary `BaseHTTPRequestHandler` classes; what is built here
is the part a load test or a hostile client reaches first:

- one event-loop thread reads every connection's request (head, then body) with a deadline,
  and only a complete request is handed to a **bounded pool of worker threads**: slow or
  silent clients ("slowloris") cost a socket and a few bytes each, never a thread, and are
  dropped at the deadline; a valid request still gets through;
- a real listen backlog (1024), and at most `max_connections` open connections;
- bodies over `max_body` are cut there (the handler sees the cut and answers 413);
- a client that disconnects mid-request is dropped quietly: no traceback.

One request per connection: the response is sent and the connection closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any, Self

from harness.core.errors import UsageError

#: listen(2) backlog: a burst of connections waits in the kernel instead of being refused
BACKLOG = 1024
#: longest request head (request line and headers) accepted
MAX_HEAD = 64 * 1024


_HEX = frozenset(b"0123456789abcdefABCDEF")


async def _read_upto(reader: asyncio.StreamReader, size: int) -> bytes:
    """`size` bytes, or fewer when the client stops sending (the handler says so)."""
    try:
        return await reader.readexactly(size)
    except asyncio.IncompleteReadError as exc:
        return exc.partial


class _BufferedConnection:
    """What a StreamRequestHandler needs of a socket, over a request read in advance."""

    def __init__(self, request: bytes) -> None:
        self.rfile = io.BytesIO(request)
        self.sent = io.BytesIO()

    def makefile(self, mode: str, buffering: int = -1) -> io.BytesIO:
        if "r" in mode:
            return self.rfile
        return _Unclosable(self.sent)

    def sendall(self, data: bytes) -> None:
        self.sent.write(data)

    def settimeout(self, value: float | None) -> None:
        return

    def setsockopt(self, *args: Any) -> None:
        return

    def shutdown(self, how: int) -> None:
        return

    def close(self) -> None:
        return


class _Unclosable(io.BytesIO):
    """A write file the handler may close without losing what it wrote."""

    def __init__(self, target: io.BytesIO) -> None:
        super().__init__()
        self._target = target

    def write(self, data: Any) -> int:
        return self._target.write(data)

    def close(self) -> None:
        return


class _ServerInfo:
    """The `server` a handler is given: its address, as socketserver would."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.server_address = address
        self.server_name = address[0]
        self.server_port = address[1]


class LoopbackServer:
    def __init__(
        self,
        handler: Callable[..., BaseHTTPRequestHandler],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        workers: int = 16,
        max_connections: int = 1024,
        max_body: int = 10 * 1024 * 1024,
        request_timeout: float = 10.0,
    ) -> None:
        self._handler = handler
        self.max_body = max_body
        self.max_connections = max_connections
        self.request_timeout = request_timeout
        try:
            self._socket = socket.create_server((host, port), backlog=BACKLOG)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        address = self._socket.getsockname()[:2]
        self._info = _ServerInfo((str(address[0]), int(address[1])))
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ttq-http")
        self._loop = asyncio.new_event_loop()
        self._open = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="ttq-http-loop")

    @property
    def base_url(self) -> str:
        host, port = self._info.server_address
        return f"http://{host}:{port}"

    @property
    def open_connections(self) -> int:
        """Connections accepted and not yet closed (for load tests)."""
        return self._open

    def start(self) -> Self:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._pool.shutdown(wait=False, cancel_futures=True)
        with contextlib.suppress(OSError):
            self._socket.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the event loop --------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, sock=self._socket, limit=MAX_HEAD)
        )
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            # connections still open (slow clients) end here, their errors collected
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            with contextlib.suppress(Exception):
                self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._open >= self.max_connections:
            writer.close()
            return
        self._open += 1
        try:
            try:
                request = await asyncio.wait_for(self._read(reader), self.request_timeout)
            except (
                TimeoutError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                asyncio.CancelledError,
            ):
                return  # slow, cut off or oversized head: dropped, no thread was held
            peer = writer.get_extra_info("peername") or ("127.0.0.1", 0)
            response = await self._loop.run_in_executor(self._pool, self._respond, request, peer)
            writer.write(response)
            await asyncio.wait_for(writer.drain(), self.request_timeout)
        except (ConnectionError, TimeoutError, OSError, RuntimeError):
            return  # the client went away: nothing to answer, nothing to report
        finally:
            self._open -= 1
            with contextlib.suppress(Exception):
                writer.close()

    async def _read(self, reader: asyncio.StreamReader) -> bytes:
        """One whole request: its head, and its body (Content-Length or chunked) up to
        max_body; malformed framing is passed on for the handler to answer."""
        head = await reader.readuntil(b"\r\n\r\n")
        headers = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            return head + await self._read_chunked(reader)
        declared = headers.get(b"content-length", b"0")
        if not declared.isdigit():
            return head  # the handler reports the bad Content-Length
        length = int(declared) if len(declared) <= 20 else self.max_body + 1
        return head + await _read_upto(reader, min(length, self.max_body))

    async def _read_chunked(self, reader: asyncio.StreamReader) -> bytes:
        """The raw chunked body, as sent: what is malformed or cut short is passed on as it
        is, for the handler to report."""
        body = bytearray()
        while len(body) <= self.max_body:
            line = await reader.readline()
            body += line
            size_text = line.split(b";")[0].strip()
            if not (1 <= len(size_text) <= 16) or any(c not in _HEX for c in size_text):
                break
            size = int(size_text, 16)
            if size == 0:
                body += await reader.readline()  # the CRLF that ends the body
                break
            wanted = min(size + 2, self.max_body + 2 - len(body))
            data = await _read_upto(reader, wanted)
            body += data
            if len(data) < wanted:
                break  # cut short
        return bytes(body)

    def _respond(self, request: bytes, peer: tuple[str, int]) -> bytes:
        """Run the handler on a worker thread over the buffered request; its response."""
        connection = _BufferedConnection(request)
        try:
            self._handler(connection, peer, self._info)
        except Exception:  # a handler bug must not take the server down
            if not connection.sent.getvalue():
                return (
                    b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
                    b"Connection: close\r\n\r\n"
                )
        return connection.sent.getvalue()
