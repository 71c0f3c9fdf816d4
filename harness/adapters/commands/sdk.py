"""`ttq-harness sdk pull` / `sdk check`: pin TikTok's pixel SDK in a folder, and notice changes.

`pull` saves events.js (for one pixel code), then runs it in Chromium against the origin on a
local blank page (base code, identify, track; beacons answered locally) and saves every SDK
script and config the page requested, under their URL paths: TikTok's events.js builds the
main script's name at run time (a variant table) and main builds the identify chunk's, so a
text scan alone finds neither (it still runs, as a supplement). It then runs the saved copy
to read the library version a beacon carries, and writes DIR/ttq-sdk.json. `check` fetches
the same files again and compares them with the pin. Playwright adapter.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

import typer
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from harness.browser.launch import open_chromium
from harness.browser.recorder import PixelCapture
from harness.core.endpoints import is_events_loader
from harness.core.errors import HarnessError
from harness.core.model import RequestKind
from harness.core.observations import SDK_FILE_MISSING
from harness.core.sdk import (
    DEFAULT_ORIGIN,
    MANIFEST,
    ORIGIN_ENV,
    PinnedSdk,
    PullSdk,
    file_digests,
    referenced_files,
    write_manifest,
)
from harness.core.tiktok import PIXEL_CODE
from harness.render.inert import InertConsole

EXIT_OK, EXIT_CHANGED, EXIT_USAGE = 0, 1, 2
out = InertConsole(highlight=False, soft_wrap=True)
err = InertConsole(stderr=True, highlight=False, soft_wrap=True)
#: At most this many files per pull: a reference loop or a huge bundle must not run away.
MAX_FILES = 50

#: TikTok's base code, one statement a line; `calls` (JavaScript) run where ttq.load() goes.
BASE_CODE_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>ttq-harness</title>
<script>
!function (w, d, t) {
  w.TiktokAnalyticsObject = t; var ttq = w[t] = w[t] || [];
  ttq.methods = ["page", "track", "identify", "instances", "debug", "on", "off", "once",
    "ready", "alias", "group", "enableCookie", "disableCookie", "holdConsent",
    "revokeConsent", "grantConsent"];
  ttq.setAndDefer = function (t, e) {
    t[e] = function () { t.push([e].concat(Array.prototype.slice.call(arguments, 0))); };
  };
  for (var i = 0; i < ttq.methods.length; i++) ttq.setAndDefer(ttq, ttq.methods[i]);
  ttq.instance = function (t) {
    var e = ttq._i[t] || [];
    for (var n = 0; n < ttq.methods.length; n++) ttq.setAndDefer(e, ttq.methods[n]);
    return e;
  };
  ttq.load = function (e, n) {
    var r = "https://analytics.tiktok.com/i18n/pixel/events.js";
    ttq._i = ttq._i || {}; ttq._i[e] = []; ttq._i[e]._u = r;
    ttq._t = ttq._t || {}; ttq._t[e] = +new Date; ttq._o = ttq._o || {}; ttq._o[e] = n || {};
    n = document.createElement("script"); n.type = "text/javascript"; n.async = !0;
    n.src = r + "?sdkid=" + e + "&lib=" + t;
    e = document.getElementsByTagName("script")[0]; e.parentNode.insertBefore(n, e);
  };
  %(calls)s
}(window, document, 'ttq');
</script></head><body>ttq-harness</body></html>
"""


def base_code_page(calls: str) -> str:
    """A page with TikTok's base code making `calls`, e.g. "ttq.load('C…'); ttq.page();"."""
    return BASE_CODE_PAGE % {"calls": calls}


class PullError(HarnessError):
    """The SDK could not be fetched or saved."""


