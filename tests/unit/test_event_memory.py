"""What a captured event holds (issue 14, goal 4): the body of a single-event beacon is parsed
again from the request's text when first read, once, and is then the same value everywhere
(attribute, JSON, masking, equality); repeated values are held once.

Every count here is of operations (parses, objects), never of time.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.browser.recorder import PixelCapture
from harness.core import decode
from harness.core.decode import decode_beacon
from harness.core.endpoints import classify
from harness.core.masking import masked
from harness.core.model import PixelEvent, RawRequest, UndecodableBeacon
from harness.core.sharing import shared_json

DATA = Path(__file__).parent.parent / "data"
URL = "https://analytics.tiktok.com/api/v2/pixel"
PAGE = "http://127.0.0.1/p"


def _real_bodies() -> list[str]:
    capture = json.loads((DATA / "real-sdk-2.1.33-single-pixel.json").read_text())
    return [beacon["body"] for beacon in capture["beacons"] if beacon["body"]]


BODIES = _real_bodies()


def _request(body: str, index: int = 1) -> RawRequest:
    kind, endpoint = classify(URL)
    return RawRequest(
        index=index,
        timestamp=0.0,
        method="POST",
        url=URL,
        body=body,
        body_origin="request",
        kind=kind,
        endpoint=endpoint,
    )


def _decoded(body: str, index: int = 1) -> list[PixelEvent]:
    result = decode_beacon(_request(body, index))
    assert not isinstance(result, UndecodableBeacon), result.reason
    return result


def _eager(event: PixelEvent) -> PixelEvent:
    """The event as decode made it before: every field given, the body parsed from the text."""
    assert event.request is not None and event.request.body is not None
    fields = {name: event.__dict__[name] for name in PixelEvent.model_fields if name != "body"}
    return PixelEvent(**{**fields, "body": json.loads(event.request.body)})


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How many times a beacon's text was parsed (decode.body_json)."""
    seen: Counter[str] = Counter()
    real: Callable[[RawRequest], Any] = decode.body_json

    def counting(request: RawRequest) -> Any:
        seen[request.body or ""] += 1
        return real(request)

    monkeypatch.setattr(decode, "body_json", counting)
    yield seen


@pytest.mark.parametrize("body", BODIES, ids=[json.loads(b).get("event", "act") for b in BODIES])
def test_the_body_is_parsed_once_when_first_read_and_equals_the_text(
    body: str, parses: Counter[str]
) -> None:
    (event,) = _decoded(body)
    assert "body" not in event.__dict__  # not held until read
    assert parses[body] == 1  # decoding it
    first = event.body
    assert first == json.loads(body)
    for _ in range(5):
        assert event.body is first
    assert parses[body] == 2  # read six times, parsed once more: then kept
    assert event.properties is first.get("properties", event.properties)


@pytest.mark.parametrize("body", BODIES[:3])
def test_a_lazy_body_serialises_and_masks_as_a_parsed_one(body: str) -> None:
    (unread,) = _decoded(body)
    (read,) = _decoded(body)
    read.body  # noqa: B018 - read it: decoded once
    eager = _eager(read)
    expected = eager.model_dump_json()
    assert "body" not in unread.__dict__
    assert unread.model_dump_json() == expected  # serialising reads the body
    assert read.model_dump_json() == expected
    assert read.model_dump() == eager.model_dump()
    assert masked(read).model_dump_json() == masked(eager).model_dump_json()
    assert dict(read) == dict(eager)


def test_equality_decodes_a_body_only_when_everything_else_is_equal() -> None:
    first, second = _decoded(BODIES[0], 1), _decoded(BODIES[1], 2)
    eager = _eager(second[0])
    assert first[0] != eager
    assert "body" not in first[0].__dict__  # told apart without decoding
    assert second[0] == eager
    assert "body" in second[0].__dict__


