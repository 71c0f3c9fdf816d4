"""`ttq-harness run PLAN`, `ttq-harness demo` and `ttq-harness plan lint|schema`.

Thin, like the rest of the CLI: parse options, run the plan (harness/browser/plan_run.py),
render the `PlanResult` (terminal lines, JSON, JUnit, HTML, baselines) and turn it into an exit
code.

Why one module over 500 lines: four commands (`run`, `demo`, `plan lint`, `plan schema`)
share their options and the run's progress display.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

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
    rules_config,
    sdk_source,
)
from harness.browser.plan_run import RunOptions
from harness.browser.server import SiteServer, default_sites_dir
from harness.core.errors import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    CaptureAborted,
    HarnessError,
)
from harness.core.masking import masked
from harness.core.outputs import check_output, check_output_folder, check_outputs, write_atomic
from harness.core.plan.model import Journey
from harness.core.plan.result import JourneyResult, PlanResult
from harness.render.files import Format, write_reports


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
    app.command("demo")(demo_command)
    app.add_typer(plan_app, name="plan")


plan_app = typer.Typer(
    help="Tracking plans: check one without a browser, export the schema.", no_args_is_help=True
)


@dataclass(frozen=True)
class PlanRunRequest:
    """Everything `ttq-harness run` (and `demo`) was asked to do: how to run the journeys
    (`run`, handed to the runner as it is, rules and callbacks added), which journeys, what
    to write, and the rule options."""

    plan_file: Path
    run: RunOptions = field(default_factory=RunOptions)
    shard: str | None = None
    json_path: Path | None = None
    junit_path: Path | None = None
    html_path: Path | None = None
    baseline: Path | None = None
    update_baseline: bool = False
    show_pii: bool = False
    config_file: Path | None = None
    profile: str | None = None
    ignore: tuple[str, ...] = ()
    fail_on: str | None = None
    select: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()


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
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            metavar="N",
            help="Journeys run at once, each in its own browser context (default: the plan's "
            "defaults.workers, else one per CPU; 1 runs them one after another).",
        ),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            help="Run only part I of N of the journeys (e.g. 1/2), to split a plan across CI jobs.",
        ),
    ] = None,
    json_path: JsonPath = None,
    junit_path: JunitPath = None,
    html_path: HtmlPath = None,
    artifacts: Annotated[
        Path | None,
        typer.Option(
            "--artifacts",
            help="Save a screenshot after every step and the "
            "Playwright trace of failed journeys here (shown in the HTML report).",
        ),
    ] = None,
    trace: Annotated[
        str,
        typer.Option("--trace", help="With --artifacts: on, off or retain-on-failure."),
    ] = "retain-on-failure",
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="Compare each journey's events with the baselines in "
            "DIR (volatile fields masked).",
        ),
    ] = None,
    update_baseline: Annotated[
        bool, typer.Option("--update-baseline", help="Write new or changed baselines.")
    ] = False,
    browser_path: BrowserPath = None,
    headed: Headed = False,
    slow_mo: Annotated[
        float, typer.Option("--slow-mo", min=0, help="Slow each browser action by MS.")
    ] = 0,
    show_pii: ShowPii = False,
    connect: Connect = None,
    block_third_party: BlockThirdParty = False,
    config_file: ConfigFile = None,
    profile: Profile = None,
    select: Select = None,
    ignore: Ignore = None,
    severity: SeverityOpt = None,
    fail_on: FailOnOpt = None,
    sdk: SdkOpt = "emulated",
    sdk_origin: SdkOrigin = None,
    forward_beacons: ForwardBeacons = False,
    first_party_cookies: FirstPartyCookies = False,
    events_api: EventsApiOpt = False,
    events_api_port: EventsApiPort = 0,
) -> None:
    """Run a tracking plan's journeys; exit 0 when it holds, 1 when not, 2 on a usage error."""
    source = sdk_source(sdk, sdk_origin, forward_beacons, first_party_cookies)
    if trace not in ("on", "off", "retain-on-failure"):
        err.print(
            f"error: --trace {trace!r}: expected on, off or retain-on-failure",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(EXIT_USAGE)
    if update_baseline and baseline is None:
        err.print("error: --update-baseline needs --baseline DIR", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE)
    request = PlanRunRequest(
        plan_file=plan_file,
        run=RunOptions(
            base_url=base_url,
            journeys=tuple(journey or ()),
            browser_path=browser_path,
            headed=headed,
            slow_mo=slow_mo,
            artifacts=artifacts,
            trace=trace,  # type: ignore[arg-type]  # one of the three: checked above
            connect=connect,
            block_third_party=block_third_party,
            sdk=source,
            workers=workers,
        ),
        shard=shard,
        json_path=json_path,
        junit_path=junit_path,
        html_path=html_path,
        baseline=baseline,
        update_baseline=update_baseline,
        show_pii=show_pii,
        config_file=config_file,
        profile=profile,
        ignore=tuple(ignore or ()),
        select=tuple(select or ()),
        severity=tuple(severity or ()),
        fail_on=fail_on,
    )
    try:
        with events_api_sink(events_api, events_api_port) as sink:
            code = _run_plan(replace(request, run=replace(request.run, events_api=sink)))
    except HarnessError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
    raise typer.Exit(code)


def _out(line: str) -> None:
    console.print(line, highlight=False, markup=False)


def _run_plan(request: PlanRunRequest) -> int:
    from harness.browser.plan_run import journey_base_url, run_plan, select_journeys
    from harness.core.plan.load import PlanError, load_plan
    from harness.core.plan.shard import in_shard, parse_shard
    from harness.render.plan_text import journey_lines, summary_lines

    try:
        check_outputs(
            [
                (request.json_path, "--json"),
                (request.junit_path, "--junit"),
                (request.html_path, "--html"),
            ]
        )
        check_output_folder(request.run.artifacts, "--artifacts")
        if request.run.artifacts is not None and request.run.trace != "off":
            err.print(
                "warning: Playwright traces hold the pages' raw data, personal data unmasked "
                "(--show-pii does not apply to them); --trace off leaves them out",
                highlight=False,
                markup=False,
            )
        plan = load_plan(request.plan_file)
        rules = rules_config(
            request.config_file,
            request.profile,
            list(request.select) or None,
            list(request.ignore),
            list(request.severity) or None,
            request.fail_on,
        )
        chosen = select_journeys(plan, request.run.journeys)
        if request.shard:
            part = parse_shard(request.shard)
            chosen = [j for j in chosen if in_shard(j.name, part)]
            request = replace(
                request, run=replace(request.run, journeys=tuple(j.name for j in chosen))
            )
            if not chosen:
                _out(f"shard {request.shard}: no journey of this plan falls in it")
                return EXIT_OK
        total = len(chosen)
    except (PlanError, HarnessError) as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        return EXIT_USAGE

    live = console.is_terminal and not os.environ.get("CI")
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} journeys"),
        console=console,
        transient=True,
        disable=not live,
    )
    task = progress.add_task("starting", total=total)
    tally = {"done": 0, "events": 0, "findings": 0}

    def started(journey: Journey) -> None:
        progress.update(
            task,
            description=f"{journey.name} — {tally['events']} events, "
            f"{tally['findings']} findings so far",
        )
        if not live:
            _out(f"[{tally['done'] + 1}/{total}] {journey.name} ...")

    def finished(result: JourneyResult) -> None:
        tally["done"] += 1
        tally["events"] += sum(1 for e in result.events if e.source == "wire")
        tally["findings"] += len(result.findings)
        progress.advance(task)
        for line in journey_lines(result if request.show_pii else masked(result)):
            if live:
                progress.console.print(line, highlight=False, markup=False)
            else:
                _out(line)

    options = replace(request.run, rules=rules, on_journey=finished, on_start=started)
    aborted: CaptureAborted | None = None
    try:
        with progress:
            result = run_plan(plan, request.plan_file, options)
    except CaptureAborted as exc:  # the journeys run until then are still reported
        assert isinstance(exc.result, PlanResult)
        aborted, result = exc, exc.result
    except HarnessError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        return EXIT_USAGE
    ok = result.ok
    # The one masking step, before any output. Baselines are files people commit: they always
    # hold the masked value, whatever --show-pii says.
    masked_result = masked(result)
    shown = result if request.show_pii else masked_result
    for line in summary_lines(shown):
        _out(line)
    if aborted is not None:
        _write_outputs(request, shown)
        err.print(
            f"error: {aborted}; the reports hold the journeys run until then (incomplete)",
            highlight=False,
            markup=False,
        )
        return aborted.exit_code
    unreachable = _site_unreachable(shown)
    if unreachable:
        err.print(f"error: the site did not answer: {unreachable}", highlight=False, markup=False)
        return EXIT_USAGE
    if request.baseline is not None:
        from harness.core.baseline import check_journeys

        by_name = {journey.name: journey for journey in plan.journeys}
        # A journey that stopped on a step error did not send its events: never baseline that.
        usable = [j for j in masked_result.journeys if not (request.update_baseline and j.error)]
        outcome = check_journeys(
            [
                (j.name, j.events, journey_base_url(plan, by_name[j.name], request.run.base_url))
                for j in usable
            ],
            request.baseline,
            update=request.update_baseline,
            complete_run=not request.run.journeys,
        )
        for line in outcome.lines():
            _out(line)
        if ok and not outcome.ok:  # the summary above said "plan holds": say why this fails
            _out("✗ the plan holds, but the baselines differ: the run fails (exit 1)")
        ok = ok and outcome.ok
    _write_outputs(request, shown)
    _out(_next_command(request, ok))
    return EXIT_OK if ok else EXIT_FINDINGS


