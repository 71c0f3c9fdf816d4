"""Why a call produced no beacon, from what the capture holds, and what the capture says about
each document (`DocumentIndex`). Pure."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from harness.core.model import (
    LostReason,
    PixelEvent,
    RawRequest,
    RequestKind,
    TtqCall,
)
from harness.core.observations import PAGE_ERROR, is_observation
from harness.core.reconcile.behaviours import EVENT_METHODS, QUIET_METHODS
from harness.core.reconcile.pairing import url_base

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
    index = index or DocumentIndex(calls, requests)
    evidence = index.evidence(call)
    facts = index.lost_facts(unanswered)
    sdk_pixels = evidence.script_pixels

    target = event.pixel_code
    known = evidence.pixels
    if target is not None and known and target not in known:
        return "pixel-not-loaded", (
            f"pixel {target} was never loaded on this page (ttq.load), so the SDK's instance "
            "of it sends nothing"
        )

    known_document = index.knows(call)
    consent = facts.consent_calls(call.document, evidence.records, known_document)
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

    page = facts.document(call.document, evidence.records, known_document)
    answered = page.any_answered
    later_document = index.later_document(call)
    trailing = page.all_lost_from(call.index)
    errors = index.page_errors(url_base(call.frame_url or call.page_url))
    if not answered and errors:
        first = str(errors[0].args[0]) if errors[0].args else "an error"
        return "page-error", (
            f"the SDK sent none of this page's calls and the page threw {len(errors)} uncaught "
            f"error(s) (TR008), first: {first[:200]}; a page script that breaks a built-in the "
            "SDK relies on (JSON, Array) stops the SDK too"
        )
    if not answered and (len(page.events) > 1 or not later_document):
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
        #: each document's last ttq call (observations aside), for "was the page left?"
        self._last_call: dict[str | None, int] = {}
        #: uncaught page errors (TR008) by page URL without query and fragment
        self._errors: dict[str | None, list[TtqCall]] = {}
        for record in calls:
            if not is_observation(record.method):
                last = self._last_call.get(record.document, -1)
                self._last_call[record.document] = max(last, record.index)
            elif record.method == PAGE_ERROR:
                page = url_base(record.frame_url or record.page_url)
                self._errors.setdefault(page, []).append(record)
        self._lost: tuple[Sequence[PixelEvent], _LostFacts] | None = None

    def knows(self, call: TtqCall) -> bool:
        """Whether the call's document has records in this capture's list."""
        return call.document in self._records

    def later_document(self, call: TtqCall) -> bool:
        """Whether another document recorded a ttq call after this one (the page was left)."""
        return any(
            last > call.index for doc, last in self._last_call.items() if doc != call.document
        )

    def page_errors(self, page: str | None) -> list[TtqCall]:
        """The uncaught errors (TR008) of a page, by its URL without query and fragment."""
        return self._errors.get(page, [])

    def lost_facts(self, unanswered: Sequence[PixelEvent]) -> _LostFacts:
        """What the lost-call reasons need about these unanswered calls, worked out once."""
        if self._lost is None or self._lost[0] is not unanswered:
            self._lost = (unanswered, _LostFacts(unanswered))
        return self._lost[1]

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


@dataclass
class _DocumentCalls:
    """One document's event calls and which of them reached no pixel."""

    events: list[TtqCall]
    any_answered: bool
    #: call index -> every event call at or after it reached no pixel (sorted by index)
    _all_lost_after: list[tuple[int, bool]]

    def all_lost_from(self, index: int) -> bool:
        position = bisect.bisect_left(self._all_lost_after, (index, False))
        return position >= len(self._all_lost_after) or self._all_lost_after[position][1]


class _LostFacts:
    """The unanswered calls, per document, for `lost_reason` (computed once per capture)."""

    def __init__(self, unanswered: Sequence[PixelEvent]) -> None:
        # calls that reached no pixel at all (not those that missed one pixel of several)
        self.lost = {
            e.index for e in unanswered if e.call is None or e.pixel_code == _target(e.call)
        }
        self._documents: dict[str | None, _DocumentCalls] = {}
        self._consent: dict[str | None, list[TtqCall]] = {}

    def consent_calls(
        self, document: str | None, records: list[TtqCall], remember: bool
    ) -> list[TtqCall]:
        """The document's consent calls. `remember`: `records` are the whole document's (a
        call outside the capture's list has only itself to go on: nothing to remember)."""
        found = self._consent.get(document) if remember else None
        if found is None:
            found = [c for c in records if c.method in QUIET_METHODS and c.method != "identify"]
            if remember:
                self._consent[document] = found
        return found

    def document(
        self, document: str | None, records: list[TtqCall], remember: bool
    ) -> _DocumentCalls:
        """The document's event calls and their losses (`remember`: as in consent_calls)."""
        found = self._documents.get(document) if remember else None
        if found is None:
            events = [c for c in records if c.method in EVENT_METHODS]
            after: list[tuple[int, bool]] = []
            all_lost = True
            for call in reversed(events):
                all_lost = all_lost and call.index in self.lost
                after.append((call.index, all_lost))
            after.reverse()
            found = _DocumentCalls(
                events=events,
                any_answered=any(c.index not in self.lost for c in events),
                _all_lost_after=after,
            )
            if remember:
                self._documents[document] = found
        return found
