"""The one step executor: a plan `Step` done on a page (plans, `inspect --step`, `record`).

What a step does is the plan's vocabulary (harness.core.plan.model.Step; on the command line
harness.core.plan.steps.parse_step). Errors are Playwright's (a selector that never matched, a
navigation that failed) or a HarnessError for what the page lacks (no ttq consent method, no
popup); callers turn them into one line naming the step.

Written once as steps (harness.browser.flavour), for Playwright's sync API (`perform`) and
its async API (`perform_steps`, awaited with `run_async`).
"""

from __future__ import annotations

import re
import time
from urllib.parse import urljoin

from playwright.async_api import Page as AsyncPage
from playwright.sync_api import Page

from harness.browser.flavour import Steps, run_sync
from harness.core.errors import HarnessError, UsageError
from harness.core.plan.model import FillAction, PressAction, Step, WaitFor

#: `consent:` step -> the ttq method it calls in the page
_CONSENT_METHODS = {"grant": "grantConsent", "revoke": "revokeConsent", "hold": "holdConsent"}
_CALL_CONSENT = """method => {
  const ttq = window[window.TiktokAnalyticsObject || 'ttq'];
  if (!ttq || typeof ttq[method] !== 'function') return false;
  ttq[method]();
  return true;
}"""


def perform(page: Page, step: Step, base_url: str | None, timeout: float) -> None:
    """Do `step` on `page`; a relative goto is resolved against `base_url`."""
    run_sync(perform_steps(page, step, base_url, timeout))


def perform_steps(
    page: Page | AsyncPage, step: Step, base_url: str | None, timeout: float
) -> Steps[None]:
    """`perform` in either flavour."""
    ms = timeout * 1000
    action = step.action
    if action == "goto":
        assert step.goto is not None
        yield page.goto(_url(step.goto, base_url), wait_until="load", timeout=ms)
    elif action == "click":
        assert step.click is not None
        yield page.locator(step.click).first.click(timeout=ms)
        yield page.wait_for_load_state("load", timeout=ms)
    elif action == "fill":
        fields = (
            {step.fill.selector: step.fill.value}
            if isinstance(step.fill, FillAction)
            else dict(step.fill or {})
        )
        for selector, value in fields.items():
            yield page.locator(selector).first.fill(value, timeout=ms)
    elif action == "select":
        for selector, option in (step.select or {}).items():
            yield page.locator(selector).first.select_option(option, timeout=ms)
    elif action in ("check", "uncheck"):
        locator = page.locator(str(getattr(step, action))).first
        yield (locator.check if action == "check" else locator.uncheck)(timeout=ms)
    elif action == "press":
        if isinstance(step.press, PressAction) and step.press.selector:
            yield page.locator(step.press.selector).first.press(step.press.key, timeout=ms)
        else:
            key = step.press.key if isinstance(step.press, PressAction) else str(step.press)
            yield page.keyboard.press(key)
        yield page.wait_for_load_state("load", timeout=ms)
    elif action == "hover":
        yield page.locator(str(step.hover)).first.hover(timeout=ms)
    elif action == "scroll":
        if isinstance(step.scroll, int):
            yield page.mouse.wheel(0, step.scroll)
        else:
            yield page.locator(str(step.scroll)).first.scroll_into_view_if_needed(timeout=ms)
    elif action == "wait_for":
        yield from _wait_for(page, step.wait_for, ms)
    elif action == "reload":
        yield page.reload(wait_until="load", timeout=ms)
    elif action == "back":
        yield page.go_back(wait_until="load", timeout=ms)
    elif action == "consent":
        assert step.consent is not None
        method = _CONSENT_METHODS[step.consent]
        called = yield page.evaluate(_CALL_CONSENT, method)
        if not called:
            raise HarnessError(
                f"consent: {step.consent}: the page has no ttq.{method}() (no TikTok base code "
                "on this page, or an old one without the consent methods)"
            )


def _wait_for(
    page: Page | AsyncPage, target: WaitFor | str | float | None, ms: float
) -> Steps[None]:
    if isinstance(target, int | float):
        yield page.wait_for_timeout(float(target) * 1000)
    elif isinstance(target, str):
        yield page.locator(target).first.wait_for(timeout=ms)
    elif isinstance(target, WaitFor):
        if target.selector:
            yield page.locator(target.selector).first.wait_for(timeout=ms)
        if target.url:
            yield page.wait_for_url(target.url, timeout=ms)
        if target.seconds:
            yield page.wait_for_timeout(target.seconds * 1000)
        if target.popup:
            deadline = time.monotonic() + ms / 1000
            while len(page.context.pages) < 2:
                if time.monotonic() > deadline:
                    raise HarnessError("no popup window opened")
                yield page.wait_for_timeout(50)
            popup = page.context.pages[-1]
            yield popup.wait_for_load_state("load", timeout=ms)


def _url(target: str, base_url: str | None) -> str:
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", target):  # not "page.html?next=https://..."
        return target
    if not base_url:
        raise UsageError(
            f"goto {target!r} is relative and the plan has no base URL: set "
            "defaults.base_url or pass --base-url"
        )
    return urljoin(base_url, target)
