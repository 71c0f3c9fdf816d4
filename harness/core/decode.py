"""The pixel's wire format: turn an intercepted event request into PixelEvents. Pure.

Bodies are sendBeacon text/plain JSON (POST), or the image-GET fallback
`?analytics_message=<URL-safe base64 of the same JSON>`. A request that cannot be decoded
becomes an UndecodableBeacon with the reason: nothing is dropped.

Memory: the request keeps the body as text, so an event that is the request's only one does
not keep the parsed body too (about 10 KB for a real pixel.js beacon): `PixelEvent.body` is
parsed again from the text the first time it is read, by `wire_body`, and kept from then on.
Strings in what is kept are shared (harness.core.sharing).
"""

from __future__ import annotations

import base64
import binascii
import json
import reprlib
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from harness.core.jsonvalue import TTQ_TYPE, clip
from harness.core.model import PixelEvent, RawRequest, UndecodableBeacon, set_body_decoder
from harness.core.sharing import shared_json, shared_str

#: Actions the SDK sends on its own on /api/v2/pixel/act (auto-config), never from a ttq call.
AUTO_ACTIONS = frozenset({"Click", "Metadata"})


class DecodeError(ValueError):
    """Why a body is not a pixel event. The message is shown to the user."""


def body_json(request: RawRequest) -> Any:
    """The JSON payload of an event request: the POST body, else `analytics_message`."""
    if request.body not in (None, ""):
        return _parse_json(request.body, "request body")
    try:
        query = parse_qs(urlsplit(request.url).query)
    except ValueError as exc:  # e.g. an unbalanced '[' in the host
        raise DecodeError(f"the URL cannot be parsed ({exc}): {_excerpt(request.url)}") from exc
    messages = query.get("analytics_message")
    if not messages:
        raise DecodeError("empty body and no analytics_message query parameter")
    return _parse_json(_decode_base64(messages[0]), "analytics_message")


