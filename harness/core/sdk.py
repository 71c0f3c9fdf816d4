"""Where the pixel SDK's own scripts come from: the emulator, a pinned folder, or TikTok. Pure.

An `SdkSource` decides how each SDK-script or config request on a pixel host is answered:

- `EmulatedSdk` (default): the harness's emulator as events.js, a stub for every other script;
- `PinnedSdk`: files saved from TikTok (`ttq-harness sdk pull`) served offline from a folder
  laid out under their URL paths (`i18n/pixel/events.js`, `i18n/pixel/static/main.<id>.js`...);
  events.js and config.js are served with the requested pixel code substituted, as TikTok's
  server does, and without the saved pixel's own settings when another pixel asks;
- `LiveSdk`: fetched from TikTok's hosts (or `--sdk-origin`, for tests) by the capture;
- `PullSdk`: what `sdk pull` runs to learn which files the SDK loads (saved events.js, the
  rest from the origin).

Beacons never depend on the source: they are answered locally, and only reach TikTok in live
mode with `forward_beacons`. This module holds no Playwright: the capture performs the fetch.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from harness.core.endpoints import is_events_loader
from harness.core.errors import UsageError

#: Test hook: live mode fetches from this origin instead of each request's own pixel host.
ORIGIN_ENV = "TTQ_HARNESS_SDK_ORIGIN"
DEFAULT_ORIGIN = "https://analytics.tiktok.com"
#: The manifest `sdk pull` writes next to the saved files.
MANIFEST = "ttq-sdk.json"
SDK_FORMS = "'emulated', 'live' or a folder saved with `ttq-harness sdk pull`"
_PIXEL_CODE_FIELD = re.compile(r'("pixelCode"\s*:\s*)"[^"\\]*"')
_PIXEL_CODE_VALUE = re.compile(r'"pixelCode"\s*:\s*"([^"\\]*)"')
#: Where a JSON object may start: the embedded config is `{"info":{…},"plugins":{…},"rules":…}`.
_OBJECT_START = re.compile(r'\{(?=\s*")')
_SDKID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class Answer:
    """A local answer to an SDK request (status, headers, body)."""

    status: int
    headers: dict[str, str]
    body: bytes
    #: something the capture should record about this answer (SD009), e.g. a foreign config
    note: str | None = None
    #: what makes two notes the same one (SD009: saved and requested pixel code), so the
    #: capture records it once however many files or requests carry it
    note_key: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Upstream:
    """Fetch this URL from the network and answer with what comes back (live mode)."""

    url: str


@dataclass(frozen=True)
class Missing:
    """The source lacks the file: answered 404 and reported (SD001)."""

    url: str
    reason: str


SdkAnswer = Answer | Upstream | Missing

_JS = {"content-type": "application/javascript; charset=utf-8"}


#: The line of the emulator that holds what a real events.js embeds for its pixel.
EMULATOR_CONFIG_SLOT = "var CONFIG = {} /* ttq-harness: emulator config */;"


@dataclass(frozen=True)
class EmulatedSdk:
    """The offline emulator as events.js; every other SDK script is an empty stub.

    `first_party_cookies` stands for the pixel's server-side switch (Events Manager's
    first-party cookies, `info.firstPartyCookieEnabled` in a real pixel's events.js): on, the
    emulator sets `_ttp` as soon as consent allows, without the page calling enableCookie().
    """

    emulator: str
    label: str = "emulated"
    forward_beacons: bool = False
    first_party_cookies: bool = False

    def answer(self, url: str) -> SdkAnswer:
        if is_events_loader(url):
            script = self.emulator
            if self.first_party_cookies:
                config = json.dumps({"firstPartyCookieEnabled": True})
                script = script.replace(
                    EMULATOR_CONFIG_SLOT, f"var CONFIG = {config} /* ttq-harness */;", 1
                )
            return Answer(200, _JS, script.encode("utf-8"))
        return Answer(200, _JS, b"/* answered locally by ttq-harness */")


@dataclass(frozen=True)
class PinnedSdk:
    """Files saved from TikTok, served offline from `folder` under their URL paths."""

    folder: Path
    label: str = ""
    forward_beacons: bool = False

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", f"pinned:{self.folder}")

    def file_for(self, url: str) -> Path | None:
        """The saved file for a URL, or None if the URL points outside the folder."""
        path = urlsplit(url).path.lstrip("/")
        root = self.folder.resolve()
        candidate = (root / path).resolve()
        return candidate if candidate.is_relative_to(root) and path else None

    def answer(self, url: str) -> SdkAnswer:
        file = self.file_for(url)
        if file is None or not file.is_file():
            shown = urlsplit(url).path.lstrip("/")
            return Missing(url, f"{shown} is not in the pinned SDK folder {self.folder}")
        body = file.read_bytes()
        # events.js and config.js embed their pixel's config: serve it for the requested one.
        if is_events_loader(url) or is_config(url):
            requested = requested_pixel(url)
            saved = self.saved_pixel_code()
            if requested is not None and saved and requested != saved:
                body = strip_pixel_config(body, requested)
                shown = urlsplit(url).path.lstrip("/")
                note = (
                    f"{shown} was saved for pixel {saved}; served for {requested} without "
                    f"{saved}'s settings (Event Builder rules, name, advertiser, first-party "
                    f"cookies): the capture does not show {requested}'s own Event Builder "
                    "rules or settings"
                )
                body = substitute_pixel_code(body, requested)
                return Answer(200, _JS, body, note, note_key=(saved, requested))
            body = substitute_pixel_code(body, requested)
        return Answer(200, _JS, body)

    def saved_pixel_code(self) -> str:
        """The pixel the folder was saved for: the manifest's, else the one events.js embeds."""
        return self._saved_pixel_code

    @functools.cached_property
    def _saved_pixel_code(self) -> str:
        # Read once: every events.js and config.js request asks, and the pin does not change
        # during a capture. (cached_property writes __dict__ directly, so frozen is fine.)
        try:
            manifest = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
            code = manifest.get("pixel_code") if isinstance(manifest, dict) else None
            if isinstance(code, str) and code:
                return code
        except (OSError, ValueError):
            pass
        try:
            loader = (self.folder / "i18n" / "pixel" / "events.js").read_text(encoding="utf-8")
        except (OSError, ValueError):
            return ""
        found = _PIXEL_CODE_VALUE.search(loader)
        return found.group(1) if found else ""