def _write_outputs(request: PlanRunRequest, result: PlanResult) -> None:
    """The report files of a run, from its result as shown (masked unless --show-pii)."""
    paths: dict[Format, Path | None] = {
        "json": request.json_path,
        "junit": request.junit_path,
        "html": request.html_path,
    }
    for path in write_reports(result, paths):
        _out(f"written: {path}")


def _site_unreachable(result: PlanResult) -> str | None:
    """When every journey stopped at its first step on a network error (the site is down or
    the base URL is wrong), that error: a usage problem, not a plan that does not hold."""
    errors = [journey.error for journey in result.journeys]
    if not errors or not all(e and e.startswith("step 1 ") and "net::ERR_" in e for e in errors):
        return None
    return errors[0]


def _next_command(request: PlanRunRequest, ok: bool) -> str:
    """One line saying what to do next."""
    if request.html_path is not None:
        return f"Next: open {request.html_path} in a browser for the full report."
    if request.baseline is not None and not ok and not request.update_baseline:
        return (
            f"Next: if the changes are intended, rerun with --update-baseline to accept "
            f"them into {request.baseline}."
        )
    if not ok:
        return (
            "Next: rerun with --html report.html --artifacts artifacts/ for screenshots, "
            "traces and the side-by-side timeline."
        )
    missing = [
        hint
        for hint, given in (
            ("--junit junit.xml in CI", request.junit_path),
            ("--baseline baselines/ to catch regressions", request.baseline),
        )
        if given is None
    ]
    if missing:
        return f"Next: add {', or '.join(missing)}."
    return "Next: run the same command in CI; commit the baselines with the plan."


