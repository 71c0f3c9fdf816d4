"""HAR files (HTTP Archive 1.2) as captures: the pixel's beacons, decoded and checked. Pure.

A HAR exported from Chrome DevTools, Firefox or Playwright (`record_har_path`) holds every request
a browser made. Requests to the pixel hosts become `RawRequest`s (`index` = position in
`log.entries`) and go through the same decoding and rules as a live capture; requests to other
hosts are counted, not checked. A HAR has no ttq call records, so every wire event is checked on
its own and "call without beacon" (TR002) does not apply.

Exporters often leave request bodies out (sendBeacon bodies especially). An event POST with no
body is never dropped: it becomes an undecodable beacon (TR001) whose reason says so.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from harness import __version__
from harness.core.config import RulesConfig
from harness.core.endpoints import DEFAULT_PIXEL_HOSTS, classify, is_pixel_host
from harness.core.engine import run_rules, sdk_version, wire_events
from harness.core.errors import HarnessError
from harness.core.model import CaptureReport, RawRequest, RequestKind, UndecodableBeacon

#: The "host" that requests with an unparseable URL are counted under.
INVALID_URL = "(invalid URL)"

#: How many other hosts the "other requests ignored" note names.
TOP_HOSTS = 5

MISSING_BODY_REASON = (
    "the HAR has no body for this POST (browser DevTools exports can leave sendBeacon bodies "
    "out), so its events cannot be checked; record the HAR with request bodies, e.g. "
    "Playwright's browser.new_context(record_har_path=...), or capture the page with "
    "`ttq-harness inspect`"
)


class HarError(HarnessError):
    """The file is not a readable HAR. The message starts with the file name; one line."""


@dataclass(frozen=True)
class HarCapture:
    """What a HAR file holds for the pixel: its requests, and what was left out."""

    #: The HAR file, as the user named it.
    source: str
    creator: str | None
    browser: str | None
    page_urls: list[str]
    entries: int
    requests: list[RawRequest]
    #: Indexes of event POSTs the HAR has no body for.
    missing_bodies: frozenset[int] = frozenset()
    #: Requests to other hosts, by host ("www." left out), most first.
    other_hosts: dict[str, int] = field(default_factory=dict)
    #: CORS preflights (OPTIONS) to the pixel hosts: not events, skipped.
    preflights: int = 0
    hosts: tuple[str, ...] = DEFAULT_PIXEL_HOSTS

    @property
    def other_requests(self) -> int:
        return sum(self.other_hosts.values())

    @property
    def event_requests(self) -> int:
        return sum(1 for request in self.requests if request.kind is RequestKind.EVENT)

    def notes(self) -> list[str]:
        """What the command says about the file before the events: one line each."""
        made_by = f" from {self.creator}" if self.creator else ""
        if self.browser:
            made_by += f" ({self.browser})"
        lines = [
            f"HAR {self.source}: {self.entries:,} request(s){made_by}; "
            f"{len(self.requests):,} to the pixel hosts ({self.event_requests:,} event "
            f"beacon(s)), {self.other_requests:,} to other hosts"
        ]
        if not self.requests:
            lines.append(
                f"no requests to the pixel hosts ({', '.join(self.hosts)}): was the pixel "
                "blocked, or does the site send to another host (--pixel-host HOST)?"
            )
        if self.other_hosts:
            top = list(self.other_hosts.items())[:TOP_HOSTS]
            rest = len(self.other_hosts) - len(top)
            named = ", ".join(f"{host}: {count:,}" for host, count in top)
            more = f", {rest} more host(s)" if rest else ""
            lines.append(f"{self.other_requests:,} other request(s) ignored ({named}{more})")
        if self.missing_bodies:
            lines.append(
                f"{len(self.missing_bodies)} event beacon(s) have no body in the HAR and are "
                "reported as TR001 undecodable-beacon: export the HAR with request bodies "
                "(Playwright's record_har_path keeps sendBeacon bodies)"
            )
        if self.preflights:
            lines.append(f"{self.preflights} CORS preflight (OPTIONS) request(s) skipped")
        return lines


def load_har(path: Path, *, hosts: Sequence[str] = DEFAULT_PIXEL_HOSTS) -> HarCapture:
    """Read a HAR file. Raises HarError (one line, naming the file) when it is not one."""
    if not path.exists():
        raise HarError(f"{path}: no such file")
    if path.is_dir():
        raise HarError(f"{path}: is a directory, not a HAR file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise HarError(f"{path}: cannot read it ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise HarError(
            f"{path}: not a HAR file: not UTF-8 text (byte {exc.start}); "
            "a HAR is JSON, as exported from the browser's Network panel"
        ) from exc
    if not text.strip():
        raise HarError(f"{path}: not a HAR file: the file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HarError(
            f"{path}: not a HAR file: invalid JSON ({exc.msg} at line {exc.lineno} "
            f"column {exc.colno})"
        ) from exc
    except RecursionError:
        raise HarError(f"{path}: not a HAR file: JSON nested too deeply to read") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise HarError(f"{path}: not a HAR file: {' '.join(str(exc).split())}") from None
    return parse_har(data, source=str(path), hosts=hosts)


def parse_har(data: Any, *, source: str, hosts: Sequence[str] = DEFAULT_PIXEL_HOSTS) -> HarCapture:
    """A parsed HAR document as a capture. `source` names it in messages."""
    log = data.get("log") if isinstance(data, dict) else None
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        what = (
            f"top-level keys: {', '.join(_key(key) for key in list(data)[:6]) or 'none'}"
            if isinstance(data, dict)
            else f"a JSON {type(data).__name__}"
        )
        raise HarError(f"{source}: not a HAR file: no log.entries ({what})")
    entries: list[Any] = log["entries"]
    pages = _pages(log.get("pages"))
    host_list = tuple(hosts)
    requests: list[RawRequest] = []
    missing: set[int] = set()
    others: Counter[str] = Counter()
    preflights = 0
    documents: list[tuple[str, str | None]] = []  # (url, pageref) of page loads so far
    for position, entry in enumerate(entries):
        method, url = _request_line(entry, position, source)
        request = entry["request"]
        pageref = entry.get("pageref") if isinstance(entry.get("pageref"), str) else None
        if not _valid_url(url):
            others[INVALID_URL] += 1
            continue
        if not is_pixel_host(url, host_list):
            others[_host_label(url)] += 1
            if _is_document(entry, method):
                documents.append((url, pageref))
            continue
        if method == "OPTIONS":
            preflights += 1
            continue
        headers = _headers(request.get("headers"))
        body = _body(request.get("postData"))
        kind, endpoint = classify(url)
        if kind is RequestKind.EVENT and method == "POST" and not body:
            missing.add(position)
        requests.append(
            RawRequest(
                index=position,
                timestamp=_timestamp(entry.get("startedDateTime")),
                method=method,
                url=url,
                headers=headers,
                body=body or None,
                body_origin="request" if body else "none",
                kind=kind,
                endpoint=endpoint,
                page_url=_page_url(headers.get("referer"), pageref, documents, pages),
            )
        )
    return HarCapture(
        source=source,
        creator=_name_version(log.get("creator")),
        browser=_name_version(log.get("browser")),
        page_urls=[url for url in pages.values() if url],
        entries=len(entries),
        requests=requests,
        missing_bodies=frozenset(missing),
        other_hosts=dict(sorted(others.items(), key=lambda item: (-item[1], item[0]))),
        preflights=preflights,
        hosts=host_list,
    )


def har_report(
    capture: HarCapture,
    *,
    config: RulesConfig | None = None,
    harness_version: str = __version__,
) -> CaptureReport:
    """The CaptureReport of a HAR: every wire event decoded and checked, as a live capture's.

    This is `engine.build_report` with no calls and no sendBeacon notes (what a HAR has), except
    that a body the HAR left out is reported as such rather than as an empty body.
    """
    settings = config or RulesConfig()
    events, undecodable = wire_events(capture.requests)
    undecodable = [
        UndecodableBeacon(request=item.request, reason=MISSING_BODY_REASON)
        if item.request.index in capture.missing_bodies
        else item
        for item in undecodable
    ]
    findings = run_rules(
        events,
        requests=capture.requests,
        undecodable=undecodable,
        config=settings,
        check_delivery=False,
    )
    return CaptureReport(
        harness_version=harness_version,
        sdk="har",
        profile=settings.profile,
        sdk_version=sdk_version(events),
        url=capture.source,
        browser=_describe_browser(capture),
        events=events,
        calls=[],
        requests=capture.requests,
        undecodable=undecodable,
        findings=findings,
    )


def lint_har(
    path: Path,
    *,
    hosts: Sequence[str] = DEFAULT_PIXEL_HOSTS,
    config: RulesConfig | None = None,
) -> tuple[CaptureReport, list[str]]:
    """Load, decode and check a HAR file: the report and the notes about the file."""
    capture = load_har(path, hosts=hosts)
    return har_report(capture, config=config), capture.notes()


# -- reading entries ---------------------------------------------------------------------------


def _key(key: str) -> str:
    """A JSON key for a one-line message: as is when plain, else quoted and escaped."""
    return key if key.isprintable() and key.strip() == key and key else json.dumps(key)[:40]


def _request_line(entry: Any, position: int, source: str) -> tuple[str, str]:
    where = f"{source}: log.entries[{position}]"
    if not isinstance(entry, dict):
        raise HarError(f"{where} is a JSON {type(entry).__name__}, not an object")
    request = entry.get("request")
    if not isinstance(request, dict):
        raise HarError(f"{where} has no request object")
    method, url = request.get("method"), request.get("url")
    if not isinstance(url, str) or not url:
        raise HarError(f"{where}.request has no url")
    if not isinstance(method, str) or not method:
        raise HarError(f"{where}.request has no method")
    return method.upper(), url


def _headers(raw: Any) -> dict[str, str]:
    """HAR's [{name, value}] as a dict with lower-case names (as Playwright reports them)."""
    headers: dict[str, str] = {}
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        name, value = item.get("name"), item.get("value")
        if isinstance(name, str) and isinstance(value, str) and not name.startswith(":"):
            headers[name.lower()] = value
    return headers


