"""Which beacon answers which ttq call, knowing what the real SDK does. Pure.

Every recorded ttq call ends up in exactly one place: paired with the beacon(s) it produced
(with the field-by-field differences between call and beacon), quiet by design (identify, load,
consent, a repeated page() on the same URL), or lost (no beacon, with the likely reason from
the capture's evidence). Every beacon is either paired with a call or marked with where it came
from (an automatic /act event, EnrichAM, Event Builder, another script).

Each SDK behaviour this relies on is a named entry of BEHAVIOURS with its evidence; the list is
docs/reconciliation.md. The evidence is pixel.js 2.1.33 (the January 2024 build): its code read
in shared/reference/tiktok-pixel-wire-format.md and its requests captured in
tests/data/real-sdk-2.1.33-*.json.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from harness.core.jsonvalue import json_type
from harness.core.model import (
    BeaconOrigin,
    CallBeaconPair,
    FieldDifference,
    LostCall,
    LostReason,
    PixelEvent,
    QuietCall,
    RawRequest,
    Reconciliation,
    RequestKind,
    TtqCall,
    UnexplainedBeacon,
)
from harness.core.tiktok import SDK_ALIASES


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
_QUIET_METHODS: dict[str, str] = {
    "identify": "identify-to-context-user",
    "holdConsent": "consent-hold",
    "grantConsent": "consent-hold",
    "revokeConsent": "consent-hold",
}
#: ttq methods that send an event.
EVENT_METHODS = ("track", "page")
#: Keys the SDK removes from properties, and where each goes.
_STRIPPED = {
    "event_id": "event_id",
    "eventID": "event_id",
    "limited_data_use": "limited_data_use",
    "pixelMethod": "context.pixel.mode",
}
#: Harness observations (not ttq calls) among the calls: see rules/transport.py.
_OBSERVATION = "harness:"
_PAGE_ERROR = _OBSERVATION + "page-error"
#: Differences listed per pair at most (a 1 MB argument must not make a 1 MB report).
MAX_DIFFERENCES = 40
_HEX64 = re.compile(r"[0-9a-f]{64}")
_OMIT = object()  # a value JSON.stringify leaves out of an object


# -- call events ------------------------------------------------------------------------------


def call_events(calls: Iterable[TtqCall]) -> list[PixelEvent]:
    """The events as the page called them: one per ttq.track / ttq.page call."""
    events = []
    for call in calls:
        if call.method not in EVENT_METHODS:
            continue
        args = call.args
        if call.method == "page":
            name: Any = "Pageview"
            properties: Any = args[0] if args and isinstance(args[0], dict) else {}
            options: Any = {}
        else:
            name = args[0] if args else ""
            properties = args[1] if len(args) > 1 else {}
            options = args[2] if len(args) > 2 else {}
        options = options if isinstance(options, dict) else {}
        props_dict = properties if isinstance(properties, dict) else {}
        event_id = (
            options.get("event_id")
            or options.get("eventID")
            or props_dict.get("event_id")
            or props_dict.get("eventID")
            or ""
        )
        pixel = call.pixel_code or (options.get("pixel_code") if options else None)
        events.append(
            PixelEvent(
                index=call.index,
                source="call",
                name=name if isinstance(name, str) else describe(name),
                pixel_code=pixel if isinstance(pixel, str) else None,
                pixel_codes=[pixel] if isinstance(pixel, str) else [],
                event_id=event_id if isinstance(event_id, str) else str(event_id),
                properties=properties,
                page_url=call.frame_url or call.page_url,  # the frame, as the pixel reports it
                call=call,
            )
        )
    return events


def describe(value: Any) -> str:
    if isinstance(value, dict) and "__ttq_type__" in value:
        return f"<{value['__ttq_type__']}>"
    return repr(value)


# -- pairing ----------------------------------------------------------------------------------


@dataclass
class Matching:
    """The pairing itself: what the engine's rules need (uncovered wire events, unanswered
    calls) and what the Reconciliation is built from."""

    pairs: list[tuple[PixelEvent, PixelEvent]] = field(default_factory=list)  # (call, wire)
    uncovered: list[PixelEvent] = field(default_factory=list)  # wire events no call made
    unanswered: list[PixelEvent] = field(default_factory=list)  # calls (per missed pixel)
    silent: set[int] = field(default_factory=set)  # page() calls on an unchanged URL
    nameless: set[int] = field(default_factory=set)  # track() without a string event name


def match(
    call_evs: Sequence[PixelEvent],
    wire_evs: Sequence[PixelEvent],
    calls: Sequence[TtqCall] = (),
) -> Matching:
    """Pair wire events with the calls that made them.

    A call explains a later wire event with the SDK's name for it, to the call's pixel (or any
    pixel for an untargeted call), sent from the call's frame URL or, failing that, from the
    call's document after a history.replaceState/pushState that kept the URL minus query and
    fragment (history-hook-page-url; exact URLs are paired first). Each (call, pixel) pair
    explains one beacon. A repeated ttq.page() on the same URL is expected to send nothing. An
    untargeted call on a page whose ttq.load() calls were recorded should reach every pixel
    loaded there: each pixel it missed is an unanswered call (pixel_code set to that pixel).
    """
    result = Matching()
    candidates: dict[tuple[str, str | None], list[PixelEvent]] = {}
    last_page_url: dict[str | None, str | None] = {}
    for call in call_evs:
        if call.call is not None and call.call.method == "track":
            args = call.call.args
            if not args or not isinstance(args[0], str):
                result.nameless.add(call.index)
        if call.call is not None and call.call.method == "page":
            frame = call.call.document
            if frame in last_page_url and last_page_url[frame] == call.page_url:
                result.silent.add(call.index)
            last_page_url[frame] = call.page_url
        wire_name = SDK_ALIASES.get(call.name, call.name)
        candidates.setdefault((wire_name, call.page_url), []).append(call)
    used: set[tuple[int, str | None]] = set()
    reached: dict[int, set[str | None]] = {}

    def take(call: PixelEvent, wire: PixelEvent) -> None:
        used.add((call.index, wire.pixel_code))
        reached.setdefault(call.index, set()).add(wire.pixel_code)
        result.pairs.append((call, wire))

    def fits(call: PixelEvent, wire: PixelEvent) -> bool:
        return (
            call.index < wire.index
            and call.pixel_code in (None, wire.pixel_code)
            and (call.index, wire.pixel_code) not in used
        )

    # First every beacon sent from its call's exact URL, so that a beacon whose URL changed
    # (history-hook-page-url) never takes a call another beacon answers exactly.
    moved: list[PixelEvent] = []
    for wire in wire_evs:
        if wire.auto or wire.name == "EnrichAM":
            continue
        found = next(
            (c for c in candidates.get((wire.name, wire.page_url), ()) if fits(c, wire)), None
        )
        if found is None:
            moved.append(wire)
        else:
            take(found, wire)
    if moved:
        documents = _documents_by_url(list(calls) or [c.call for c in call_evs if c.call])
        by_document: dict[tuple[str | None, str], list[PixelEvent]] = {}
        for call in sorted(call_evs, key=lambda c: c.index):
            if call.call is not None and call.index not in result.silent:
                key = (_document_key(call.call), SDK_ALIASES.get(call.name, call.name))
                by_document.setdefault(key, []).append(call)
        for wire in moved:
            document = _beacon_document(wire, documents)
            if document is None:
                continue
            found = next(
                (c for c in by_document.get((document, wire.name), ()) if fits(c, wire)), None
            )
            if found is not None:
                take(found, wire)
    paired = {id(wire) for _, wire in result.pairs}
    result.uncovered = [w for w in wire_evs if id(w) not in paired]
    result.pairs.sort(key=lambda pair: pair[1].index)
    loaded = loaded_pixels(calls or [c.call for c in call_evs if c.call is not None])
    for call in call_evs:
        if call.index in result.silent or call.index in result.nameless:
            continue
        got = reached.get(call.index)
        if not got:
            result.unanswered.append(call)
            continue
        if call.pixel_code is None and call.call is not None:
            for pixel in sorted(loaded.get(call.call.document, set()) - {p for p in got if p}):
                result.unanswered.append(call.model_copy(update={"pixel_code": pixel}))
    return result


def _url_base(url: str | None) -> str | None:
    """The URL without its query and fragment: what history.replaceState usually rewrites."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _document_key(call: TtqCall) -> str | None:
    """The call's document: its document_id, else its frame URL without query and fragment
    (older records have no id, and a replaceState must not make a new document of them)."""
    return call.document_id or _url_base(call.frame_url or call.page_url)


