"""Reconciliation of hand-built calls and beacons, one SDK behaviour at a time."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from harness.core.endpoints import classify
from harness.core.engine import build_report
from harness.core.model import CaptureReport, RawRequest, TtqCall
from harness.core.reconcile import BEHAVIOURS, identify_values

PAGE = "https://shop.example/p/301"
A = "CAAAAAAAAAAAAAAAAAA1"
B = "CBBBBBBBBBBBBBBBBBB2"
PIXEL_URL = "https://analytics.tiktok.com/api/v2/pixel"
ACT_URL = "https://analytics.tiktok.com/api/v2/pixel/act"


class Capture:
    """Calls and requests in arrival order, as a capture records them."""

    def __init__(self) -> None:
        self.calls: list[TtqCall] = []
        self.requests: list[RawRequest] = []

    @property
    def _next(self) -> int:
        return len(self.calls) + len(self.requests)

    def call(
        self,
        method: str,
        *args: Any,
        pixel: str | None = None,
        page: str = PAGE,
        document: str = "doc-1",
    ) -> Capture:
        self.calls.append(
            TtqCall(
                index=self._next,
                timestamp=float(self._next),
                method=method,
                args=list(args),
                pixel_code=pixel,
                page_url=page,
                frame_url=page,
                document_id=document,
            )
        )
        return self

    def request(self, url: str, body: dict[str, Any] | None = None, page: str = PAGE) -> Capture:
        kind, endpoint = classify(url)
        self.requests.append(
            RawRequest(
                index=self._next,
                timestamp=0.0,
                method="POST" if body is not None else "GET",
                url=url,
                body=json.dumps(body) if body is not None else None,
                kind=kind,
                endpoint=endpoint,
                page_url=page,
            )
        )
        return self

    def sdk(self, code: str = A, page: str = PAGE) -> Capture:
        return self.request(
            f"https://analytics.tiktok.com/i18n/pixel/events.js?sdkid={code}&lib=ttq", page=page
        )

    def beacon(
        self,
        event: str,
        properties: Any = None,
        *,
        pixel: str = A,
        event_id: str = "",
        user: dict[str, str] | None = None,
        page: str = PAGE,
        **extra: Any,
    ) -> Capture:
        body: dict[str, Any] = {
            "event": event,
            "event_id": event_id,
            "context": {
                "user": user or {},
                "pixel": {"code": pixel, "runtime": "1"},
                "page": {"url": page, "referrer": ""},
            },
            "properties": {} if properties is None else properties,
            **extra,
        }
        return self.request(PIXEL_URL, body, page=page)

    def act(self, action: str, codes: list[str]) -> Capture:
        body = {
            "event_id": "",
            "context": {
                "pixel": {"code": codes[0], "codes": "|".join(codes)},
                "page": {"url": PAGE},
            },
            "properties": {},
            "action": action,
        }
        return self.request(ACT_URL, body)

    def report(self) -> CaptureReport:
        return build_report(
            harness_version="test",
            sdk="emulated",
            url=PAGE,
            browser=None,
            calls=self.calls,
            requests=self.requests,
        )


def _codes(report: CaptureReport) -> list[str]:
    return [f.code for f in report.findings]


def test_reserved_names_are_renamed_and_paired_with_their_call() -> None:
    report = (
        Capture()
        .call("load", A)
        .sdk()
        .call("track", "Purchase", {"value": 1, "currency": "USD"})
        .beacon("CompletePayment", {"value": 1, "currency": "USD"})
        .report()
    )
    result = report.reconciliation
    assert [(p.call_name, p.event_name) for p in result.pairs] == [("Purchase", "CompletePayment")]
    [renamed] = result.differences
    assert (renamed.path, renamed.called, renamed.sent, renamed.kind, renamed.behaviour) == (
        "event",
        "Purchase",
        "CompletePayment",
        "renamed",
        "reserved-name-alias",
    )


def test_an_untargeted_call_goes_to_every_loaded_pixel_and_a_missing_one_is_lost() -> None:
    capture = Capture().call("load", A).call("load", B).sdk(A).sdk(B)
    capture.call("track", "AddToCart", {"value": 8, "currency": "EUR"})
    capture.beacon("AddToCart", {"value": 8, "currency": "EUR"}, pixel=A)
    report = capture.report()
    [lost] = report.reconciliation.lost_calls
    assert (lost.name, lost.pixel_code, lost.reason) == ("AddToCart", B, "unknown")
    [finding] = [f for f in report.findings if f.code == "TR002"]
    assert f"produced no beacon to pixel {B}" in finding.message


def test_an_instance_call_goes_to_its_pixel_only() -> None:
    capture = Capture().call("load", A).call("load", B).sdk(A).sdk(B)
    capture.call("instance", B).call("track", "Lead", {}, pixel=B)
    capture.beacon("Lead", pixel=B)
    result = capture.report().reconciliation
    assert [(p.pixel_code, p.call_name) for p in result.pairs] == [(B, "Lead")]
    assert result.lost_calls == [] and result.unexplained_beacons == []


def test_a_pixel_code_option_targets_one_pixel() -> None:
    capture = Capture().call("load", A).call("load", B).sdk(A).sdk(B)
    capture.call("track", "Lead", {}, {"pixel_code": A}).beacon("Lead", pixel=A)
    result = capture.report().reconciliation
    assert [p.pixel_code for p in result.pairs] == [A] and result.lost_calls == []


def test_a_second_page_call_on_the_same_url_is_quiet() -> None:
    capture = Capture().call("load", A).sdk().call("page").call("page").beacon("Pageview")
    result = capture.report().reconciliation
    assert len(result.pairs) == 1 and result.lost_calls == []
    assert ("page", "page-once-per-url") in [(q.method, q.behaviour) for q in result.quiet_calls]


def test_currency_upper_casing_and_event_id_from_properties_are_sdk_behaviour() -> None:
    capture = Capture().call("load", A).sdk()
    capture.call(
        "track",
        "AddToCart",
        {"value": 8, "currency": "eur", "event_id": "e-1", "pixelMethod": "standard"},
    )
    capture.beacon(
        "AddToCart",
        {"value": 8, "currency": "EUR"},
        event_id="e-1",
        context={
            "pixel": {"code": A, "mode": "standard"},
            "page": {"url": PAGE},
            "user": {},
        },
    )
    report = capture.report()
    found = {(d.path, d.kind, d.behaviour) for d in report.reconciliation.differences}
    assert found == {
        ("properties.currency", "transformed", "currency-upper-cased"),
        ("properties.event_id", "moved", "event-id-from-options-or-properties"),
        ("properties.pixelMethod", "moved", "sdk-fields-stripped"),
    }
    assert "TR011" not in _codes(report)


def test_a_rewritten_value_and_an_added_parameter_are_not_sdk_behaviour() -> None:
    capture = Capture().call("load", A).sdk()
    capture.call("track", "AddToCart", {"value": 8, "currency": "EUR", "contents": [{"price": 8}]})
    capture.beacon(
        "AddToCart", {"value": "8", "currency": "EUR", "contents": [{"price": 0}], "coupon": "X"}
    )
    report = capture.report()
    found = {(d.path, d.kind) for d in report.reconciliation.differences}
    assert found == {
        ("properties.value", "type-changed"),
        ("properties.contents[0].price", "changed"),
        ("properties.coupon", "added"),
    }
    assert all(d.behaviour is None for d in report.reconciliation.differences)
    assert sorted(f.path for f in report.findings if f.code == "TR011") == [
        "properties.contents[0].price",
        "properties.coupon",
        "properties.value",
    ]


def test_a_string_spread_into_characters_is_the_sdk_copying_it() -> None:
    capture = Capture().call("load", A).sdk().call("track", "Search", "dress")
    capture.beacon("Search", {str(i): ch for i, ch in enumerate("dress")})
    report = capture.report()
    [difference] = report.reconciliation.differences
    assert (difference.kind, difference.behaviour) == ("mangled", "non-object-properties-copied")
    assert "TR011" not in _codes(report)  # PR001 reports the string at the call


def test_undefined_values_disappear_in_json() -> None:
    capture = Capture().call("load", A).sdk()
    capture.call("track", "AddToCart", {"value": 8, "currency": {"__ttq_type__": "undefined"}})
    capture.beacon("AddToCart", {"value": 8})
    [difference] = capture.report().reconciliation.differences
    assert (difference.path, difference.kind, difference.behaviour) == (
        "properties.currency",
        "dropped",
        "json-serialisation",
    )


def test_identify_values_are_hashed_into_later_events_and_enrich_am_is_explained() -> None:
    email_hash = "86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d"
    phone_hash = "d5ab8b77e69a81dfc634c3556c620d5d6753df6fc28c73c88c79a9332b705382"
    capture = Capture().call("load", A).sdk()
    capture.call(
        "identify",
        {
            "email": " Jane.Doe@Example.com",
            "phone_number": "+1 202 555 0123",
            "external_id": "u-42",
        },
    )
    capture.call("track", "ViewContent", {"value": 1, "currency": "USD"})
    user = {"email": email_hash, "phone_number": phone_hash, "external_id": "u-42"}
    capture.beacon("ViewContent", {"value": 1, "currency": "USD"}, user=user)
    capture.beacon("EnrichAM", user=user)
    result = capture.report().reconciliation
    assert result.differences == []
    [enrich] = result.unexplained_beacons
    assert (enrich.origin, enrich.call_index) == ("enrich-am", 2)
    [quiet] = [q for q in result.quiet_calls if q.method == "identify"]
    assert "SHA-256" in quiet.detail and "external_id in clear" in quiet.detail


def test_identify_value_sent_differently_is_a_difference() -> None:
    capture = Capture().call("load", A).sdk()
    capture.call("identify", {"email": "jane@example.com", "external_id": "u-42"})
    capture.call("track", "Lead")
    capture.beacon("Lead", user={"email": "jane@example.com", "external_id": "u-42"})
    [difference] = capture.report().reconciliation.differences
    assert (difference.path, difference.kind, difference.behaviour) == (
        "context.user.email",
        "changed",
        None,
    )


def test_identify_forms() -> None:
    call = TtqCall(index=0, timestamp=0.0, method="identify", args=["u-1"])
    assert identify_values(call) == {"external_id": "u-1"}
    hashed = "A" * 64
    call = TtqCall(index=0, timestamp=0.0, method="identify", args=[{"sha256_email": hashed}])
    # sent as given: TikTok's real SDK kept an upper-case hash (test_emulator_vs_real_sdk.py)
    assert identify_values(call) == {"email": hashed}
    call = TtqCall(index=0, timestamp=0.0, method="identify", args=[{"sha256_email": "abc"}])
    assert identify_values(call) == {"email": hashlib.sha256(b"abc").hexdigest()}
    call = TtqCall(index=0, timestamp=0.0, method="identify", args=[{"phone_number": "2025550123"}])
    assert identify_values(call) == {"phone_number": ""}  # any hash: the country is inferred


def test_automatic_and_event_builder_and_other_beacons_are_marked() -> None:
    capture = Capture().call("load", A).sdk().act("Metadata", [A, B]).act("Click", [A, B])
    capture.beacon(
        "AddPaymentInfo",
        context={"pixel": {"code": A, "mode": "standard"}, "page": {"url": PAGE}},
    )
    capture.beacon("Lead")
    result = capture.report().reconciliation
    assert [(b.name, b.origin) for b in result.unexplained_beacons] == [
        ("Metadata", "automatic"),
        ("Click", "automatic"),
        ("AddPaymentInfo", "event-builder"),
        ("Lead", "other"),
    ]


def test_lost_call_when_the_sdk_never_loaded() -> None:
    report = Capture().call("load", A).call("track", "Lead").report()
    [lost] = report.reconciliation.lost_calls
    assert lost.reason == "sdk-not-loaded"
    [finding] = [f for f in report.findings if f.code == "TR002"]
    assert "the SDK never loaded on this page" in finding.message


def test_lost_calls_when_the_queue_was_never_drained() -> None:
    capture = Capture().call("load", A).sdk().call("page").call("track", "Lead")
    capture.act("Click", [A])  # only the SDK's own traffic went out (nuxt/scripts#785)
    result = capture.report().reconciliation
    assert [lost.reason for lost in result.lost_calls] == ["wrong-queue-protocol"] * 2


def test_lost_call_when_consent_was_held_or_revoked() -> None:
    held = Capture().call("holdConsent").call("load", A).sdk().call("track", "Lead").report()
    assert [lost.reason for lost in held.reconciliation.lost_calls] == ["consent-held"]
    revoked = Capture().call("load", A).sdk().call("revokeConsent").call("track", "Lead").report()
    assert [lost.reason for lost in revoked.reconciliation.lost_calls] == ["consent-revoked"]
    granted = Capture().call("holdConsent").call("load", A).sdk().call("track", "Lead")
    granted.call("grantConsent").beacon("Lead")
    assert granted.report().reconciliation.lost_calls == []


def test_lost_call_when_the_page_was_left_right_after_it() -> None:
    capture = Capture().call("load", A).sdk().call("page").beacon("Pageview")
    capture.call("track", "ClickButton")  # then a link: a new document
    capture.call("load", A, page=PAGE + "?next", document="doc-2")
    [lost] = capture.report().reconciliation.lost_calls
    assert (lost.name, lost.reason) == ("ClickButton", "page-left")


def test_a_call_to_an_instance_of_a_pixel_never_loaded_is_lost_for_that_reason() -> None:
    capture = Capture().call("load", A).sdk().call("instance", B).call("track", "Lead", pixel=B)
    report = capture.report()
    [lost] = report.reconciliation.lost_calls
    assert lost.reason == "pixel-not-loaded"
    assert "TR002" not in _codes(report)  # the unloaded pixel is TR010's finding


def test_every_behaviour_is_documented_with_its_evidence() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "reconciliation.md").read_text(encoding="utf-8")
    for name, behaviour in BEHAVIOURS.items():
        assert f"`{name}`" in doc, name
        assert behaviour.evidence and behaviour.summary


def test_no_calls_means_nothing_to_reconcile() -> None:
    report = Capture().beacon("Lead").report()
    assert report.reconciliation.pairs == [] and report.reconciliation.beacons == 0


def test_terminal_html_and_plan_renderings_show_the_reconciliation() -> None:
    from harness.core.plan.result import JourneyResult
    from harness.render.html import render_capture_html
    from harness.render.plan_text import journey_lines
    from harness.render.text import summary_lines

    capture = Capture().call("load", A).sdk().call("track", "Purchase", {"value": 8})
    capture.beacon("CompletePayment", {"value": 0}).act("Click", [A])
    capture.call("load", B, page=PAGE + "?2", document="doc-2").call(
        "track", "Lead", page=PAGE + "?2", document="doc-2"
    )
    report = capture.report()
    lines = summary_lines(report)
    assert any(
        line.startswith("Reconciliation: 2 call(s) -> 2 beacon(s): 1 paired") for line in lines
    )
    assert any("lost: call #" in line and "sdk-not-loaded" in line for line in lines)
    assert any("differs:" in line and "properties.value" in line for line in lines)
    assert not any("no call: beacon" in line for line in lines)
    assert any("no call: beacon" in line for line in summary_lines(report, verbose=True))
    html = render_capture_html(report)
    assert 'id="reconciliation"' in html and "sdk-not-loaded" in html
    assert "reserved-name-alias" in html and "nothing the SDK does" in html
    journey = JourneyResult(name="j", ok=True, steps=[], reconciliation=report.reconciliation)
    assert any("Reconciliation:" in line for line in journey_lines(journey))
    assert JourneyResult.model_validate_json(journey.model_dump_json()) == journey


def test_a_call_sent_after_the_page_rewrote_its_url_is_paired_once() -> None:
    # ttq.track queued, then history.replaceState(…'?x=1'): the SDK sends location.href
    capture = Capture().call("load", A).sdk().call("track", "ViewContent", {"value": "9"})
    capture.beacon("ViewContent", {"value": "9"}, page=PAGE + "?x=1")
    report = capture.report()
    result = report.reconciliation
    assert [(p.call_name, p.pixel_code) for p in result.pairs] == [("ViewContent", A)]
    assert result.lost_calls == [] and result.unexplained_beacons == []
    [moved] = result.differences
    assert (moved.path, moved.called, moved.sent, moved.behaviour) == (
        "context.page.url",
        PAGE,
        PAGE + "?x=1",
        "history-hook-page-url",
    )
    # the mistake (a string value) is reported once, at the call; no TR002, no TR011
    codes = _codes(report)
    assert "TR002" not in codes and "TR011" not in codes
    assert len(codes) == len(set(codes)), codes
    assert all(f.source == "call" for f in report.findings), report.findings


def test_a_url_change_pairs_within_the_beacons_document_only() -> None:
    capture = Capture().call("load", A).sdk().call("track", "Lead")
    capture.call("load", A, document="doc-2").sdk()  # a reload: a newer document on that URL
    capture.beacon("Lead", page=PAGE + "?x=1")
    result = capture.report().reconciliation
    assert result.pairs == []
    assert [b.origin for b in result.unexplained_beacons] == ["other"]
    # a beacon that matches a call's URL exactly keeps it, whatever the order
    exact = Capture().call("load", A).sdk().call("track", "Lead")
    exact.call("track", "Lead", page=PAGE + "?x=1")
    exact.beacon("Lead", page=PAGE + "?x=1").beacon("Lead", page=PAGE + "?x=1")
    pairs = exact.report().reconciliation.pairs
    assert sorted(p.call_index for p in pairs) == [2, 3] and len(pairs) == 2


def test_a_call_to_a_pixel_only_known_from_events_js_is_reported_once() -> None:
    # events.js for A was requested, but no ttq.load was recorded (a queue built by hand)
    def delivery(report: CaptureReport) -> list[tuple[str, object]]:
        # TR005 (no ttq.load before the event) is another mistake, reported on its own
        return [(f.code, f.received) for f in report.findings if f.code != "TR005"]

    option = Capture().sdk(A).call("track", "Lead", {}, {"pixel_code": B}).report()
    [lost] = option.reconciliation.lost_calls
    assert (lost.pixel_code, lost.reason) == (B, "pixel-not-loaded")
    assert delivery(option) == [("TR009", B)]
    instance = Capture().sdk(A).call("instance", B).call("track", "Lead", pixel=B).report()
    assert delivery(instance) == [("TR010", B)]
    # the script of B itself is evidence that B was loaded: no TR009, a plain TR002
    loaded = Capture().sdk(A).sdk(B).call("track", "Lead", {}, {"pixel_code": B}).report()
    assert [code for code, _ in delivery(loaded)] == ["TR002"]


def test_a_reload_that_loads_another_pixel_is_no_evidence_for_the_earlier_document() -> None:
    # doc-1 loads A only and sends Lead to B; a reload of the same URL (doc-2) loads B
    def delivery(capture: Capture) -> list[tuple[str, object]]:
        report = capture.report()
        [lost] = [c for c in report.reconciliation.lost_calls if c.name == "Lead"]
        assert (lost.pixel_code, lost.reason) == (B, "pixel-not-loaded")
        lead = [f for f in report.findings if f.call is None or f.call.method != "page"]
        return [(f.code, f.received) for f in lead if f.code in ("TR002", "TR009")]

    def first_document() -> Capture:
        return Capture().call("load", A).sdk(A).call("track", "Lead", {}, {"pixel_code": B})

    reload = first_document().call("load", B, document="doc-2").sdk(B)
    assert delivery(reload) == [("TR009", B)]
    # doc-2's events.js may reach the capture before its first call record: doc-1's ttq.load
    # calls still say what doc-1 loaded
    early_script = first_document().sdk(B).call("load", B, document="doc-2")
    assert delivery(early_script) == [("TR009", B)]
    # with no ttq.load recorded, only events.js requests within doc-1's span count
    by_hand = Capture().sdk(A).call("track", "Lead", {}, {"pixel_code": B})
    by_hand.call("page", document="doc-2").sdk(B)
    assert delivery(by_hand) == [("TR009", B)]