def test_a_batch_keeps_each_event_its_own_body(parses: Counter[str]) -> None:
    items = [json.loads(body) for body in BODIES[:2]]
    text = json.dumps({"batch": items})
    events = _decoded(text)
    assert [event.body for event in events] == items
    assert all("body" in event.__dict__ for event in events)  # held: no second parse
    assert parses[text] == 1


def test_repeated_values_are_held_once() -> None:
    (first,), (second,) = _decoded(BODIES[1], 1), _decoded(BODIES[2], 2)
    assert first.body is not None and second.body is not None
    assert first.body["context"] is second.body["context"]  # the same page, user, pixel
    assert first.body["message_id"] is not second.body["message_id"]
    assert first.pixel_code is second.pixel_code
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__
    copy = first.model_copy(update={"name": "Other"})
    assert copy.__pydantic_fields_set__ is not first.__pydantic_fields_set__
    assert first.model_fields_set == second.model_fields_set


@pytest.mark.parametrize(
    "values",
    [
        [{"a": 1}, {"a": 1.0}, {"a": True}],
        [{"a": 0.0}, {"a": -0.0}],
        [[1, "1"], ["1", 1]],
        [{"a": None}, {"a": "None"}, {"a": []}, {"a": {}}],
        [{"x": {"y": [1]}}, {"x": {"y": [2]}}],
    ],
)
def test_sharing_never_merges_values_json_tells_apart(values: list[Any]) -> None:
    shared = [shared_json({"wrap": value}, share_top=True)["wrap"] for value in values]
    assert [json.dumps(value) for value in shared] == [json.dumps(value) for value in values]
    assert len({id(value) for value in shared}) == len(values)
    again = [shared_json({"wrap": value}, share_top=True)["wrap"] for value in values]
    assert all(a is b for a, b in zip(again, shared, strict=True))


def _captured_add_to_cart(contents: list[dict[str, Any]]) -> tuple[PixelEvent, PixelEvent]:
    """A capture's call and wire events of one AddToCart (a test of its own, as in pytest)."""
    capture = PixelCapture()
    properties = {"contents": contents, "value": 5, "currency": "USD"}
    call = {"kind": "call", "method": "track", "args": ["AddToCart", properties]}
    capture._ingest({**call, "frame_url": PAGE}, page_url=PAGE)
    context = {"pixel": {"code": "CTESTPIXEL0000000001"}, "page": {"url": PAGE}}
    body = {"event": "AddToCart", "context": context, "properties": properties}
    capture.handle_request(
        method="POST", url=URL, headers={}, body=json.dumps(body).encode(), frame_url=PAGE
    )
    (called,), (sent,) = capture.events("call"), capture.events("wire")
    return called, sent


def test_an_event_edited_in_place_never_reaches_a_later_capture() -> None:
    # Sharing hands out one copy of a repeated object. A test that edits an event's
    # properties in place (say, sorts its contents) must not change what a later test's
    # capture holds for the same values sent again.
    contents = [{"content_id": "302", "quantity": 1}, {"content_id": "301", "quantity": 2}]
    for event in _captured_add_to_cart(json.loads(json.dumps(contents))):
        event.properties["contents"].sort(key=lambda item: item["content_id"])
        event.properties["contents"][0]["quantity"] = 99
        event.properties["value"] = 0
    for event in _captured_add_to_cart(json.loads(json.dumps(contents))):
        assert event.properties["contents"] == contents, event.source
        assert event.properties["value"] == 5


def test_a_beacon_and_its_note_hold_one_text() -> None:
    capture = PixelCapture()
    body = BODIES[1]
    note = {"kind": "beacon", "url": URL, "body": body, "frame_url": PAGE}
    capture._on_binding({"page": None, "frame": None}, json.dumps([note]))
    capture.handle_request(method="POST", url=URL, headers={}, body=body.encode(), frame_url=PAGE)
    capture.check()
    assert capture.requests[0].body == body
    assert capture.beacon_notes[0]["body"] is capture.requests[0].body
    (event,) = capture.events("wire")
    assert event.body == json.loads(body)
