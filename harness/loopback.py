"""A threaded HTTP server on loopback, started and stopped around a `with` block.

The base of the demo-site server (harness/server.py) and the Events API sink
(harness/events_api/sink.py): bound to 127.0.0.1 by default, port 0 (any free port) unless
asked, daemon threads so a stuck client never holds the harness open.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

from harness.errors import UsageError


class LoopbackServer:
    def __init__(
        self, handler: Callable[..., BaseHTTPRequestHandler], host: str = "127.0.0.1", port: int = 0
    ) -> None:
        try:
            self._httpd = ThreadingHTTPServer((host, port), handler)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
