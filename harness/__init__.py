"""ttq-harness: capture every TikTok Pixel event a page sends, decode it, check it."""

from harness.core.decode import decode_beacon
from harness.core.model import (
    CaptureReport,
    Finding,
    PixelEvent,
    RawRequest,
    RequestKind,
    Severity,
    TtqCall,
    UndecodableBeacon,
)

__version__ = "0.1.0"

__all__ = [
    "CaptureReport",
    "Finding",
    "PixelEvent",
    "RawRequest",
    "RequestKind",
    "Severity",
    "TtqCall",
    "UndecodableBeacon",
    "__version__",
    "decode_beacon",
]
