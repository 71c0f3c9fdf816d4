"""Value types shared by every layer: raw requests, ttq calls, decoded events, findings.

Values flow one way: RawRequest (wire) / TtqCall (call) -> PixelEvent or UndecodableBeacon
-> Finding -> CaptureReport. Everything here is plain data so reports serialise as JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

Source = Literal["call", "wire"]


class RequestKind(StrEnum):
    """What a request to a pixel host is for."""

    EVENT = "event"  # /api/v2/pixel, /api/v2/pixel/act, /api/v2/shopify_pixel
    TELEMETRY = "telemetry"  # /inter, /perf, /monitor, /performance*, ...: logged, not events
    SDK_SCRIPT = "sdk_script"  # events.js, main.<id>.js, identify_<hash>.js, ...
    CONFIG = "config"  # config.js
    OTHER = "other"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def model_post_init(self, context: Any, /) -> None:
        # pydantic gives every instance its own set of the fields it was given (about 700
        # bytes for a PixelEvent); values are frozen, so instances given the same fields share
        # one set (model_copy copies it before adding to it).
        fields = self.__pydantic_fields_set__
        key = frozenset(fields)
        known = _FIELDS_SETS.get(key)
        if known is None:
            if len(_FIELDS_SETS) >= 1024:  # bounded: a few dozen are ever used
                _FIELDS_SETS.clear()
            known = _FIELDS_SETS[key] = fields
        object.__setattr__(self, "__pydantic_fields_set__", known)


#: one shared `__pydantic_fields_set__` per set of fields given (see _Frozen.model_post_init)
_FIELDS_SETS: dict[frozenset[str], set[str]] = {}


class RawRequest(_Frozen):
    """One request the page made to a pixel host, exactly as intercepted."""

    index: int = Field(description="Arrival order across calls and requests in one capture.")
    timestamp: float = Field(description="Unix time (seconds) when the harness saw it.")
    method: str
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = Field(default=None, description="Request body as text, if any.")
    body_origin: Literal["request", "sendBeacon", "none"] = "none"
    kind: RequestKind
    endpoint: str = Field(description="Short endpoint name, e.g. 'pixel', 'act', 'events.js'.")
    page_url: str | None = Field(default=None, description="URL of the frame that sent it.")


class TtqCall(_Frozen):
    """One call the page made through the `ttq` object, recorded at the call site."""

    index: int
    timestamp: float = Field(description="Unix time (seconds) in the page when it was called.")
    method: str = Field(description="track, page, identify, load, instance, holdConsent, ...")
    args: list[Any] = Field(
        description="Arguments as the page passed them. JSON values stay as they were; "
        "values JSON cannot hold are objects with a '__ttq_type__' key (undefined, function...)."
    )
    pixel_code: str | None = Field(
        default=None, description="Set for ttq.instance(code).method(...) calls."
    )
    page_url: str | None = None
    frame_url: str | None = None
    location: str | None = Field(
        default=None, description="Script location that made the call, as URL:line:column."
    )
    document_id: str | None = Field(
        default=None,
        description="Identifies the document (one page load in one frame) that made the call; "
        "stays the same across SPA route changes.",
    )

    @property
    def document(self) -> str | None:
        """The document key: document_id when recorded, else the frame URL."""
        return self.document_id or self.frame_url


class CapturedDocument(_Frozen):
    """One document (a page load in one frame) the capture watched: what the capture-health
    rules (CH) need to tell "the page sent nothing" from "the harness saw nothing"."""

    id: str = Field(
        description="The recorder's document id (TtqCall.document_id) when the recorder ran in "
        "it, else a harness id ('nav-N')."
    )
    url: str | None = Field(default=None, description="The URL the document was loaded from.")
    main_frame: bool = Field(default=True, description="A top-level page, not an iframe.")
    parent: str | None = Field(
        default=None, description="For an iframe's document: the top-level document around it."
    )
    status: int | None = Field(
        default=None,
        description="HTTP status of its navigation; None when not loaded over HTTP "
        "(about:blank, srcdoc) or not seen.",
    )
    recorder: bool = Field(
        default=False, description="The call recorder started in it (it reported in)."
    )
    pixel: bool = Field(
        default=False,
        description="A pixel global (ttq or TiktokAnalyticsObject) was created in it.",
    )
    requests: list[int] = Field(
        default_factory=list, description="Indexes of the pixel-host requests it made."
    )
    index: int | None = Field(
        default=None, description="When the capture learnt of it (the index counter)."
    )


class PixelEvent(_Frozen):
    """An event, either as the page called it (source=call) or as it left on the wire."""

    # Frozen, and its objects and arrays (`properties`, `user`, `body`) may be the very ones
    # other events of the same capture hold (core/sharing.py): copy before editing one
    # (`copy.deepcopy`). An edit never reaches a later event or capture all the same. (A
    # comment, not the docstring: the docstring is the JSON schemas' description.)

    index: int
    source: Source
    name: str
    pixel_code: str | None = Field(
        default=None, description="Target pixel; None for a call that fans out to every pixel."
    )
    pixel_codes: list[str] = Field(default_factory=list)
    event_id: str = ""
    properties: Any = Field(default_factory=dict)
    user: dict[str, Any] = Field(default_factory=dict)
    page_url: str | None = None
    referrer: str | None = None
    library_name: str | None = None
    library_version: str | None = None
    timestamp: str | None = None
    endpoint: str | None = Field(default=None, description="pixel, act or shopify_pixel (wire).")
    auto: bool = Field(default=False, description="An automatic SDK event (/act Click, Metadata).")
    request: RawRequest | None = None
    call: TtqCall | None = None
    body: dict[str, Any] | None = Field(default=None, description="Decoded wire body.")

    # A wire event decoded from a single-event request does not hold its body: it is parsed
    # again from the request's text the first time it is read (a rule, a report), then kept.
    # Such an event has no "body" key in __dict__ until then (decode_beacon, wire_body); the
    # methods below fill it in before anything reads __dict__ as a whole.

    if not TYPE_CHECKING:  # for mypy, `body` is the field above

        def __getattr__(self, name: str) -> Any:
            if name == "body":
                return self._decoded_body()
            return super().__getattr__(name)

    def _decoded_body(self) -> dict[str, Any] | None:
        """The body, decoded from the request's text once and kept from then on."""
        held = self.__dict__
        if "body" not in held:
            held["body"] = _body_decoder(self)
        body: dict[str, Any] | None = held["body"]
        return body

    @model_serializer(mode="wrap")
    def _serialise_with_body(self, handler: SerializerFunctionWrapHandler) -> Any:
        self._decoded_body()  # pydantic serialises what is in __dict__
        return handler(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PixelEvent):
            mine, theirs = self.__dict__, other.__dict__
            if ("body" in mine) != ("body" in theirs):  # one body not decoded yet
                if any(mine[key] != theirs[key] for key in _CHEAP_TO_COMPARE):
                    return False  # unequal anyway: no need to decode it
                self._decoded_body()
                other._decoded_body()
        return super().__eq__(other)

    def __iter__(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        self._decoded_body()
        yield from super().__iter__()

    def __repr_args__(self) -> Any:
        self._decoded_body()
        return super().__repr_args__()


def _no_body_decoder(event: PixelEvent) -> dict[str, Any] | None:
    raise RuntimeError("PixelEvent.body: harness.core.decode was not imported")


#: decodes the body of a wire event made without it; harness.core.decode, the only module that
#: makes such events, sets it (set_body_decoder) so this module need not import it
_body_decoder: Callable[[PixelEvent], dict[str, Any] | None] = _no_body_decoder


def set_body_decoder(decoder: Callable[[PixelEvent], dict[str, Any] | None]) -> None:
    """What PixelEvent.body calls for an event made without its body (see PixelEvent)."""
    global _body_decoder
    _body_decoder = decoder


#: PixelEvent fields compared before a body is decoded only to compare it
_CHEAP_TO_COMPARE = ("index", "source", "name", "event_id", "pixel_code")


class UndecodableBeacon(_Frozen):
    """An event request whose body could not be turned into events. Never dropped."""

    request: RawRequest
    reason: str


class Finding(_Frozen):
    """A problem found in what was captured."""

    code: str
    name: str
    severity: Severity
    message: str
    fix: str = ""
    path: str = Field(default="", description="JSON path of the offending field, if any.")
    expected: Any = None
    received: Any = None
    event_index: int | None = None
    event_name: str | None = None
    pixel_code: str | None = None
    page_url: str | None = None
    source: Source | None = None
    request: RawRequest | None = None
    call: TtqCall | None = None


class CaptureReport(_Frozen):
    """Everything one inspection captured, ready to render."""

    schema_version: int = 1
    harness_version: str
    sdk: str = Field(description="SDK mode: 'emulated' (default).")
    profile: str = Field(default="spec", description="Rule profile the findings follow.")
    sdk_version: str | None = Field(
        default=None, description="Pixel library version seen on the wire (context.library)."
    )
    url: str
    browser: str | None = None
    events: list[PixelEvent]
    calls: list[TtqCall]
    requests: list[RawRequest]
    undecodable: list[UndecodableBeacon]
    findings: list[Finding]
    reconciliation: Reconciliation = Field(
        default_factory=lambda: Reconciliation(),
        description="Which beacon answers which ttq call, and why the others have none "
        "(docs/reconciliation.md).",
    )
    incomplete: str | None = Field(
        default=None,
        description="Why the capture stopped before it was done (the browser closed or "
        "crashed, Ctrl-C); the report holds what was captured until then. None: complete.",
    )
    documents: list[CapturedDocument] = Field(
        default_factory=list,
        description="Every document the browser capture watched (empty for HAR files): its "
        "HTTP status, whether the call recorder ran in it and its pixel requests (CH rules).",
    )


# -- call <-> beacon reconciliation (harness/core/reconcile/ builds these) -------------------------

#: How a beacon differs from its call at one field.
DifferenceKind = Literal[
    "renamed",  # the event name (the SDK's reserved-name aliases)
    "transformed",  # the value rewritten (currency upper-cased, JSON serialisation)
    "moved",  # taken out of properties to another field (event_id, limited_data_use...)
    "mangled",  # an argument of the wrong type reshaped (a string spread into characters)
    "type-changed",  # same field, another JSON type
    "changed",  # same field, another value
    "dropped",  # called, not sent
    "added",  # sent, not called
]
#: Why a call likely produced no beacon.
LostReason = Literal[
    "sdk-not-loaded",
    "pixel-not-loaded",
    "wrong-queue-protocol",
    "consent-held",
    "consent-revoked",
    "page-left",
    "page-error",
    "unknown",
]
#: Where a beacon that no call explains came from.
BeaconOrigin = Literal["automatic", "enrich-am", "event-builder", "other"]


class FieldDifference(_Frozen):
    """One field where a beacon differs from the call that made it."""

    call_index: int
    beacon_index: int
    pixel_code: str | None = None
    path: str = Field(description="Where on the wire: 'event', 'properties.currency'...")
    called: Any = Field(default=None, description="The value as called (None if absent).")
    sent: Any = Field(default=None, description="The value as sent (None if absent).")
    kind: DifferenceKind
    behaviour: str | None = Field(
        default=None,
        description="The SDK behaviour that explains it (BEHAVIOURS in "
        "harness/core/reconcile/behaviours.py); None when nothing the SDK does explains it.",
    )


class CallBeaconPair(_Frozen):
    """A ttq call and one beacon it produced (one per pixel it went to)."""

    call_index: int
    beacon_index: int
    call_name: str
    event_name: str
    pixel_code: str | None = None


class QuietCall(_Frozen):
    """A call that, by the SDK's design, sends no event of its own (identify, load, consent,
    a repeated page() on the same URL...)."""

    call_index: int
    method: str
    behaviour: str
    detail: str = ""


class LostCall(_Frozen):
    """A call (to one pixel, or to all) that produced no beacon, with the likely reason."""

    call_index: int
    name: str
    pixel_code: str | None = Field(
        default=None, description="The pixel it never reached; None: no pixel at all."
    )
    reason: LostReason
    detail: str = ""


class UnexplainedBeacon(_Frozen):
    """A beacon no recorded call made, with where it most likely came from."""

    beacon_index: int
    name: str
    pixel_code: str | None = None
    origin: BeaconOrigin
    call_index: int | None = Field(
        default=None, description="The call that caused it indirectly (identify for EnrichAM)."
    )
    detail: str = ""


class Reconciliation(_Frozen):
    """Every recorded call matched to the beacons it produced, and what is left over."""

    calls: int = Field(default=0, description="Event calls (ttq.track, ttq.page).")
    beacons: int = Field(default=0, description="Events on the wire.")
    pairs: list[CallBeaconPair] = Field(default_factory=list)
    quiet_calls: list[QuietCall] = Field(default_factory=list)
    lost_calls: list[LostCall] = Field(default_factory=list)
    unexplained_beacons: list[UnexplainedBeacon] = Field(default_factory=list)
    differences: list[FieldDifference] = Field(default_factory=list)


CaptureReport.model_rebuild()
