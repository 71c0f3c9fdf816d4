"""SDK sources without a browser: option parsing, pixel-code substitution, pinned-file lookup,
what a saved SDK references, the manifest, and the one-line errors of the CLI options."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from harness.adapters.cli import app
from harness.adapters.commands import register_all
from harness.browser.recorder import PixelCapture
from harness.core.config import RulesConfig
from harness.core.engine import run_rules
from harness.core.errors import UsageError
from harness.core.model import TtqCall
from harness.core.observations import SDK_CONSOLE
from harness.core.sdk import (
    Answer,
    EmulatedSdk,
    LiveSdk,
    Missing,
    PinnedSdk,
    Upstream,
    file_digests,
    parse_sdk,
    referenced_files,
    strip_pixel_config,
    substitute_pixel_code,
)

PIN = Path(__file__).resolve().parents[1] / "data" / "sdk-pin"
RUNTIME_PIN = Path(__file__).resolve().parents[1] / "data" / "sdk-pin-runtime"
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
    # events.js saved for CPINNED0FIXTURE00001, served for another pixel: noted (SD009)
    assert [c.method for c in pinned.calls] == [
        "harness:sdk-pinned-config",
        "harness:sdk-file-missing",
    ]
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
    register_all(app)  # `run` lives in harness.adapters.commands.plan
    runner = CliRunner()
    result = runner.invoke(app, ["inspect", "http://127.0.0.1:1/", "--sdk", "nowhere"])
    assert result.exit_code == 2
    assert "error: --sdk nowhere: no such folder; expected 'emulated', 'live'" in result.output
    result = runner.invoke(app, ["run", "plan.yaml", "--forward-beacons"])
    assert result.exit_code == 2
    assert "--forward-beacons needs --sdk live" in result.output


def test_the_runtime_fixture_names_no_file_literally_and_is_up_to_date() -> None:
    sys.path.insert(0, str(RUNTIME_PIN))
    try:
        import build_fixture  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(RUNTIME_PIN))
    for path, text in build_fixture.expected_files().items():
        assert (RUNTIME_PIN / path).read_text(encoding="utf-8") == text, f"rebuild {path}"
    events = (RUNTIME_PIN / "i18n/pixel/events.js").read_text()
    # like TikTok's: main's name comes from a variant table at run time, so a scan finds nothing
    assert referenced_files(events) == []
    assert '"main.".concat(o.id,".js")' in events


SAVED = "CSAVEDPIXEL000000001"
OTHER = "COTHERPIXEL000000002"
CONFIG_BODY = (
    'var d={"info":{"pixelCode":"' + SAVED + '","name":"Shop \\u00e9","advertiserID":"7001",'
    '"status":1},"plugins":{"Identify":true},'
    '"rules":[{"code":"R1","trigger":{"selector":"#buy"}}]};'
)


def _pin_with_config(folder: Path) -> PinnedSdk:
    (folder / "i18n/pixel").mkdir(parents=True)
    (folder / "i18n/pixel/events.js").write_text(CONFIG_BODY, encoding="utf-8")
    (folder / "i18n/pixel/config.js").write_text(CONFIG_BODY, encoding="utf-8")
    (folder / "ttq-sdk.json").write_text(f'{{"pixel_code": "{SAVED}"}}', encoding="utf-8")
    return PinnedSdk(folder)


def test_a_pin_served_for_another_pixel_loses_the_saved_pixels_settings(tmp_path: Path) -> None:
    pinned = _pin_with_config(tmp_path)
    for url in (
        EVENTS + f"?sdkid={OTHER}&lib=ttq",
        f"https://analytics.tiktok.com/i18n/pixel/config.js?sdkid={OTHER}&hostname=shop",
    ):
        answer = pinned.answer(url)
        assert isinstance(answer, Answer)
        body = answer.body.decode()
        assert f'"pixelCode":"{OTHER}"' in body and SAVED not in body
        assert '"rules":null' in body and "#buy" not in body
        assert '"name":""' in body and '"advertiserID":"0"' in body
        assert '"plugins":{"Identify":true}' in body  # the SDK's plugin flags stay
        assert answer.note is not None and SAVED in answer.note and OTHER in answer.note
    own = pinned.answer(EVENTS + f"?sdkid={SAVED}&lib=ttq")
    assert isinstance(own, Answer) and own.note is None and own.body == CONFIG_BODY.encode()


def test_stripping_leaves_what_is_not_json_alone() -> None:
    odd = b'var d={"info":{pixelCode:x},"rules":nope};'
    assert strip_pixel_config(odd, OTHER) == odd


def _embedded_config(script: str) -> dict[str, Any]:
    """The `d={…}` config object a runtime-fixture events.js embeds."""
    start = script.index("d={") + 2
    config, _ = json.JSONDecoder().raw_decode(script, start)
    assert isinstance(config, dict)
    return config


def test_another_pixel_gets_none_of_the_saved_pixels_info() -> None:
    saved = _embedded_config((RUNTIME_PIN / "i18n/pixel/events.js").read_text())
    assert saved["info"]["firstPartyCookieEnabled"] is True  # the saved pixel's own switch
    answer = PinnedSdk(RUNTIME_PIN).answer(EVENTS + f"?sdkid={OTHER}&lib=ttq")
    assert isinstance(answer, Answer)
    served = _embedded_config(answer.body.decode())
    # only what TikTok embeds for a pixel it knows nothing about: first-party cookies, status,
    # setup mode, partner… are unknown offline, and absent reads as off
    assert served["info"] == {"pixelCode": OTHER, "name": "", "advertiserID": "0"}
    assert b"firstPartyCookieEnabled" not in answer.body
    assert served["rules"] is None
    assert served["plugins"] == saved["plugins"]


def test_only_the_config_objects_own_keys_are_stripped() -> None:
    script = (
        'var d={"rules":[{"code":"R1"}],"plugins":{"AutoConfig":{"rules":[1],"info":{"a":1}}},'
        '"info":{"pixelCode":"' + SAVED + '","status":1}},x={"rules":[2]};'
    )
    stripped = strip_pixel_config(script.encode(), OTHER).decode()
    config = _embedded_config(stripped)
    assert config["rules"] is None  # Event Builder: the saved pixel's
    assert config["plugins"] == {"AutoConfig": {"rules": [1], "info": {"a": 1}}}
    assert config["info"] == {"pixelCode": OTHER, "name": "", "advertiserID": "0"}
    assert stripped.endswith(',x={"rules":[2]};')  # not a pixel config: left alone


def test_events_js_and_config_js_for_one_other_pixel_are_one_sd009(tmp_path: Path) -> None:
    capture = PixelCapture(sdk=_pin_with_config(tmp_path))
    for path in ("events.js", "config.js", "events.js"):
        capture.handle_request(
            method="GET",
            url=f"https://analytics.tiktok.com/i18n/pixel/{path}?sdkid={OTHER}&lib=ttq",
            headers={},
            body=None,
            frame_url="http://127.0.0.1/p",
        )
    third = "CTHIRDPIXEL000000003"
    capture.handle_request(
        method="GET",
        url=f"https://analytics.tiktok.com/i18n/pixel/config.js?sdkid={third}",
        headers={},
        body=None,
        frame_url="http://127.0.0.1/p",
    )
    report = capture.report(url="http://127.0.0.1/p", browser=None, harness_version="t")
    noted = [f.message for f in report.findings if f.code == "SD009"]
    assert len(noted) == 2  # one per other pixel, whatever the files
    assert [OTHER in m for m in noted] == [True, False] and third in noted[1]


def test_the_saved_pixel_code_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pinned = _pin_with_config(tmp_path)
    reads: list[str] = []
    read_text = Path.read_text

    def counting(self: Path, *args: Any, **kwargs: Any) -> str:
        reads.append(self.name)
        return read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counting)
    for _ in range(3):
        for path in ("events.js", "config.js"):
            answer = pinned.answer(f"https://analytics.tiktok.com/i18n/pixel/{path}?sdkid={OTHER}")
            assert isinstance(answer, Answer) and answer.note is not None
    assert pinned.saved_pixel_code() == SAVED
    assert reads == ["ttq-sdk.json"]


def test_the_capture_notes_a_foreign_pin_once_per_pixel(tmp_path: Path) -> None:
    capture = PixelCapture(sdk=_pin_with_config(tmp_path))
    for _ in range(2):
        capture.handle_request(
            method="GET",
            url=EVENTS + f"?sdkid={OTHER}&lib=ttq",
            headers={},
            body=None,
            frame_url="http://127.0.0.1/p",
        )
    report = capture.report(url="http://127.0.0.1/p", browser=None, harness_version="t")
    noted = [f for f in report.findings if f.code == "SD009"]
    assert len(noted) == 1 and noted[0].severity == "info"


INVALID_ID = "[TikTok Pixel] - Invalid pixel ID\nIssue: The pixel ID is invalid."


@pytest.mark.parametrize(
    ("sdk", "forward", "severity", "offline"),
    [
        ("emulated", False, "info", True),
        (f"pinned:{PIN}", False, "info", True),
        ("live", False, "info", True),
        ("live", True, "warning", False),
        ("", False, "warning", False),  # unknown (a bare rule run): not assumed offline
    ],
)
def test_invalid_pixel_id_is_info_when_tiktok_could_not_have_answered(
    sdk: str, forward: bool, severity: str, offline: bool
) -> None:
    call = TtqCall(index=0, timestamp=0.0, method=SDK_CONSOLE, args=[INVALID_ID, "warning"])
    load = TtqCall(index=1, timestamp=0.0, method="load", args=["CEKQ7JRC77U1R0B3Q5RG"])
    config = RulesConfig(select=["SD002"])
    found = run_rules([], calls=[load, call], config=config, sdk=sdk, forward_beacons=forward)
    assert [(f.code, f.severity.value) for f in found] == [("SD002", severity)]
    assert ("expected offline" in found[0].message) is offline
    without_forwarding = "live mode without --forward-beacons" in found[0].message
    assert without_forwarding is (sdk == "live" and offline)


@pytest.mark.parametrize(("forward", "severity"), [(False, "info"), (True, "warning")])
def test_the_capture_tells_the_rules_its_sdk_mode(forward: bool, severity: str) -> None:
    capture = PixelCapture(sdk="live", sdk_origin="http://127.0.0.1:1", forward_beacons=forward)
    capture.observe(SDK_CONSOLE, [INVALID_ID, "warning"], "http://127.0.0.1/p")
    report = capture.report(url="http://127.0.0.1/p", browser=None, harness_version="t")
    assert [(f.code, f.severity.value) for f in report.findings if f.code == "SD002"] == [
        ("SD002", severity)
    ]


def test_first_party_cookies_is_served_as_the_pixels_config() -> None:
    from harness.browser.recorder import emulator_script
    from harness.core.sdk import EMULATOR_CONFIG_SLOT, EmulatedSdk

    emulator = emulator_script()
    assert emulator.count(EMULATOR_CONFIG_SLOT) == 1  # the slot the harness fills in
    on = EmulatedSdk(emulator, first_party_cookies=True).answer(EVENTS + "?sdkid=C")
    off = EmulatedSdk(emulator).answer(EVENTS + "?sdkid=C")
    assert isinstance(on, Answer) and isinstance(off, Answer)
    assert b'var CONFIG = {"firstPartyCookieEnabled": true}' in on.body
    assert off.body == emulator.encode("utf-8")
    with pytest.raises(UsageError, match="--first-party-cookies is for --sdk emulated"):
        parse_sdk("live", emulator=emulator, first_party_cookies=True)


def test_a_plan_with_first_party_cookies_turns_them_on_in_the_emulator_only() -> None:
    from harness.browser.plan_run import _with_plan_cookies
    from harness.browser.recorder import emulator_script
    from harness.core.plan.model import Plan
    from harness.core.sdk import EmulatedSdk

    plan = Plan.model_validate({"defaults": {"first_party_cookies": True}, "journeys": []})
    plain = Plan.model_validate({"journeys": []})
    emulated = _with_plan_cookies("emulated", plan)
    assert isinstance(emulated, EmulatedSdk) and emulated.first_party_cookies
    chosen = _with_plan_cookies(EmulatedSdk(emulator_script()), plan)
    assert isinstance(chosen, EmulatedSdk) and chosen.first_party_cookies
    assert _with_plan_cookies("live", plan) == "live"  # the real SDK reads its own config
    assert _with_plan_cookies("emulated", plain) == "emulated"