def _documents_by_url(calls: Iterable[TtqCall]) -> dict[str, tuple[list[int], list[str | None]]]:
    """Per URL minus query and fragment: the calls' indexes in order, and their documents."""
    found: dict[str, tuple[list[int], list[str | None]]] = {}
    for call in sorted(calls, key=lambda c: c.index):
        base = _url_base(call.frame_url or call.page_url)
        if base is not None and not call.method.startswith(_OBSERVATION):
            indexes, documents = found.setdefault(base, ([], []))
            indexes.append(call.index)
            documents.append(_document_key(call))
    return found


def _beacon_document(
    wire: PixelEvent, documents: dict[str, tuple[list[int], list[str | None]]]
) -> str | None:
    """The document a beacon whose URL matches no call came from: that of the last call
    recorded before it on the same URL minus query and fragment (a reload or a new page on
    that URL is a newer document, and takes its beacons from then on)."""
    base = _url_base(wire.page_url)
    indexes, keys = documents.get(base or "", ([], []))
    position = bisect.bisect_left(indexes, wire.index)
    return keys[position - 1] if position else None


def loaded_pixels(calls: Iterable[TtqCall]) -> dict[str | None, set[str]]:
    """Pixel codes each document loaded with ttq.load()."""
    loaded: dict[str | None, set[str]] = {}
    for call in calls:
        if call.method == "load" and call.args and isinstance(call.args[0], str):
            loaded.setdefault(call.document, set()).add(call.args[0])
    return loaded


