"""Events API 2.0 requests, checked without a network: what a web event body must hold.

Sources are in /work/shared/reference/tiktok-pixel-rules.md §7 (endpoint, headers, body, built
from TikTok's own server-side GTM template) and §5 (hashing). Where the reference is silent
the check says so in a comment; those bounds are the harness's own, kept loose.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.core.model import RawRequest, RequestKind

#: The Events API 2.0 track path (§7: POST https://business-api.tiktok.com + this).
EVENTS_API_PATH = "/open_api/v1.3/event/track/"
#: `RawRequest.endpoint` of a request the sink received; how rules tell them from beacons.
EVENTS_API_ENDPOINT = "events-api"
#: §7: "max batch size for events 2.0 … 1000" (a comment in RudderStack's config).
MAX_BATCH = 1000
#: §5/§7: hashed user keys, "It must be hashed with SHA-256 on the client side."
HASHED_USER_KEYS = ("email", "phone", "external_id")
#: §7: user keys sent as plain strings.
PLAIN_USER_KEYS = ("ttclid", "ttp", "ip", "user_agent", "locale")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SHA256_ANY_CASE = re.compile(r"[0-9A-Fa-f]{64}")
#: event_time bounds. §7 says only "Unix timestamp" (seconds) and that how far back it may go is
#: UNCONFIRMED, so these are the harness's own plausibility bounds: after 2001-09-09 (10
#: digits), not in milliseconds, and at most an hour ahead of the receiver's clock.
_EARLIEST_EVENT_TIME = 1_000_000_000
_MILLISECONDS_FROM = 100_000_000_000
_FUTURE_TOLERANCE = 3600.0


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an Events API request: where (a JSON path) and what."""

    path: str
    message: str
    received: Any = None


@dataclass(frozen=True)
class ServerEvent:
    """One item of `data[]` as the Events API received it, read leniently (never raises)."""

    request: RawRequest
    position: int  # index in data[]
    pixel_code: str
    name: str
    event_id: str
    event_time: float | None
    user: Mapping[str, Any] = field(default_factory=dict)
    properties: Mapping[str, Any] = field(default_factory=dict)
    page_url: str | None = None
    test_event_code: str | None = None


def events_api_request(
    index: int,
    body: str | None,
    *,
    timestamp: float,
    url: str = "http://127.0.0.1" + EVENTS_API_PATH,
    method: str = "POST",
    headers: Mapping[str, str] | None = None,
) -> RawRequest:
    """A request the sink received, as a RawRequest (kind other, endpoint `events-api`)."""
    return RawRequest(
        index=index,
        timestamp=timestamp,
        method=method,
        url=url,
        headers=dict(headers or {}),
        body=body,
        body_origin="request" if body is not None else "none",
        kind=RequestKind.OTHER,
        endpoint=EVENTS_API_ENDPOINT,
        page_url=None,
    )


def is_events_api_request(request: RawRequest) -> bool:
    return request.endpoint == EVENTS_API_ENDPOINT


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def parse_body(text: str | None) -> tuple[Any, Problem | None]:
    """The JSON body, or the problem that stops reading it."""
    if not text:
        return None, Problem("body", "the body is empty; send the Events API JSON body")
    try:
        return json.loads(text), None
    except (ValueError, RecursionError) as exc:  # ValueError: also numbers of 4,300+ digits
        reason = (
            exc.msg
            if isinstance(exc, json.JSONDecodeError)
            else "nested too deeply"
            if isinstance(exc, RecursionError)
            else str(exc).split(";")[0]
        )
        return None, Problem("body", f"the body is not JSON ({reason})", text[:200])


