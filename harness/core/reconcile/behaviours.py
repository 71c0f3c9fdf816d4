"""What the real SDK does to a call: named behaviours with their evidence
(docs/reconciliation.md), and the call methods that send nothing of their own. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SdkBehaviour:
    """One thing the real SDK does between a ttq call and the wire, and how we know."""

    name: str
    summary: str
    evidence: str


BEHAVIOURS: dict[str, SdkBehaviour] = {
    b.name: b
    for b in (
        SdkBehaviour(
            "reserved-name-alias",
            "Reserved names are renamed before sending: Purchase -> CompletePayment, "
            "Checkout -> PlaceAnOrder, StartCheckout -> InitiateCheckout... (tiktok.SDK_ALIASES).",
            "wire-format §3a (the `qt` table of pixel.js 2.1.33); real-sdk single-pixel: "
            "ttq.track('Purchase', ...) sent CompletePayment.",
        ),
        SdkBehaviour(
            "fan-out-to-loaded-pixels",
            "ttq.track/ttq.page without a target send one beacon per loaded pixel.",
            "wire-format §4 'Multiple pixel codes'; real-sdk multi-pixel: Pageview and "
            "AddToCart went to both loaded pixels.",
        ),
        SdkBehaviour(
            "instance-targets-one-pixel",
            "ttq.instance(code).track(...) and {pixel_code: code} in the third argument send to "
            "that pixel only; an instance of a pixel never loaded sends nothing.",
            "wire-format §4; real-sdk multi-pixel: instance('CBBB…2').track('InitiateCheckout') "
            "sent one beacon, to that pixel.",
        ),
        SdkBehaviour(
            "history-hook-page-url",
            "context.page.url is location.href when the beacon is built, and the SDK follows "
            "pushState/replaceState/popstate: a call made before the page rewrote its URL (a "
            "replaceState stripping ?utm_…/ttclid, a route change while the call was queued) "
            "is sent with the new URL.",
            "wire-format §3a ('The SDK also hooks pushState/replaceState/popstate to update "
            "context.page'; `context.page.url` is location.href).",
        ),
        SdkBehaviour(
            "page-once-per-url",
            "ttq.page() sends Pageview only when location.href changed since the last one.",
            "wire-format §3a details and §7.",
        ),
        SdkBehaviour(
            "currency-upper-cased",
            "properties.currency is upper-cased.",
            "wire-format §3a; real-sdk single-pixel: currency 'usd' was sent as 'USD'.",
        ),
        SdkBehaviour(
            "event-id-from-options-or-properties",
            "event_id comes from the third argument ({event_id} or {eventID}), else from "
            "properties.event_id/eventID, which are removed from properties; '' when absent.",
            "wire-format §4 'event_id'; real-sdk: ev-1 and chk-9 from the third argument.",
        ),
        SdkBehaviour(
            "sdk-fields-stripped",
            "pixelMethod and limited_data_use are removed from properties (pixelMethod becomes "
            "context.pixel.mode, limited_data_use a top-level field).",
            "wire-format §3a (`properties` minus pixelMethod/event_id/eventID/limited_data_use; "
            "context.pixel.mode; optional top-level limited_data_use).",
        ),
        SdkBehaviour(
            "non-object-properties-copied",
            "Properties are copied with Object.assign: a string is spread into characters "
            "({'0': 'd', '1': 'r', ...}), an array into indexes, a number or boolean into {}.",
            "real-sdk single-pixel: ttq.track('Search', 'dress') sent "
            "{'0':'d','1':'r','2':'e','3':'s','4':'s'}.",
        ),
        SdkBehaviour(
            "json-serialisation",
            "Bodies are JSON.stringify'd: undefined and functions disappear, NaN and Infinity "
            "become null, dates ISO strings.",
            "wire-format §2c (navigator.sendBeacon(url, JSON.stringify(body))); JSON semantics.",
        ),
        SdkBehaviour(
            "identify-to-context-user",
            "ttq.identify() sends nothing itself: its values go to context.user of later events "
            "(and of events queued before the SDK ran, which it replays after identify).",
            "wire-format §4 'Where the values go'; real-sdk single-pixel: every beacon, the "
            "queued Pageview included, carries the identify values.",
        ),
        SdkBehaviour(
            "identify-hashing",
            "email is trimmed, lower-cased and SHA-256 hashed; phone_number normalised (with a "
            "'+' country code: '+' and digits) and hashed; external_id is sent in clear; 64-hex "
            "values are kept; sha256_email / sha256_phone_number are sent as given when 64 hex "
            "digits (upper case too) and hashed otherwise.",
            "wire-format §4; real-sdk single-pixel: sha256('jane.doe@example.com') = 86e0b9e5…, "
            "sha256('+12025550123') = d5ab8b77…, external_id 'u-42' in clear.",
        ),
        SdkBehaviour(
            "enrich-am-after-identify",
            "After identify() with more than a bare external_id, the SDK sends an EnrichAM event.",
            "wire-format §4 'Side effect'; real-sdk single-pixel: EnrichAM after the tracks.",
        ),
        SdkBehaviour(
            "automatic-act-events",
            "Auto-config sends Click and Metadata to /api/v2/pixel/act on its own, once for all "
            "pixels (context.pixel.codes = 'A|B').",
            "wire-format §2b and §4; real-sdk single and multi-pixel: the last two beacons.",
        ),
        SdkBehaviour(
            "event-builder-rules",
            "Event Builder rules in the pixel's events.js call track() from TikTok's own script "
            "with pixelMethod 'standard' (context.pixel.mode); no page call makes them.",
            "wire-format §2a (a real per-pixel events.js with rules "
            "instance('C56…').track('AddPaymentInfo', {pixelMethod: 'standard'})).",
        ),
        SdkBehaviour(
            "queue-replay",
            "Calls made before events.js ran wait in the base code's array and are replayed "
            "(identify first): their beacons may leave in another order than the calls.",
            "wire-format §1 ('ttq is an Array'); real-sdk multi-pixel: the targeted "
            "InitiateCheckout left before the second pixel's Pageview.",
        ),
        SdkBehaviour(
            "consent-hold",
            "holdConsent() holds beacons until grantConsent(); revokeConsent() drops them.",
            "wire-format §1 (consent methods in the 2024 base code) and §6 (Stape, nuxt "
            "defaultConsent); docs/emulator.md.",
        ),
        SdkBehaviour(
            "track-needs-a-string-name",
            "track() whose event name is not a string (undefined, null, a number, a boolean, "
            "no argument) sends no beacon, only console diagnostics; track('') sends a beacon "
            "with an empty event name.",
            "tests/browser/test_emulator_vs_real_sdk.py: the real SDK folder "
            "(tests/data/real-sdk/pixel-2.1.33) run on each of these calls.",
        ),
        SdkBehaviour(
            "array-queue-protocol",
            "events.js drains only the base code's array queue: with another stub (a "
            "Facebook-style callable) the SDK loads but sends none of the page's calls, only "
            "its automatic traffic.",
            "wire-format §1, nuxt/scripts issue #785.",
        ),
    )
}

#: Calls the SDK answers without an event of their own, and the behaviour that says so.
QUIET_METHODS: dict[str, str] = {
    "identify": "identify-to-context-user",
    "holdConsent": "consent-hold",
    "grantConsent": "consent-hold",
    "revokeConsent": "consent-hold",
}
#: ttq methods that send an event.
EVENT_METHODS = ("track", "page")
#: Keys the SDK removes from properties, and where each goes.
STRIPPED = {
    "event_id": "event_id",
    "eventID": "event_id",
    "limited_data_use": "limited_data_use",
    "pixelMethod": "context.pixel.mode",
}
#: Differences listed per pair at most (a 1 MB argument must not make a 1 MB report).
MAX_DIFFERENCES = 40
HEX64 = re.compile(r"[0-9a-f]{64}")
OMIT = object()  # a value JSON.stringify leaves out of an object