# -- why a call produced no beacon ------------------------------------------------------------


def lost_reason(
    event: PixelEvent,
    *,
    calls: Sequence[TtqCall],
    requests: Sequence[RawRequest],
    unanswered: Sequence[PixelEvent],
    index: DocumentIndex | None = None,
) -> tuple[LostReason, str]:
    """The likely reason a call event produced no beacon, from what the capture holds.

    In order: a target pixel never loaded; consent held or revoked; no SDK script requested
    for the call's document; the SDK loaded but none of the document's calls left (the wrong
    queue protocol); the document was left right after the call; else unknown.
    """
    call = event.call
    if call is None:
        return "unknown", "no call record to look at"
    document = call.document
    evidence = _document_evidence(call, calls, requests, index)
    same_doc = evidence.records
    sdk_pixels = evidence.script_pixels

    target = event.pixel_code
    known = evidence.pixels
    if target is not None and known and target not in known:
        return "pixel-not-loaded", (
            f"pixel {target} was never loaded on this page (ttq.load), so the SDK's instance "
            "of it sends nothing"
        )

    consent = [c for c in same_doc if c.method in _QUIET_METHODS and c.method != "identify"]
    before = [c for c in consent if c.index < call.index]
    if before and before[-1].method in ("holdConsent", "revokeConsent"):
        last = before[-1]
        granted_later = any(c.method == "grantConsent" and c.index > last.index for c in consent)
        if not granted_later:
            if last.method == "holdConsent":
                return "consent-held", (
                    "consent was held: ttq.holdConsent() before it and no ttq.grantConsent() after"
                )
            return "consent-revoked", "consent was revoked: ttq.revokeConsent() before it"

    if target is not None and sdk_pixels and target not in sdk_pixels:
        return "sdk-not-loaded", f"no events.js was requested for pixel {target} on this page"
    if not sdk_pixels and not evidence.any_script:
        return "sdk-not-loaded", (
            "the SDK never loaded on this page: no events.js (or other SDK script) request "
            "was seen for it (blocked, never injected, or the base code did not run)"
        )

    # calls that reached no pixel at all (not those that missed one pixel of several)
    lost = {e.index for e in unanswered if e.call is None or e.pixel_code == _target(e.call)}
    doc_events = [c for c in same_doc if c.method in EVENT_METHODS]
    answered = [c for c in doc_events if c.index not in lost]
    later_document = any(
        c.document != document and c.index > call.index and not c.method.startswith(_OBSERVATION)
        for c in calls
    )
    trailing = all(c.index in lost for c in doc_events if c.index >= call.index)
    page_url = _url_base(call.frame_url or call.page_url)
    errors = [
        c
        for c in calls
        if c.method == _PAGE_ERROR and _url_base(c.frame_url or c.page_url) == page_url
    ]
    if not answered and errors:
        first = str(errors[0].args[0]) if errors[0].args else "an error"
        return "page-error", (
            f"the SDK sent none of this page's calls and the page threw {len(errors)} uncaught "
            f"error(s) (TR008), first: {first[:200]}; a page script that breaks a built-in the "
            "SDK relies on (JSON, Array) stops the SDK too"
        )
    if not answered and (len(doc_events) > 1 or not later_document):
        return "wrong-queue-protocol", (
            "the SDK script loaded but sent none of this page's calls: ttq was probably not "
            "the base code's array queue, so the SDK never drained it (nuxt/scripts#785)"
        )
    if later_document and trailing:
        return "page-left", (
            "the page was left right after the call, before the SDK sent it (a link or "
            "redirect right after ttq.track; send before navigating)"
        )
    return "unknown", (
        "the SDK was loaded and sent this page's other calls; the capture may have ended "
        "before this one left"
    )


