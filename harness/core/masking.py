"""Personal data hidden in every output by default: e-mails and phone numbers partly masked.

One step, at one place: a command masks its report value with `masked` before any renderer or
writer sees it (terminal, JSON, HTML, JUnit, baselines, `record` plans, HAR lint, pytest
failures), unless the user asks to see personal data (`--show-pii`, for local debugging).
Renderers do not mask. Values, keys, event names, event_ids, URLs (decoded and encoded query
strings, fragments, paths) and raw request bodies are all covered. SHA-256 hashes are not
personal data in the clear and stay as they are.

Phone numbers are found with the `+` of the international format (also URL-encoded) or in the
national formats people type with separators; a bare run of digits is masked only under a
phone key, since in free text it cannot be told from an order id or a timestamp.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel

from harness.core.pii import FORMATTED_PHONE, NON_DIGIT, SHA256_ANY_CASE, key_kind

M = TypeVar("M", bound=BaseModel)

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_EMAIL_ENCODED = re.compile(r"([A-Za-z0-9._+-])[A-Za-z0-9._+-]*%40([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_PHONE = re.compile(r"(?<![\w+])\+\d[\d\s().-]{6,18}\d(?!\w)")
#: The same with the '+' URL-encoded, as in a query string (tel=%2B14155550144).
_PHONE_ENCODED = re.compile(r"%2[Bb]\d(?:[\d.-]|%20){6,18}\d(?!\w)")
#: National formats with the separators people type: (415) 555-0144, 415-555-0144,
#: 415.555.0144 (strict, so prices, ids and timestamps are never taken for phones).
_PHONE_NATIONAL = re.compile(r"(?<![\w.-])(?:\(\d{3}\)\s?|\d{3}[-.])\d{3}[-.]\d{4}(?![\w.-])")
#: Keys whose string values are personal data whatever they look like: identify fields, and
#: the e-mail and phone keys the ID rules know (harness.core.pii.key_kind: mobile_number...).
PII_KEYS = frozenset(
    {
        "email",
        "phone",
        "phone_number",
        "external_id",
        "first_name",
        "last_name",
        "city",
        "state",
        "zip_code",
        "auto_email",
        "auto_phone_number",
    }
)


def mask_text(text: str) -> str:
    """E-mail addresses and international phone numbers inside a string, partly hidden."""
    if "@" in text:
        text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    if "%40" in text:
        text = _EMAIL_ENCODED.sub(lambda m: f"{m.group(1)}***%40{m.group(2)}", text)
    if "+" in text:
        text = _PHONE.sub(lambda m: "+***" + re.sub(r"\D", "", m.group(0))[-2:], text)
    if "%2" in text:
        text = _PHONE_ENCODED.sub(lambda m: "%2B***" + re.sub(r"\D", "", m.group(0))[-2:], text)
    if "-" in text or "." in text or ")" in text:
        text = _PHONE_NATIONAL.sub(lambda m: "***" + m.group(0)[-2:], text)
    if any(separator in text for separator in " -.)"):
        # what the ID rules call a phone: 202 555 0123, 020 7946 0958, 1-800-555-0123
        text = FORMATTED_PHONE.sub(_mask_formatted, text)
    return text


def _mask_formatted(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = NON_DIGIT.sub("", found)
    if not 10 <= len(digits) <= 15 or found.count(".") >= 3:  # a dotted quad is no phone
        return found
    return "***" + digits[-2:]


def mask_value(value: str) -> str:
    """A value known to be personal data: keep a hint, hide the rest (hashes stay)."""
    if not value or SHA256_ANY_CASE.fullmatch(value):  # empty says "not set": no data to hide
        return value
    masked = mask_text(value)
    if masked != value:
        return masked
    return value[:1] + "***" if len(value) > 1 else "***"


def masked(value: M) -> M:
    """The masking step: a copy of a report value (a capture report, a plan result, an event,
    a finding, a sink record) with personal data masked everywhere in it."""
    return type(value).model_validate(mask_data(value.model_dump(mode="json")))


def mask_data(data: Any, *, key: str | None = None) -> Any:
    """A copy of JSON-like data with personal data masked."""
    if isinstance(data, dict):
        # a captured request's raw body: JSON is parsed, masked and dumped again
        is_request = {"method", "url", "body"} <= data.keys()
        # a finding or a call/beacon difference quotes the value of the field its `path`
        # names (received, expected; called, sent): masked as that field's value would be
        about = _last_key(data.get("path")) if _QUOTES & data.keys() else None
        # keys too: a page may use an e-mail or a phone number as a property name
        return {
            mask_text(str(k)): (
                _mask_body(v)
                if is_request and k == "body" and isinstance(v, str)
                else mask_data(v, key=about if about and _quotes_value(k, v) else str(k))
            )
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [mask_data(item, key=key) for item in data]
    if isinstance(data, str):
        if key is not None and (key.lower() in PII_KEYS or key_kind(key)):
            return mask_value(data)
        return mask_text(data)
    return data


def _mask_body(body: str) -> str:
    try:
        parsed = json.loads(body)
    except ValueError:
        return mask_text(body)
    return json.dumps(mask_data(parsed), ensure_ascii=False, separators=(",", ":"))


#: The keys that quote the value of the field a finding's (or a difference's) `path` names.
_QUOTES = frozenset({"received", "expected", "called", "sent"})


def _quotes_value(key: str, value: Any) -> bool:
    """Whether `value` under `key` is the quoted field's value. A finding's `expected` is often
    a description instead ("a SHA-256 digest, if the id is not meant to be public"): a string
    with spaces there is left to the text patterns."""
    if key not in _QUOTES:
        return False
    return key != "expected" or not (isinstance(value, str) and " " in value.strip())


def _last_key(path: Any) -> str | None:
    """`context.user.external_id` -> `external_id`; `properties.contents[0].email` -> `email`."""
    if not isinstance(path, str) or not path:
        return None
    return re.split(r"[.\[\]]+", path.strip(".[]"))[-1] or None
