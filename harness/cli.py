"""The `ttq-harness` command. Thin: parse options, call the runner, render the report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from harness import __version__
from harness.capture.endpoints import DEFAULT_PIXEL_HOSTS
from harness.config import FailOn, RulesConfig, describe_validation_error, fails, load_pyproject
from harness.errors import HarnessError
from harness.model import CaptureReport
from harness.plan.result import JourneyResult
from harness.report import events_table, summary_lines, to_json
from harness.rules import expand
from harness.runner import InspectOptions, Step, StepError, inspect
from harness.server import SiteServer, default_sites_dir

app = typer.Typer(
    name="ttq-harness",
    help="Prove a website's TikTok Pixel tracking is right: capture every ttq event in a real "
    "browser (at the call and on the wire), decode it and check it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
if not console.is_terminal:  # logs and CI: rich would default to 80 columns and fold every cell
    console = Console(width=160)
err = Console(stderr=True)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


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
    report: CaptureReport, *, json_path: Path | None, hide_auto: bool, fail_on: FailOn = "error"
) -> int:
    console.print(events_table(report, include_auto=not hide_auto))
    for line in summary_lines(report):
        console.print(line, highlight=False, markup=False)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(to_json(report), encoding="utf-8")
        console.print(f"JSON report written to {json_path}", highlight=False)
    failing = [f for f in report.findings if fails(f.severity, fail_on)]
    return EXIT_FINDINGS if failing else EXIT_OK


def _run(
    url: str, steps: list[Step], options: InspectOptions, json_path: Path | None, hide_auto: bool
) -> int:
    fail_on = options.rules.fail_on
    try:
        report = inspect(url, steps, options)
    except StepError as exc:
        _render(exc.report, json_path=json_path, hide_auto=hide_auto, fail_on=fail_on)
        err.print(f"error: {exc}", highlight=False, markup=False)
        return EXIT_USAGE
    except HarnessError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        return EXIT_USAGE
    return _render(report, json_path=json_path, hide_auto=hide_auto, fail_on=fail_on)


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
HideAuto = Annotated[
    bool,
    typer.Option("--hide-auto", help="Leave the SDK's automatic /act events out of the table."),
]


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
    sdk: Annotated[
        str, typer.Option("--sdk", help="Pixel SDK: 'emulated' (offline emulator; default).")
    ] = "emulated",
    browser_path: BrowserPath = None,
    headed: Headed = False,
    slow_mo: Annotated[
        float, typer.Option("--slow-mo", help="Slow each browser action by MS.")
    ] = 0,
    pixel_host: Annotated[
        list[str] | None,
        typer.Option("--pixel-host", help="Extra pixel host to answer locally (repeatable)."),
    ] = None,
    quiet: Annotated[
        float, typer.Option("--quiet", help="Seconds without pixel traffic that count as settled.")
    ] = 0.5,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds allowed per navigation or step.")
    ] = 10.0,
    hide_auto: HideAuto = False,
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
    if sdk != "emulated":
        err.print(
            f"error: --sdk {sdk}: only 'emulated' is available in this version "
            "(live and pinned SDK modes are planned)",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(EXIT_USAGE)
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
    )
    raise typer.Exit(_run(url, steps, options, json_path, hide_auto))


@app.command("serve")
def serve_command(
    port: Annotated[
        int, typer.Option("--port", help="Port on 127.0.0.1 (0 = any free port).")
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


@app.command("demo")
def demo_command(
    broken: Annotated[
        bool, typer.Option("--broken/--no-broken", help="Also run the plan on the broken twin.")
    ] = True,
    json_dir: Annotated[
        Path | None, typer.Option("--json-dir", help="Write one JSON result per shop here.")
    ] = None,
    browser_path: BrowserPath = None,
    headed: Headed = False,
) -> None:
    """Run the bundled tracking plan on the demo shop (it holds), then on its broken twin."""
    from harness.server import SiteServer

    plan_file = default_sites_dir() / "demo-plan.yaml"
    codes: dict[str, int] = {}
    with SiteServer() as server:
        for site in ["shop", "broken-shop"] if broken else ["shop"]:
            base = server.url(f"/{site}/")
            console.rule(f"ttq-harness run {plan_file.name} --base-url {base}")
            codes[site] = _run_plan(
                plan_file,
                base,
                [],
                json_dir / f"{site}.json" if json_dir else None,
                None,
                browser_path,
                headed,
                0,
                (None, None, None, None),
            )
    if EXIT_USAGE in codes.values():
        raise typer.Exit(EXIT_USAGE)
    console.rule("demo")
    shop_ok = codes["shop"] == EXIT_OK
    console.print(f"{'✓' if shop_ok else '✗'} the plan holds on the demo shop", highlight=False)
    if broken:
        caught = codes["broken-shop"] == EXIT_FINDINGS
        console.print(
            f"{'✓' if caught else '✗'} the broken twin's mistakes are caught (see the "
            "differences and findings above)",
            highlight=False,
        )
        shop_ok = shop_ok and caught
    console.print(
        "Next: `ttq-harness run sites/demo-plan.yaml --base-url URL` on your own site, "
        "`ttq-harness rules` for what is checked.",
        highlight=False,
    )
    raise typer.Exit(EXIT_OK if shop_ok else EXIT_FINDINGS)


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


plan_app = typer.Typer(
    help="Tracking plans: check one without a browser, export the schema.", no_args_is_help=True
)
app.add_typer(plan_app, name="plan")


@app.command("run")
def run_command(
    plan_file: Annotated[
        Path, typer.Argument(metavar="PLAN", help="Tracking plan (YAML or JSON).")
    ],
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Base URL the plan's relative URLs resolve against."),
    ] = None,
    journey: Annotated[
        list[str] | None, typer.Option("--journey", help="Run only this journey (repeatable).")
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the result as JSON.")
    ] = None,
    junit_path: Annotated[
        Path | None, typer.Option("--junit", help="Write JUnit XML (one test case per journey).")
    ] = None,
    browser_path: BrowserPath = None,
    headed: Headed = False,
    slow_mo: Annotated[
        float, typer.Option("--slow-mo", help="Slow each browser action by MS.")
    ] = 0,
    config_file: ConfigFile = None,
    profile: Profile = None,
    ignore: Ignore = None,
    fail_on: FailOnOpt = None,
) -> None:
    """Run a tracking plan's journeys; exit 0 when it holds, 1 when not, 2 on a usage error."""
    raise typer.Exit(
        _run_plan(
            plan_file,
            base_url,
            journey or [],
            json_path,
            junit_path,
            browser_path,
            headed,
            slow_mo,
            (config_file, profile, ignore, fail_on),
        )
    )