def document_pixels(
    call: TtqCall,
    *,
    calls: Sequence[TtqCall],
    requests: Sequence[RawRequest],
    index: DocumentIndex | None = None,
) -> set[str]:
    """Pixel codes the call's document is known to have loaded: its ttq.load() calls, or, when
    it recorded none (a queue built by hand), the events.js?sdkid= requests made within its
    span on its frame URLs. Empty: nothing is known (no verdict)."""
    return _document_evidence(call, calls, requests, index).pixels


@dataclass(frozen=True)
class _DocumentEvidence:
    """What a capture says about one document's pixels and SDK scripts."""

    records: list[TtqCall]  # the document's calls, in capture order
    loaded: set[str]  # codes of its ttq.load() calls
    script_pixels: set[str]  # codes of the events.js?sdkid= requests within its span
    any_script: bool  # any SDK script request within its span

    @property
    def pixels(self) -> set[str]:
        # ttq.load() is what the SDK acts on; a request can only be placed in a document by
        # its arrival order, so it is the evidence only when no ttq.load() was recorded
        return self.loaded or self.script_pixels


class DocumentIndex:
    """What one capture says about each document (`_DocumentEvidence`), each document worked
    out once: a report asks for every ttq.load() call and every lost call, and scanning the
    whole capture each time made reports grow with documents x calls."""

    def __init__(self, calls: Sequence[TtqCall], requests: Sequence[RawRequest]) -> None:
        self.calls = calls
        self.requests = requests
        self._records: dict[str | None, list[TtqCall]] = {}
        self._on_url: dict[str, list[tuple[int, str | None]]] = {}
        for record in sorted(calls, key=lambda c: c.index):
            self._records.setdefault(record.document, []).append(record)
            for url in {record.frame_url, record.page_url}:
                if url:
                    self._on_url.setdefault(url, []).append((record.index, record.document))
        self._scripts = [r for r in requests if r.kind is RequestKind.SDK_SCRIPT]
        self._known: dict[str | None, _DocumentEvidence] = {}

    def evidence(self, call: TtqCall) -> _DocumentEvidence:
        """The call's document's ttq.load() calls and the SDK script requests of its span:
        made from one of its frame URLs and with no record of another document on that URL
        between the document's own records and the request (a reload of the same URL is a
        new document, and its events.js is not evidence about the earlier one)."""
        document = call.document
        known = self._known.get(document)
        if known is not None:
            return known
        records = self._records.get(document)
        found = _evidence(records or [call], document, self._on_url, self._scripts)
        if records:  # a call outside the capture's own list is answered but not remembered
            self._known[document] = found
        return found