@dataclass(frozen=True)
class LiveSdk:
    """TikTok's current SDK, fetched for each request (from `origin` when it is set)."""

    origin: str | None = None
    forward_beacons: bool = False
    label: str = field(default="live")

    def upstream(self, url: str) -> str:
        """The URL to fetch for a request on a pixel host."""
        if not self.origin:
            return url
        parts = urlsplit(url)
        query = f"?{parts.query}" if parts.query else ""
        return self.origin.rstrip("/") + parts.path + query

    def answer(self, url: str) -> SdkAnswer:
        return Upstream(self.upstream(url))


@dataclass(frozen=True)
class PullSdk:
    """`sdk pull`: the events.js just saved in `folder`, every other SDK file from `origin`.

    Running it shows which files the SDK asks for, including names it builds at run time
    (main.<variant id>.js from a table, the identify chunk's name) that no text scan finds.
    """

    folder: Path
    origin: str
    label: str = "pull"
    forward_beacons: bool = False

    def answer(self, url: str) -> SdkAnswer:
        if is_events_loader(url):
            loader = self.folder / "i18n" / "pixel" / "events.js"
            return Answer(200, _JS, loader.read_bytes())
        return Upstream(LiveSdk(origin=self.origin).upstream(url))


SdkSource = EmulatedSdk | PinnedSdk | LiveSdk | PullSdk


def requested_pixel(url: str) -> str | None:
    """The pixel code an events.js request asks for (`?sdkid=`), if it looks like one."""
    values = parse_qs(urlsplit(url).query).get("sdkid", [])
    return values[0] if values and _SDKID.fullmatch(values[0]) else None


def substitute_pixel_code(body: bytes, code: str | None) -> bytes:
    """events.js with its embedded `"pixelCode":"…"` set to `code`, as TikTok serves it."""
    if code is None:
        return body
    text = body.decode("utf-8", errors="surrogateescape")
    replaced = _PIXEL_CODE_FIELD.sub(lambda m: m.group(1) + json.dumps(code), text)
    return replaced.encode("utf-8", errors="surrogateescape")


def is_config(url: str) -> bool:
    """config.js: a pixel's config, fetched by the SDK for pixels events.js did not embed."""
    return urlsplit(url).path == "/i18n/pixel/config.js"


def strip_pixel_config(body: bytes, pixel_code: str) -> bytes:
    """events.js / config.js without the saved pixel's own settings, for pixel `pixel_code`.

    In each embedded config object (a JSON object whose own `info` is an object), `info`
    becomes `{"pixelCode": pixel_code, "name": "", "advertiserID": "0"}` (what TikTok embeds
    for a pixel it has no settings for) and `rules` (Event Builder) null. Everything else in
    `info` (firstPartyCookieEnabled, status, setupMode, partner…) is the saved pixel's, and the
    harness cannot know another pixel's offline: absent, the SDK reads it as off. Only the
    config object's own keys change (a `rules` inside `plugins` is the plugin's); values that
    are not JSON (hand-edited files) are left as they are.
    """
    text = body.decode("utf-8", errors="surrogateescape")
    info = json.dumps(
        {"pixelCode": pixel_code, "name": "", "advertiserID": "0"},
        separators=(",", ":"),
        ensure_ascii=False,
    )
    own_keys = (("info", info), ("rules", "null"))
    pieces: list[str] = []
    position = 0
    for start in _OBJECT_START.finditer(text):
        if start.start() < position:
            continue  # inside a config object already rewritten
        parsed = _object_members(text, start.start())
        if parsed is None:
            continue
        members, end = parsed
        own_info = members.get("info")
        if own_info is None or not isinstance(own_info[0], dict):
            continue  # not a config object; one nested in it is still found by the scan
        edits = [(members[k][1], members[k][2], new) for k, new in own_keys if k in members]
        for value_start, value_end, replacement in sorted(edits):  # in text order
            pieces.append(text[position:value_start] + replacement)
            position = value_end
        pieces.append(text[position:end])
        position = end
    pieces.append(text[position:])
    return "".join(pieces).encode("utf-8", errors="surrogateescape")


