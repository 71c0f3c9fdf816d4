"""ID: identity. Personal data where it must not be, and ttq.identify() mistakes.

TikTok wants e-mail addresses and phone numbers only through ttq.identify() (the pixel hashes
them with SHA-256 before they leave the browser) or already hashed (rules §5). Anywhere else
(event properties, page URLs, event names) they reach TikTok in plain text (rules §8).

Why one module over 500 lines: it is one rule family (9 ID rules) and the personal-data
detectors they share; each rule's documentation is most of its lines.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from harness.core.jsonvalue import TTQ_TYPE, show
from harness.core.model import PixelEvent, TtqCall
from harness.core.pii import (
    MIN_EMAIL_LEN,
    SHA256,
    SHA256_ANY_CASE,
    classify,
    find_email,
    is_hash,
    mask_email,
    mask_found,
)
from harness.core.rules._registry import Issue, RuleContext, rule
from harness.core.tiktok import IDENTIFY_KEYS

# ------------------------------------------------------------------ patterns (compiled once)

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_MAX_DEPTH = 8

#: Common wrong identify() keys -> the key TikTok reads (rules §5).
_IDENTIFY_ALIASES: dict[str, str] = {
    "phone": "phone_number",
    "phonenumber": "phone_number",
    "mobile": "phone_number",
    "tel": "phone_number",
    "telephone": "phone_number",
    "mail": "email",
    "e_mail": "email",
    "email_address": "email",
    "userid": "external_id",
    "user_id": "external_id",
    "id": "external_id",
    "customer_id": "external_id",
    "externalid": "external_id",
    "hashed_email": "sha256_email",
    "email_sha256": "sha256_email",
    "hashed_phone": "sha256_phone_number",
    "phone_sha256": "sha256_phone_number",
    "zip": "zip_code",
    "zipcode": "zip_code",
    "postal_code": "zip_code",
    "postcode": "zip_code",
    "firstname": "first_name",
    "lastname": "last_name",
}


def _child_path(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{show(part)}]"
    return out


def _leaf(text: str, key: str | None, parts: list[str | int], out: list[Issue]) -> None:
    found = classify(text, key)
    if found is None:
        return
    what, masked = found
    path = _child_path(parts)
    out.append(
        Issue(
            message=f'{path} holds {what} ("{masked}")',
            path=path,
            expected="no personal data in properties (send it hashed via ttq.identify)",
            received=text,
        )
    )


def _walk(value: Any, parts: list[str | int], depth: int, out: list[Issue]) -> None:
    """Check every string under `value` (a dict or list); `parts` is its path."""
    if depth >= _MAX_DEPTH:
        return
    if type(value) is dict:
        for key, child in value.items():
            kind = type(child)
            if kind is str:
                if len(child) >= MIN_EMAIL_LEN:
                    parts.append(str(key))
                    _leaf(child, str(key), parts, out)
                    parts.pop()
            elif kind is dict or kind is list:
                parts.append(str(key))
                _walk(child, parts, depth + 1, out)
                parts.pop()
    elif type(value) is list:
        for position, child in enumerate(value):
            kind = type(child)
            if kind is str:
                if len(child) >= MIN_EMAIL_LEN:
                    parts.append(position)
                    _leaf(child, None, parts, out)
                    parts.pop()
            elif kind is dict or kind is list:
                parts.append(position)
                _walk(child, parts, depth + 1, out)
                parts.pop()


# ------------------------------------------------------------------ ID001-ID003: plain PII


@rule(
    "ID001",
    "pii-in-properties",
    severity="error",
    fix="Remove e-mail addresses and phone numbers from event properties; pass them to "
    "ttq.identify() so the pixel hashes them.",
)
def pii_in_properties(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """An event property holds a plain e-mail address or phone number.

    Why:
        Properties are sent as they are: a plain address or number reaches TikTok unhashed,
        which TikTok's data terms forbid (rules §8). Match keys belong in ttq.identify(), whose
        values the pixel hashes with SHA-256 in the browser (rules §5).

    Bad:
        ttq.track('CompleteRegistration', {content_name: 'signup', email: 'jane@example.com'})

    Good:
        ttq.identify({email: 'jane@example.com'});
        ttq.track('CompleteRegistration', {content_name: 'signup'})
    """
    props = event.properties
    if not isinstance(props, str | dict | list) or not props:
        return iter(())
    found: list[Issue] = []
    if isinstance(props, str):
        _leaf(props, None, ["properties"], found)
    else:
        _walk(props, ["properties"], 0, found)
    return iter(found)


@functools.lru_cache(maxsize=4096)  # many events share a page URL; Issue is immutable
def _url_issue(url: str, path: str) -> Issue | None:
    """An issue when the URL carries an e-mail address or phone number (path, query, fragment)."""
    if "@" not in url and "%40" not in url and "?" not in url and "#" not in url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    email = find_email(unquote(parts.path))
    if email is not None:
        return _pii_url_issue(url, path, "an e-mail address", mask_email(email))
    for chunk in (parts.query, parts.fragment):
        if not chunk:
            continue
        for key, value in parse_qsl(chunk):
            found = classify(value, key)
            if found is None and value.startswith(" "):
                # an unencoded '+' decodes as a space: retry '?ref=+12025550123' as written
                found = classify("+" + value[1:], key)
            if found is not None:
                what, masked = found
                return _pii_url_issue(url, path, _IN_URL[what], masked)
        email = find_email(unquote(chunk))
        if email is not None:
            return _pii_url_issue(url, path, "an e-mail address", mask_email(email))
    return None


_IN_URL = {"a plain e-mail address": "an e-mail address", "a plain phone number": "a phone number"}


def _pii_url_issue(url: str, path: str, what: str, masked: str) -> Issue:
    return Issue(
        message=f'{path} contains {what} ("{masked}")',
        path=path,
        expected="a URL without personal data",
        received=url,
    )


@rule(
    "ID002",
    "pii-in-page-url",
    severity="error",
    fix="Keep e-mail addresses and phone numbers out of URLs: post forms instead of GET, and "
    "strip such query parameters before the pixel loads.",
)
def pii_in_page_url(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """The page URL (or referrer) of an event contains an e-mail address or phone number.

    Why:
        The pixel sends the full page URL and referrer with every event, so personal data in
        a query string (a GET form, a confirmation link) reaches TikTok in plain text. TikTok
        names "URLs … and UTM parameters" among the places to keep prohibited data out of
        (rules §8).

    Bad:
        https://shop.example/thank-you.html?email=jane%40example.com

    Good:
        https://shop.example/thank-you.html?order=lq2x9a7b
    """
    if event.page_url:
        issue = _url_issue(event.page_url, "page_url")
        if issue is not None:
            yield issue
    if event.source == "wire" and event.referrer:
        issue = _url_issue(event.referrer, "context.page.referrer")
        if issue is not None:
            yield issue


@rule(
    "ID003",
    "pii-in-event-name",
    severity="error",
    fix="Use a fixed event name; send who the visitor is through ttq.identify().",
    per_name=True,
)
def pii_in_event_name(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """The event name contains an e-mail address or phone number.

    Why:
        Event names are sent and stored in plain text and shown in Events Manager; a name
        built from visitor input leaks personal data and creates one custom event per visitor
        (rules §8).

    Bad:
        ttq.track('signup_' + email)   // "signup_jane@example.com"

    Good:
        ttq.identify({email}); ttq.track('CompleteRegistration')
    """
    name = event.name
    if not isinstance(name, str) or len(name) < MIN_EMAIL_LEN:
        return
    found = classify(name, None)
    if found is not None:
        what, masked = found
        yield Issue(
            message=f'event name holds {what} ("{masked}")',
            path="event",
            expected="an event name without personal data",
            received=name,
        )


# ------------------------------------------------------------------ ID004-ID007: identify


def _identify_objects(call: TtqCall) -> Iterator[tuple[int, dict[str, Any]]]:
    """The object arguments of an identify call, with their position."""
    for position, arg in enumerate(call.args):
        if isinstance(arg, dict) and TTQ_TYPE not in arg:
            yield position, arg


def _absent(value: Any) -> bool:
    """null, undefined or '': the SDK ignores these."""
    return (
        value is None
        or value == ""
        or (isinstance(value, dict) and value.get(TTQ_TYPE) == "undefined")
    )


def _not_a_hash(value: Any) -> str:
    """Why `value` is not a SHA-256 digest, with personal data masked."""
    if isinstance(value, str):
        if SHA256_ANY_CASE.fullmatch(value):
            return f'"{value[:12]}…" is upper-case hex; TikTok expects lower-case'
        return f'"{mask_found(value)}" is not a SHA-256 digest (64 lower-case hex characters)'
    return f"{show(value)} is not a SHA-256 digest (64 lower-case hex characters)"


@rule(
    "ID004",
    "identify-hash-invalid",
    severity="error",
    scope="capture",
    fix="Pass sha256_email / sha256_phone_number as the lower-case hex SHA-256 of the normalised "
    "value, or pass the plain value as email / phone_number and let the pixel hash it.",
)
def identify_hash_invalid(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """ttq.identify() got a sha256_email or sha256_phone_number that is not a SHA-256 digest.

    Why:
        The pixel sends sha256_* values as they are, assuming they are hashed. A plain address
        under a sha256_ key leaves unhashed; any other non-digest matches nobody (rules §5:
        TikTok's GTM template rejects values that are not 64 hex characters).

    Bad:
        ttq.identify({sha256_email: 'jane@example.com'})

    Good:
        ttq.identify({sha256_email: sha256Hex(email.trim().toLowerCase())})  // 64 hex chars
    """
    for call in ctx.calls:
        if call.method != "identify":
            continue
        for position, arg in _identify_objects(call):
            for key in ("sha256_email", "sha256_phone_number"):
                if key not in arg:
                    continue
                value = arg[key]
                if _absent(value) or is_hash(value):
                    continue
                yield Issue(
                    message=f"identify() args[{position}].{key}: {_not_a_hash(value)}",
                    path=f"args[{position}].{key}",
                    expected="64 lower-case hex characters",
                    received=value,
                    call=call,
                )


@rule(
    "ID005",
    "unhashed-identity-on-wire",
    severity="error",
    applies_to="wire",
    fix="Let the pixel hash identity (ttq.identify with email / phone_number), or hash with "
    "SHA-256 yourself; never write plain values into context.user.",
)
def unhashed_identity_on_wire(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """A beacon's context.user.email or phone_number is not a SHA-256 digest.

    Why:
        The pixel hashes e-mail and phone in the browser before sending them (rules §5). A
        plain value on the wire means something bypassed the pixel (a hand-built beacon, a tag
        manager) and sent personal data in clear text. external_id is sent as given by design
        and is not checked.

    Bad:
        {"context": {"user": {"email": "jane@example.com"}}}

    Good:
        {"context": {"user": {"email": "8c87b489ce35cf2e…43b52d"}}}   // 64 lower-case hex
    """
    user = event.user
    if not user:
        return
    for key in ("email", "phone_number"):
        value = user.get(key)
        if _absent(value) or is_hash(value):
            continue
        yield Issue(
            message=f"context.user.{key}: {_not_a_hash(value)}",
            path=f"context.user.{key}",
            expected="64 lower-case hex characters",
            received=value,
        )


def _suggest_identify_key(key: str) -> str | None:
    normal = _CAMEL.sub("_", key).lower().replace("-", "_")
    if normal in IDENTIFY_KEYS:
        return normal
    compact = normal.replace("_", "")
    alias = _IDENTIFY_ALIASES.get(normal) or _IDENTIFY_ALIASES.get(compact)
    if alias is not None:
        return alias
    close = difflib.get_close_matches(normal, sorted(IDENTIFY_KEYS), n=1, cutoff=0.6)
    if close:
        return close[0]
    starts = sorted(k for k in IDENTIFY_KEYS if len(normal) >= 4 and k.startswith(normal))
    return starts[0] if starts else None


@rule(
    "ID006",
    "identify-unknown-key",
    severity="warning",
    scope="capture",
    fix="Use the keys ttq.identify() reads: email, phone_number, external_id, sha256_email, "
    "sha256_phone_number (and first_name, last_name, city, state, country, zip_code).",
)
def identify_unknown_key(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """ttq.identify() got an object key the pixel does not read.

    Why:
        The pixel silently drops keys it does not know: identify({phone: …}) sends no phone
        number and the match key is lost (rules §5 lists the accepted fields).
        identify('abc') and identify(123) are valid shorthands for external_id.

    Bad:
        ttq.identify({mail: 'jane@example.com', phone: '+12133734253'})

    Good:
        ttq.identify({email: 'jane@example.com', phone_number: '+12133734253'})
    """
    for call in ctx.calls:
        if call.method != "identify":
            continue
        for position, arg in _identify_objects(call):
            for key in arg:
                if key in IDENTIFY_KEYS:
                    continue
                suggestion = _suggest_identify_key(str(key))
                hint = f"; did you mean {suggestion!r}?" if suggestion else ""
                yield Issue(
                    message=f"identify() args[{position}] has key {show(key)}, which the pixel "
                    f"ignores{hint}",
                    path=f"args[{position}].{key}",
                    expected=suggestion or sorted(IDENTIFY_KEYS),
                    received=key,
                    call=call,
                )


#: Payment events the pixel's "Missing email and phone number" warning is about (rules §4.5).
_PAYMENT_EVENTS = frozenset({"CompletePayment", "Purchase"})


@rule(
    "ID007",
    "purchase-without-match-keys",
    severity="info",
    applies_to="wire",
    fix="Call ttq.identify({email, phone_number}) before the purchase event (checkout forms "
    "usually have both).",
)
def purchase_without_match_keys(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """A purchase beacon carries neither a hashed e-mail nor a phone number.

    Why:
        Without match keys TikTok can attribute fewer purchases. The pixel itself warns
        "Missing email and phone number … This information is required for Complete Payment
        events." (rules §4.5).

    Bad:
        ttq.track('CompletePayment', {value: 9.2, currency: 'USD'})   // no identify() before

    Good:
        ttq.identify({email: 'jane@example.com', phone_number: '+12133734253'});
        ttq.track('CompletePayment', {value: 9.2, currency: 'USD'})
    """
    if event.name not in _PAYMENT_EVENTS and event.name not in ctx.profile.purchase_events:
        return
    user = event.user
    if not _absent(user.get("email")) or not _absent(user.get("phone_number")):
        return
    yield Issue(
        message=f"{show(event.name)} was sent without context.user.email or phone_number",
        path="context.user",
        expected="context.user.email or context.user.phone_number",
        received=user,
    )


# ------------------------------------------------------------------ ID008-ID009: the whole beacon

#: Parts of a beacon other rules already read: properties (ID001), context.page.url (ID002),
#: the event name (ID003), context.user.email / phone_number (ID005).
_BODY_SKIPPED = frozenset({"properties", "event"})


def _body_rest(body: dict[str, Any]) -> dict[str, Any]:
    """The beacon body without the fields other ID rules check."""
    rest = {key: value for key, value in body.items() if key not in _BODY_SKIPPED}
    context = rest.get("context")
    if isinstance(context, dict):
        context = dict(context)
        page = context.get("page")
        if isinstance(page, dict):
            # the referrer is a URL: read with the URL check below, not as plain text
            context["page"] = {k: v for k, v in page.items() if k not in ("url", "referrer")}
        user = context.get("user")
        if isinstance(user, dict):
            context["user"] = {k: v for k, v in user.items() if k not in ("email", "phone_number")}
        rest["context"] = context
    return rest


def _wire_bodies(ctx: RuleContext) -> Iterator[tuple[PixelEvent, dict[str, Any]]]:
    for event in ctx.wire_events:
        if event.body is not None:
            yield event, event.body


@rule(
    "ID008",
    "pii-in-beacon",
    severity="error",
    scope="capture",
    fix="Find where the value comes from (page title or meta tags, a button's text, "
    "identify's external_id, a tag manager field) and keep personal data out of it.",
)
def pii_in_beacon(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """A beacon carries a plain e-mail address or phone number outside its properties.

    Why:
        The pixel sends more than the event's properties: the page's metadata (title, Open
        Graph, JSON-LD in /act Metadata `content_data`), the text of clicked buttons (/act
        Click `auto_collected_properties`), external_id as given, the referrer. Personal data
        in any of them reaches TikTok in plain text (rules §8). Each value is reported once,
        at the first beacon that carries it.

    Bad:
        <title>Order confirmed for jane@example.com</title>   // sent in /act Metadata

    Good:
        <title>Order confirmed</title>
    """
    canonical_wire = {event.index for event in events if event.source == "wire"}
    seen: set[tuple[str, str]] = set()
    for event, body in _wire_bodies(ctx):
        found: list[Issue] = []
        _walk(_body_rest(body), [], 0, found)
        if event.index not in canonical_wire and event.referrer:  # else ID002 read it
            referrer = _url_issue(event.referrer, "context.page.referrer")
            if referrer is not None:
                found.append(referrer)
        for issue in found:
            key = (issue.path, str(issue.received))
            if key in seen:
                continue
            seen.add(key)
            yield dataclasses.replace(
                issue,
                message=f"the beacon's {issue.message} ({event.name} to {event.pixel_code})",
                expected="no personal data anywhere in the beacon",
                event=event,
            )


def _external_ids(value: Any) -> Iterator[str]:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        yield str(value).strip()


@rule(
    "ID009",
    "external-id-in-clear",
    severity="info",
    scope="capture",
    fix="If external_id is something you would not publish (a customer number, a login), "
    "pass its SHA-256 instead: the pixel sends external_id as given.",
)
def external_id_in_clear(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """external_id leaves the browser as given, not hashed.

    Why:
        The pixel hashes e-mail and phone numbers but sends external_id exactly as passed to
        ttq.identify() (wire-format §4: `external_id:'123456'` in a real capture). TikTok's
        own GTM template accepts it pre-hashed under the same key, and the Events API wants
        it SHA-256 hashed (rules §5, §7). Information: reported once per value; values that
        are e-mail addresses or phone numbers are ID008.

    Bad:
        ttq.identify({external_id: 'customer-1042'})

    Good:
        ttq.identify({external_id: sha256Hex('customer-1042')})
    """
    seen: set[str] = set()

    def issue(value: str, path: str, **where: Any) -> Iterator[Issue]:
        if not value or value in seen or SHA256.fullmatch(value) or classify(value, None):
            return
        seen.add(value)
        yield Issue(
            message=f'external_id "{mask_found(value)}" is sent in clear '
            "(the pixel does not hash it)",
            path=path,
            expected="a SHA-256 digest, if the id is not meant to be public",
            received=value,
            **where,
        )

    for call in ctx.calls:
        if call.method != "identify" or not call.args:
            continue
        first = call.args[0]
        if not isinstance(first, dict):
            for value in _external_ids(first):
                yield from issue(value, "args[0]", call=call)
        for position, arg in _identify_objects(call):
            for value in _external_ids(arg.get("external_id")):
                yield from issue(value, f"args[{position}].external_id", call=call)
    for event, body in _wire_bodies(ctx):
        context = body.get("context")
        user = context.get("user") if isinstance(context, dict) else None
        if isinstance(user, dict):
            for value in _external_ids(user.get("external_id")):
                yield from issue(value, "context.user.external_id", event=event)
