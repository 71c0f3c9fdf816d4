"""Site-level checks of an audit, over every audited page (each a journey of the result):
codes AU001 to AU009, stable. Pure.

Most checks judge each page on its own (`per_page`): merging shards unions their pages, which
were judged on what the pages really sent (a shard's JSON is masked, and a masked URL no longer
shows the e-mail AU004 saw). The others compare pages with each other and are judged again
over the merged pages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote_plus

from harness.core.model import PixelEvent
from harness.core.pii import find_email, find_phone
from harness.core.plan.result import JourneyResult, SiteCheck
from harness.core.tiktok import DEFAULT_PROFILE, PROFILES

Pages = Sequence[JourneyResult]


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    severity: str
    summary: str
    run: Callable[[Pages, Sequence[str]], tuple[list[str], str]]
    per_page: bool = True


def _wire(page: JourneyResult) -> list[PixelEvent]:
    return [e for e in page.events if e.source == "wire"]


def _codes(page: JourneyResult) -> set[str]:
    return {c for e in _wire(page) for c in [*e.pixel_codes, e.pixel_code] if c}


def _loaded(page: JourneyResult) -> bool:
    return (page.status or 200) < 400


def _held(page: JourneyResult) -> bool:
    """The page runs the pixel but holds it until consent (nothing on the wire, by design)."""
    held = "holdConsent" in page.consent and "grantConsent" not in page.consent
    return held and any(e.source == "call" for e in page.events)


def no_pixel(pages: Pages, allowed: Sequence[str]) -> tuple[list[str], str]:
    bad = [p.name for p in pages if _loaded(p) and not _codes(p) and not _held(p)]
    return bad, "no pixel event left these pages (and none holds it for consent)"


def duplicate_pageview(pages: Pages, allowed: Sequence[str]) -> tuple[list[str], str]:
    # The SDK sends one Pageview per URL whatever the page calls, so a base code pasted twice
    # shows at the call: ttq.page() twice for one URL (or two beacons to one pixel).
    bad = []
    for page in pages:
        per_url = Counter(
            (e.source, e.pixel_code, e.page_url) for e in page.events if e.name == "Pageview"
        )
        if any(count > 1 for count in per_url.values()):
            bad.append(page.name)
    return bad, "Pageview called or sent more than once for one page load (a doubled base code)"


def unknown_pixel(pages: Pages, allowed: Sequence[str]) -> tuple[list[str], str]:
    if allowed:
        bad = [p.name for p in pages if _codes(p) - set(allowed)]
        return bad, f"events went to a pixel outside the allow-list ({', '.join(allowed)})"
    everywhere = Counter(c for p in pages for c in _codes(p))
    if not everywhere:
        return [], "no pixel seen"
    main, _ = everywhere.most_common(1)[0]
    bad = [p.name for p in pages if _codes(p) - {main}]
    return bad, f"events went to a pixel other than the site's main one ({main})"


def _has_pii(url: str) -> bool:
    text = unquote_plus(url)
    return bool(find_email(text) or find_phone(text))


def pii_in_url(pages: Pages, allowed: Sequence[str]) -> tuple[list[str], str]:
    bad = [
        p.name
        for p in pages
        if any(_has_pii(url) for url in {p.name, *(e.page_url or "" for e in _wire(p))})
    ]
    return bad, "an e-mail or phone number in the page URL (it reaches TikTok with every event)"


def conversion_on_error_page(pages: Pages, allowed: Sequence[str]) -> tuple[list[str], str]:
    value_events = PROFILES[DEFAULT_PROFILE].value_events
    bad = [
        p.name for p in pages if not _loaded(p) and any(e.name in value_events for e in _wire(p))
    ]
    return bad, "a page answering an HTTP error still sent conversion events"


def failing_pages(pages: Pages, allowed: Sequence[str]) -> tuple[list[str], str]:
    bad = [p.name for p in pages if p.failing_findings]
    return bad, "pages with rule findings at or above --fail-on"


def consent_inconsistent(pages: Pages, allowed: Sequence[str]) -> tuple[list[str], str]:
    # A site that holds its pixel until consent on some pages and not on others sends, on
    # those others, what the visitor never agreed to.
    holding = [p.name for p in pages if "holdConsent" in p.consent]
    if not holding:
        return [], "no page holds the pixel for consent"
    bad = [p.name for p in pages if _wire(p) and "holdConsent" not in p.consent]
    return bad, (
        f"these pages send events without ttq.holdConsent(), which {len(holding)} other "
        "page(s) call: consent is asked on some pages and not on others"
    )


def unreachable(pages: Pages, allowed: Sequence[str]) -> tuple[list[str], str]:
    bad = [p.name for p in pages if p.error is not None and p.status is None]
    return bad, "the browser could not open them (see each page's error)"


#: Capture-health findings that mean the capture was blind on a page: beacons left where no
#: call was recorded (CH001), the recorder failed or never started where the pixel loaded
#: (CH002). Counted whatever severity they were given: a page nobody saw is not a pass.
BLIND = frozenset({"CH001", "CH002"})


def blind_reason(page: JourneyResult) -> str | None:
    """Why the audit did not see `page` whole, or None when it did. (An HTTP 4xx page was
    seen: it is the site's answer, judged by AU005; a 5xx is the server failing to show it.)"""
    codes = sorted({f.code for f in page.findings} & BLIND)
    if codes:
        return f"the call recorder was blind there ({', '.join(codes)})"
    if page.status is not None and page.status >= 500:
        return f"the server failed (HTTP {page.status})"
    if page.status is not None and page.error is not None:
        return "its capture failed after it opened"
    return None


def not_seen(pages: Pages, allowed: Sequence[str]) -> tuple[list[str], str]:
    bad = [p.name for p in pages if blind_reason(p)]
    return bad, (
        "the audit could not see them whole: the recorder was blind (CH001) or failed (CH002), "
        "the server answered HTTP 5xx, or the capture failed after the page opened"
    )


CHECKS: tuple[Check, ...] = (
    Check("AU001", "page-without-pixel", "error", "Every page loads the pixel", no_pixel),
    Check("AU002", "duplicate-pageview", "error", "One Pageview per page load", duplicate_pageview),
    Check(
        "AU003",
        "unknown-pixel",
        "error",
        "Events go to the site's pixel",
        unknown_pixel,
        per_page=False,
    ),
    Check("AU004", "pii-in-url", "error", "No personal data in page URLs", pii_in_url),
    Check(
        "AU005",
        "conversion-on-error-page",
        "error",
        "Error pages send no conversion",
        conversion_on_error_page,
    ),
    Check("AU006", "page-findings", "warning", "Pages pass the rules", failing_pages),
    Check("AU007", "unreachable-page", "error", "Every page opens", unreachable),
    Check(
        "AU008",
        "consent-inconsistent",
        "error",
        "Consent is asked the same way on every page",
        consent_inconsistent,
        per_page=False,
    ),
    Check("AU009", "page-not-seen", "error", "Every page was seen whole", not_seen),
)
#: The message of AU007 when nothing at all was audited: a green audit must have seen pages.
NOTHING_AUDITED = (
    "Every page opens: no page was audited (the start URL is out of scope or disallowed by "
    "robots.txt, or the sitemap lists no page in scope)"
)


def _site_check(check: Check, bad: list[str], why: str) -> SiteCheck:
    return SiteCheck(
        code=check.code,
        name=check.name,
        severity=check.severity,
        ok=not bad,
        message=f"{check.summary}: " + (f"{len(bad)} page(s) break it: {why}" if bad else "holds"),
        pages=bad,
    )


#: The same when Ctrl-C came before the audit had found its pages.
NOTHING_FOUND_YET = (
    "Every page opens: no page was audited (interrupted before the audit found its pages)"
)


def _nothing_audited(
    checks: list[SiteCheck], discovered: int, message: str = NOTHING_AUDITED
) -> list[SiteCheck]:
    if discovered:
        return checks
    return [
        c.model_copy(update={"ok": False, "message": message}) if c.code == "AU007" else c
        for c in checks
    ]


def site_checks(
    pages: Pages,
    *,
    allowed_pixels: Sequence[str] = (),
    discovered: int | None = None,
    interrupted_early: bool = False,
) -> list[SiteCheck]:
    """Every site-level check over the audited pages. `discovered`: the pages the audit found
    (a shard audits some of them); none at all fails AU007 (default: the pages given), saying
    why (`interrupted_early`: Ctrl-C before discovery was done)."""
    checks = [_site_check(check, *check.run(pages, allowed_pixels)) for check in CHECKS]
    message = NOTHING_FOUND_YET if interrupted_early else NOTHING_AUDITED
    return _nothing_audited(checks, len(pages) if discovered is None else discovered, message)


def merged_checks(
    pages: Pages,
    parts: Sequence[Sequence[SiteCheck]],
    *,
    allowed_pixels: Sequence[str] = (),
    discovered: int,
) -> list[SiteCheck]:
    """The checks of shards merged: per-page checks keep what each shard judged (in the
    merged pages' order), the others are judged again over all the pages."""
    order = {page.name: n for n, page in enumerate(pages)}
    out = []
    for check in CHECKS:
        bad, why = check.run(pages, allowed_pixels)
        if check.per_page:
            judged = {
                p for checks in parts for c in checks if c.code == check.code for p in c.pages
            }
            bad = sorted(judged, key=lambda name: (order.get(name, len(order)), name))
        out.append(_site_check(check, bad, why))
    return _nothing_audited(out, discovered)