def _decode_base64(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("{"):  # some proxies send the JSON itself, percent-encoded
        return stripped
    padded = stripped + "=" * (-len(stripped) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
    except (binascii.Error, ValueError) as exc:
        raise DecodeError(f"analytics_message is not base64: {exc}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"analytics_message is not UTF-8 after base64 decoding: {exc}") from exc


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise DecodeError(
            f"{where} is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}): "
            f"{_excerpt(text)}"
        ) from exc
    except RecursionError:
        raise DecodeError(
            f"{where} is JSON nested too deeply to decode: {_excerpt(text)}"
        ) from None


def _parse_int(digits: str) -> int | float:
    """JSON integers as the browser's JavaScript reads them: beyond a float's range they are
    Infinity (and Python's int() refuses more than 4,300 digits)."""
    if len(digits) > _MAX_INT_DIGITS:
        return float(digits)
    return int(digits)


#: Integers up to this many digits stay exact ints; longer ones become floats (or infinity).
_MAX_INT_DIGITS = 300


def _excerpt(text: str, limit: int = 60) -> str:
    """The start of a text for a one-line message (repr escapes newlines)."""
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


def _show(value: Any) -> str:
    """A short repr of any JSON value for a one-line message (bounded in depth and length)."""
    return clip(_SHORT_REPR.repr(value), 100)


_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = _SHORT_REPR.maxlong = 40
_SHORT_REPR.maxlevel = 3


def decode_beacon(request: RawRequest) -> list[PixelEvent] | UndecodableBeacon:
    """Decode one event request (`kind == event`) into one PixelEvent per event it carries."""
    try:
        payload = body_json(request)
        bodies = [_limit_depth(body, 0) for body in _event_bodies(payload)]
        if len(bodies) == 1:  # the body can be found again from the request alone
            return [_event_from_body(bodies[0], request, keep_body=False)]
        return [_event_from_body(shared_json(body), request, keep_body=True) for body in bodies]
    except DecodeError as exc:
        return UndecodableBeacon(request=request, reason=str(exc))


def wire_body(event: PixelEvent) -> dict[str, Any] | None:
    """The body of a wire event decoded without it (the only event of its request), decoded
    again from the request's text: what `decode_beacon` gave, holding the event's own
    `properties` (the same value, from the same text) and shared values (harness.core.sharing).
    PixelEvent calls it once, the first time `body` is read."""
    request = event.request
    if request is None:
        return None
    try:
        bodies = _event_bodies(body_json(request))
    except DecodeError as exc:  # it decoded before: the request is frozen
        raise RuntimeError(f"a decoded beacon no longer decodes: {exc}") from exc
    if len(bodies) != 1:
        raise RuntimeError(f"request {request.index} carries {len(bodies)} events, not one")
    body = _limit_depth(bodies[0], 0)
    if "properties" in body:  # the event's own (equal): kept once
        body = {**body, "properties": event.properties}
    shared: dict[str, Any] = shared_json(body, keep=(id(event.properties),))
    return shared


set_body_decoder(wire_body)


#: Values nested deeper than this in an event body become {"__ttq_type__": "too-deep"}, as the
#: call recorder records call arguments (32 levels below `properties`, which is level 1).
MAX_DEPTH = 33
_TOO_DEEP = {TTQ_TYPE: "too-deep"}


def _limit_depth(value: Any, level: int) -> Any:
    """The value with everything below MAX_DEPTH replaced by the recorder's too-deep marker, so
    no rule has to walk a body of arbitrary depth. Unchanged (the same object) when shallow,
    which is found without copying anything (`_deeper`)."""
    if level == 0 and not _deeper(value, MAX_DEPTH):
        return value
    return _cut(value, level)


def _deeper(value: Any, limit: int) -> bool:
    """Whether an object or array lies `limit` levels down (or deeper). Iterative, containers
    only: a body's leaves are most of its nodes."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, level = stack.pop()
        children: Iterable[Any]
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if level >= limit:
            return True
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return False


def _cut(value: Any, level: int) -> Any:
    if not isinstance(value, dict | list):
        return value
    if level >= MAX_DEPTH:
        return dict(_TOO_DEEP)
    if isinstance(value, dict):
        mapping = {key: _cut(item, level + 1) for key, item in value.items()}
        return mapping if any(mapping[key] is not item for key, item in value.items()) else value
    items = [_cut(item, level + 1) for item in value]
    return items if any(new is not old for new, old in zip(items, value, strict=True)) else value


def _event_bodies(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, dict) and isinstance(payload.get("batch"), list):
        items = payload["batch"]
        if not items:
            raise DecodeError("'batch' is empty")
        for position, item in enumerate(items):
            if not isinstance(item, dict):
                raise DecodeError(f"batch[{position}] is {type(item).__name__}, not an object")
        return [item for item in items if isinstance(item, dict)]
    if not isinstance(payload, dict):
        raise DecodeError(f"body is a JSON {type(payload).__name__}, not an object")
    return [payload]


#: the fields decode gives a wire event (its `model_fields_set`, shared by all of them)
_WIRE_FIELDS = set(PixelEvent.model_fields) - {"call"}


def _event_from_body(body: dict[str, Any], request: RawRequest, *, keep_body: bool) -> PixelEvent:
    action = body.get("action")
    if "event" in body:
        name = body["event"]
    elif action is not None:
        name = action
    else:
        raise DecodeError("body has neither 'event' nor 'action'")
    if not isinstance(name, str):
        raise DecodeError(f"'event' is {type(name).__name__}, not a string: {_show(name)}")
    context = _object(body, "context", required=True)
    pixel = _object(context, "pixel", required=True, path="context.pixel")
    code = pixel.get("code")
    codes_field = pixel.get("codes")
    codes = [c for c in codes_field.split("|") if c] if isinstance(codes_field, str) else []
    if not isinstance(code, str) or not code:
        if not codes:
            raise DecodeError("context.pixel has no 'code' (nor 'codes')")
        code = codes[0]
    if not codes:
        codes = [code]
    page = _object(context, "page", path="context.page")
    library = _object(context, "library", path="context.library")
    user = _object(context, "user", path="context.user")
    event_id = body.get("event_id", "")
    # Every value is of its field's type already (checked above): no validation, which would
    # also copy `user` out of the body. What the event keeps is shared (harness.core.sharing;
    # a kept body is shared already, and sharing a shared value again gives the same one).
    event = PixelEvent.model_construct(
        _WIRE_FIELDS,
        index=request.index,
        source="wire",
        name=shared_str(name),
        pixel_code=shared_str(code),
        pixel_codes=shared_json(codes, share_top=True),
        event_id=event_id if isinstance(event_id, str) else json.dumps(event_id),
        properties=shared_json(body.get("properties", {}), share_top=True),
        user=shared_json(user, share_top=True),
        page_url=_shared_or_none(page.get("url")),
        referrer=_shared_or_none(page.get("referrer")),
        library_name=_shared_or_none(library.get("name")),
        library_version=_shared_or_none(library.get("version")),
        timestamp=_str_or_none(body.get("timestamp")),
        endpoint=request.endpoint,
        auto=action is not None and "event" not in body and name in AUTO_ACTIONS,
        request=request,
        body=body if keep_body else None,
    )
    if not keep_body:
        del event.__dict__["body"]  # read later from the request (PixelEvent.body, wire_body)
    return event


def _object(
    parent: dict[str, Any], key: str, *, required: bool = False, path: str | None = None
) -> dict[str, Any]:
    value = parent.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        what = "missing" if value is None else f"a {type(value).__name__}, not an object"
        raise DecodeError(f"'{path or key}' is {what}")
    return value


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _shared_or_none(value: Any) -> str | None:
    return shared_str(value) if isinstance(value, str) else None
