"""What the CLI commands share: the consoles, the option types, rule options, the report
renderer of a capture, the Events API sink and SDK choice. Commands import it; it imports no
command (so `cli` -> `commands` -> `options` has no cycle)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from harness.browser.events_api_sink import EventsApiSink
from harness.browser.recorder import emulator_script
from harness.browser.server import EVENTS_API_URL_ENV
from harness.core.config import (
    FailOn,
    RulesConfig,
    describe_validation_error,
    load_pyproject,
)
from harness.core.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, HarnessError
from harness.core.masking import masked
from harness.core.model import CaptureReport
from harness.core.plan.result import ResultKind, page_report, page_result
from harness.core.rules import expand
from harness.core.sdk import SdkSource, parse_sdk
from harness.render.files import Format, write_reports
from harness.render.inert import InertConsole
from harness.render.text import (
    events_table,
    summary_lines,
)

console = InertConsole()
if not console.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
    # logs and CI: rich would default to 80 columns and fold every cell; COLUMNS, when set,
    # says the width the reader has
    console = InertConsole(width=160)


err = InertConsole(stderr=True, soft_wrap=True)  # an error stays one line, however long


def rules_config(
    config_file: Path | None,
    profile: str | None,
    select: list[str] | None,
    ignore: list[str] | None,
    severity: list[str] | None,
    fail_on: str | None,
) -> RulesConfig:
    """pyproject.toml's [tool.ttq-harness], then the command-line options; selectors checked."""
    if config_file is not None and not config_file.is_file():
        raise HarnessError(f"--config {config_file}: no such file")
    base = load_pyproject(config_file)
    overrides: dict[str, str] = {}
    for item in severity or []:
        selector, _, level = item.partition("=")
        if level not in ("error", "warning", "info"):
            raise HarnessError(f"--severity {item!r}: expected SELECTOR=error|warning|info")
        overrides[selector] = level
    try:
        config = base.merged(
            profile=profile,
            select=select or None,
            ignore_extra=ignore or None,
            severity=overrides or None,
            fail_on=fail_on,
        )
    except ValidationError as exc:
        raise HarnessError(describe_validation_error(exc, "options")) from exc
    config.check_profile()
    for selector in [*config.select, *config.ignore, *config.severity]:
        expand(selector)  # raises with "did you mean" before any browser starts
    return config


def render_capture(
    report: CaptureReport,
    *,
    json_path: Path | None,
    hide_auto: bool,
    fail_on: FailOn = "error",
    show_pii: bool = False,
    junit_path: Path | None = None,
    html_path: Path | None = None,
    verbose: bool = False,
    kind: ResultKind = "inspect",
) -> int:
    """Print a one-page run's table and summary, write the requested files; the exit code.

    The capture becomes the one result value (`page_result`), masked once, before any output.
    """
    result = page_result(report, fail_on=fail_on, kind=kind)
    shown = result if show_pii else masked(result)
    page = page_report(shown)
    console.print(events_table(page, include_auto=not hide_auto, width=console.width))
    for line in summary_lines(page, verbose=verbose):
        console.print(line, highlight=False, markup=False)
    paths: dict[Format, Path | None] = {"json": json_path, "junit": junit_path, "html": html_path}
    for path in write_reports(shown, paths, fail_on=fail_on):
        console.print(f"written: {path}", highlight=False)
    return EXIT_OK if result.ok else EXIT_FINDINGS


# The report files, one option each, shared by every command that writes reports.
JsonPath = Annotated[
    Path | None,
    typer.Option("--json", help="Write the full result as JSON (events, findings...)."),
]
JunitPath = Annotated[
    Path | None,
    typer.Option("--junit", help="Write JUnit XML (a test case per journey, or per page)."),
]
HtmlPath = Annotated[
    Path | None,
    typer.Option("--html", help="Write a self-contained HTML report (opens from disk)."),
]


BrowserPath = Annotated[
    str | None,
    typer.Option(
        "--browser-path",
        envvar="TTQ_HARNESS_BROWSER",
        help="Chromium executable (default: Playwright's own, else a system Chromium).",
    ),
]


Headed = Annotated[bool, typer.Option("--headed", help="Show the browser window.")]


ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="pyproject.toml to read [tool.ttq-harness] from (default: ./pyproject.toml).",
    ),
]