@plan_app.command("schema")
def plan_schema_command(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of standard output."),
    ] = None,
) -> None:
    """Print the plan's JSON Schema (for editors: `# yaml-language-server: $schema=FILE`)."""
    from harness.core.plan.load import dump_schema

    text = dump_schema()
    if output is None:
        print(text, end="" if text.endswith("\n") else "\n")
    else:
        try:
            check_output(output, "--output")
        except HarnessError as exc:
            err.print(f"error: {exc}", highlight=False, markup=False)
            raise typer.Exit(EXIT_USAGE) from exc
        write_atomic(output, text if text.endswith("\n") else text + "\n")
        console.print(f"written: {output}", highlight=False)


@plan_app.command("lint")
def plan_lint_command(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN", help="Tracking plan to check.")],
) -> None:
    """Check a plan without a browser: structure, references, and its events against the rules."""
    from harness.core.plan.lint import lint_plan
    from harness.core.plan.load import PlanError, load_plan_with_positions

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


def demo_command(
    broken: Annotated[
        bool, typer.Option("--broken/--no-broken", help="Also run the plan on the broken twin.")
    ] = True,
    json_dir: Annotated[
        Path | None, typer.Option("--json-dir", help="Write one JSON result per shop here.")
    ] = None,
    browser_path: BrowserPath = None,
    headed: Headed = False,
    events_api: Annotated[
        bool,
        typer.Option(
            "--events-api/--no-events-api",
            help="Run the shop's back end against a local Events API sink and cross-check its "
            "server events with the pixel's (on by default).",
        ),
    ] = True,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Copy the demo plan and sites into DIR (new or empty) to edit, instead of "
            "running them.",
        ),
    ] = None,
) -> None:
    """Run the bundled tracking plan on the demo shop (it holds), then on its broken twin."""
    if out is not None:
        raise typer.Exit(_copy_demo(out))
    plan_file = default_sites_dir() / "demo-plan.yaml"
    codes: dict[str, int] = {}
    with (
        events_api_sink(events_api) as sink,
        SiteServer(events_api_url=sink.url if sink else None) as server,
    ):
        for site in ["shop", "broken-shop"] if broken else ["shop"]:
            base = server.url(f"/{site}/")
            console.rule(f"ttq-harness run {plan_file.name} --base-url {base}")
            codes[site] = _run_plan(
                PlanRunRequest(
                    plan_file=plan_file,
                    run=RunOptions(
                        base_url=base, browser_path=browser_path, headed=headed, events_api=sink
                    ),
                    json_path=json_dir / f"{site}.json" if json_dir else None,
                )
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
        "Next: `ttq-harness demo --out my-demo` for a copy of the plan and sites to edit; "
        "`ttq-harness run PLAN --base-url URL` on your own site; `ttq-harness rules` for what "
        "is checked.",
        highlight=False,
    )
    raise typer.Exit(EXIT_OK if shop_ok else EXIT_FINDINGS)


def _copy_demo(out: Path) -> int:
    """The bundled demo plan and sites, copied for a user to edit; the exit code."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        err.print(f"error: --out {out}: exists and is not an empty folder", highlight=False)
        return EXIT_USAGE
    try:
        shutil.copytree(default_sites_dir(), out, dirs_exist_ok=True)
    except OSError as exc:
        err.print(f"error: --out {out}: {exc.strerror or exc}", highlight=False, markup=False)
        return EXIT_USAGE
    plan = out / "demo-plan.yaml"
    _out(f"written: {out} (the demo plan {plan.name} and the sites it runs on)")
    _out(f"Next: `ttq-harness serve --dir {out}` (on http://127.0.0.1:8000/), then")
    _out(f"      `ttq-harness run {plan} --base-url http://127.0.0.1:8000/shop/`")
    return EXIT_OK
