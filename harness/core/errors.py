"""Exceptions raised to the user of the library. Findings are values, not exceptions."""

from __future__ import annotations

import re


class HarnessError(Exception):
    """Base class: a usage or environment problem the user must fix."""


class BrowserNotFoundError(HarnessError):
    """No Chromium could be found; the message says how to get one."""


class UsageError(HarnessError):
    """A bad option or argument."""


#: Exit codes: the plan/page holds, it does not (findings), a usage or infrastructure problem,
#: and interrupted (128 + SIGINT, as shells report Ctrl-C).
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class CaptureAborted(HarnessError):
    """The capture stopped before it was done: the browser closed or crashed, or Ctrl-C.

    `result` holds what was captured until then (a CaptureReport or PlanResult marked
    `incomplete`); `exit_code` is EXIT_USAGE (infrastructure) or EXIT_INTERRUPTED.
    """

    def __init__(self, message: str, result: object, exit_code: int) -> None:
        super().__init__(message)
        self.result = result
        self.exit_code = exit_code


BROWSER_GONE = "the browser closed or crashed"
INTERRUPTED = "interrupted (Ctrl-C)"


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