def _document_evidence(
    call: TtqCall,
    calls: Sequence[TtqCall],
    requests: Sequence[RawRequest],
    index: DocumentIndex | None = None,
) -> _DocumentEvidence:
    """See `DocumentIndex.evidence`; `index`, when given, is that capture's."""
    return (index or DocumentIndex(calls, requests)).evidence(call)


def _evidence(
    records: list[TtqCall],
    document: str | None,
    on_url: dict[str, list[tuple[int, str | None]]],
    scripts_of_capture: Sequence[RawRequest],
) -> _DocumentEvidence:
    urls = {u for c in records for u in (c.frame_url, c.page_url) if u}
    first, last = records[0].index, records[-1].index
    others: dict[str, list[int]] = {
        url: sorted(i for i, doc in on_url.get(url, ()) if doc != document) for url in urls
    }

    def in_span(request: RawRequest) -> bool:
        if request.page_url is None:
            return True  # no frame recorded (a HAR entry): cannot be placed, as before
        if request.page_url not in urls:
            return False
        if first <= request.index <= last:
            return True
        low, high = (request.index, first) if request.index < first else (last, request.index)
        between = others.get(request.page_url, [])
        return bisect.bisect_right(between, low) == bisect.bisect_left(between, high)

    scripts = [r for r in scripts_of_capture if in_span(r)]
    loaded = {
        c.args[0] for c in records if c.method == "load" and c.args and isinstance(c.args[0], str)
    }
    return _DocumentEvidence(
        records=records,
        loaded=loaded,
        script_pixels=_sdkids(scripts),
        any_script=bool(scripts),
    )


def _target(call: TtqCall) -> str | None:
    """The one pixel a call is addressed to (instance or {pixel_code}), else None."""
    options = call.args[2] if call.method == "track" and len(call.args) > 2 else None
    option = options.get("pixel_code") if isinstance(options, dict) else None
    return call.pixel_code or (option if isinstance(option, str) else None)


def _sdkids(scripts: Iterable[RawRequest]) -> set[str]:
    """Pixel codes named by these SDK script requests (events.js?sdkid=)."""
    codes: set[str] = set()
    for request in scripts:
        try:
            sdkid = parse_qs(urlsplit(request.url).query).get("sdkid")
        except ValueError:
            continue
        if sdkid:
            codes.add(sdkid[0])
    return codes


# -- what the SDK does to a call's fields -----------------------------------------------------


def differences(call: PixelEvent, wire: PixelEvent) -> list[FieldDifference]:
    """Field by field, how the beacon differs from its call; each difference names the SDK
    behaviour that explains it, or none."""
    record = call.call
    if record is None:
        return []
    found: list[FieldDifference] = []

    def add(path: str, called: Any, sent: Any, kind: Any, behaviour: str | None) -> None:
        if len(found) < MAX_DIFFERENCES:
            found.append(
                FieldDifference(
                    call_index=call.index,
                    beacon_index=wire.index,
                    pixel_code=wire.pixel_code,
                    path=path,
                    called=_short(called),
                    sent=_short(sent),
                    kind=kind,
                    behaviour=behaviour,
                )
            )

    if wire.name != call.name:
        add("event", call.name, wire.name, "renamed", "reserved-name-alias")
    if wire.page_url != call.page_url:  # paired across a URL change (see match)
        add("context.page.url", call.page_url, wire.page_url, "changed", "history-hook-page-url")
    body = wire.body or {}
    if record.method == "track":
        args = record.args
        props = args[1] if len(args) > 1 else None
        options = args[2] if len(args) > 2 and isinstance(args[2], dict) else {}
        expected = _expected_properties(props, wire.properties, add)
        expected_id = options.get("event_id") or options.get("eventID")
        if isinstance(expected, dict):
            for key, goes_to in _STRIPPED.items():
                if key not in expected:
                    continue
                value = expected.pop(key)
                if key in ("event_id", "eventID"):
                    expected_id = expected_id or value
                sent = _at(body, goes_to)
                moved = sent is not _OMIT and _same(value, sent)
                add(
                    f"properties.{key}",
                    value,
                    None if sent is _OMIT else sent,
                    "moved" if moved or key == "eventID" else "dropped",
                    "event-id-from-options-or-properties"
                    if key in ("event_id", "eventID")
                    else "sdk-fields-stripped",
                )
            currency = expected.get("currency")
            if isinstance(currency, str) and currency != currency.upper():
                expected["currency"] = currency.upper()
                sent_currency = (
                    wire.properties.get("currency") if _is_obj(wire.properties) else None
                )
                if sent_currency == currency.upper():
                    add(
                        "properties.currency",
                        currency,
                        sent_currency,
                        "transformed",
                        "currency-upper-cased",
                    )
        expected_id_text = "" if expected_id in (None, "") else _js_string(expected_id)
        if expected_id_text != wire.event_id:
            add("event_id", expected_id_text, wire.event_id, "changed", None)
        _compare("properties", expected, wire.properties, add)
    return found