def _one_line(exc: Exception) -> str:
    """An error as one line: Playwright's messages carry a multi-line call log."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _origin(option: str | None) -> str:
    return (option or os.environ.get(ORIGIN_ENV) or DEFAULT_ORIGIN).rstrip("/")


def _fetch(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as exc:
        raise PullError(f"{url}: HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PullError(f"{url}: {reason}") from exc


#: What the pull page does after the base code: every path that makes the SDK load a file
#: (identify loads the identify chunk in TikTok's 2024 SDK, a track call the rest).
PULL_CALLS = (
    "ttq.load(%(code)s); ttq.page(); ttq.identify({email: 'pull@example.com'});"
    " ttq.track('ViewContent', {content_id: 'pull', value: 1, currency: 'USD'});"
)
_PIXEL_DIR = "/i18n/pixel/"


def download(
    origin: str,
    pixel_code: str,
    folder: Path,
    *,
    browser_path: str | None = None,
    timeout: float = 15.0,
) -> list[str]:
    """events.js for `pixel_code` and every file the SDK loads (run) or names (scan), saved."""
    base = f"{origin}{_PIXEL_DIR}"
    loader = f"{base}events.js?sdkid={quote(pixel_code)}&lib=ttq"
    saved: list[str] = []

    def save(name: str, body: bytes) -> str:
        target = folder / "i18n" / "pixel" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        saved.append(name)
        return body.decode("utf-8", errors="replace")

    pending = referenced_files(save("events.js", _fetch(loader)))
    # What the page ran, as the route fetched it: not fetched again, so the bytes are the same.
    for name, body in requested_files(folder, origin, pixel_code, browser_path, timeout):
        if name not in saved and len(saved) < MAX_FILES:
            pending.extend(referenced_files(save(name, body)))
    # The text scan, as a supplement: files named literally that this run did not load. A
    # name the origin does not have is skipped (a comment, a path the SDK never requests).
    tried: set[str] = set()
    while pending and len(saved) < MAX_FILES:
        name = pending.pop(0)
        if name in saved or name in tried:
            continue
        tried.add(name)
        try:
            pending.extend(referenced_files(save(name, _fetch(base + name))))
        except PullError:
            continue
    return saved


def requested_files(
    folder: Path, origin: str, pixel_code: str, browser_path: str | None, timeout: float
) -> list[tuple[str, bytes]]:
    """Run the saved events.js against `origin`: (name under i18n/pixel/, body the page got)
    of every SDK script and config the page requested, in order (the first body of a name).
    Beacons are answered locally."""
    calls = PULL_CALLS % {"code": json.dumps(pixel_code)}
    source = PullSdk(folder=folder, origin=origin)
    with sync_playwright() as playwright, _blank_page(base_code_page(calls)) as url:
        browser, _ = open_chromium(playwright, browser_path=browser_path)
        try:
            context = browser.new_context()
            capture = PixelCapture(sdk=source).attach(context)
            context.new_page().goto(url)
            capture.wait_for(lambda: bool(capture.events("wire")), timeout)
            capture.settle(quiet=1.0, timeout=timeout)
            failed = [c.args for c in capture.calls if c.method == SDK_FILE_MISSING]
            if failed:
                raise PullError("; ".join(str(args[-1]) for args in failed))
            found: dict[str, bytes] = {}
            for request in capture.requests:
                path = urlsplit(request.url).path
                sdk_file = request.kind in (RequestKind.SDK_SCRIPT, RequestKind.CONFIG)
                if not sdk_file or is_events_loader(request.url) or request.method != "GET":
                    continue
                name = path.removeprefix(_PIXEL_DIR)
                if not path.startswith(_PIXEL_DIR) or name in found:
                    continue
                if request.url not in capture.fetched_sdk_files:
                    raise PullError(f"{request.url}: the page requested it but got no answer")
                found[name] = capture.fetched_sdk_files[request.url]
            return list(found.items())
        finally:
            browser.close()


@contextmanager
def _blank_page(html: str) -> Iterator[str]:
    """A loopback server answering every GET with `html`."""
    payload = html.encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def library_version(
    folder: Path, pixel_code: str, *, browser_path: str | None = None, timeout: float = 15.0
) -> str | None:
    """Run the saved SDK once (beacons answered locally) and read context.library.version."""
    with (
        sync_playwright() as playwright,
        _blank_page(base_code_page(f"ttq.load({json.dumps(pixel_code)}); ttq.page();")) as url,
    ):
        browser, _ = open_chromium(playwright, browser_path=browser_path)
        try:
            context = browser.new_context()
            capture = PixelCapture(sdk=PinnedSdk(folder)).attach(context)
            page = context.new_page()
            page.goto(url)

            def versions() -> list[str]:
                return [e.library_version for e in capture.events("wire") if e.library_version]

            capture.wait_for(lambda: bool(versions()), timeout)
            found = versions()
            return found[0] if found else None
        finally:
            browser.close()


def pull_command(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="Folder to save the SDK in.")],
    pixel: Annotated[
        str, typer.Option("--pixel", help="Pixel code events.js is fetched for (sdkid).")
    ],
    origin: Annotated[
        str | None,
        typer.Option(
            "--origin", help=f"SDK origin (default {DEFAULT_ORIGIN}; also ${ORIGIN_ENV})."
        ),
    ] = None,
    browser_path: Annotated[
        str | None, typer.Option("--browser-path", help="Chromium to read the version with.")
    ] = None,
) -> None:
    """Save TikTok's current pixel SDK into DIR, for `--sdk DIR` (offline, pinned)."""
    if not PIXEL_CODE.fullmatch(pixel):
        err.print(
            f"error: --pixel {pixel}: expected 'C' + 19 upper-case letters or digits",
            markup=False,
        )
        raise typer.Exit(EXIT_USAGE)
    source = _origin(origin)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        saved = download(source, pixel, folder, browser_path=browser_path)
        version = library_version(folder, pixel, browser_path=browser_path)
    except (HarnessError, OSError, PlaywrightError) as exc:
        # PlaywrightError: the pull page failed to load or wait (a timeout, a crash)
        err.print(f"error: sdk pull: {_one_line(exc)}", markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
    saved_at = datetime.now(UTC).isoformat(timespec="seconds")
    write_manifest(
        folder, pixel_code=pixel, origin=source, library_version=version, saved_at=saved_at
    )
    shown = version or "unknown: no beacon left the saved SDK"
    out.print(f"saved {len(saved)} SDK files from {source} to {folder} (library {shown})")
    for name in saved:
        out.print(f"  i18n/pixel/{name}")
    out.print(f"use it with: ttq-harness inspect --sdk {folder} URL")


def check_command(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="A folder saved by `sdk pull`.")],
    origin: Annotated[
        str | None,
        typer.Option("--origin", help="SDK origin (default: the one the pin was pulled from)."),
    ] = None,
    browser_path: Annotated[
        str | None, typer.Option("--browser-path", help="Chromium to read the version with.")
    ] = None,
) -> None:
    """Fetch the SDK again and compare it with the pin in DIR; exit 1 when it changed."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        pixel = str(manifest["pixel_code"])
        pinned: dict[str, str] = dict(manifest["files"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        why = "no such file" if isinstance(exc, FileNotFoundError) else f"unreadable: {exc}"
        err.print(
            f"error: {folder / MANIFEST}: not a pinned SDK manifest ({why}); save one with "
            f"`ttq-harness sdk pull --pixel CODE {folder}`",
            markup=False,
        )
        raise typer.Exit(EXIT_USAGE) from exc
    source = _origin(origin or os.environ.get(ORIGIN_ENV) or manifest.get("origin"))
    with tempfile.TemporaryDirectory(prefix="ttq-sdk-check-") as scratch:
        fresh_folder = Path(scratch)
        try:
            download(source, pixel, fresh_folder, browser_path=browser_path)
        except (HarnessError, PlaywrightError) as exc:
            err.print(f"error: sdk check: {_one_line(exc)}", markup=False)
            raise typer.Exit(EXIT_USAGE) from exc
        fresh = file_digests(fresh_folder)
        changed = sorted(p for p in pinned.keys() & fresh.keys() if pinned[p] != fresh[p])
        added = sorted(fresh.keys() - pinned.keys())
        gone = sorted(pinned.keys() - fresh.keys())
        if not (changed or added or gone):
            out.print(
                f"SDK unchanged since the pin ({len(pinned)} files, library "
                f"{manifest.get('library_version')}, saved {manifest.get('saved_at')})"
            )
            raise typer.Exit(EXIT_OK)
        try:
            version = library_version(fresh_folder, pixel, browser_path=browser_path)
        except (HarnessError, PlaywrightError):
            version = None  # the change is still reported; the version shows as unknown
    out.print(f"SDK changed since the pin (saved {manifest.get('saved_at')} from {source}):")
    for label, paths in (("changed", changed), ("new", added), ("gone", gone)):
        for path in paths:
            out.print(f"  {label}: {path}")
    pinned_version = manifest.get("library_version")
    if version != pinned_version:
        out.print(f"  library version: {pinned_version} -> {version}")
    out.print(f"update the pin with: ttq-harness sdk pull --pixel {pixel} {folder}")
    raise typer.Exit(EXIT_CHANGED)


def register(app: typer.Typer) -> None:
    sdk_app = typer.Typer(
        help="Pin TikTok's pixel SDK in a folder (for --sdk DIR) and check it for changes.",
        no_args_is_help=True,
    )
    sdk_app.command("pull")(pull_command)
    sdk_app.command("check")(check_command)
    app.add_typer(sdk_app, name="sdk")
