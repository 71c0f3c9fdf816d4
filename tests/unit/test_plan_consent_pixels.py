"""Plans: consent steps, the no-pixel-traffic-before-consent requirement, per-pixel exactness."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.core.config import RulesConfig
from harness.core.endpoints import classify
from harness.core.engine import run_rules, wire_events
from harness.core.model import PixelEvent, RawRequest, TtqCall
from harness.core.plan.check import (
    COOKIE_BEFORE_CONSENT,
    TRAFFIC_BEFORE_CONSENT,
    ConsentObservation,
    ConsentState,
    check_step,
)
from harness.core.plan.lint import lint_plan
from harness.core.plan.load import PlanError, plan_from_text
from harness.core.plan.model import Plan, Step

A, B = "CAAAAAAAAAAAAAAAAAA1", "CBBBBBBBBBBBBBBBBBB2"


def _wire(index: int, name: str, pixel: str = A) -> PixelEvent:
    return PixelEvent(index=index, source="wire", name=name, pixel_code=pixel, pixel_codes=[pixel])


def _call(index: int, method: str) -> TtqCall:
    return TtqCall(index=index, timestamp=0.0, method=method, args=[])


def _never(result: Any) -> dict[str, tuple[int, list[int]]]:
    return {n.expected: (n.found, n.matched) for n in result.never}


# -- consent --------------------------------------------------------------------------------


def test_consent_state_follows_grant_hold_and_revoke() -> None:
    start = ConsentState()
    granted = start.after([_call(1, "grantConsent")])
    assert granted == ConsentState(granted=True, ever_granted=True)
    assert granted.after([_call(2, "revokeConsent")]) == ConsentState(False, True)
    assert start.after([_call(1, "holdConsent"), _call(2, "track")]) == start
    # order is by index, not by list position
    assert start.after([_call(5, "revokeConsent"), _call(3, "grantConsent")]).granted is False


PLAN = Plan.model_validate({"pixels": {"main": A, "ads": B}})
GOTO = Step.model_validate({"goto": "/"})


def test_traffic_before_the_grant_fails_and_after_it_passes() -> None:
    events = [_wire(1, "Pageview"), _wire(3, "Pageview")]
    seen = ConsentObservation(before=ConsentState(), calls=[_call(2, "grantConsent")])
    result = check_step(PLAN, GOTO, events, index=1, consent=seen)
    assert not result.ok
    assert _never(result) == {TRAFFIC_BEFORE_CONSENT: (1, [1])}  # granted: cookie not judged
    held = ConsentObservation(before=ConsentState(), calls=[_call(0, "holdConsent")])
    quiet = check_step(PLAN, GOTO, [], index=1, consent=held)
    assert quiet.ok and _never(quiet) == {
        TRAFFIC_BEFORE_CONSENT: (0, []),
        COOKIE_BEFORE_CONSENT: (0, []),
    }


def test_nothing_may_leave_after_a_revoke() -> None:
    seen = ConsentObservation(
        before=ConsentState(granted=True, ever_granted=True),
        calls=[_call(2, "revokeConsent")],
        ttp_cookie=True,  # set while consent was granted: fine
    )
    result = check_step(PLAN, GOTO, [_wire(1, "Lead"), _wire(3, "Lead")], index=1, consent=seen)
    assert _never(result) == {TRAFFIC_BEFORE_CONSENT: (1, [3])}
    granted_all_along = ConsentObservation(before=ConsentState(True, True))
    assert (
        _never(check_step(PLAN, GOTO, [_wire(1, "Lead")], index=1, consent=granted_all_along)) == {}
    )


def test_a_ttp_cookie_before_consent_fails_the_step_that_set_it_only() -> None:
    first = ConsentObservation(before=ConsentState(), ttp_cookie=True)
    assert _never(check_step(PLAN, GOTO, [], index=1, consent=first))[COOKIE_BEFORE_CONSENT] == (
        1,
        [],
    )
    later = ConsentObservation(before=ConsentState(), ttp_cookie=True, ttp_cookie_before=True)
    assert COOKIE_BEFORE_CONSENT not in _never(check_step(PLAN, GOTO, [], index=2, consent=later))


def test_consent_steps_and_requirements_in_the_model() -> None:
    plan = Plan.model_validate(
        {
            "defaults": {"require": {"no_pixel_traffic_before_consent": True}},
            "journeys": [
                {"name": "a", "steps": [{"goto": "/"}, {"consent": "grant"}]},
                {"name": "b", "require": {}, "steps": [{"consent": "revoke", "name": "decline"}]},
            ],
        }
    )
    first, second = plan.journeys
    assert first.steps[1].action == "consent" and first.steps[1].describe() == "consent grant"
    assert plan.requirements(first).no_pixel_traffic_before_consent
    assert not plan.requirements(second).no_pixel_traffic_before_consent
    with pytest.raises(ValueError, match="exactly one action"):
        Step.model_validate({"goto": "/", "consent": "grant"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "journeys:\n  - name: a\n    require: {no_pixel_trafic_before_consent: true}\n"
            "    steps: [{goto: /}]\n",
            "p.yaml:3:15: journeys[0].require.no_pixel_trafic_before_consent: unknown key "
            "'no_pixel_trafic_before_consent'; did you mean 'no_pixel_traffic_before_consent'?",
        ),
        (
            "journeys:\n  - name: a\n    steps:\n      - consent: accept\n",
            "p.yaml:4:9: journeys[0].steps[0].consent: invalid value 'accept' (allowed: "
            "'grant', 'revoke', 'hold')",
        ),
    ],
)
def test_loader_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(PlanError) as caught:
        plan_from_text(text, "p.yaml")
    assert str(caught.value).startswith(message), str(caught.value)


# -- which pixels an event reaches ----------------------------------------------------------


def _expect(*expectations: dict[str, Any]) -> Step:
    return Step.model_validate({"click": "#b", "expect": list(expectations)})


def test_an_event_that_also_reaches_another_planned_pixel_fails() -> None:
    events = [_wire(1, "AddToCart", A), _wire(2, "AddToCart", B)]
    result = check_step(PLAN, _expect({"event": "AddToCart", "pixel": "main"}), events, index=1)
    assert not result.ok and result.expectations[0].ok
    [wrong] = result.never
    assert (wrong.expected, wrong.pixel, wrong.found, wrong.matched) == (
        "AddToCart only to main",
        B,
        1,
        [2],
    )
    assert result.unexpected == []  # reported once, as the wrong pixel
    allowed = _expect({"event": "AddToCart", "pixel": "main", "other_pixels": "allow"})
    assert check_step(PLAN, allowed, events, index=1).never == []


def test_events_planned_for_each_pixel_or_for_all_are_not_exclusive() -> None:
    events = [_wire(1, "AddToCart", A), _wire(2, "AddToCart", B)]
    both = _expect({"event": "AddToCart", "pixel": "main"}, {"event": "AddToCart", "pixel": "ads"})
    assert check_step(PLAN, both, events, index=1).ok
    assert check_step(PLAN, _expect({"event": "AddToCart"}), events, index=1).ok


def test_a_definition_naming_pixels_is_exclusive_unless_it_allows_others() -> None:
    plan = Plan.model_validate(
        {
            "pixels": {"main": A, "ads": B},
            "events": {
                "Checkout": {"event": "InitiateCheckout", "pixels": ["ads"]},
                "Lead": {"pixels": ["main"], "other_pixels": "allow"},
            },
        }
    )
    events = [_wire(1, "InitiateCheckout", A), _wire(2, "InitiateCheckout", B)]
    assert not check_step(plan, _expect({"event": "Checkout"}), events, index=1).ok
    leads = [_wire(1, "Lead", A), _wire(2, "Lead", B)]
    assert check_step(plan, _expect({"event": "Lead"}), leads, index=1).ok


def test_lint_knows_the_new_keys() -> None:
    plan = Plan.model_validate(
        {
            "journeys": [
                {
                    "name": "consent-only",
                    "require": {"no_pixel_traffic_before_consent": True},
                    "steps": [{"goto": "/"}, {"consent": "grant"}],
                },
                {
                    "name": "b",
                    "steps": [
                        {"goto": "/", "expect": [{"event": "Lead", "other_pixels": "allow"}]}
                    ],
                },
            ]
        }
    )
    problems = [(p.code, p.path) for p in lint_plan(plan)]
    # a journey that only requires consent still checks something: no PL005
    assert problems == [("PL008", "journeys[1].steps[0].expect[0].other_pixels")]


# -- every request to a pixel host is traffic, not only decoded events -----------------------

PIXEL_HOST = "https://analytics.tiktok.com"
LEAD_BODY = {
    "event": "Lead",
    "event_id": "",
    "context": {"pixel": {"code": A}, "page": {"url": "https://shop.example/"}},
    "properties": {},
}


def _request(index: int, path: str, body: str | None = None) -> RawRequest:
    url = PIXEL_HOST + path
    kind, endpoint = classify(url)
    return RawRequest(
        index=index,
        timestamp=0.0,
        method="POST" if body is not None else "GET",
        url=url,
        body=body,
        kind=kind,
        endpoint=endpoint,
        page_url="https://shop.example/",
    )


def test_undecodable_beacons_and_telemetry_before_the_grant_are_traffic() -> None:
    requests = [
        _request(0, "/i18n/pixel/events.js?sdkid=" + A),  # loading the SDK: not traffic
        _request(1, "/i18n/pixel/config.js"),
        _request(2, "/api/v2/pixel", '{"event": "Pagev'),  # undecodable
        _request(3, "/api/v2/pixel/inter", "{}"),  # telemetry
        _request(4, "/ipv6/enrich_ipv6", "{}"),
        _request(5, "/api/v2/pixel/unknown_thing", "{}"),  # another pixel-host request
        _request(7, "/api/v2/monitor", "{}"),  # after the grant: fine
    ]
    seen = ConsentObservation(
        before=ConsentState(), calls=[_call(6, "grantConsent")], requests=requests
    )
    result = check_step(PLAN, GOTO, [_wire(8, "Pageview")], index=1, consent=seen)
    assert not result.ok
    [traffic] = [n for n in result.never if n.expected == TRAFFIC_BEFORE_CONSENT]
    # the plan counts every pixel request (stricter than CN001), naming non-events as such
    assert (traffic.found, traffic.matched) == (4, [2, 3, 4, 5])
    assert traffic.event == (
        "any pixel request: #2 undecodable beacon, #3 telemetry inter (not an event), "
        "#4 telemetry enrich_ipv6 (not an event), "
        "#5 pixel-host request /api/v2/pixel/unknown_thing (not an event)"
    )
    # a decoded beacon is counted once per request, named by its events
    decoded = _request(2, "/api/v2/pixel", json.dumps(LEAD_BODY))
    events = wire_events([decoded])[0]
    seen = ConsentObservation(before=ConsentState(), requests=[decoded])
    [traffic] = [
        n
        for n in check_step(PLAN, GOTO, events, index=1, consent=seen).never
        if n.expected == TRAFFIC_BEFORE_CONSENT
    ]
    assert (traffic.found, traffic.event) == (1, "any pixel request: #2 Lead")


def test_consent_errors_count_event_beacons_and_telemetry_is_a_warning() -> None:
    def call(index: int, method: str) -> TtqCall:
        return TtqCall(
            index=index, timestamp=0.0, method=method, args=[], frame_url="https://shop.example/"
        )

    config = RulesConfig.model_validate({"select": ["CN"]})

    def findings(calls: list[TtqCall], requests: list[RawRequest]) -> list[tuple[str, str, str]]:
        found = run_rules([], calls=calls, requests=requests, config=config)
        return [(f.code, f.severity.value, f.message) for f in found]

    telemetry_note = (
        "it carries no event and may be the SDK's own telemetry (whether TikTok's SDK sends "
        "it under {} is unverified), or another tag's"
    )
    before_hold = findings(
        [call(0, "load"), call(4, "holdConsent")],
        [
            _request(1, "/i18n/pixel/events.js?sdkid=" + A),
            _request(2, "/api/v2/pixel/inter", "{}"),
            _request(3, "/api/v2/pixel", "not json"),
        ],
    )
    assert sorted(before_hold) == [
        (
            "CN001",
            "error",
            "an undecodable beacon (POST https://analytics.tiktok.com/api/v2/pixel) was sent "
            "on https://shop.example/ before the page called ttq.holdConsent()",
        ),
        (
            "CN003",
            "warning",
            "a telemetry request (POST https://analytics.tiktok.com/api/v2/pixel/inter) was "
            "sent on https://shop.example/ before the page called ttq.holdConsent(): "
            + telemetry_note.format("holdConsent()"),
        ),
    ]
    held = findings(
        [call(0, "holdConsent")],
        [_request(1, "/api/v2/pixel/inter", "{}"), _request(2, "/api/v2/pixel", "{}")],
    )
    # in arrival order: the telemetry first, then the undecodable beacon (it may be an event)
    assert [(code, severity) for code, severity, _ in held] == [
        ("CN003", "warning"),
        ("CN001", "error"),
    ]
    assert "bypassed" not in held[0][2] and "while consent was held" in held[0][2]
    assert held[1][2].endswith("while consent was held: it bypassed the pixel's hold")
    after_revoke = findings(
        [call(0, "revokeConsent")],
        [_request(1, "/i18n/pixel/config.js"), _request(2, "/api/v2/monitor", "{}")],
    )
    assert after_revoke == [
        (
            "CN003",
            "warning",
            "a telemetry request (POST https://analytics.tiktok.com/api/v2/monitor) was sent "
            "on https://shop.example/ after consent was revoked: "
            + telemetry_note.format("revokeConsent()"),
        )
    ]
