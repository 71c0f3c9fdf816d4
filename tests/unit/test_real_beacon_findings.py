"""The rules on the real SDK's beacons (tests/data, captured from pixel.js 2.1.33).

What a TikTok expert would say about those pages: the string passed to ttq.track('Search', …)
was spread into characters, and the checkout event lacks a content id (the SDK's own console
said "Missing 'content_id'"), and external_id leaves unhashed (information). The test pixel
ids are well-formed: that they are unknown to TikTok is the SDK console's business ("Invalid
pixel ID"), not ours.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.core.endpoints import classify
from harness.core.engine import run_rules, wire_events
from harness.core.model import RawRequest

DATA = Path(__file__).parent.parent / "data"


def _findings(name: str) -> list[tuple[str, str | None, str]]:
    capture = json.loads((DATA / name).read_text())
    requests = []
    for index, beacon in enumerate(capture["beacons"]):
        kind, endpoint = classify(beacon["url"])
        requests.append(
            RawRequest(
                index=index,
                timestamp=0.0,
                method=beacon["method"],
                url=beacon["url"],
                body=beacon["body"],
                kind=kind,
                endpoint=endpoint,
            )
        )
    events, undecodable = wire_events(requests)
    assert undecodable == []
    findings = run_rules(events, requests=requests, undecodable=undecodable)
    return [(f.code, f.event_name, f.path) for f in findings]


@pytest.mark.parametrize(
    ("capture", "expected"),
    [
        (
            "real-sdk-2.1.33-single-pixel.json",
            [
                # identify({external_id: 'u-42'}): the SDK sends it unhashed (info)
                ("ID009", "Pageview", "context.user.external_id"),
                ("PR015", "Search", "properties"),
            ],
        ),
        (
            "real-sdk-2.1.33-multi-pixel.json",
            [
                ("PR013", "InitiateCheckout", "properties"),
            ],
        ),
    ],
)
def test_real_beacons_get_the_findings_an_expert_would_give(
    capture: str, expected: list[tuple[str, str, str]]
) -> None:
    assert _findings(capture) == expected
