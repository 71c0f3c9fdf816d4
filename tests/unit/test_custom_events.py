"""Custom events are reporting-only: the name vocabulary and the summaries (EV011/EV012 have
their case files in tests/rules/cases/)."""

from __future__ import annotations

from harness.core.model import PixelEvent, TtqCall
from harness.core.rules.custom_events import event_kinds, kinds_line
from harness.core.rules.meaning import standard_meaning, stem, words
from harness.core.tiktok import SPEC, TIKTOK_2025


def _event(index: int, name: str, source: str = "call", auto: bool = False) -> PixelEvent:
    call = (
        TtqCall(index=index, timestamp=0.0, method="track", args=[name])
        if source == "call"
        else None
    )
    return PixelEvent(index=index, source=source, name=name, auto=auto, call=call)  # type: ignore[arg-type]


def test_names_are_read_word_by_word_whatever_the_case_style() -> None:
    assert (
        words("AddedToCart") == words("add_to_cart") == words("add-to-cart") == ("ad", "to", "cart")
    )
    assert words("OrderComplete") == words("order_completed") == ("order", "complet")
    assert words("scroll_depth_75") == ("scrol", "depth")  # digits separate
    assert stem("submitted") == stem("submit") and stem("signing") == stem("sign")
    assert stem("success") == stem("successes")  # a double s is not a plural


def test_the_suggestion_follows_the_profile() -> None:
    assert standard_meaning("purchase_done", SPEC) == "CompletePayment"
    assert standard_meaning("purchase_done", TIKTOK_2025) == "Purchase"
    assert standard_meaning("trial_started", SPEC) is None  # StartTrial: 2025 only
    assert standard_meaning("trial_started", TIKTOK_2025) == "StartTrial"
    # the longest phrase wins: a checkout that succeeded is a purchase, not a checkout
    assert standard_meaning("checkout_success", SPEC) == "CompletePayment"
    assert standard_meaning("checkout_started", SPEC) == "InitiateCheckout"
    assert standard_meaning("newsletter_signup", SPEC) == "Subscribe"


def test_summaries_list_standard_and_reporting_only_custom_events_as_called() -> None:
    events = [
        _event(0, "Purchase"),
        _event(1, "CompletePayment", "wire"),  # what the SDK made of Purchase: not repeated
        _event(2, "order_complete"),
        _event(3, "order_complete", "wire"),
        _event(4, "Pageview", "wire"),  # the pixel's own event
        _event(5, "Click", "wire", auto=True),
        _event(6, "Lead", "wire"),  # a wire event no call made: a tag manager's
    ]
    assert event_kinds(events, SPEC) == (["Purchase"], ["order_complete", "Lead"])
    assert event_kinds(events, TIKTOK_2025) == (["Purchase", "Lead"], ["order_complete"])
    assert kinds_line(events, SPEC) == (
        "Events: standard Purchase; custom (reporting only) order_complete, Lead"
    )
    assert kinds_line([_event(0, "gift_card_redeemed")], SPEC) == (
        "Events: no standard event; custom (reporting only) gift_card_redeemed"
    )
    assert kinds_line([_event(0, "Pageview", "wire")], SPEC) is None
