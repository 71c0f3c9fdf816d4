"""identify(): the values the SDK keeps, and how they reach context.user (hashed). Pure."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

from harness.core.model import (
    FieldDifference,
    PixelEvent,
    TtqCall,
)
from harness.core.reconcile.behaviours import HEX64

# -- identify ---------------------------------------------------------------------------------


def identify_values(call: TtqCall) -> dict[str, str]:
    """The context.user fields one identify() call sets, as the SDK sends them ('' when the
    exact hash cannot be predicted: a phone without a country code)."""
    merged: dict[str, Any] = {}
    for arg in call.args:
        if isinstance(arg, str | int) and not isinstance(arg, bool):
            merged["external_id"] = arg
        elif isinstance(arg, dict):
            merged.update(arg)
    user: dict[str, str] = {}
    for key, value in merged.items():
        if not isinstance(value, str | int) or isinstance(value, bool):
            continue
        text = str(value).strip()
        if not text:
            continue
        if key == "external_id":
            user["external_id"] = text
        elif key in ("sha256_email", "sha256_phone_number"):
            # sent as given when 64 hex digits (upper case too), else hashed (the real SDK,
            # tests/browser/test_emulator_vs_real_sdk.py)
            field_name = key.removeprefix("sha256_")
            user[field_name] = text if HEX64.fullmatch(text.lower()) else _sha256(text)
        elif key == "email":
            lower = text.lower()
            user["email"] = lower if HEX64.fullmatch(lower) else _sha256(lower)
        elif key == "phone_number":
            lower = text.lower()
            if HEX64.fullmatch(lower):
                user["phone_number"] = lower
            elif text.startswith("+"):
                user["phone_number"] = _sha256("+" + re.sub(r"[^0-9]", "", text))
            else:
                user["phone_number"] = ""  # libphonenumber may infer a country: any hash
    return user


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def user_differences(
    call: PixelEvent, wire: PixelEvent, identified: dict[str, str]
) -> Iterator[FieldDifference]:
    partner = isinstance(wire.body, dict) and "partner" in wire.body
    for key, value in identified.items():
        sent = wire.user.get(key)
        path = f"context.user.{key}"
        if sent is None:
            if not partner:  # partner pixels keep only the keys their config allows
                yield FieldDifference(
                    call_index=call.index,
                    beacon_index=wire.index,
                    pixel_code=wire.pixel_code,
                    path=path,
                    called=value,
                    sent=None,
                    kind="dropped",
                )
        elif value == "" and isinstance(sent, str) and HEX64.fullmatch(sent):
            continue
        elif sent != value:
            yield FieldDifference(
                call_index=call.index,
                beacon_index=wire.index,
                pixel_code=wire.pixel_code,
                path=path,
                called=value,
                sent=sent,
                kind="changed",
            )
