"""A plan's pixel settings reach the capture however the plan is run (CLI or pytest)."""

from __future__ import annotations

from harness.browser.plan_run import use_plan_settings
from harness.browser.recorder import PixelCapture
from harness.core.plan.model import Plan
from harness.core.sdk import EmulatedSdk


def test_plan_tests_captures_get_the_plans_first_party_cookies() -> None:
    """plan_tests runs on pytest's ttq_capture, made before the plan was read."""
    plan = Plan.model_validate({"defaults": {"first_party_cookies": True}, "journeys": []})
    capture = use_plan_settings(PixelCapture(), plan)
    assert isinstance(capture.sdk_source, EmulatedSdk) and capture.sdk_source.first_party_cookies
    plain = use_plan_settings(PixelCapture(), Plan.model_validate({"journeys": []}))
    assert isinstance(plain.sdk_source, EmulatedSdk) and not plain.sdk_source.first_party_cookies


def test_a_real_sdk_keeps_its_own_cookie_setting() -> None:
    plan = Plan.model_validate({"defaults": {"first_party_cookies": True}, "journeys": []})
    capture = use_plan_settings(PixelCapture(sdk="live"), plan)
    assert not isinstance(capture.sdk_source, EmulatedSdk)
