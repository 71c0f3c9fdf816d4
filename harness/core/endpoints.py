"""Which hosts and paths belong to the TikTok pixel, and what each request is for. Pure."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from harness.core.model import RequestKind

#: Hosts answered locally by default. The first two carry events; the rest are hosts the SDK
#: may call on its own (telemetry, IPv6 enrichment, Pangle cookie matching: wire-format §2b),
#: intercepted so nothing leaves the machine, whichever SDK runs (emulated, pinned or live).
DEFAULT_PIXEL_HOSTS: tuple[str, ...] = (
    "analytics.tiktok.com",
    "analytics.us.tiktok.com",
    "analytics-ipv6.tiktok.com",
    "analytics-ipv6.tiktokw.us",
    "mon.tiktok.com",
    "mcs.tiktok.com",
    "analytics.pangle-ads.com",
    # the Events API host: a browser has no business calling it (it needs an access token),
    # but a page that does is answered locally and recorded, never forwarded
    "business-api.tiktok.com",
)

#: TikTok's domains: nothing may reach any host under them unless the user opts in (--sdk live
#: fetches the SDK from Playwright's side, not the browser's). The browser is launched with
#: these mapped to "not found" (harness.browser.chromium.resolver_rules): whatever escapes
#: interception (a WebSocket, a speculative prefetch, a trailing-dot host, a worker) fails to
#: resolve instead of leaving. Roles: tiktok.com (pixel, Events API business-api, embeds),
#: tiktokw.us (IPv6 enrichment), tiktokv.*/tiktokcdn* and ttwstatic/ibyte* (app API and CDNs),
#: byteoversea/bytedance (the parent's infrastructure), pangle* (Pangle cookie matching).
TIKTOK_DOMAINS: tuple[str, ...] = (
    "tiktok.com",
    "tiktokw.us",
    "tiktokv.com",
    "tiktokv.us",
    "tiktokv.eu",
    "tiktokcdn.com",
    "tiktokcdn-us.com",
    "tiktokcdn-eu.com",
    "ttwstatic.com",
    "ibytedtos.com",
    "ibyteimg.com",
    "byteoversea.com",
    "bytedance.com",
    "pangle-ads.com",
    "pangleglobal.com",
)

_EVENT_PATHS = {
    "/api/v2/pixel": "pixel",
    "/api/v2/pixel/act": "act",
    "/api/v2/shopify_pixel": "shopify_pixel",
    # Third-party parsers assume a batch endpoint; no SDK build uses it, but decode it if seen.
    "/api/v2/pixel/batch": "batch",
}
_TELEMETRY = re.compile(
    r"^/(api/v2/(pixel/(inter|perf)|monitor|performance\w*|interaction|pcm|pangle\w*)"
    r"|ipv6/enrich_ipv6)(/|$)"
)
_SDK_SCRIPT = re.compile(r"^/i18n/pixel/((events|sdk|shopify|pickup)\.js|static/[\w.-]+\.js)$")
_CONFIG = re.compile(r"^/i18n/pixel/config\.js$")


def _host(url: str) -> str:
    """The URL's host, lower case, without the trailing dot of a fully qualified name."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:  # e.g. an unterminated IPv6 literal: not a pixel URL
        return ""


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def is_pixel_host(url: str, hosts: tuple[str, ...] | list[str] = DEFAULT_PIXEL_HOSTS) -> bool:
    return _host(url) in hosts


def classify(url: str) -> tuple[RequestKind, str]:
    """Return (kind, short endpoint name) for a URL on a pixel host."""
    path = _path(url).rstrip("/") or "/"
    if path in _EVENT_PATHS:
        return RequestKind.EVENT, _EVENT_PATHS[path]
    if _TELEMETRY.match(path):
        return RequestKind.TELEMETRY, path.rsplit("/", 1)[-1]
    if _SDK_SCRIPT.match(path):
        return RequestKind.SDK_SCRIPT, path.rsplit("/", 1)[-1]
    if _CONFIG.match(path):
        return RequestKind.CONFIG, "config.js"
    return RequestKind.OTHER, path


def is_events_loader(url: str) -> bool:
    """events.js / sdk.js / shopify.js: the script the base code injects per pixel."""
    path = _path(url)
    return bool(re.fullmatch(r"/i18n/pixel/(events|sdk|shopify)\.js", path))