def _expected_properties(props: Any, sent: Any, add: Any) -> Any:
    """Properties as the SDK will send them (before stripping), by Object.assign({}, props)
    and JSON serialisation; differences that follow from the argument's type are noted."""
    kind = _marker(props)
    if props is None or kind == "undefined":
        return {}
    if kind in ("too-deep", "unreadable", "cycle"):
        return _ANY
    if isinstance(props, str):
        add("properties", props, sent, "mangled", "non-object-properties-copied")
        return {str(i): ch for i, ch in enumerate(props[:10_000])} if len(props) <= 10_000 else _ANY
    if isinstance(props, list):
        add("properties", props, sent, "mangled", "non-object-properties-copied")
        return {str(i): _json_value(v, add, f"properties.{i}") for i, v in enumerate(props)}
    if kind is not None or not isinstance(props, dict):  # numbers, booleans, functions, dates
        add("properties", props, sent, "mangled", "non-object-properties-copied")
        return {}
    return _json_value(props, add, "properties")


class _Anything:
    """A value the recorder could not copy (too deep, cyclic): anything on the wire matches."""


_ANY = _Anything()


def _short(value: Any, limit: int = 300) -> Any:
    """The value itself when small; else a JSON excerpt (a report must stay readable)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) <= limit:
        return value
    return text[: limit - 1] + "…"


def _marker(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("__ttq_type__"), str):
        return str(value["__ttq_type__"])
    return None


def _json_value(value: Any, add: Any, path: str) -> Any:
    """The recorded value as JSON.stringify would send it (markers resolved)."""
    kind = _marker(value)
    if kind is not None:
        if kind in ("undefined", "function", "symbol"):
            add(path, value, None, "dropped", "json-serialisation")
            return _OMIT
        if kind == "number":  # NaN, Infinity
            add(path, value, None, "transformed", "json-serialisation")
            return None
        if kind == "Date":
            return value.get("value")
        if kind == "Element":
            return {}
        return _ANY  # too-deep, cycle, unreadable, bigint: the call record cannot tell
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            converted = _json_value(item, add, f"{path}.{key}")
            if converted is not _OMIT:
                out[key] = converted
        return out
    if isinstance(value, list):
        items = [_json_value(item, add, f"{path}[{i}]") for i, item in enumerate(value)]
        return [None if item is _OMIT else item for item in items]
    return value


def _compare(path: str, expected: Any, sent: Any, add: Any) -> None:
    if isinstance(expected, _Anything):
        return
    if isinstance(expected, dict) and isinstance(sent, dict):
        for key, value in expected.items():
            if key not in sent:
                add(f"{path}.{key}", value, None, "dropped", None)
            else:
                _compare(f"{path}.{key}", value, sent[key], add)
        for key in sent:
            if key not in expected:
                add(f"{path}.{key}", None, sent[key], "added", None)
        return
    if isinstance(expected, list) and isinstance(sent, list):
        for i, (a, b) in enumerate(zip(expected, sent, strict=False)):
            _compare(f"{path}[{i}]", a, b, add)
        for i in range(len(sent), len(expected)):
            add(f"{path}[{i}]", expected[i], None, "dropped", None)
        for i in range(len(expected), len(sent)):
            add(f"{path}[{i}]", None, sent[i], "added", None)
        return
    if json_type(expected) != json_type(sent):
        add(path, expected, sent, "type-changed", None)
    elif not _same(expected, sent):
        add(path, expected, sent, "changed", None)


def _same(a: Any, b: Any) -> bool:
    return json_type(a) == json_type(b) and a == b


def _is_obj(value: Any) -> bool:
    return isinstance(value, dict)


def _js_string(value: Any) -> str:
    """String(value) as JavaScript writes it, for the values an event id can be."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _at(body: dict[str, Any], dotted: str) -> Any:
    value: Any = body
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return _OMIT
        value = value[part]
    return value


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
            user[field_name] = text if _HEX64.fullmatch(text.lower()) else _sha256(text)
        elif key == "email":
            lower = text.lower()
            user["email"] = lower if _HEX64.fullmatch(lower) else _sha256(lower)
        elif key == "phone_number":
            lower = text.lower()
            if _HEX64.fullmatch(lower):
                user["phone_number"] = lower
            elif text.startswith("+"):
                user["phone_number"] = _sha256("+" + re.sub(r"[^0-9]", "", text))
            else:
                user["phone_number"] = ""  # libphonenumber may infer a country: any hash
    return user


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _user_differences(
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
        elif value == "" and isinstance(sent, str) and _HEX64.fullmatch(sent):
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


# -- the whole reconciliation -----------------------------------------------------------------


def pair_differences(done: Matching, calls: Sequence[TtqCall]) -> list[FieldDifference]:
    """The field differences of every pair, identify's context.user values included."""
    identifies = [c for c in calls if c.method == "identify"]
    found: list[FieldDifference] = []
    for call, wire in done.pairs:
        found.extend(differences(call, wire))
        identified: dict[str, str] = {}
        for ident in identifies:
            same_document = call.call is not None and ident.document == call.call.document
            if same_document and ident.index < call.index:
                identified.update(identify_values(ident))
        found.extend(_user_differences(call, wire, identified))
    return found


def reconcile(
    call_evs: Sequence[PixelEvent],
    wire_evs: Sequence[PixelEvent],
    *,
    calls: Sequence[TtqCall] = (),
    requests: Sequence[RawRequest] = (),
    matching: Matching | None = None,
    index: DocumentIndex | None = None,
) -> Reconciliation:
    """Every call paired, quiet or lost; every beacon paired or marked with its origin."""
    done = matching or match(call_evs, wire_evs, calls)
    all_calls = list(calls) or [c.call for c in call_evs if c.call is not None]
    if index is None or not calls:
        index = DocumentIndex(all_calls, requests)
    identifies = [c for c in all_calls if c.method == "identify"]

    pairs = [
        CallBeaconPair(
            call_index=call.index,
            beacon_index=wire.index,
            call_name=call.name,
            event_name=wire.name,
            pixel_code=wire.pixel_code,
        )
        for call, wire in done.pairs
    ]
    diffs = pair_differences(done, all_calls)

    quiet: list[QuietCall] = []
    for record in all_calls:
        if record.method.startswith(_OBSERVATION) or record.method in EVENT_METHODS:
            continue
        quiet.append(_quiet(record, index))
    for call in call_evs:
        if call.index in done.nameless and not any(c.index == call.index for c, _ in done.pairs):
            quiet.append(
                QuietCall(
                    call_index=call.index,
                    method="track",
                    behaviour="track-needs-a-string-name",
                    detail="the SDK sends nothing for a track() whose event name is not a "
                    "string (EV002 reports the call)",
                )
            )
        if call.index in done.silent:
            quiet.append(
                QuietCall(
                    call_index=call.index,
                    method="page",
                    behaviour="page-once-per-url",
                    detail=f"the URL had not changed since the last ttq.page() ({call.page_url})",
                )
            )
    quiet.sort(key=lambda q: q.call_index)

    lost = []
    for event in done.unanswered:
        reason, detail = lost_reason(
            event, calls=all_calls, requests=requests, unanswered=done.unanswered, index=index
        )
        lost.append(
            LostCall(
                call_index=event.index,
                name=event.name,
                pixel_code=event.pixel_code,
                reason=reason,
                detail=detail,
            )
        )

    unexplained = [_origin(wire, identifies, has_calls=bool(all_calls)) for wire in done.uncovered]
    return Reconciliation(
        calls=len(call_evs),
        beacons=len(wire_evs),
        pairs=pairs,
        quiet_calls=quiet,
        lost_calls=lost,
        unexplained_beacons=unexplained,
        differences=diffs,
    )


def _quiet(record: TtqCall, index: DocumentIndex) -> QuietCall:
    method = record.method
    if method == "identify":
        keys = sorted(identify_values(record))
        hashed = [k for k in keys if k != "external_id"]
        detail = (
            f"{', '.join(keys)} go to context.user of later events"
            + (f" ({', '.join(hashed)} SHA-256 hashed" if hashed else "")
            + (", external_id in clear" if "external_id" in keys and hashed else "")
            + (")" if hashed else "")
            if keys
            else "no value the SDK keeps"
        )
        return QuietCall(
            call_index=record.index,
            method=method,
            behaviour="identify-to-context-user",
            detail=detail,
        )
    if method in _QUIET_METHODS:
        return QuietCall(
            call_index=record.index,
            method=method,
            behaviour=_QUIET_METHODS[method],
            detail=f"ttq.{method}() changes what later beacons do; it sends nothing itself",
        )
    if method == "load":
        code = record.args[0] if record.args else None
        scripts = index.evidence(record).script_pixels
        requested = isinstance(code, str) and code in scripts
        return QuietCall(
            call_index=record.index,
            method=method,
            behaviour="fan-out-to-loaded-pixels",
            detail=f"loads pixel {code}"
            + ("; its events.js was requested" if requested else "; no events.js request seen"),
        )
    if method == "instance":
        return QuietCall(
            call_index=record.index,
            method=method,
            behaviour="instance-targets-one-pixel",
            detail="returns the pixel's own queue; its calls are listed on their own",
        )
    return QuietCall(
        call_index=record.index,
        method=method,
        behaviour="sends-nothing",
        detail=f"ttq.{method}() sends no event",
    )


def _origin(
    wire: PixelEvent, identifies: Sequence[TtqCall], *, has_calls: bool
) -> UnexplainedBeacon:
    origin: BeaconOrigin
    cause: int | None = None
    if wire.auto:
        origin = "automatic"
        detail = f"the SDK's automatic {wire.name} on /act (auto-config), not a ttq call"
    elif wire.name == "EnrichAM":
        origin = "enrich-am"
        earlier = [c for c in identifies if c.index < wire.index]
        if earlier:
            cause = earlier[-1].index
            detail = f"sent by the SDK after ttq.identify() (call #{cause})"
        else:
            detail = "sent by the SDK after an identify() the capture did not record"
    elif (
        isinstance(wire.body, dict)
        and isinstance((wire.body.get("context") or {}).get("pixel"), dict)
        and wire.body["context"]["pixel"].get("mode")
    ):
        origin = "event-builder"
        detail = (
            f"context.pixel.mode {wire.body['context']['pixel']['mode']!r}: an Event Builder "
            "rule in the pixel's configuration, not a page call"
        )
    else:
        origin = "other"
        detail = (
            "no recorded ttq call made it: another script (a tag manager template, a proxy) "
            "or a call the harness could not record"
            if has_calls
            else "the capture has no ttq call records to explain it"
        )
    return UnexplainedBeacon(
        beacon_index=wire.index,
        name=wire.name,
        pixel_code=wire.pixel_code,
        origin=origin,
        call_index=cause,
        detail=detail,
    )