def _body(post_data: Any) -> str:
    """The request body as text: `text` (base64-decoded when the exporter says so), else the
    form `params`. "" when the HAR has none."""
    if not isinstance(post_data, dict):
        return ""
    text = post_data.get("text")
    if isinstance(text, str) and text:
        if str(post_data.get("encoding", "")).lower() == "base64":
            try:
                return base64.b64decode(text, validate=True).decode("utf-8", errors="replace")
            except (binascii.Error, ValueError):
                return text  # not base64 after all: decode says what is wrong with it
        return text
    params = post_data.get("params")
    if isinstance(params, list) and params:
        pairs = [
            (str(p.get("name", "")), str(p.get("value", ""))) for p in params if isinstance(p, dict)
        ]
        return urlencode(pairs)
    return ""


def _valid_url(url: str) -> bool:
    """False for what urllib cannot split (e.g. `https://[::1/`): counted, never checked."""
    try:
        urlsplit(url)
    except ValueError:
        return False
    return True


def _timestamp(value: Any) -> float:
    if not isinstance(value, str):
        return 0.0
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _host_label(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        return f"({parts.scheme or 'no'} URL)"
    return " ".join(host.removeprefix("www.").split()) or "(blank host)"


def _is_document(entry: dict[str, Any], method: str) -> bool:
    """A page load: Chrome and Playwright say `_resourceType: document`; else an HTML GET."""
    resource_type = entry.get("_resourceType")
    if isinstance(resource_type, str):
        return resource_type == "document"
    response = entry.get("response")
    content = response.get("content") if isinstance(response, dict) else None
    mime = content.get("mimeType") if isinstance(content, dict) else None
    return method == "GET" and isinstance(mime, str) and mime.startswith("text/html")


def _pages(raw: Any) -> dict[str, str | None]:
    """HAR page id -> its URL when the page's title is one (Chrome DevTools titles pages with
    their URL; Playwright with the document title)."""
    pages: dict[str, str | None] = {}
    for page in raw if isinstance(raw, list) else []:
        if isinstance(page, dict) and isinstance(page.get("id"), str):
            title = page.get("title")
            is_url = isinstance(title, str) and title.startswith(("http://", "https://"))
            pages[page["id"]] = title if is_url else None
    return pages


def _page_url(
    referer: str | None,
    pageref: str | None,
    documents: Sequence[tuple[str, str | None]],
    pages: dict[str, str | None],
) -> str | None:
    """The page that sent a request. Browsers send only the origin as Referer to another site
    (strict-origin-when-cross-origin), so the latest page load that the Referer matches is
    preferred, then the Referer itself, then the HAR page's URL."""
    if referer and not _valid_url(referer):
        return referer  # as the browser sent it; no page load can match it
    if referer:
        parts = urlsplit(referer)
        origin_only = parts.path in ("", "/") and not parts.query
        origin = f"{parts.scheme}://{parts.netloc}/"
        for url, doc_pageref in reversed(documents):
            if pageref is not None and doc_pageref is not None and doc_pageref != pageref:
                continue
            if url == referer or (origin_only and url.startswith(origin)):
                return url
        return referer
    return pages.get(pageref) if pageref is not None else None


def _name_version(raw: Any) -> str | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        return None
    version = raw.get("version")
    text = f"{raw['name']} {version}" if isinstance(version, str) and version else raw["name"]
    return " ".join(text.split())[:200] or None  # shown in one-line notes


def _describe_browser(capture: HarCapture) -> str | None:
    if capture.creator and capture.browser:
        return f"{capture.creator} ({capture.browser})"
    return capture.creator or capture.browser
