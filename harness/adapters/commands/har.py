"""`ttq-harness lint FILE.har`: the pixel events in a HAR file, decoded and checked, no browser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harness.adapters.options import (
    ConfigFile,
    FailOnOpt,
    HideAuto,
    HtmlPath,
    Ignore,
    JsonPath,
    JunitPath,
    Profile,
    Select,
    SeverityOpt,
    console,
    err,
    render_capture,
    rules_config,
)
from harness.core.endpoints import DEFAULT_PIXEL_HOSTS
from harness.core.errors import EXIT_USAGE, HarnessError
from harness.core.har import lint_har
from harness.core.outputs import check_outputs


def lint_command(
    har_file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.har",
            help="HAR file exported from Chrome DevTools, Firefox or Playwright (record_har_path).",
        ),
    ],
    json_path: JsonPath = None,
    junit_path: JunitPath = None,
    html_path: HtmlPath = None,
    pixel_host: Annotated[
        list[str] | None,
        typer.Option("--pixel-host", help="Extra host to treat as a pixel host (repeatable)."),
    ] = None,
    hide_auto: HideAuto = False,
    config_file: ConfigFile = None,
    profile: Profile = None,
    select: Select = None,
    ignore: Ignore = None,
    severity: SeverityOpt = None,
    fail_on: FailOnOpt = None,
) -> None:
    """Decode and check the pixel events in a HAR file, without a browser.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error (bad file or option).
    """
    try:
        check_outputs([(json_path, "--json"), (junit_path, "--junit"), (html_path, "--html")])
        rules = rules_config(config_file, profile, select, ignore, severity, fail_on)
        report, notes = lint_har(
            har_file, hosts=(*DEFAULT_PIXEL_HOSTS, *(pixel_host or [])), config=rules
        )
    except HarnessError as exc:
        # soft_wrap: one line however long, for logs and scripts
        err.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from exc
    for line in notes:
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(
        render_capture(
            report,
            json_path=json_path,
            junit_path=junit_path,
            html_path=html_path,
            hide_auto=hide_auto,
            fail_on=rules.fail_on,
            kind="lint",
        )
    )


def register(app: typer.Typer) -> None:
    app.command("lint")(lint_command)
