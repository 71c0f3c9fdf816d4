"""SDK sources without a browser: option parsing, pixel-code substitution, pinned-file lookup,
what a saved SDK references, the manifest, and the one-line errors of the CLI options."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.capture.recorder import PixelCapture
from harness.capture.sdk import (
    Answer,
    EmulatedSdk,
    LiveSdk,
    Missing,
    PinnedSdk,
    Upstream,
    file_digests,
    parse_sdk,
    referenced_files,
    substitute_pixel_code,
)
from harness.cli import app
from harness.errors import UsageError

PIN = Path(__file__).resolve().parents[1] / "data" / "sdk-pin"
EVENTS = "https://analytics.tiktok.com/i18n/pixel/events.js"


def test_parse_accepts_the_three_forms() -> None:
    assert isinstance(parse_sdk("emulated", emulator="x"), EmulatedSdk)
    live = parse_sdk("live", emulator="x", origin="http://127.0.0.1:8123", forward_beacons=True)
    assert isinstance(live, LiveSdk) and live.forward_beacons
    assert live.upstream(EVENTS + "?sdkid=C1&lib=ttq") == (
        "http://127.0.0.1:8123/i18n/pixel/events.js?sdkid=C1&lib=ttq"
    )
    assert LiveSdk().upstream(EVENTS) == EVENTS  # no override: TikTok itself
    pinned = parse_sdk(str(PIN), emulator="x")
    assert isinstance(pinned, PinnedSdk) and pinned.label == f"pinned:{PIN}"


def test_the_origin_override_comes_from_the_environment_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TTQ_HARNESS_SDK_ORIGIN", "http://127.0.0.1:9999")
    live = parse_sdk("live", emulator="x")
    assert isinstance(live, LiveSdk) and live.origin == "http://127.0.0.1:9999"


@pytest.mark.parametrize(
    ("value", "extra", "says"),
    [
        ("pinned", {}, "--sdk pinned: no such folder; expected 'emulated', 'live' or a folder"),
        ("emulated", {"forward_beacons": True}, "--forward-beacons needs --sdk live"),
        ("live", {"origin": "not a url"}, "--sdk-origin not a url: expected an origin"),
        (str(PIN / "ttq-sdk.json"), {}, "not a folder"),
        (str(PIN / "i18n"), {}, "has no i18n/pixel/events.js"),
    ],
)
def test_bad_values_are_one_line_usage_errors(
    value: str, extra: dict[str, object], says: str
) -> None:
    with pytest.raises(UsageError) as caught:
        parse_sdk(value, emulator="x", **extra)  # type: ignore[arg-type]
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_pinned_serves_files_substitutes_the_code_and_reports_what_is_missing() -> None:
    pinned = PinnedSdk(PIN)
    answer = pinned.answer(EVENTS + "?sdkid=CSECONDPIXEL00000002&lib=ttq")
    assert isinstance(answer, Answer)
    assert b'"pixelCode":"CSECONDPIXEL00000002"' in answer.body
    assert b"CPINNED0FIXTURE00001" not in answer.body
    plain = pinned.answer(EVENTS)  # no sdkid: served as saved
    assert isinstance(plain, Answer) and b'"pixelCode":"CPINNED0FIXTURE00001"' in plain.body
    missing = pinned.answer("https://analytics.tiktok.com/i18n/pixel/static/main.nope.js")
    assert isinstance(missing, Missing) and "static/main.nope.js" in missing.reason
    escape = pinned.answer("https://analytics.tiktok.com/i18n/pixel/../../../etc/passwd")
    assert isinstance(escape, Missing)


def test_substitution_leaves_other_fields_and_odd_codes_alone() -> None:
    body = b'{"pixelCode":"","name":"x"} {"pixelCode" : "COLD"}'
    assert (
        substitute_pixel_code(body, "CNEW")
        == b'{"pixelCode":"CNEW","name":"x"} {"pixelCode" : "CNEW"}'
    )
    assert substitute_pixel_code(body, None) == body


def test_the_capture_answers_sdk_requests_through_its_source() -> None:
    pinned = PixelCapture(sdk=str(PIN))
    answer = pinned.handle_request(
        method="GET",
        url=EVENTS + "?sdkid=CAAAAAAAAAAAAAAAAAA1",
        headers={},
        body=None,
        frame_url="http://127.0.0.1/p",
    )
    assert not isinstance(answer, Upstream) and answer.status == 200
    lost = pinned.handle_request(
        method="GET",
        url="https://analytics.tiktok.com/i18n/pixel/config.js?x=1",
        headers={},
        body=None,
        frame_url=None,
    )
    assert not isinstance(lost, Upstream) and lost.status == 200  # config.js is pinned
    gone = pinned.handle_request(
        method="GET",
        url="https://analytics.tiktok.com/i18n/pixel/static/gone.js",
        headers={},
        body=None,
        frame_url=None,
    )
    assert not isinstance(gone, Upstream) and gone.status == 404
    assert [c.method for c in pinned.calls] == ["harness:sdk-file-missing"]
    live = PixelCapture(sdk="live", sdk_origin="http://127.0.0.1:1")
    fetched = live.handle_request(method="GET", url=EVENTS, headers={}, body=None, frame_url=None)
    assert fetched == Upstream("http://127.0.0.1:1/i18n/pixel/events.js")
    beacon = live.handle_request(
        method="POST",
        url="https://analytics.tiktok.com/api/v2/pixel",
        headers={},
        body=b"{}",
        frame_url=None,
    )
    assert not isinstance(beacon, Upstream)  # never forwarded unless asked
    assert len(live.requests) == 2
    forwarding = PixelCapture(sdk="live", sdk_origin="http://127.0.0.1:1", forward_beacons=True)
    sent = forwarding.handle_request(
        method="POST",
        url="https://analytics.tiktok.com/api/v2/pixel",
        headers={},
        body=b"{}",
        frame_url=None,
    )
    assert sent == Upstream("http://127.0.0.1:1/api/v2/pixel")


def test_the_fixture_has_the_layout_of_a_pinned_sdk() -> None:
    events = (PIN / "i18n/pixel/events.js").read_text()
    assert '"pixelCode":"CPINNED0FIXTURE00001"' in events
    assert referenced_files(events) == [
        "static/main.7f3c2a91d0.js",
        "static/identify_5b1e0c4d.js",
        "config.js",
    ]
    main = (PIN / "i18n/pixel/static/main.7f3c2a91d0.js").read_text()
    assert "var VERSION = '2.1.33-pinned-fixture';" in main
    assert "2.1.33-emulated" not in main
    manifest = (PIN / "ttq-sdk.json").read_text()
    for path, digest in file_digests(PIN).items():
        assert f'"{path}": "{digest}"' in manifest


def test_cli_rejects_an_unknown_sdk_in_one_line() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["inspect", "http://127.0.0.1:1/", "--sdk", "nowhere"])
    assert result.exit_code == 2
    assert "error: --sdk nowhere: no such folder; expected 'emulated', 'live'" in result.output
    result = runner.invoke(app, ["run", "plan.yaml", "--forward-beacons"])
    assert result.exit_code == 2
    assert "--forward-beacons needs --sdk live" in result.output