def _run_plan(
    plan_file: Path,
    base_url: str | None,
    journeys: list[str],
    json_path: Path | None,
    junit_path: Path | None,
    browser_path: str | None,
    headed: bool,
    slow_mo: float,
    rule_options: tuple[Path | None, str | None, list[str] | None, str | None],
    quiet_journeys: bool = False,
) -> int:
    from harness.plan.load import PlanError, load_plan
    from harness.plan.report import journey_lines, junit_xml, summary_lines
    from harness.plan.run import RunOptions, run_plan

    config_file, profile, ignore, fail_on = rule_options
    try:
        plan = load_plan(plan_file)
        rules = _rules_config(config_file, profile, None, ignore, None, fail_on)
    except (PlanError, HarnessError) as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        return EXIT_USAGE

    def progress(result: JourneyResult) -> None:
        for line in journey_lines(result):
            console.print(line, highlight=False, markup=False)

    options = RunOptions(
        base_url=base_url,
        journeys=journeys,
        browser_path=browser_path,
        headed=headed,
        slow_mo=slow_mo,
        rules=rules,
        on_journey=progress,
    )
    try:
        result = run_plan(plan, plan_file, options)
    except HarnessError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        return EXIT_USAGE
    for line in summary_lines(result):
        console.print(line, highlight=False, markup=False)
    for path, text in (
        (json_path, result.model_dump_json(indent=2)),
        (junit_path, junit_xml(result) if junit_path else ""),
    ):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            console.print(f"written: {path}", highlight=False)
    return EXIT_OK if result.ok else EXIT_FINDINGS


@plan_app.command("schema")
def plan_schema_command(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of standard output."),
    ] = None,
) -> None:
    """Print the plan's JSON Schema (for editors: `# yaml-language-server: $schema=FILE`)."""
    from harness.plan.load import dump_schema

    text = dump_schema()
    if output is None:
        print(text, end="" if text.endswith("\n") else "\n")
    else:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        console.print(f"written: {output}", highlight=False)


@plan_app.command("lint")
def plan_lint_command(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN", help="Tracking plan to check.")],
) -> None:
    """Check a plan without a browser: structure, references, and its events against the rules."""
    from harness.plan.lint import lint_plan
    from harness.plan.load import PlanError, load_plan_with_positions

    try:
        plan, positions = load_plan_with_positions(plan_file)
    except PlanError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
    problems = lint_plan(plan, source=plan_file, positions=positions)
    for problem in problems:
        console.print(str(problem), highlight=False, markup=False)
    errors = sum(1 for p in problems if p.severity == "error")
    console.print(f"{plan_file}: {len(problems)} problem(s), {errors} error(s)", highlight=False)
    raise typer.Exit(EXIT_FINDINGS if errors else EXIT_OK)


@app.command("version")
def version_command() -> None:
    """Print the version."""
    console.print(f"ttq-harness {__version__}")


def main() -> None:
    from harness.commands import register_all

    register_all(app)
    app()
