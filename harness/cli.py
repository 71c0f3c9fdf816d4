"""The `ttq-harness` command. Thin: parse options, call the runner, render the report."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from harness import __version__
from harness.capture.endpoints import DEFAULT_PIXEL_HOSTS
from harness.capture.recorder import emulator_script
from harness.capture.sdk import SdkSource, parse_sdk
from harness.config import FailOn, RulesConfig, describe_validation_error, fails, load_pyproject
from harness.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, CaptureAborted, HarnessError
from harness.events_api.findings import with_events_api_findings
from harness.events_api.sink import EventsApiSink
from harness.inert import InertConsole
from harness.masking import masked
from harness.model import CaptureReport, Finding, PixelEvent
from harness.outputs import check_output, check_outputs, write_atomic
from harness.report import (
    capture_junit,
    events_table,
    finding_line,
    key_params,
    summary_lines,
    to_json,
)
from harness.rules import expand
from harness.runner import InspectOptions, Step, StepError, inspect
from harness.server import EVENTS_API_URL_ENV, SiteServer, default_sites_dir

app = typer.Typer(
    name="ttq-harness",
    help="Prove a website's TikTok Pixel tracking is right: capture every ttq event in a real "
    "browser (at the call and on the wire), decode it and check it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = InertConsole()
if not console.is_terminal:  # logs and CI: rich would default to 80 columns and fold every cell
    console = InertConsole(width=160)
err = InertConsole(stderr=True, soft_wrap=True)  # an error stays one line, however long


def _parse_step(text: str) -> Step:
    action, _, rest = text.partition(":")
    if action == "click" and rest:
        return Step("click", rest)
    if action == "goto" and rest:
        return Step("goto", rest)
    if action == "fill" and "=" in rest:
        selector, _, value = rest.partition("=")
        return Step("fill", selector, value)
    raise typer.BadParameter(
        f"{text!r}: expected click:SELECTOR, fill:SELECTOR=VALUE or goto:URL", param_hint="--step"
    )


def _rules_config(
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


def _render(
    report: CaptureReport,
    *,
    json_path: Path | None,
    hide_auto: bool,
    fail_on: FailOn = "error",
    show_pii: bool = False,
    junit_path: Path | None = None,
    html_path: Path | None = None,
    verbose: bool = False,
) -> int:
    """Print a capture's table and summary, write the requested files; the exit code."""
    shown = report if show_pii else masked(report)  # the one masking step, before any output
    console.print(events_table(shown, include_auto=not hide_auto))
    for line in summary_lines(shown, verbose=verbose):
        console.print(line, highlight=False, markup=False)
    outputs: list[tuple[Path | None, Callable[[], str]]] = [
        (json_path, lambda: to_json(shown)),
        (junit_path, lambda: capture_junit(shown, fail_on)),
        (html_path, lambda: _capture_html(shown)),
    ]
    for path, render in outputs:
        if path is not None:
            write_atomic(path, render())
            console.print(f"written: {path}", highlight=False)
    failing = [f for f in report.findings if fails(f.severity, fail_on)]
    return EXIT_FINDINGS if failing else EXIT_OK


def _capture_html(report: CaptureReport) -> str:
    from harness.report_html import render_capture_html

    return render_capture_html(report)


def _run(
    url: str,
    steps: list[Step],
    options: InspectOptions,
    json_path: Path | None,
    hide_auto: bool,
    *,
    show_pii: bool = False,
    junit_path: Path | None = None,
    html_path: Path | None = None,
    watch: bool = False,
    watch_seconds: float | None = None,
    events_api: bool = False,
    events_api_port: int = 0,
    verbose: bool = False,
) -> int:
    fail_on = options.rules.fail_on
    outputs = {
        "json_path": json_path,
        "hide_auto": hide_auto,
        "fail_on": fail_on,
        "show_pii": show_pii,
        "junit_path": junit_path,
        "html_path": html_path,
        "verbose": verbose,
    }

    def live(events: list[PixelEvent], findings: list[Finding]) -> None:
        for event in events:
            if event.auto and hide_auto:
                continue
            shown = event if show_pii else masked(event)
            line = (
                f"live #{shown.index} {shown.source} {shown.name} "
                f"{shown.pixel_code or '(all)'} {key_params(shown)}"
            )
            console.print(line, highlight=False, markup=False)
        for finding in findings:
            line = "live " + finding_line(finding if show_pii else masked(finding))
            console.print(line, highlight=False, markup=False)

    if watch:
        stop = f"for {watch_seconds:g}s" if watch_seconds else "until you close the browser"
        console.print(
            f"Watching {url} {stop} (Ctrl-C stops); events print as they arrive.",
            highlight=False,
            markup=False,
        )
    if events_api:  # the site's back end sends to the Events API: event_ids matter (DD003)
        options = replace(options, rules=options.rules.model_copy(update={"uses_events_api": True}))
    try:
        check_outputs([(json_path, "--json"), (junit_path, "--junit"), (html_path, "--html")])
        with _events_api_sink(events_api, events_api_port) as sink:
            report = inspect(
                url, steps, options, watch=live if watch else None, watch_seconds=watch_seconds
            )
            if sink is not None:
                report = with_events_api_findings(report, sink.requests, options.rules)
    except StepError as exc:
        _render(exc.report, **outputs)  # type: ignore[arg-type]
        err.print(f"error: {exc}", highlight=False, markup=False)
        return EXIT_USAGE
    except CaptureAborted as exc:
        # What was captured until then is still printed and written, marked incomplete.
        if isinstance(exc.result, CaptureReport):
            _render(exc.result, **outputs)  # type: ignore[arg-type]
        err.print(
            f"error: {exc}; the reports hold what was captured until then (incomplete)",
            highlight=False,
            markup=False,
        )
        return exc.exit_code
    except HarnessError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        return EXIT_USAGE
    return _render(report, **outputs)  # type: ignore[arg-type]


