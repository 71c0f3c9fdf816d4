"""How an audited page's pixel was installed, from its ttq.load call site
(harness/core/audit/install.py). Pure."""

from __future__ import annotations

import pytest

from harness.core.audit.install import install_of, pixel_install
from harness.core.model import PixelEvent, TtqCall

PAGE = "https://shop.example/product?id=1"


def _load(location: str | None, frame: str = PAGE + "#reviews") -> TtqCall:
    return TtqCall(
        index=0,
        timestamp=0.0,
        method="load",
        args=["C1"],
        frame_url=frame,
        page_url=frame,
        location=location,
    )


@pytest.mark.parametrize(
    ("location", "install"),
    [
        (PAGE + ":12:7", "base-code"),  # the page's own inline script (fragment aside)
        ("https://www.googletagmanager.com/gtm.js?id=GTM-AB12:304:88", "tag-manager"),
        ("https://sst.shop.example/gtm.js?id=GTM-AB12:1:9", "tag-manager"),  # first party
        ("https://tags.tiqcdn.com/utag/shop/main/prod/utag.js:2:40", "tag-manager"),
        ("https://assets.adobedtm.com/launch-EN1.min.js:5:1", "tag-manager"),
        ("https://shop.example/static/app.3f2a.js:1:20512", "script:shop.example"),
        ("https://cdn.partner.example/pixel.js:3:1", "script:cdn.partner.example"),
        ("<anonymous>:3:7", "injected"),  # an inline script a script inserted
        (None, "unknown"),
    ],
)
def test_a_load_call_site_names_how_the_pixel_was_installed(
    location: str | None, install: str
) -> None:
    assert install_of(_load(location)) == install


def test_in_an_iframe_the_base_code_is_inline_in_the_iframe() -> None:
    frame = "https://widgets.example/embed.html"
    assert install_of(_load(frame + ":4:2", frame=frame)) == "base-code"


def test_a_page_gives_each_way_once_or_says_unknown_or_none() -> None:
    two = [_load(PAGE + ":1:1"), _load("https://www.googletagmanager.com/gtm.js:9:9")]
    assert pixel_install([*two, _load(PAGE + ":2:2")], []) == "base-code, tag-manager"
    beacon = PixelEvent(index=0, name="Pageview", source="wire", pixel_code="C1")
    assert pixel_install([], [beacon]) == "unknown"  # sent, but no load call was recorded
    assert pixel_install([TtqCall(index=0, timestamp=0.0, method="page", args=[])], []) == "unknown"
    assert (
        pixel_install([TtqCall(index=0, timestamp=0.0, method="harness:page-error", args=[])], [])
        == "none"
    )
    assert pixel_install([], []) == "none"
