"""Value types shared by every layer: raw requests, ttq calls, decoded events, findings.

Values flow one way: RawRequest (wire) / TtqCall (call) -> PixelEvent or UndecodableBeacon
-> Finding -> CaptureReport. Everything here is plain data so reports serialise as JSON.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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


class PixelEvent(_Frozen):
    """An event, either as the page called it (source=call) or as it left on the wire."""

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
