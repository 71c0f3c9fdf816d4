"""A small static server for the demo sites, on loopback, in a background thread.

Serves a folder (by default the repository's `sites/`). SPA fallback: a GET under
`/<site>/app/` that names no file is answered with `/<site>/app/index.html`, as a real
single-page app host would.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from harness.errors import UsageError


def default_sites_dir() -> Path:
    """`./sites` when run from a checkout, else the one next to the installed package."""
    here = Path.cwd() / "sites"
    if (here / "shop").is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "sites"


class _SiteHandler(SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        resolved = super().translate_path(path)
        url_path = urlsplit(path).path
        parts = [part for part in url_path.split("/") if part]
        if len(parts) >= 2 and parts[1] == "app" and not Path(resolved).exists():
            return super().translate_path(f"/{parts[0]}/app/index.html")
        return resolved

    def end_headers(self) -> None:
        # Demo pages change while people work on them: never let the browser cache them.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: the harness reports what matters


class SiteServer:
    """`with SiteServer() as server: server.url("/shop/")`."""

    def __init__(self, directory: Path | None = None, host: str = "127.0.0.1", port: int = 0):
        self.directory = (directory or default_sites_dir()).resolve()
        if not self.directory.is_dir():
            raise UsageError(f"site folder {self.directory} does not exist")
        handler = functools.partial(_SiteHandler, directory=str(self.directory))
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

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def start(self) -> SiteServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
