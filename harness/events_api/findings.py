"""The EA findings of a capture plus what the Events API sink received (the engine's rules)."""

from __future__ import annotations

from collections.abc import Sequence

from harness.config import RulesConfig
from harness.engine import run_rules
from harness.model import CaptureReport, Finding, RawRequest
from harness.rules import expand


def events_api_findings(
    report: CaptureReport,
    server_requests: Sequence[RawRequest],
    config: RulesConfig | None = None,
) -> list[Finding]:
    """Run the EA rules the configuration selects on the capture and the sink's requests.

    Only EA rules run, so the capture's other findings (already in `report.findings`) are not
    repeated; `ignore` and `severity` apply as usual.
    """
    settings = config or RulesConfig()
    selected = set().union(*(expand(selector) for selector in settings.select))
    chosen = sorted(code for code in selected if code.startswith("EA"))
    if not chosen or not server_requests:
        return []
    return run_rules(
        report.events,
        calls=report.calls,
        requests=[*report.requests, *server_requests],
        undecodable=report.undecodable,
        config=settings.merged(select=chosen),
        check_delivery=False,
    )


def with_events_api_findings(
    report: CaptureReport,
    server_requests: Sequence[RawRequest],
    config: RulesConfig | None = None,
) -> CaptureReport:
    """The report with the EA findings added (and the Events API requests among its requests)."""
    extra = events_api_findings(report, server_requests, config)
    return report.model_copy(
        update={
            "findings": [*report.findings, *extra],
            "requests": [*report.requests, *server_requests],
        }
    )
