"""Exceptions raised to the user of the library. Findings are values, not exceptions."""


class HarnessError(Exception):
    """Base class: a usage or environment problem the user must fix."""


class BrowserNotFoundError(HarnessError):
    """No Chromium could be found; the message says how to get one."""


class UsageError(HarnessError):
    """A bad option or argument."""