BrowserPath = Annotated[
    str | None,
    typer.Option(
        "--browser-path",
        envvar="TTQ_HARNESS_BROWSER",
        help="Chromium executable (default: Playwright's own, else a system Chromium).",
    ),
]
Headed = Annotated[bool, typer.Option("--headed", help="Show the browser window.")]
JsonPath = Annotated[
    Path | None, typer.Option("--json", help="Write the full JSON report (events, findings) here.")
]
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
def _events_api_sink(enabled: bool, port: int = 0) -> Iterator[EventsApiSink | None]:
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


def _sdk_source(
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


@app.command("inspect")
def inspect_command(
    url: Annotated[str, typer.Argument(help="Page to open.")],
    click: Annotated[
        list[str] | None,
        typer.Option("--click", help="Click SELECTOR after load (repeatable, in order)."),
    ] = None,
    step: Annotated[
        list[str] | None,
        typer.Option(
            "--step", help="click:SEL, fill:SEL=VALUE or goto:URL (repeatable, in order)."
        ),
    ] = None,
    json_path: JsonPath = None,
    sdk: SdkOpt = "emulated",
    sdk_origin: SdkOrigin = None,
    forward_beacons: ForwardBeacons = False,
    first_party_cookies: FirstPartyCookies = False,
    events_api: EventsApiOpt = False,
    events_api_port: EventsApiPort = 0,
    browser_path: BrowserPath = None,
    headed: Headed = False,
    slow_mo: Annotated[
        float, typer.Option("--slow-mo", min=0, help="Slow each browser action by MS.")
    ] = 0,
    pixel_host: Annotated[
        list[str] | None,
        typer.Option("--pixel-host", help="Extra pixel host to answer locally (repeatable)."),
    ] = None,
    quiet: Annotated[
        float,
        typer.Option("--quiet", min=0, help="Seconds without pixel traffic that count as settled."),
    ] = 0.5,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", min=0.1, help="Seconds allowed per navigation or step (at least 0.1)."
        ),
    ] = 10.0,
    hide_auto: HideAuto = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Print the reconciliation in full: every field difference between a call and "
            "its beacon (explained ones too) and every beacon no call explains (the JSON and "
            "HTML reports always have it all).",
        ),
    ] = False,
    junit_path: Annotated[
        Path | None, typer.Option("--junit", help="Write JUnit XML (one test case per page).")
    ] = None,
    html_path: Annotated[
        Path | None, typer.Option("--html", help="Write a self-contained HTML report.")
    ] = None,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Keep the browser open (use with --headed) and print "
            "each event and its findings as it happens; the report is written when "
            "you close the browser or press Ctrl-C.",
        ),
    ] = False,
    watch_seconds: Annotated[
        float | None, typer.Option("--duration", min=0.1, help="With --watch: stop after SECONDS.")
    ] = None,
    show_pii: ShowPii = False,
    connect: Connect = None,
    block_third_party: BlockThirdParty = False,
    config_file: ConfigFile = None,
    profile: Profile = None,
    select: Select = None,
    ignore: Ignore = None,
    severity: SeverityOpt = None,
    fail_on: FailOnOpt = None,
) -> None:
    """Open URL in Chromium, follow simple steps, print every ttq event and write a report."""
    if click and step:
        raise typer.BadParameter("use either --click or --step, not both", param_hint="--click")
    source = _sdk_source(sdk, sdk_origin, forward_beacons, first_party_cookies)
    steps = [Step("click", s) for s in click or []] + [_parse_step(s) for s in step or []]
    try:
        rules = _rules_config(config_file, profile, select, ignore, severity, fail_on)
    except HarnessError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
    options = InspectOptions(
        browser_path=browser_path,
        headed=headed,
        slow_mo=slow_mo,
        hosts=(*DEFAULT_PIXEL_HOSTS, *(pixel_host or [])),
        quiet=quiet,
        timeout=timeout,
        rules=rules,
        connect=connect,
        sdk=source,
        block_third_party=block_third_party,
    )
    raise typer.Exit(
        _run(
            url,
            steps,
            options,
            json_path,
            hide_auto,
            show_pii=show_pii,
            junit_path=junit_path,
            html_path=html_path,
            watch=watch,
            watch_seconds=watch_seconds,
            events_api=events_api,
            events_api_port=events_api_port,
            verbose=verbose,
        )
    )


