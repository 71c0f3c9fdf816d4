"""`ttq-harness record`: browse (or follow --step's) and write a tracking-plan skeleton.

Playwright adapter around the pure harness.core.plan.record: launch Chromium with a PixelCapture,
do each step, settle, and hand each step's events (index >= the capture's mark before the step)
to `record_plan`. Interactively (--headed, no --step), every main-frame navigation starts a new
`goto` step until the window is closed or Ctrl-C is pressed.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from urllib.parse import urljoin, urlsplit

import typer
from playwright.sync_api import BrowserContext, Frame, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from harness import __version__
from harness.adapters.options import HtmlPath, JsonPath, JunitPath
from harness.browser.chromium import resolve_chromium
from harness.browser.launch import check_display
from harness.browser.recorder import PixelCapture
from harness.browser.steps import perform
from harness.core.config import FailOn, RulesConfig, load_pyproject
from harness.core.errors import HarnessError, UsageError
from harness.core.masking import mask_text, masked
from harness.core.model import CaptureReport, PixelEvent
from harness.core.outputs import check_output, check_outputs, write_atomic
from harness.core.plan.load import dump_schema
from harness.core.plan.model import FillAction, Step
from harness.core.plan.record import Action as ActionName
from harness.core.plan.record import RecordedStep, record_plan, recorded_events
from harness.core.plan.result import PlanResult, StepResult, page_result
from harness.core.plan.steps import parse_step as parse_plan_step
from harness.core.plan.steps import step_label, step_target
from harness.render.files import Format, write_reports
from harness.render.inert import InertConsole

EXIT_USAGE = 2
#: The plan's JSON Schema, written beside a recorded plan that points at it.
SCHEMA_FILE = "plan.schema.json"
_KEY_PARAMS = ("value", "currency", "content_id", "content_name", "query")

out = InertConsole(highlight=False, soft_wrap=True)
err = InertConsole(stderr=True, highlight=False, soft_wrap=True)


#: What `record` writes into a plan (harness.core.plan.record): the plan's goto, click and fill.
_RECORDABLE = ("goto", "click", "fill")
_RECORD_FORMS = "click:SELECTOR, fill:SELECTOR=VALUE or goto:URL"


def parse_step(text: str) -> Step:
    """A --step of the plan vocabulary that `record` can write back: goto, click, fill."""
    try:
        step = parse_plan_step(text)
    except UsageError:
        step = None
    if step is None or step.action not in _RECORDABLE:
        raise UsageError(f"--step {text!r}: expected {_RECORD_FORMS}")
    return step


def _check_url(url: str, option: str = "URL") -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "file") or (
        parts.scheme != "file" and not parts.netloc
    ):
        raise UsageError(f"{option} {url!r}: expected an absolute http(s) URL")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def event_line(event: PixelEvent) -> str:
    """`  AddToCart → CDEMO…01  value=8 currency="USD" contents[1]  id=evt-…`."""
    props = event.properties if isinstance(event.properties, dict) else {}
    shown = [f"{key}={props[key]!r}" for key in _KEY_PARAMS if key in props]
    if isinstance(props.get("contents"), list):
        shown.append(f"contents[{len(props['contents'])}]")
    if event.event_id:
        shown.append(f"event_id={event.event_id}")
    return f"  {event.name} → {event.pixel_code or '(no pixel)'}  {' '.join(shown)}".rstrip()


# -- scripted ---------------------------------------------------------------------------------


def record_scripted(
    context: BrowserContext,
    capture: PixelCapture,
    actions: Sequence[Step],
    *,
    timeout: float,
    quiet: float,
    on_step: Callable[[RecordedStep], None] | None = None,
) -> list[RecordedStep]:
    """Do each step (gotos already absolute); each gets the events that arrived from its
    start until quiet."""
    page = context.new_page()
    recorded: list[RecordedStep] = []
    for number, action in enumerate(actions):
        mark = capture.next_index
        try:
            perform(page, action, None, timeout)
        except (PlaywrightError, HarnessError) as exc:
            label = "opening the page" if number == 0 else f"step {number} ({step_label(action)})"
            raise HarnessError(f"{label} failed on {page.url}: {_first_line(exc)}") from None
        capture.settle(quiet=quiet, timeout=max(timeout, quiet * 4))
        events = [e for e in capture.events() if e.index >= mark]
        value = action.fill.value if isinstance(action.fill, FillAction) else ""
        step = _recorded(action.action, step_target(action), events, value=value)  # type: ignore[arg-type]
        recorded.append(step)
        if on_step is not None:
            on_step(step)
    return recorded


# -- interactive (headed, no --step; not exercised in CI) -------------------------------------


def record_interactive(
    context: BrowserContext, capture: PixelCapture, url: str, *, timeout: float
) -> list[RecordedStep]:
    """Open `url` in a visible window; each main-frame navigation starts a `goto` step. Ends
    when the window is closed or on Ctrl-C."""
    page = context.new_page()
    marks: list[tuple[int, str]] = [(capture.next_index, url)]
    closed: list[bool] = []
    try:
        page.goto(url, wait_until="load", timeout=timeout * 1000)
    except PlaywrightError as exc:
        raise HarnessError(f"opening the page failed: {_first_line(exc)}") from None

    def navigated(frame: Frame) -> None:
        if frame == page.main_frame and frame.url != marks[-1][1]:
            marks.append((capture.next_index, frame.url))
            out.print(f"→ goto {mask_text(frame.url)}", markup=False)

    page.on("framenavigated", navigated)
    page.on("close", lambda _page: closed.append(True))
    out.print(f"Recording {url}: browse, then close the window (or press Ctrl-C here).")
    printed = 0
    try:
        while not closed:
            try:
                page.wait_for_timeout(200)
            except PlaywrightError:
                break
            new = [e for e in recorded_events(capture.events()) if e.index >= printed]
            for event in new:
                out.print(event_line(masked(event)), markup=False)
            printed = capture.next_index
    except KeyboardInterrupt:
        out.print("stopped (Ctrl-C)")
    events = capture.events()
    steps: list[RecordedStep] = []
    for position, (mark, step_url) in enumerate(marks):
        end = marks[position + 1][0] if position + 1 < len(marks) else None
        mine = [e for e in events if e.index >= mark and (end is None or e.index < end)]
        steps.append(_recorded("goto", step_url, mine))
    return steps


def _recorded(
    action: ActionName, target: str, events: Sequence[PixelEvent], value: str = ""
) -> RecordedStep:
    """A recorded step through the masking step: what the page sent and the URLs it went to
    become a plan people commit. (A `fill` value is the user's own, from the command line.)"""
    return RecordedStep(
        action,
        mask_text(target) if action == "goto" else target,
        value,
        tuple(masked(event) for event in events),
    )


# -- the command ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordOptions:
    steps: Sequence[Step] = ()
    headed: bool = False
    browser_path: str | None = None
    timeout: float = 10.0
    quiet: float = 0.5
    rules: RulesConfig = field(default_factory=RulesConfig)


@dataclass(frozen=True)
class Recording:
    steps: list[RecordedStep]  # masked: they become a plan people commit
    report: CaptureReport  # the whole capture, as `inspect` would report it


def recording_result(
    recording: Recording, *, journey: str, duration: float, fail_on: FailOn = "error"
) -> PlanResult:
    """The one result value of a recording (`--json`, `--junit`, `--html`), always masked like
    the plan it wrote."""
    steps = [
        StepResult(
            index=number,
            description=f"{s.action} {s.target}" + (f"={s.value}" if s.action == "fill" else ""),
            url=s.target if s.action == "goto" else None,
            ok=True,
        )
        for number, s in enumerate(recording.steps, start=1)
    ]
    result = page_result(
        recording.report,
        fail_on=fail_on,
        kind="record",
        name=journey,
        steps=steps,
        duration=duration,
    )
    return masked(result)


def record(url: str, options: RecordOptions) -> Recording:
    """Launch Chromium and record; HarnessError (one line) for what the user must fix."""
    interactive = options.headed and not options.steps
    actions = [Step(goto=url), *options.steps]

    def show(step: RecordedStep) -> None:
        label = step.target if step.action != "fill" else f"{step.target}={step.value}"
        out.print(f"{step.action} {label}", markup=False)
        for event in recorded_events(step.events):
            out.print(event_line(event), markup=False)

    if options.headed:
        check_display()
    with sync_playwright() as playwright:
        resolved = resolve_chromium(
            options.browser_path,
            playwright_executable=playwright.chromium.executable_path,
            headless=not options.headed,
        )
        try:
            browser = playwright.chromium.launch(
                headless=not options.headed,
                **resolved.launch_options(),  # type: ignore[arg-type]
            )
        except PlaywrightError as exc:
            raise HarnessError(
                f"cannot start Chromium {resolved.describe()}: {_first_line(exc)}"
            ) from None
        try:
            context = browser.new_context()
            capture = PixelCapture().attach(context)
            if interactive:
                steps = record_interactive(context, capture, url, timeout=options.timeout)
            else:
                steps = record_scripted(
                    context,
                    capture,
                    actions,
                    timeout=options.timeout,
                    quiet=options.quiet,
                    on_step=show,
                )
            report = capture.report(
                url=url,
                browser=browser.version,
                harness_version=__version__,
                config=options.rules,  # [tool.ttq-harness], as inspect reads it
            )
            return Recording(steps, report)
        finally:
            with contextlib.suppress(PlaywrightError):  # already gone: the user closed it
                browser.close()


def register(app: typer.Typer) -> None:
    @app.command("record")
    def record_command(
        url: Annotated[str, typer.Argument(help="Page to open first.")],
        out_path: Annotated[Path, typer.Option("--out", "-o", help="Plan file to write (YAML).")],
        step: Annotated[
            list[str] | None,
            typer.Option(
                "--step",
                help="click:SEL, fill:SEL=VALUE or goto:URL (repeatable, in order); run "
                "headless. Without --step and with --headed: record while you browse.",
            ),
        ] = None,
        journey: Annotated[
            str, typer.Option("--journey", help="Name of the recorded journey.")
        ] = "recorded",
        base_url: Annotated[
            str | None,
            typer.Option(
                "--base-url",
                help="defaults.base_url of the plan; URLs under it are written relative "
                "(default: the URL's origin and directory).",
            ),
        ] = None,
        force: Annotated[
            bool, typer.Option("--force", help="Overwrite --out if it exists.")
        ] = False,
        timeout: Annotated[
            float,
            typer.Option("--timeout", min=0.1, help="Seconds allowed per navigation or step."),
        ] = 10.0,
        browser_path: Annotated[
            str | None,
            typer.Option(
                "--browser-path",
                envvar="TTQ_HARNESS_BROWSER",
                help="Chromium executable (default: Playwright's own, else a system Chromium).",
            ),
        ] = None,
        headed: Annotated[bool, typer.Option("--headed", help="Show the browser window.")] = False,
        json_path: JsonPath = None,
        junit_path: JunitPath = None,
        html_path: HtmlPath = None,
    ) -> None:
        """Record what a page sends (following --step's, or while you browse with --headed)
        and write a tracking-plan skeleton to review."""
        try:
            if out_path.exists() and not force:
                raise UsageError(f"{out_path} exists; pass --force to overwrite it")
            check_output(out_path, "--out")
            check_outputs([(json_path, "--json"), (junit_path, "--junit"), (html_path, "--html")])
            reports = [p for p in (json_path, junit_path, html_path) if p is not None]
            taken = {out_path.resolve(), (out_path.parent / SCHEMA_FILE).resolve()}
            clash = next((p for p in reports if p.resolve() in taken), None)
            if clash is not None:
                raise UsageError(f"{clash}: the plan (--out) or its schema is written there")
            rules = load_pyproject()
            _check_url(url)
            if base_url is not None:
                _check_url(base_url, "--base-url")
                base_url = base_url if base_url.endswith("/") else base_url + "/"
            actions = [parse_step(text) for text in step or []]
            actions = [
                Step(goto=urljoin(url, a.goto)) if a.goto is not None else a for a in actions
            ]
            for action in actions:
                if action.goto is not None:
                    _check_url(action.goto, "--step goto:")
            if not re.match(r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$", journey):
                raise UsageError(
                    f"--journey {journey!r}: use letters, digits, spaces, '_', '.', '-'"
                )
            started = datetime.datetime.now(datetime.UTC)
            recording = record(
                url,
                RecordOptions(
                    steps=actions,
                    headed=headed,
                    browser_path=browser_path,
                    timeout=timeout,
                    rules=rules,
                ),
            )
            steps = recording.steps
            # Editors validate the plan against a schema file beside it (offline, the same
            # version as this harness); an existing one is left as it is.
            schema_path = out_path.parent / SCHEMA_FILE
            result = record_plan(  # the URL as the steps hold it: through the masking step
                steps,
                url=mask_text(url),
                recorded_at=started,
                base_url=base_url,
                journey=journey,
                schema_ref=SCHEMA_FILE,
            )
            write_atomic(out_path, result.text)
            wrote_schema = not schema_path.exists()
            if wrote_schema:
                write_atomic(schema_path, dump_schema())
            duration = (datetime.datetime.now(datetime.UTC) - started).total_seconds()
            paths: dict[Format, Path | None] = {
                "json": json_path,
                "junit": junit_path,
                "html": html_path,
            }
            written = write_reports(
                recording_result(
                    recording, journey=journey, duration=duration, fail_on=rules.fail_on
                ),
                paths,
            )
        except (HarnessError, OSError) as exc:
            err.print(f"error: {_first_line(exc)}", markup=False)
            raise typer.Exit(EXIT_USAGE) from None
        plan = result.plan
        seen = sum(len(recorded_events(s.events)) for s in steps)
        out.print(
            f"written: {out_path} ({len(plan.journeys[0].steps)} step(s), {seen} event(s), "
            f"{len(plan.events)} definition(s), {len(plan.pixels)} pixel(s))",
            markup=False,
        )
        for fix in result.fixes:
            err.print(f"note: not copied as sent: {fix}", markup=False)
        if wrote_schema:
            out.print(f"written: {schema_path} (the plan's JSON Schema, for editors)", markup=False)
        for path in written:
            out.print(f"written: {path}", markup=False)
        if not seen:
            err.print("warning: no pixel event was seen; the plan expects nothing", markup=False)
        out.print(
            f"Review it, then: ttq-harness plan lint {out_path} && ttq-harness run {out_path}",
            markup=False,
        )
