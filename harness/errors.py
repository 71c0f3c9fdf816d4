"""Exceptions raised to the user of the library. Findings are values, not exceptions."""

from __future__ import annotations

import re


class HarnessError(Exception):
    """Base class: a usage or environment problem the user must fix."""


class BrowserNotFoundError(HarnessError):
    """No Chromium could be found; the message says how to get one."""


class UsageError(HarnessError):
    """A bad option or argument."""


def step_failure(error: BaseException) -> str:
    """One plain line for a failed browser action (a Playwright error has many).

    A locator timeout ("Locator.click: Timeout 10000ms exceeded.") also says what it waited
    for and whether anything matched, from Playwright's call log.
    """
    text = str(error).strip()
    if not text:
        return type(error).__name__
    first = text.splitlines()[0]
    waited = re.search(r"waiting for (locator\(.*?\))(?:\.first)?\s*$", text, re.MULTILINE)
    if "Timeout" in first and waited:
        found = (
            "it matched but never became visible, enabled and stable"
            if "resolved to" in text
            else "no element matched it"
        )
        return f"{first} Waited for {waited[1]}: {found}."
    return first
