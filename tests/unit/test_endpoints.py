"""Which requests are the pixel's: every host the SDK may call is answered locally."""

from __future__ import annotations

import pytest

from harness.core.endpoints import classify, is_pixel_host
from harness.core.model import RequestKind


@pytest.mark.parametrize(
    ("url", "kind", "endpoint"),
    [
        ("https://analytics.tiktok.com/api/v2/pixel", RequestKind.EVENT, "pixel"),
        ("https://analytics.us.tiktok.com/api/v2/pixel/act", RequestKind.EVENT, "act"),
        ("https://analytics.tiktok.com/api/v2/pixel/inter", RequestKind.TELEMETRY, "inter"),
        (
            "https://analytics-ipv6.tiktokw.us/ipv6/enrich_ipv6",
            RequestKind.TELEMETRY,
            "enrich_ipv6",
        ),
        # Pangle cookie matching (wire-format §2b): a plugin of the real SDK, not an event
        (
            "https://analytics.pangle-ads.com/api/v2/pangle_pixel",
            RequestKind.TELEMETRY,
            "pangle_pixel",
        ),
        (
            "https://analytics.tiktok.com/i18n/pixel/events.js?sdkid=C&lib=ttq",
            RequestKind.SDK_SCRIPT,
            "events.js",
        ),
        ("https://analytics.tiktok.com/i18n/pixel/config.js", RequestKind.CONFIG, "config.js"),
    ],
)
def test_every_sdk_host_is_intercepted_and_classified(
    url: str, kind: RequestKind, endpoint: str
) -> None:
    assert is_pixel_host(url)
    assert classify(url) == (kind, endpoint)


def test_other_hosts_and_unparseable_urls_are_not_the_pixels() -> None:
    assert not is_pixel_host("https://cdn.example.com/api/v2/pixel")
    assert not is_pixel_host("https://analytics.tiktok.com.evil.example/api/v2/pixel")
    assert not is_pixel_host("http://[::1")
