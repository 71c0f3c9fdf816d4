"""What a capture noticed besides ttq calls, recorded as `TtqCall`s whose method names the
observation ("harness:..."); no event comes from them. One list of names, used by the browser
recorder that records them and the rules and reconciliation that read them. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.core.model import TtqCall

#: The method prefix of every observation.
OBSERVATION_PREFIX = "harness:"
#: The page replaced window.ttq with something the recorder cannot follow (TR006).
#: args: [global name, the new value]
TTQ_OVERWRITTEN = OBSERVATION_PREFIX + "ttq-overwritten"
#: The renderer crashed (TR007). args: [page URL]
PAGE_CRASHED = OBSERVATION_PREFIX + "page-crashed"
#: An uncaught page error (TR008). args: ["Name: message"]
PAGE_ERROR = OBSERVATION_PREFIX + "page-error"
#: The recorder could not do something (CH002). args: [what, reason]
RECORDER_ERROR = OBSERVATION_PREFIX + "recorder-error"
#: The SDK's own console diagnostics (SD rules). args: [message text, console type]
SDK_CONSOLE = OBSERVATION_PREFIX + "sdk-console"
#: A pinned SDK file the page asked for is missing (SD001). args: [URL, reason]
SDK_FILE_MISSING = OBSERVATION_PREFIX + "sdk-file-missing"
#: A pinned SDK's config was changed for another pixel (SD009). args: [URL, what was changed]
SDK_PINNED_CONFIG = OBSERVATION_PREFIX + "sdk-pinned-config"

#: How the pixel SDK's own console lines start; the recorder keeps those as SDK_CONSOLE.
SDK_CONSOLE_PREFIX = "[TikTok Pixel]"


def is_observation(method: str) -> bool:
    return method.startswith(OBSERVATION_PREFIX)


def page_calls_by_document(calls: Iterable[TtqCall]) -> dict[str | None, list[TtqCall]]:
    """The page's own ttq calls (not observations) by document id."""
    by_document: dict[str | None, list[TtqCall]] = {}
    for call in calls:
        if not is_observation(call.method):
            by_document.setdefault(call.document_id, []).append(call)
    return by_document
