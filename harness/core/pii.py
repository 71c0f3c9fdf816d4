"""Personal data in text: plain e-mail addresses and phone numbers, and keys that name them.

One set of detectors for every part that looks for personal data: the ID rules (which flag
it), masking (which hides it) and the Events API checks. Strict on purpose: prices, versions,
ids, dates and file names (icon@2x.png) are never taken for personal data. Pure.
"""

from __future__ import annotations

import functools
import re
from typing import Any

#: local@domain.tld; the tld is letters only, so prices, versions and ids never match.
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.([A-Za-z]{2,24})\b")
#: "tlds" that are really file extensions: icon@2x.png is an asset, not an address.
_FILE_EXTENSIONS = frozenset(
    {"png", "jpg", "jpeg", "gif", "webp", "svg", "avif", "ico", "css", "js", "pdf", "mp4"}
)
#: '+' then 8-15 digits with optional separators: +12025550123, +1 (202) 555-0123. A '+'
#: is a strong signal, so only a letter or digit right before it (C++, 1+2) rules it out.
_E164 = re.compile(r"(?<![A-Za-z0-9+])\+\d[\d\s().\-]{5,22}\d(?![\w\-])")
#: 10+ digits in phone-shaped groups with separators: (202) 555-0123, 202-555-0123,
#: 1-800-555-0123, 020 7946 0958. Not preceded or followed by a letter, digit, '-' or '_', so
#: digits inside ids (order-1795628807645, sku-202-555-0123) and ISO dates never match.
FORMATTED_PHONE = re.compile(
    r"(?<![\w+\-.])(?:\d{1,3}[\s.\-])?(?:\(\d{2,4}\)\s?|\d{2,4}[\s.\-])\d{3,4}[\s.\-]\d{4}"
    r"(?![\w\-]|[.,]\d)"
)
NON_DIGIT = re.compile(r"\D")
#: A SHA-256 digest as TikTok expects it: 64 lower-case hex characters.
SHA256 = re.compile(r"[0-9a-f]{64}")
SHA256_ANY_CASE = re.compile(r"[0-9a-fA-F]{64}")

#: Shortest strings worth a look: "a@b.co" (6) and "+12345678" (9).
MIN_EMAIL_LEN = 6
MIN_PHONE_LEN = 9
#: Property / query keys whose string value is personal data whatever it looks like.
_EMAIL_KEYS = frozenset({"email", "e_mail", "email_address", "emailaddress", "user_email"})
_PHONE_KEYS = frozenset(
    {"phone", "phone_number", "phonenumber", "mobile_number", "mobile_phone", "telephone"}
)


def find_email(text: str) -> str | None:
    if "@" not in text or len(text) < MIN_EMAIL_LEN:
        return None
    for match in _EMAIL.finditer(text):
        if match.group(1).lower() not in _FILE_EXTENSIONS:
            return match.group(0)
    return None


def find_phone(text: str) -> str | None:
    if len(text) < MIN_PHONE_LEN:
        return None
    if "+" in text:
        for plus in _E164.finditer(text):
            found = plus.group(0)
            digits = len(NON_DIGIT.sub("", found))
            # "+1234.5678" is a signed decimal, not a phone number
            decimal = found.count(".") == 1 and not any(c in found for c in " ()-")
            if 8 <= digits <= 15 and not decimal:
                return found
    formatted = FORMATTED_PHONE.search(text)
    while formatted is not None:
        found = formatted.group(0)
        if 10 <= len(NON_DIGIT.sub("", found)) <= 15:
            return found
        formatted = FORMATTED_PHONE.search(text, formatted.end())
    return None


def is_hash(value: Any) -> bool:
    return isinstance(value, str) and SHA256.fullmatch(value) is not None


def mask_email(text: str) -> str:
    local, _, domain = text.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_phone(text: str) -> str:
    digits = NON_DIGIT.sub("", text)
    return ("+" if text.lstrip().startswith("+") else "") + "***" + digits[-2:]


def mask_found(text: str) -> str:
    """A value safe to print in a report: e-mail and phone numbers masked."""
    email = find_email(text)
    if email is not None:
        return mask_email(email)
    if find_phone(text) is not None or sum(c.isdigit() for c in text) >= 7:
        return mask_phone(text)
    return text[:1] + "***"


#: key -> "email", "phone" or "" (not a personal-data key); filled as keys are seen.
_KEY_KIND: dict[str, str] = {}
_KEY_KIND_LIMIT = 4096


def key_kind(key: str) -> str:
    kind = _KEY_KIND.get(key)
    if kind is None:
        normal = key.lower().replace("-", "_")
        kind = "email" if normal in _EMAIL_KEYS else "phone" if normal in _PHONE_KEYS else ""
        if len(_KEY_KIND) < _KEY_KIND_LIMIT:
            _KEY_KIND[key] = kind
    return kind


@functools.lru_cache(maxsize=8192)  # pure; the same strings recur in every event of a capture
def classify(text: str, key: str | None) -> tuple[str, str] | None:
    """(what, masked value) when `text` (under `key`) is plain personal data, else None."""
    email = find_email(text)
    if email is not None:
        return "a plain e-mail address", mask_email(email)
    phone = find_phone(text)
    if phone is not None:
        return "a plain phone number", mask_phone(phone)
    if key is None:
        return None
    kind = key_kind(key)
    if not kind or is_hash(text):
        return None
    if kind == "email" and "@" in text:
        return "a plain e-mail address", mask_email(text.strip())
    if kind == "phone" and sum(c.isdigit() for c in text) >= 7:
        return "a plain phone number", mask_phone(text)
    return None
