"""The offline pixel emulator against requests captured from TikTok's real SDK 2.1.33.

Each test page replays a capture's `scenario_calls` through the standard base code; the
emulator must send the same beacons, with the same keys in the same order and the same value
types, and the same values apart from volatile ones (ids, times, user agent, page URL).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from harness.browser.recorder import PixelCapture

DATA = Path(__file__).parent.parent / "data"
VOLATILE = {
    "message_id",
    "timestamp",
    "session_id",
    "pageview_id",
    "userAgent",
    "url",
    "version",
    "referrer",
}


def _shape(value: Any, path: str = "") -> Any:
    """Keys in order with value types; volatile leaves keep only their type."""
    if isinstance(value, dict):
        return [(key, _shape(item, f"{path}.{key}")) for key, item in value.items()]
    if isinstance(value, list):
        return [_shape(item, f"{path}[]") for item in value]
    leaf = path.rsplit(".", 1)[-1]
    if leaf in VOLATILE or path.endswith("trigger_element.timestamp"):
        return type(value).__name__
    return value


def _real_bodies(name: str) -> list[dict[str, Any]]:
    capture = json.loads((DATA / name).read_text())
    return [json.loads(beacon["body"]) for beacon in capture["beacons"]]


def _emulated_bodies(capture: PixelCapture, expected: int) -> list[dict[str, Any]]:
    def enough() -> bool:
        return len(capture.events("wire")) >= expected

    capture.wait_for(enough, timeout=10)
    capture.settle(quiet=0.5)
    return [event.body or {} for event in capture.events("wire")]


@pytest.mark.parametrize(
    ("page_path", "capture_file"),
    [
        ("/real-sdk-single.html", "real-sdk-2.1.33-single-pixel.json"),
        ("/real-sdk-multi.html", "real-sdk-2.1.33-multi-pixel.json"),
    ],
)
def test_emulator_sends_what_the_real_sdk_sent(
    page: Page, ttq_capture: PixelCapture, test_pages: str, page_path: str, capture_file: str
) -> None:
    real = _real_bodies(capture_file)
    page.goto(test_pages + page_path)
    # The captures end with the SDK's automatic Click, after everything else had been sent.
    _emulated_bodies(ttq_capture, len(real) - 1)
    page.click("#b")
    emulated = _emulated_bodies(ttq_capture, len(real))

    def key(body: dict[str, Any]) -> tuple[str, str]:
        return (body.get("event") or body.get("action") or "", body["context"]["pixel"]["code"])

    assert [key(b) for b in emulated] == [key(b) for b in real]
    for ours, theirs in zip(emulated, real, strict=True):
        assert _shape(ours) == _shape(theirs), key(theirs)
    for body in emulated:
        assert body["context"]["library"] == {"name": "pixel.js", "version": "2.1.33-emulated"}


def test_emulated_ids_have_the_real_formats(
    page: Page, ttq_capture: PixelCapture, test_pages: str
) -> None:
    page.goto(test_pages + "/real-sdk-multi.html")
    bodies = _emulated_bodies(ttq_capture, 5)
    track = [b for b in bodies if "event" in b]
    for body in track:
        code = body["context"]["pixel"]["code"]
        assert body["message_id"].startswith("messageId-") and body["message_id"].endswith(code)
        assert body["context"]["session_id"].endswith("-" + code)
        assert "::" in body["context"]["session_id"]
        assert body["context"]["pageview_id"].startswith("pageId-")
        assert body["timestamp"].endswith("Z")
    act = [b for b in bodies if "action" in b]
    assert act and all(not b["message_id"].endswith(b["context"]["pixel"]["code"]) for b in act)