def validate_request(request: RawRequest) -> list[Problem]:
    """Everything wrong with one request: method, path, headers, then the body."""
    problems: list[Problem] = []
    path = request.url.split("://", 1)[-1].partition("/")[2].partition("?")[0]
    if "/" + path != EVENTS_API_PATH:
        problems.append(
            Problem("url", f"not the Events API track path {EVENTS_API_PATH}", "/" + path)
        )
    if request.method.upper() != "POST":
        problems.append(Problem("method", "the Events API takes POST", request.method))
    if not (_header(request.headers, "Access-Token") or "").strip():
        problems.append(Problem("headers.Access-Token", "the Access-Token header is missing"))
    content_type = _header(request.headers, "Content-Type") or ""
    if "application/json" not in content_type.lower():
        problems.append(
            Problem("headers.Content-Type", "Content-Type must be application/json", content_type)
        )
    body, unreadable = parse_body(request.body)
    if unreadable is not None:
        return [*problems, unreadable]
    return [*problems, *validate_body(body, now=request.timestamp)]


def validate_body(body: Any, *, now: float) -> list[Problem]:
    """Problems in an Events API 2.0 body for web events (§7). `now`: when it arrived."""
    if not isinstance(body, dict):
        return [Problem("body", f"the body is {_kind(body)}, not a JSON object")]
    problems: list[Problem] = []
    if body.get("event_source") != "web":
        problems.append(
            Problem(
                "event_source",
                "event_source must be 'web' for website events",
                body.get("event_source"),
            )
        )
    source_id = body.get("event_source_id")
    if not isinstance(source_id, str) or not source_id.strip():
        problems.append(
            Problem("event_source_id", "event_source_id must be the pixel code", source_id)
        )
    for key in ("test_event_code", "partner_name"):
        if key in body and not isinstance(body[key], str):
            problems.append(Problem(key, f"{key} must be a string", body[key]))
    data = body.get("data")
    if not isinstance(data, list) or not data:
        problems.append(Problem("data", "data must be a non-empty list of events", data))
        return problems
    if len(data) > MAX_BATCH:
        problems.append(Problem("data", f"more than {MAX_BATCH} events in one batch", len(data)))
    for position, item in enumerate(data):
        problems.extend(_validate_event(item, f"data[{position}]", now))
    return problems


def _validate_event(item: Any, where: str, now: float) -> list[Problem]:
    if not isinstance(item, dict):
        return [Problem(where, f"each event must be a JSON object, not {_kind(item)}")]
    problems: list[Problem] = []
    name = item.get("event")
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(f"{where}.event", "event must be the event name", name))
    problems.extend(_validate_event_time(item.get("event_time"), f"{where}.event_time", now))
    if "event_id" in item and not isinstance(item["event_id"], str):
        problems.append(
            Problem(f"{where}.event_id", "event_id must be a string (§6)", item["event_id"])
        )
    for key in ("user", "properties", "page"):
        if key in item and not isinstance(item[key], dict):
            problems.append(Problem(f"{where}.{key}", f"{key} must be a JSON object", item[key]))
    user = item.get("user")
    if isinstance(user, dict):
        problems.extend(_validate_user(user, f"{where}.user"))
    page = item.get("page")
    if isinstance(page, dict):
        for key in ("url", "referrer"):
            if key in page and not isinstance(page[key], str):
                problems.append(
                    Problem(f"{where}.page.{key}", f"page.{key} must be a string", page[key])
                )
    properties = item.get("properties")
    if isinstance(properties, dict):
        value = properties.get("value")
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if "value" in properties and not numeric:
            problems.append(Problem(f"{where}.properties.value", "value must be a number", value))
        currency = properties.get("currency")
        if "currency" in properties and not (
            isinstance(currency, str) and re.fullmatch(r"[A-Z]{3}", currency)
        ):
            problems.append(
                Problem(
                    f"{where}.properties.currency",
                    "currency must be an ISO 4217 code (§7)",
                    currency,
                )
            )
        if "contents" in properties and not isinstance(properties["contents"], list):
            problems.append(
                Problem(
                    f"{where}.properties.contents",
                    "contents must be a list",
                    properties["contents"],
                )
            )
    if "limited_data_use" in item and not isinstance(item["limited_data_use"], bool):
        problems.append(
            Problem(
                f"{where}.limited_data_use",
                "limited_data_use must be true or false",
                item["limited_data_use"],
            )
        )
    return problems