Profile = Annotated[
    str | None, typer.Option("--profile", help="Rule profile: spec (default) or tiktok-2025.")
]


Select = Annotated[
    list[str] | None,
    typer.Option("--select", help="Run only these rules (code, family, group, name; repeatable)."),
]


Ignore = Annotated[
    list[str] | None, typer.Option("--ignore", help="Suppress these rules (repeatable).")
]


SeverityOpt = Annotated[
    list[str] | None,
    typer.Option("--severity", help="Override a severity: SELECTOR=LEVEL (repeatable)."),
]


FailOnOpt = Annotated[
    str | None,
    typer.Option(
        "--fail-on", help="Exit 1 on findings at or above: error (default), warning, info, never."
    ),
]


Connect = Annotated[
    str | None,
    typer.Option(
        "--connect",
        help="Use a Playwright browser server (ws://HOST:PORT/) instead "
        "of launching Chromium here.",
    ),
]


BlockThirdParty = Annotated[
    bool,
    typer.Option(
        "--block-third-party",
        help="Hermetic run: in the browser only the site's own hosts resolve; every other "
        "host (CDNs, analytics, ads, fonts) fails to load. TikTok's pixel hosts are answered "
        "locally either way.",
    ),
]


ShowPii = Annotated[
    bool,
    typer.Option(
        "--show-pii",
        help="Show e-mails, phone numbers and identify values in "
        "outputs (masked by default; for local debugging).",
    ),
]


HideAuto = Annotated[
    bool,
    typer.Option("--hide-auto", help="Leave the SDK's automatic /act events out of the table."),
]


SdkOpt = Annotated[
    str,
    typer.Option(
        "--sdk",
        help="Pixel SDK: 'emulated' (offline emulator; default), 'live' (TikTok's current "
        "SDK scripts; beacons still answered locally) or DIR (a pinned SDK saved with "
        "`ttq-harness sdk pull`).",
    ),
]


SdkOrigin = Annotated[
    str | None,
    typer.Option(
        "--sdk-origin",
        help="With --sdk live: fetch the SDK from this origin instead of "
        "https://analytics.tiktok.com (a local stand-in; also $TTQ_HARNESS_SDK_ORIGIN).",
    ),
]


ForwardBeacons = Annotated[
    bool,
    typer.Option(
        "--forward-beacons",
        help="With --sdk live: also send the beacons to TikTok (they are still recorded).",
    ),
]


EventsApiOpt = Annotated[
    bool,
    typer.Option(
        "--events-api",
        help="Start a local TikTok Events API sink on loopback and cross-check what it receives "
        "with the pixel's events (event name and event_id on both sides; EA rules). Point your "
        "back end at the URL it prints.",
    ),
]


EventsApiPort = Annotated[
    int,
    typer.Option(
        "--events-api-port",
        min=0,
        max=65535,
        help="With --events-api: port on 127.0.0.1 (default 0: any free port).",
    ),
]


@contextmanager
def events_api_sink(enabled: bool, port: int = 0) -> Iterator[EventsApiSink | None]:
    """A running sink when asked for, its URL announced on stderr; else None."""
    if not enabled:
        yield None
        return
    sink = EventsApiSink(port=port).start()  # a port in use is a UsageError naming it
    err.print(
        f"Events API sink listening at {sink.url} (set {EVENTS_API_URL_ENV} or point your "
        "back end there)",
        highlight=False,
        markup=False,
    )
    try:
        yield sink
    finally:
        sink.stop()


FirstPartyCookies = Annotated[
    bool,
    typer.Option(
        "--first-party-cookies",
        help="With --sdk emulated: the pixel has first-party cookies on in Events Manager, so "
        "the emulator sets _ttp (as soon as consent allows) without ttq.enableCookie().",
    ),
]


def sdk_source(
    sdk: str, origin: str | None, forward_beacons: bool, first_party_cookies: bool = False
) -> SdkSource:
    """--sdk and its companions as a source; a one-line usage error otherwise."""
    try:
        return parse_sdk(
            sdk,
            emulator=emulator_script(),
            origin=origin,
            forward_beacons=forward_beacons,
            first_party_cookies=first_party_cookies,
        )
    except HarnessError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
