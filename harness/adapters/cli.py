"""The `ttq-harness` command. Thin: parse options, call the runner, render the report."""

from __future__ import annotations

import contextlib
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from harness import __version__
from harness.adapters.options import (
    BlockThirdParty,
    BrowserPath,
    ConfigFile,
    Connect,
    EventsApiOpt,
    EventsApiPort,
    FailOnOpt,
    FirstPartyCookies,
    ForwardBeacons,
    Headed,
    HideAuto,
    HtmlPath,
    Ignore,
    JsonPath,
    JunitPath,
    Profile,
    SdkOpt,
    SdkOrigin,
    Select,
    SeverityOpt,
    ShowPii,
    console,
    err,
    events_api_sink,
    render_capture,
    rules_config,
    sdk_source,
)
from harness.browser.runner import InspectOptions, StepError, inspect
from harness.browser.server import SiteServer, default_sites_dir
from harness.core.endpoints import DEFAULT_PIXEL_HOSTS
from harness.core.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, CaptureAborted, HarnessError
from harness.core.masking import masked
from harness.core.model import CaptureReport, Finding, PixelEvent
from harness.core.outputs import check_output, check_outputs, write_atomic
from harness.core.plan.model import Step
from harness.core.plan.steps import FORMS, parse_step
from harness.render.text import (
    finding_line,
    key_params,
)

app = typer.Typer(
    name="ttq-harness",
    help="Prove a website's TikTok Pixel tracking is right: capture every ttq event in a real "
    "browser (at the call and on the wire), decode it and check it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


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
        with events_api_sink(events_api, events_api_port) as sink:
            report = inspect(
                url,
                steps,
                replace(options, events_api=sink),
                watch=live if watch else None,
                watch_seconds=watch_seconds,
            )
    except StepError as exc:
        render_capture(exc.report, **outputs)  # type: ignore[arg-type]
        err.print(f"error: {exc}", highlight=False, markup=False)
        return EXIT_USAGE
    except CaptureAborted as exc:
        # What was captured until then is still printed and written, marked incomplete.
        if isinstance(exc.result, CaptureReport):
            render_capture(exc.result, **outputs)  # type: ignore[arg-type]
        err.print(
            f"error: {exc}; the reports hold what was captured until then (incomplete)",
            highlight=False,
            markup=False,
        )
        return exc.exit_code
    except HarnessError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        return EXIT_USAGE
    return render_capture(report, **outputs)  # type: ignore[arg-type]


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
            "--step",
            help=f"A step of the plan vocabulary: {FORMS} (repeatable, in order).",
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
    junit_path: JunitPath = None,
    html_path: HtmlPath = None,
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
    source = sdk_source(sdk, sdk_origin, forward_beacons, first_party_cookies)
    try:
        steps = [Step(click=s) for s in click or []] + [parse_step(s) for s in step or []]
    except HarnessError as exc:  # one line, like every other usage error
        err.print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
    try:
        rules = rules_config(config_file, profile, select, ignore, severity, fail_on)
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
    """Serve the demo sites (shop, broken twin, generated catalog) on loopback until Ctrl-C."""
    try:
        server = SiteServer(directory or default_sites_dir(), port=port).start()
    except HarnessError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
    sites = f"shop: {server.url('/shop/')}, broken twin: {server.url('/broken-shop/')}"
    if (server.directory / "catalog" / "catalog.json").is_file():
        sites += f", catalog to audit: {server.url('/catalog/')}"
    console.print(
        f"Serving {server.directory} at {server.url('/')}  ({sites}). Ctrl-C to stop.",
        highlight=False,
        soft_wrap=True,
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

    from harness.browser.chromium import resolve_chromium

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
        with contextlib.suppress(HarnessError):
            headed = resolve_chromium(browser_path, playwright_executable=managed, headless=False)
            if headed != resolved:  # a system headless shell: a window needs the full build
                console.print(f"with --headed: Chromium {headed.describe()}", highlight=False)
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

    from harness.core.rules import ConfigError, all_rules, get_rule
    from harness.core.rules_doc import markdown, rule_text

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
    from harness.core.schemas import SCHEMAS

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


#: What each option's value looks like in --help, instead of the Python type typer would
#: show (`<str>`, `<list[str]>`); an option that sets its own metavar keeps it.
METAVARS = {
    "--base-url": "URL",
    "--sdk-origin": "URL",
    "--origin": "URL",
    "--connect": "ws://HOST:PORT/",
    "--browser-path": "PATH",
    "--json": "FILE",
    "--junit": "FILE",
    "--html": "FILE",
    "--config": "FILE",
    "--out": "FILE",
    "--output": "FILE",
    "--json-dir": "DIR",
    "--artifacts": "DIR",
    "--baseline": "DIR",
    "--dir": "DIR",
    "--journey": "NAME",
    "--shard": "I/N",
    "--trace": "on|off|retain-on-failure",
    "--fail-on": "error|warning|info|never",
    "--profile": "spec|tiktok-2025",
    "--sdk": "emulated|live|DIR",
    "--select": "SELECTOR",
    "--ignore": "SELECTOR",
    "--severity": "SELECTOR=LEVEL",
    "--pixel-host": "HOST",
    "--pixel": "CODE",
    "--click": "SELECTOR",
    "--step": "ACTION:ARG",
    "--timeout": "SECONDS",
    "--quiet": "SECONDS",
    "--duration": "SECONDS",
    "--slow-mo": "MS",
    "--port": "PORT",
    "--events-api-port": "PORT",
}


def name_values(command: Any) -> Any:
    """Give every option of the command tree a metavar that says what to type.
    (Duck-typed: typer builds its commands with its own copy of click.)"""
    for param in command.params:
        if param.metavar is not None or getattr(param, "is_flag", False):
            continue
        option = next((o for o in param.opts if o.startswith("--")), None)
        if option in METAVARS:  # arguments keep typer's own naming (their name, upper case)
            param.metavar = METAVARS[option]
    for sub in getattr(command, "commands", {}).values():
        name_values(sub)
    return command


def cli() -> Any:
    """The whole command tree, as `ttq-harness` runs it."""
    from harness.adapters.commands import register_all

    if not getattr(app, "_ttq_registered", False):
        register_all(app)
        app._ttq_registered = True  # type: ignore[attr-defined]
    return name_values(typer.main.get_command(app))


def main() -> None:
    """`ttq-harness`. A usage error (an unknown option, a missing argument, a bad value) is
    click's plain `Error: ...` line under the usage, not rich's box: the box cuts a long
    message across lines, and in a CI log it is box drawing around the one line that matters.
    Help pages keep their panels."""
    try:
        code = cli().main(prog_name="ttq-harness", standalone_mode=False)
    except typer.Abort:
        sys.stderr.write("Aborted!\n")
        sys.exit(1)
    except Exception as exc:
        # click's usage errors (typer builds its commands with its own copy of click)
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if not callable(show) or not isinstance(exit_code, int):
            raise
        show()
        sys.exit(exit_code)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
