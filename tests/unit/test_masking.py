"""Personal data is masked in outputs by default."""

from __future__ import annotations

import json

from harness.core.masking import mask_data, mask_text, masked
from harness.core.model import PixelEvent

HASH = "86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d"


def test_emails_and_phones_in_text_are_partly_hidden() -> None:
    assert mask_text("contact jane.doe@example.com now") == "contact j***@example.com now"
    assert mask_text("call +1 202-555-0123") == "call +***23"
    assert mask_text("order-1795628807645 costs 8.00") == "order-1795628807645 costs 8.00"


def test_identity_keys_are_masked_and_hashes_kept() -> None:
    data = {
        "args": [
            {"email": "jane@example.com", "phone_number": "+12025550123", "external_id": "user-42"}
        ],
        "user": {"email": HASH},
        "url": "https://s.example/?e=jane%40example.com",
        "properties": {"value": 8, "content_name": "Summer Dress"},
    }
    assert mask_data(data) == {
        "args": [{"email": "j***@example.com", "phone_number": "+***23", "external_id": "u***"}],
        "user": {"email": HASH},
        "url": "https://s.example/?e=j***%40example.com",
        "properties": {"value": 8, "content_name": "Summer Dress"},
    }


def test_phones_in_common_formats_and_url_encoded_are_hidden() -> None:
    assert mask_text("https://s.example/?tel=%2B14155550144&x=1") == (
        "https://s.example/?tel=%2B***44&x=1"
    )
    assert mask_text("call (415) 555-0144 now") == "call ***44 now"
    assert mask_text("415-555-0144 or 415.555.0144") == "***44 or ***44"
    # numbers that are not phones stay: prices, ids, timestamps, versions, addresses
    for text in (
        "price 1234.5678",
        "2026-11-24T21:46:44.138Z",
        "messageId-1795556804138-9979851800209-CDEMO00SHOP00PIXEL01",
        "evt-1700000000000-1",
        "v1.2.3",
        "192.168.100.1000",
        "sku 123-456-7890x",
    ):
        assert mask_text(text) == text


def test_keys_that_are_personal_data_are_hidden_too() -> None:
    data = {"jane@example.com": 1, "properties": {"Signup_grace@example.org": "x"}}
    assert mask_data(data) == {"j***@example.com": 1, "properties": {"S***@example.org": "x"}}


def test_a_finding_about_a_personal_data_field_has_its_received_value_hidden() -> None:
    finding = {"path": "context.user.external_id", "received": "user-7781", "message": "m"}
    assert mask_data(finding)["received"] == "u***"
    about_a_price = {"path": "properties.value", "received": "8.00"}
    assert mask_data(about_a_price)["received"] == "8.00"
    nested = {"path": "properties.contents[0].email", "received": "not-an-address"}
    assert mask_data(nested)["received"] == "n***"


def test_an_empty_personal_data_value_stays_empty() -> None:
    assert mask_data({"external_id": "", "email": ""}) == {"external_id": "", "email": ""}


def test_raw_request_bodies_are_parsed_masked_and_dumped_again() -> None:
    request = {
        "method": "POST",
        "url": "https://analytics.tiktok.com/api/v2/pixel",
        "body": '{"context":{"user":{"external_id":"user-7781"}},"event":"a@b.example"}',
    }
    body = mask_data(request)["body"]
    assert json.loads(body) == {
        "context": {"user": {"external_id": "u***"}},
        "event": "a***@b.example",
    }
    assert mask_data({**request, "body": "tel=+14155550144"})["body"] == "tel=+***44"


def test_masked_returns_the_same_model_with_personal_data_hidden() -> None:
    event = PixelEvent.model_validate(
        {
            "index": 1,
            "source": "call",
            "name": "Signup_jane@example.com",
            "properties": {"phone": "(415) 555-0144"},
        }
    )
    hidden = masked(event)
    assert type(hidden) is PixelEvent
    assert hidden.name == "S***@example.com" and hidden.properties == {"phone": "***44"}
    assert event.name == "Signup_jane@example.com"  # a copy: the original is untouched


def test_the_keys_the_id_rules_know_are_masked_too() -> None:
    """One set of personal-data detectors (harness.core.pii) for the rules and for masking."""
    data = {"mobile_number": "4155550122", "email_address": "not-an-address", "sku": "4155550122"}
    assert mask_data(data) == {
        "mobile_number": "4***",
        "email_address": "n***",
        "sku": "4155550122",
    }


def test_quoted_values_of_identify_fields_are_hidden_wherever_they_are_quoted() -> None:
    """A call/beacon difference (called, sent) and a finding (received, expected) quote the
    value of the field their path names; a descriptive `expected` is text, not a value."""
    difference = {"path": "context.user.phone_number", "called": "4155550144", "sent": "abc"}
    assert mask_data(difference) == {**difference, "called": "4***", "sent": "a***"}
    finding = {
        "path": "context.user.external_id",
        "expected": "user-7781",
        "received": "user-7781",
    }
    assert mask_data(finding) == {**finding, "expected": "u***", "received": "u***"}
    described = {"path": "properties.email", "expected": "no personal data in properties"}
    assert mask_data(described) == described


def test_phones_in_the_formats_the_id_rules_know_are_hidden() -> None:
    for text, masked_text in [
        ("call 202 555 0123 today", "call ***23 today"),
        ("uk 020 7946 0958", "uk ***58"),
        ("toll free 1-800-555-0123", "toll free ***23"),
    ]:
        assert mask_text(text) == masked_text
    assert mask_text("host 192.168.100.1000") == "host 192.168.100.1000"  # a dotted quad
