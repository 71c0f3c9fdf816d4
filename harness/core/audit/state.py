"""An audit's `--resume` state: JSON lines, a header naming the audit, then one line per page
committed in visiting order (its links, and its result when this run audited it). Pure: the
browser layer appends the lines (each flushed to disk before the next page is committed).

A line cut short by an interruption is the last one and is ignored: that page is visited
again. The state holds what the pages sent, unmasked (the checks judge the real values),
like a HAR file: keep it where the results are kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from harness.core.audit.walk import Outcome
from harness.core.errors import UsageError
from harness.core.plan.result import JourneyResult

STATE_FORMAT = "ttq-harness-audit-state/1"


def header_line(audit: Mapping[str, Any]) -> str:
    """The first line: what decides which pages the audit visits, in which order."""
    return json.dumps({"format": STATE_FORMAT, "audit": audit}, sort_keys=True) + "\n"


def outcome_line(outcome: Outcome) -> str:
    journey = outcome.journey.model_dump(mode="json") if outcome.journey else None
    line = {
        "position": outcome.position,
        "url": outcome.url,
        "links": list(outcome.links),
        "journey": journey,
    }
    if outcome.skipped is not None:
        line["skipped"] = outcome.skipped
    return json.dumps(line, separators=(",", ":")) + "\n"


def read_state(text: str, audit: Mapping[str, Any], *, name: str) -> dict[int, Outcome]:
    """The outcomes a state file holds, by position. UsageError (one line, naming the file and
    line) when it belongs to another audit or a line is damaged before the last one."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return {}
    try:
        header = json.loads(lines[0])
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != STATE_FORMAT:
        raise UsageError(f"{name}:1: not a ttq-harness audit state file: use another --resume file")
    if header.get("audit") != json.loads(json.dumps(audit, sort_keys=True)):
        changed = sorted(
            key
            for key in {*audit, *(header.get("audit") or {})}
            if (header.get("audit") or {}).get(key) != audit.get(key)
        )
        raise UsageError(
            f"{name}:1: written by another audit ({', '.join(changed)} differ): run the same "
            "command, or delete the file to start again"
        )
    outcomes: dict[int, Outcome] = {}
    for number, line in enumerate(lines[1:], start=2):
        try:
            outcome = _outcome(json.loads(line))
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            if number == len(lines) and not line.endswith("\n"):
                break  # cut short by the interruption: that page is visited again
            reason = str(exc).splitlines()[0]
            raise UsageError(
                f"{name}:{number}: damaged line ({reason}): delete the file to start again"
            ) from None
        outcomes[outcome.position] = outcome
    return outcomes


def _outcome(line: dict[str, Any]) -> Outcome:
    journey = line["journey"]
    return Outcome(
        position=int(line["position"]),
        url=str(line["url"]),
        links=tuple(str(link) for link in line["links"]),
        journey=JourneyResult.model_validate(journey) if journey is not None else None,
        skipped=str(line["skipped"]) if line.get("skipped") is not None else None,
    )