def _object_members(text: str, start: int) -> tuple[dict[str, tuple[object, int, int]], int] | None:
    """The JSON object at `start`: each own key's (value, value start, value end), and where
    the object ends; None if it is not JSON. Spans let a caller rewrite one value in place."""
    decoder = json.JSONDecoder()
    members: dict[str, tuple[object, int, int]] = {}
    at = _skip_space(text, start + 1)
    if text.startswith("}", at):
        return members, at + 1
    try:
        while True:
            key, at = decoder.raw_decode(text, at)
            at = _skip_space(text, at)
            if not isinstance(key, str) or not text.startswith(":", at):
                return None
            value_start = _skip_space(text, at + 1)
            value, value_end = decoder.raw_decode(text, value_start)
            members[key] = (value, value_start, value_end)  # a repeated key: JSON keeps the last
            at = _skip_space(text, value_end)
            if text.startswith("}", at):
                return members, at + 1
            if not text.startswith(",", at):
                return None
            at = _skip_space(text, at + 1)
    except ValueError:
        return None


def _skip_space(text: str, at: int) -> int:
    """The first position from `at` that is not JSON whitespace."""
    while at < len(text) and text[at] in " \t\n\r":
        at += 1
    return at


def parse_sdk(
    value: str,
    *,
    emulator: str,
    origin: str | None = None,
    forward_beacons: bool = False,
    option: str = "--sdk",
    first_party_cookies: bool = False,
) -> SdkSource:
    """`--sdk VALUE` as a source; a UsageError naming the option and the accepted forms."""
    origin = origin or os.environ.get(ORIGIN_ENV) or None
    if forward_beacons and value != "live":
        raise UsageError(f"--forward-beacons needs {option} live (got {option} {value})")
    if first_party_cookies and value != "emulated":
        raise UsageError(
            f"--first-party-cookies is for {option} emulated (got {option} {value}); TikTok's "
            "own SDK reads the pixel's setting from its config"
        )
    if value == "emulated":
        return EmulatedSdk(emulator, first_party_cookies=first_party_cookies)
    if value == "live":
        if origin is not None and not re.fullmatch(r"https?://[^/\s]+/?", origin):
            raise UsageError(f"--sdk-origin {origin}: expected an origin like http://HOST:PORT")
        return LiveSdk(origin=origin, forward_beacons=forward_beacons)
    folder = Path(value).expanduser()
    if not value or not folder.exists():
        raise UsageError(
            f"{option} {value}: no such folder; expected {SDK_FORMS}"
            if value
            else f"{option}: expected {SDK_FORMS}"
        )
    if not folder.is_dir():
        raise UsageError(f"{option} {value}: not a folder; expected {SDK_FORMS}")
    if not (folder / "i18n" / "pixel" / "events.js").is_file():
        raise UsageError(
            f"{option} {value}: the folder has no i18n/pixel/events.js; save one with "
            "`ttq-harness sdk pull --pixel CODE DIR`"
        )
    return PinnedSdk(folder)


# -- pinned folders: what a saved SDK references, and its manifest ---------------------------

_REFERENCE = re.compile(r"(?<![\w.-])(static/[\w.-]+\.js|config\.js)\b")


def referenced_files(script: str) -> list[str]:
    """SDK files a saved script names, as paths under i18n/pixel/ (main, identify, config)."""
    return list(dict.fromkeys(match.group(1) for match in _REFERENCE.finditer(script)))


def file_digests(folder: Path) -> dict[str, str]:
    """sha256 of every saved SDK file, by its path under the folder (POSIX, sorted)."""
    root = folder / "i18n" / "pixel"
    digests = {}
    for file in sorted(root.rglob("*")) if root.is_dir() else []:
        if file.is_file():
            digests[file.relative_to(folder).as_posix()] = hashlib.sha256(
                file.read_bytes()
            ).hexdigest()
    return digests


def write_manifest(
    folder: Path, *, pixel_code: str, origin: str, library_version: str | None, saved_at: str
) -> dict[str, object]:
    """DIR/ttq-sdk.json: what was pulled, from where, when, and the files' sha256."""
    manifest: dict[str, object] = {
        "pixel_code": pixel_code,
        "origin": origin,
        "saved_at": saved_at,
        "library_version": library_version,
        "files": file_digests(folder),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
