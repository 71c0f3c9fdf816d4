"""A small static server for the demo sites, on loopback, in a background thread.

Serves a folder (by default the repository's `sites/`). SPA fallback: a GET under
`/<site>/app/` that names no file is answered with `/<site>/app/index.html`, as a real
single-page app host would.

The demo shops' back end: `POST /<site>/api/order` (the checkout page, when an order is
placed) sends the order's server-side CompletePayment to the Events API URL the server was
given (`events_api_url=`, else the `TTQ_HARNESS_EVENTS_API_URL` environment variable), which is
meant to be the harness's local sink (harness/browser/events_api_sink.py). Without one it does
nothing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.browser.catalog import Catalog
from harness.browser.loopback import LoopbackServer
from harness.core.errors import UsageError


def default_sites_dir() -> Path:
    """The bundled demo sites and plan: package data (`harness/demo_sites`, in a checkout a
    link to the repository's `sites/`, in a wheel a copy of it), so an installed
    ttq-harness serves them from wherever it runs."""
    return Path(__file__).resolve().parents[1] / "demo_sites"


#: Where the demo back end sends Events API requests when SiteServer is given no URL.
EVENTS_API_URL_ENV = "TTQ_HARNESS_EVENTS_API_URL"
DEMO_PIXEL = "CDEMO00SHOP00PIXEL01"
DEMO_ACCESS_TOKEN = "ttq-harness-demo-token"  # the sink only checks that one is sent
_ORDER_PATH = "/api/order"
_MAX_ORDER_BODY = 64 * 1024


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def order_event_body(
    order: dict[str, Any], *, client_ip: str, user_agent: str, referer: str | None
) -> dict[str, Any]:
    """The Events API 2.0 body the demo back end sends for a placed order (rules §7).

    The page sends the event name and event_id it uses for the purchase in the browser
    (`event`, `event_id`), so both copies can be deduplicated (§6). Email is lower-cased and
    trimmed, phone is sent as the page normalised it (E.164), then both are SHA-256 hashed.
    """
    user: dict[str, Any] = {"ip": client_ip, "user_agent": user_agent}
    email = order.get("email")
    if isinstance(email, str) and email.strip():
        user["email"] = _sha256(email.strip().lower())
    phone = order.get("phone")
    if isinstance(phone, str) and phone.strip():
        user["phone"] = _sha256(phone.strip())
    page_url = order.get("page_url") if isinstance(order.get("page_url"), str) else referer
    properties: dict[str, Any] = {
        key: order[key] for key in ("contents", "value", "currency") if key in order
    }
    properties["content_type"] = "product"
    if isinstance(order.get("order_id"), str):
        properties["order_id"] = order["order_id"]
    item: dict[str, Any] = {
        "event": order.get("event") or "CompletePayment",
        "event_time": int(time.time()),
        "event_id": str(order.get("event_id") or ""),
        "user": user,
        "properties": properties,
        "page": {"url": page_url or "", "referrer": ""},
    }
    pixel = order.get("pixel_code")
    return {
        "event_source": "web",
        "event_source_id": pixel if isinstance(pixel, str) and pixel else DEMO_PIXEL,
        "data": [item],
    }


def send_to_events_api(url: str, body: dict[str, Any], timeout: float = 3.0) -> dict[str, Any]:
    """POST one body; the decoded answer, or `{"error": ...}` (never raises: it is a demo)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Access-Token": DEMO_ACCESS_TOKEN},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read() or b"{}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return {"error": str(exc)}
    return answer if isinstance(answer, dict) else {"error": "the answer is not a JSON object"}


@functools.lru_cache(maxsize=32)
def _catalog(folder: Path) -> Catalog | None:
    return Catalog.load(folder)


class _SiteHandler(SimpleHTTPRequestHandler):
    events_api_url: str | None = None

    def do_GET(self) -> None:
        if not self._generated():
            super().do_GET()

    def _generated(self) -> bool:
        """A page of a generated site (a folder with a catalog.json), rendered; False when
        the path names none, for the static files to answer."""
        parts = urlsplit(self.path).path.split("/")
        if len(parts) < 3 or not parts[1] or ".." in parts:
            return False
        catalog = _catalog(Path(self.directory) / parts[1])
        origin = f"http://{self.headers.get('Host') or 'localhost'}"
        rendered = catalog.render("/".join(parts[2:]), origin) if catalog else None
        if rendered is None:
            return False
        content_type, text = rendered
        data = text.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        return True

    def translate_path(self, path: str) -> str:
        resolved = super().translate_path(path)
        url_path = urlsplit(path).path
        parts = [part for part in url_path.split("/") if part]
        if len(parts) >= 2 and parts[1] == "app" and not Path(resolved).exists():
            return super().translate_path(f"/{parts[0]}/app/index.html")
        return resolved

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        parts = [part for part in path.split("/") if part]
        if not (len(parts) == 3 and "/" + "/".join(parts[1:]) == _ORDER_PATH):
            self.send_error(404, "no such back-end route")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True  # where the body ends is unknown
            self._json(400, {"sent": False, "error": "Content-Length is not a number of bytes"})
            return
        raw = self.rfile.read(min(length, _MAX_ORDER_BODY)) if length > 0 else b""
        try:
            order = json.loads(raw or b"{}")
        except ValueError:
            order = None
        if not isinstance(order, dict):
            self._json(400, {"sent": False, "error": "the order must be a JSON object"})
            return
        if not self.events_api_url:
            self._json(200, {"sent": False})  # no Events API configured: nothing to do
            return
        body = order_event_body(
            order,
            client_ip=self.client_address[0],
            user_agent=self.headers.get("User-Agent", ""),
            referer=self.headers.get("Referer"),
        )
        self._json(200, {"sent": True, "events_api": send_to_events_api(self.events_api_url, body)})

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A site's own `404.html` (in its folder, else at the root) answers a GET for a
        missing page, with status 404, as static hosts do; else the plain error."""
        if code == 404 and self.command == "GET":
            parts = [part for part in urlsplit(self.path).path.split("/") if part]
            root = Path(self.directory)
            for folder in ([root / parts[0]] if parts else []) + [root]:
                page = folder / "404.html"
                if page.is_file():
                    data = page.read_bytes()
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
        super().send_error(code, message, explain)

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def end_headers(self) -> None:
        # Demo pages change while people work on them: never let the browser cache them.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: the harness reports what matters


class SiteServer(LoopbackServer):
    """`with SiteServer() as server: server.url("/shop/")`."""

    def __init__(
        self,
        directory: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        events_api_url: str | None = None,
    ):
        self.directory = (directory or default_sites_dir()).resolve()
        if not self.directory.is_dir():
            raise UsageError(f"site folder {self.directory} does not exist")
        #: where the demo back end sends its Events API requests (None: it sends nothing)
        self.events_api_url = events_api_url or os.environ.get(EVENTS_API_URL_ENV) or None
        handler_class = type(
            "_BoundSiteHandler", (_SiteHandler,), {"events_api_url": self.events_api_url}
        )
        handler = functools.partial(handler_class, directory=str(self.directory))
        super().__init__(handler, host, port)

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)
