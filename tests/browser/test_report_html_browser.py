"""The HTML reports opened from disk in Chromium: inert, offline, navigable, not too wide.

Also takes docs/report-screenshot.png: the top of a real broken-twin plan report.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Request, expect

from harness.core.model import CaptureReport, UndecodableBeacon
from harness.core.plan.result import PlanResult
from harness.render.html import render_capture_html, render_plan_html

ROOT = Path(__file__).parent.parent.parent
DATA = ROOT / "tests" / "data"
SCREENSHOT = ROOT / "docs" / "report-screenshot.png"
BIG = "W" * 100_000
HOSTILE_JOURNEY = "j-evil-onmouseover-alert-1-script-alert-1-script"


def hostile_plan() -> PlanResult:
    text = (DATA / "report-html-hostile.json").read_text(encoding="utf-8")
    return PlanResult.model_validate_json(text.replace("@@BIG@@", BIG))


def hostile_capture() -> CaptureReport:
    journey = hostile_plan().journeys[0]
    wire = journey.events[1]
    assert wire.request is not None
    bad = wire.request.model_copy(update={"index": 9, "body": "%%<script>alert(1)</script>"})
    return CaptureReport(
        harness_version="0.1.0",
        sdk="emulated",
        url="javascript:alert(1)",
        events=journey.events,
        calls=[e.call for e in journey.events if e.call is not None],
        requests=[wire.request, bad],
        undecodable=[UndecodableBeacon(request=bad, reason="<script>alert(1)</script>")],
        findings=journey.findings,
    )


class Watch:
    """Everything the page does that a report must never do."""

    def __init__(self, page: Page) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", self._request)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(message.text)

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)


def _open(page: Page, path: Path, html: str) -> Watch:
    path.write_text(html, encoding="utf-8")
    watch = Watch(page)
    page.goto(path.as_uri())
    return watch


def _width_ok(page: Page) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner + 2, f"the page is {width}px wide in a {inner}px window"


def test_hostile_plan_report_is_inert_offline_and_navigable(page: Page, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    path = tmp_path / "report.html"
    watch = _open(page, path, render_plan_html(hostile_plan()))
    _width_ok(page)

    # a finding's links: to its event (opened and in view) and to the rule documentation
    finding = page.locator(f"#{HOSTILE_JOURNEY}-f1")
    finding.locator(f'a[href="#{HOSTILE_JOURNEY}-e1"]').click()
    event = page.locator(f"#{HOSTILE_JOURNEY}-e1")
    expect(event).to_have_attribute("open", "")
    expect(event).to_be_in_viewport()
    page.locator(f"#{HOSTILE_JOURNEY}-f1").locator('a[href="#rule-PR002"]').click()
    expect(page.locator("#rule-PR002")).to_be_visible()
    expect(page.locator("#rule-PR002")).to_be_in_viewport()
    assert page.evaluate("location.hash") == "#rule-PR002"

    # every <details> open: the 100 kB value must wrap, not widen the page
    page.locator("#expand-all").click()
    expect(page.locator("text=/W{200}/").first).to_be_visible()
    _width_ok(page)
    page.mouse.move(200, 300)  # hover over data: no handler may run
    page.locator("#failures-only").check()
    expect(page.locator("section.journey.passed")).to_be_hidden()
    page.locator("#event-filter").fill("pageview")
    page.wait_for_timeout(100)

    assert watch.dialogs == []
    assert watch.errors == []
    assert watch.requests == [path.as_uri()]


def test_hostile_capture_report_is_inert(page: Page, tmp_path: Path) -> None:
    path = tmp_path / "capture.html"
    watch = _open(page, path, render_capture_html(hostile_capture()))
    page.locator("#expand-all").click()
    _width_ok(page)
    page.locator("#f1").locator('a[href="#e1"]').click()
    expect(page.locator("#e1")).to_be_in_viewport()
    page.locator("#f1").locator('a[href="#rule-PR002"]').click()
    expect(page.locator("#rule-PR002")).to_be_visible()
    assert watch.dialogs == [] and watch.errors == []
    assert watch.requests == [path.as_uri()]


def test_report_works_without_javascript(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(render_plan_html(hostile_plan()), encoding="utf-8")
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        expect(page.locator("#tools")).to_be_hidden()  # the JS-only controls stay out of the way
        event = page.locator(f"#{HOSTILE_JOURNEY}-e3")
        event.locator("summary").first.click()  # <details> open without JS
        expect(event).to_have_attribute("open", "")
        expect(event.locator("pre").first).to_be_visible()
        page.locator(f"#{HOSTILE_JOURNEY}-f1").locator('a[href="#rule-PR002"]').click()
        expect(page.locator("#rule-PR002")).to_be_in_viewport()
        _width_ok(page)
    finally:
        context.close()


def test_broken_twin_report_screenshot(page: Page, tmp_path: Path) -> None:
    """The top of the report of a real run on the broken twin renders (and, with
    TTQ_UPDATE_SCREENSHOTS=1, becomes docs/report-screenshot.png)."""
    result = PlanResult.model_validate_json(
        (DATA / "report-html-plan-broken.json").read_text(encoding="utf-8")
    )
    page.set_viewport_size({"width": 1280, "height": 1000})
    path = tmp_path / "broken.html"
    watch = _open(page, path, render_plan_html(result))
    expect(page.locator(".verdict")).to_have_text(re.compile("plan does NOT hold"))
    _width_ok(page)
    height = page.evaluate("document.documentElement.scrollHeight")
    # The README's image is only rewritten on request, so a test run never dirties the tree.
    target = SCREENSHOT if os.environ.get("TTQ_UPDATE_SCREENSHOTS") else tmp_path / "shot.png"
    page.screenshot(
        path=str(target),
        full_page=True,
        clip={"x": 0, "y": 0, "width": 1280, "height": min(1600, height)},
    )
    assert target.stat().st_size > 10_000
    assert watch.errors == [] and watch.requests == [path.as_uri()]


def _audit_result() -> PlanResult:
    """Three audited pages: one clean, one without the pixel (AU001), one answering 404."""
    from harness.core.audit.checks import site_checks
    from harness.core.plan.result import AuditInfo, JourneyResult, StepResult

    clean = hostile_plan().journeys[0].events  # real events, with a hostile name or two
    pages = [
        JourneyResult(
            name=f"http://shop.test/{name}",
            ok=ok,
            status=status,
            position=n,
            steps=[StepResult(index=1, description=f"goto {name}", ok=ok)],
            events=events,
            duration=seconds,
            pixel_install=install,
        )
        for n, (name, ok, status, events, seconds, install) in enumerate(
            [
                ("zebra.html", True, 200, clean, 0.5, "tag-manager"),
                ("nopixel.html", True, 200, [], 2.5, "none"),
                ("gone.html", False, 404, [], 1.5, None),
            ]
        )
    ]
    checks = site_checks(pages)
    return PlanResult(
        kind="audit", harness_version="t", plan="http://shop.test/", base_url=None,
        profile="default", ok=False, journeys=pages, coverage={}, checks=checks,
        audit=AuditInfo(start_url="http://shop.test/", discovered=3),
    )  # fmt: skip


def _rows(page: Page) -> list[str]:
    cells = page.locator("#page-table tbody tr:not(.filtered-out) td:nth-child(2)")
    return [text.strip() for text in cells.all_inner_texts()]


def test_an_audit_report_lists_its_pages_sortable_and_filterable(
    browser: Browser, tmp_path: Path
) -> None:
    html = render_plan_html(_audit_result())
    path = tmp_path / "audit.html"
    path.write_text(html, encoding="utf-8")
    # Without JavaScript: every page is listed, linked to its details, nothing else fetched.
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    watch = Watch(page)
    page.goto(path.as_uri())
    names = ["http://shop.test/zebra.html", "http://shop.test/nopixel.html",
             "http://shop.test/gone.html"]  # fmt: skip
    assert _rows(page) == names
    assert page.locator("#page-tools").is_hidden()  # the tools need JavaScript
    broken = page.locator("#page-table tbody tr td:nth-child(9)").all_inner_texts()
    assert broken == ["—", "AU001", "—"]
    installed = page.locator("#page-table tbody tr td:nth-child(5)").all_inner_texts()
    assert installed == ["tag-manager", "none", "—"]  # how each page's pixel was installed
    href = page.locator("#page-table tbody tr:nth-child(2) a").get_attribute("href")
    assert href and page.locator(href).count() == 1  # the page's own section
    assert watch.requests == [path.as_uri()] and not watch.dialogs
    context.close()
    # With JavaScript: a click sorts, another reverses, typing filters.
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(page)
    page.goto(path.as_uri())
    page.locator("#page-table th", has_text="seconds").click()
    assert _rows(page) == [names[0], names[2], names[1]]  # 0.5, 1.5, 2.5
    page.locator("#page-table th", has_text="seconds").click()
    assert _rows(page) == [names[1], names[2], names[0]]
    page.locator("#page-filter").fill("404")
    assert _rows(page) == [names[2]]
    page.locator("#page-filter").fill("au001")
    assert _rows(page) == [names[1]]
    page.locator("#page-filter").fill("tag-manager")
    assert _rows(page) == [names[0]]
    assert watch.requests == [path.as_uri()] and not watch.dialogs and not watch.errors
    context.close()
