"""Personal data is masked in outputs by default."""

from __future__ import annotations

from harness.masking import mask_data, mask_text

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