def _as_seconds(value: Any) -> float | None:
    """A JSON number as a finite float, else None (bools, strings, NaN, huge integers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        seconds = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return seconds if math.isfinite(seconds) else None


def _validate_event_time(value: Any, where: str, now: float) -> list[Problem]:
    if _as_seconds(value) is None:
        shown = (
            f"<an integer of {len(str(abs(value)))} digits>"
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**30
            else value
        )
        return [Problem(where, "event_time must be a Unix time in seconds (a number)", shown)]
    if value >= _MILLISECONDS_FROM:
        return [Problem(where, "event_time looks like milliseconds; send seconds", value)]
    if value < _EARLIEST_EVENT_TIME:
        return [Problem(where, "event_time is not a plausible Unix time in seconds", value)]
    if value > now + _FUTURE_TOLERANCE:
        return [Problem(where, f"event_time is {value - now:.0f} s in the future", value)]
    return []


def _validate_user(user: dict[str, Any], where: str) -> list[Problem]:
    problems: list[Problem] = []
    for key in HASHED_USER_KEYS:
        if key not in user:
            continue
        value = user[key]
        path = f"{where}.{key}"
        if not isinstance(value, str):
            problems.append(Problem(path, f"{key} must be a SHA-256 hex string", value))
        elif _SHA256.fullmatch(value):
            continue
        elif _SHA256_ANY_CASE.fullmatch(value):
            problems.append(
                Problem(path, f"{key} is a SHA-256 hash in upper case; send lower-case hex", value)
            )
        else:
            problems.append(
                Problem(
                    path,
                    f"{key} is not hashed; send the lower-case hex SHA-256 of the normalised "
                    "value (§5: 'It must be hashed with SHA-256 on the client side')",
                    value,
                )
            )
    if "phone_number" in user:
        problems.append(
            Problem(
                f"{where}.phone_number",
                "phone_number is the Events API 1.0 key; 2.0 uses 'phone' (§7)",
                user["phone_number"],
            )
        )
    for key in PLAIN_USER_KEYS:
        if key in user and not isinstance(user[key], str):
            problems.append(Problem(f"{where}.{key}", f"{key} must be a string", user[key]))
    return problems


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    names = {list: "a JSON list", str: "a string", bool: "a boolean", int: "a number"}
    return names.get(type(value), "a number" if isinstance(value, float) else type(value).__name__)


def server_events(request: RawRequest) -> list[ServerEvent]:
    """The events in one Events API request, read leniently: what TikTok would try to use.

    Items that are not objects or have no event name are skipped (EA001 reports them).
    """
    body, unreadable = parse_body(request.body)
    if unreadable is not None or not isinstance(body, dict):
        return []
    data = body.get("data")
    source_id = body.get("event_source_id")
    test_code = body.get("test_event_code")
    events = []
    for position, item in enumerate(data if isinstance(data, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get("event"), str):
            continue
        when = item.get("event_time")
        event_id = item.get("event_id")
        page = item.get("page")
        page_url = page.get("url") if isinstance(page, dict) else None
        events.append(
            ServerEvent(
                request=request,
                position=position,
                pixel_code=source_id if isinstance(source_id, str) else "",
                name=item["event"],
                event_id=event_id if isinstance(event_id, str) else "",
                event_time=_as_seconds(when),
                user=item["user"] if isinstance(item.get("user"), dict) else {},
                properties=item["properties"] if isinstance(item.get("properties"), dict) else {},
                page_url=page_url if isinstance(page_url, str) else None,
                test_event_code=test_code if isinstance(test_code, str) else None,
            )
        )
    return events
