"""How a page's pixel was installed, from where its `ttq.load` call ran (the call site the
recorder keeps: `URL:line:column` of the first stack frame outside the recorder). Pure.

- `base-code`: TikTok's base code inline in the document (the call site is the document's
  own URL);
- `tag-manager`: a tag manager's script (Google Tag Manager's `gtm.js`, whether served by
  googletagmanager.com or first party by server-side tagging; Tealium's `utag.js`; Adobe
  Launch);
- `script:HOST`: another script file, named by its host (the site's own bundle, a plugin, a
  consent tool...);
- `injected`: an inline script another script inserted (V8 names no URL for it): a tag
  manager's custom HTML tag, or code run through `eval`;
- `unknown`: events reached the pixel but no `ttq.load` call was recorded (the recorder was
  blind, or the SDK was loaded without the base code);
- `none`: no pixel on the page.

Several pixels installed in different ways give each way once, in the order of their first
`ttq.load` call ("base-code, tag-manager"). The SDK mode is the audit's own (`sdk`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from harness.core.model import PixelEvent, TtqCall

#: Hosts of tag managers' scripts (a subdomain counts).
TAG_MANAGER_HOSTS: tuple[str, ...] = (
    "googletagmanager.com",  # Google Tag Manager
    "tiqcdn.com",  # Tealium iQ
    "adobedtm.com",  # Adobe Experience Platform Launch
)
#: File names of tag managers' container scripts, wherever they are served from (server-side
#: Google Tag Manager serves gtm.js from the site's own domain).
TAG_MANAGER_FILES: frozenset[str] = frozenset({"gtm.js", "utag.js"})

_SITE = re.compile(r"^(?P<url>.*):\d+:\d+$", re.S)


def _script_url(location: str | None) -> str | None:
    """The script URL of a call site `URL:line:column` (None when there is none)."""
    if not location:
        return None
    match = _SITE.match(location)
    return match.group("url") if match else location


def install_of(call: TtqCall) -> str:
    """How one `ttq.load` call was made."""
    script = _script_url(call.location)
    if script is None or not script.startswith(("http:", "https:", "file:")):
        return "injected" if script and "<anonymous>" in script else "unknown"
    document = (call.frame_url or call.page_url or "").split("#", 1)[0]
    if script == document:
        return "base-code"
    parts = urlsplit(script)
    host = (parts.hostname or "").lower()
    name = parts.path.rsplit("/", 1)[-1].lower()
    if name in TAG_MANAGER_FILES or any(
        host == h or host.endswith("." + h) for h in TAG_MANAGER_HOSTS
    ):
        return "tag-manager"
    return f"script:{host or parts.scheme}"


def pixel_install(calls: Sequence[TtqCall], events: Sequence[PixelEvent]) -> str:
    """How a page's pixel was installed: each way its `ttq.load` calls were made, or
    "unknown" (pixel events without a recorded load) or "none" (no pixel)."""
    ways = list(dict.fromkeys(install_of(c) for c in calls if c.method == "load"))
    if ways:
        return ", ".join(ways)
    page_calls = any(not c.method.startswith("harness:") for c in calls)
    if page_calls or any(e.source == "wire" for e in events):
        return "unknown"
    return "none"