@app.command("serve")
def serve_command(
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (0 = any free port).")
    ] = 8000,
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Folder to serve (default: the bundled sites/).")
    ] = None,
) -> None:
    """Serve the demo sites (shop and broken twin) on loopback until Ctrl-C."""
    try:
        server = SiteServer(directory or default_sites_dir(), port=port).start()
    except HarnessError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
    console.print(
        f"Serving {server.directory} at {server.url('/')}  (shop: {server.url('/shop/')},"
        f" broken twin: {server.url('/broken-shop/')}). Ctrl-C to stop.",
        highlight=False,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


@app.command("doctor")
def doctor_command(
    browser_path: BrowserPath = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print only the browser path.")] = False,
) -> None:
    """Say which Chromium the harness would launch, or how to get one (exit 1 if none)."""
    from playwright.sync_api import sync_playwright

    from harness.browser import resolve_chromium

    with sync_playwright() as playwright:
        managed = playwright.chromium.executable_path
    try:
        resolved = resolve_chromium(browser_path, playwright_executable=managed)
    except HarnessError as exc:
        err.print(str(exc), highlight=False, markup=False)
        raise typer.Exit(EXIT_FINDINGS) from exc
    if quiet:
        console.print(resolved.executable_path or managed, highlight=False)
    else:
        console.print(f"ttq-harness {__version__}: Chromium {resolved.describe()}", highlight=False)
        console.print(f"launch flags: {' '.join(resolved.args)}", highlight=False)


@app.command("rules")
def rules_command(
    code: Annotated[
        str | None, typer.Argument(help="A rule code or name: print its full doc.")
    ] = None,
    as_markdown: Annotated[bool, typer.Option("--markdown", help="Print docs/rules.md.")] = False,
) -> None:
    """List the validation rules, or print one rule's documentation."""
    from rich.table import Table

    from harness.rules import ConfigError, all_rules, get_rule
    from harness.rules_doc import markdown, rule_text

    if as_markdown:
        print(markdown(), end="")
        return
    if code:
        try:
            rule = get_rule(code)
        except ConfigError as exc:
            err.print(f"error: {exc}", highlight=False, markup=False)
            raise typer.Exit(EXIT_USAGE) from exc
        console.print(rule_text(rule), highlight=False, markup=False)
        return
    table = Table(title="ttq-harness rules", title_justify="left")
    for column in ("code", "name", "severity", "group", "summary"):
        table.add_column(column, no_wrap=column != "summary")
    for rule in all_rules():
        table.add_row(rule.code, rule.name, rule.severity.value, rule.group, rule.summary)
    console.print(table)
    console.print("`ttq-harness rules CODE` prints a rule's full documentation.", highlight=False)


@app.command("schema")
def schema_command(
    name: Annotated[str, typer.Argument(help="plan, plan-result or capture-report.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of a plan file or of a --json output."""
    from harness.schemas import SCHEMAS

    if name not in SCHEMAS:
        err.print(
            f"error: no schema {name!r} (choose from {', '.join(SCHEMAS)})",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(EXIT_USAGE)
    text = SCHEMAS[name]()
    if output is None:
        print(text, end="")
    else:
        try:
            check_output(output, "--output")
        except HarnessError as exc:
            err.print(f"error: {exc}", highlight=False, markup=False)
            raise typer.Exit(EXIT_USAGE) from exc
        write_atomic(output, text)
        console.print(f"written: {output}", highlight=False)


@app.command("version")
def version_command() -> None:
    """Print the version."""
    console.print(f"ttq-harness {__version__}")


def _print_version(asked: bool) -> None:
    if asked:
        console.print(f"ttq-harness {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _global_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Options before any command (the app's help text is set on `app`)."""


def main() -> None:
    from harness.commands import register_all

    register_all(app)
    app()
