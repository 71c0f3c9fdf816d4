"""How the harness answers a request to a pixel host: the offline emulator for events.js,
stubs for everything else, or the real server for a forwarded beacon (--forward-beacons)."""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from harness.core.endpoints import is_events_loader

_TRANSPARENT_GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


@dataclass(frozen=True)
class LocalResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def local_response(method: str, url: str, headers: dict[str, str], emulator: str) -> LocalResponse:
    """How the harness answers a pixel-host request: the emulator for events.js, else a stub."""
    cors = {
        "access-control-allow-origin": headers.get("origin", "*"),
        "access-control-allow-credentials": "true",
        "access-control-allow-headers": "content-type",
    }
    js = {"content-type": "application/javascript; charset=utf-8"}
    if method == "OPTIONS":
        return LocalResponse(204, cors, b"")
    if is_events_loader(url):
        return LocalResponse(200, js, emulator.encode("utf-8"))
    if urlsplit(url).path.endswith(".js"):
        return LocalResponse(200, js, b"/* answered locally by ttq-harness */")
    if method == "GET" and "analytics_message=" in url:
        return LocalResponse(200, {**cors, "content-type": "image/gif"}, _TRANSPARENT_GIF)
    return LocalResponse(
        200, {**cors, "content-type": "application/json"}, b'{"code":0,"message":"OK"}'
    )


def forward(url: str, method: str, headers: dict[str, str], body: bytes | None) -> LocalResponse:
    """A beacon sent while its page unloaded, forwarded (--forward-beacons) from Python."""
    keep = {k: v for k, v in headers.items() if k in ("content-type", "user-agent", "referer")}
    outgoing = urllib.request.Request(url, data=body, headers=keep, method=method)
    try:
        with urllib.request.urlopen(outgoing, timeout=5) as answer:
            return LocalResponse(answer.status, {}, answer.read())
    except (OSError, ValueError):  # unreachable: the beacon was recorded all the same
        return LocalResponse(204, {}, b"")
