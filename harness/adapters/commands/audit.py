"""`ttq-harness audit START_URL`: every page of a site (its sitemaps and/or the links from the
start page), each captured as a first visit sees it, and the site checked as a whole;
`ttq-harness audit merge PARTS...`: the results of `--shard I/N` audits as one."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from typer.core import TyperGroup

from harness.adapters.options import (
    BrowserPath,
    ConfigFile,
    Connect,
    FailOnOpt,
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
    rules_config,
    sdk_source,
)
from harness.browser.audit import AuditOptions, audit
from harness.browser.audit_slot import DEFAULT_RECYCLE
from harness.core.audit.merge import merge_audits
from harness.core.audit.progress import AuditProgress
from harness.core.config import FailOn
from harness.core.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, HarnessError
from harness.core.masking import masked
from harness.core.outputs import check_outputs
from harness.core.plan.result import JourneyResult, PlanResult
from harness.core.plan.shard import parse_shard
from harness.core.plan.steps import FORMS, parse_step
from harness.render.files import Format, write_reports
from harness.render.plan_text import check_lines, page_line, unplaced_warning


def _out(line: str) -> None:
    console.print(line, highlight=False, markup=False, soft_wrap=True)


def audit_command(
    start_url: Annotated[str, typer.Argument(metavar="START_URL", help="The page to start at.")],
    sitemap: Annotated[
        list[str] | None,
        typer.Option(
            "--sitemap",
            metavar="URL|FILE",
            help="A sitemap or sitemap index (XML, gzip) whose pages to audit (repeatable).",
        ),
    ] = None,
    max_pages: Annotated[
        int, typer.Option("--max-pages", min=1, metavar="N", help="Audit at most N pages.")
    ] = 100,
    max_depth: Annotated[
        int | None,
        typer.Option("--max-depth", min=0, metavar="D", help="Follow links at most D deep."),
    ] = None,
    no_crawl: Annotated[
        bool, typer.Option("--no-crawl", help="Do not follow links: the start page and sitemaps.")
    ] = False,
    include: Annotated[
        list[str] | None,
        typer.Option("--include", metavar="GLOB", help="Only URLs matching (repeatable)."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", metavar="GLOB", help="Never URLs matching (repeatable)."),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option("--allow-host", metavar="HOST", help="Another host to audit (repeatable)."),
    ] = None,
    ignore_robots: Annotated[
        bool, typer.Option("--ignore-robots", help="Visit pages robots.txt disallows.")
    ] = False,
    keep_tracking_params: Annotated[
        bool,
        typer.Option("--keep-tracking-params", help="utm_*, ttclid, fbclid... name other pages."),
    ] = False,
    pixel: Annotated[
        list[str] | None,
        typer.Option(
            "--pixel",
            metavar="CODE",
            help="The site's pixel codes (repeatable): events to any other fail AU003.",
        ),
    ] = None,
    step: Annotated[
        list[str] | None,
        typer.Option(
            "--step",
            metavar="ACTION:ARG",
            help=f"Done on every page after it loads (repeatable, in order): {FORMS}.",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            metavar="K",
            help="Audit K pages at once (contexts of one Chromium; results in the same order).",
        ),
    ] = 1,
    rate: Annotated[
        float | None,
        typer.Option(
            "--rate", min=0.01, metavar="PAGES/S", help="Start at most this many pages a second."
        ),
    ] = None,
    per_host: Annotated[
        int | None,
        typer.Option("--per-host", min=1, metavar="N", help="At most N pages of one host at once."),
    ] = None,
    recycle: Annotated[
        int,
        typer.Option(
            "--recycle",
            min=1,
            metavar="N",
            help="Pages each worker visits in one browser context before a fresh one "
            "(state cleared between pages; 1: a fresh context per page).",
        ),
    ] = DEFAULT_RECYCLE,
    connect: Connect = None,
    sdk: SdkOpt = "emulated",
    sdk_origin: SdkOrigin = None,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            metavar="I/N",
            help="Audit the I-th of N parts of the pages (join them with `audit merge`).",
        ),
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option(
            "--resume",
            metavar="STATE",
            help="Keep each page's result in STATE; run again to continue without redoing them.",
        ),
    ] = None,
    json_path: JsonPath = None,
    junit_path: JunitPath = None,
    html_path: HtmlPath = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, metavar="SECONDS", help="Per page.")
    ] = 15.0,
    browser_path: BrowserPath = None,
    headed: Headed = False,
    show_pii: ShowPii = False,
    config_file: ConfigFile = None,
    profile: Profile = None,
    select: Select = None,
    ignore: Ignore = None,
    severity: SeverityOpt = None,
    fail_on: FailOnOpt = None,
) -> None:
    """Audit a whole site: every page's pixel, events and findings, and site-level checks.

    Exit codes: 0 every error-level site check holds, 1 one does not, 2 usage error.
    """
    try:
        check_outputs([(json_path, "--json"), (junit_path, "--junit"), (html_path, "--html")])
        rules = rules_config(config_file, profile, select, ignore, severity, fail_on)
        if shard is not None:
            parse_shard(shard)
        steps = [parse_step(text) for text in step or []]
    except HarnessError as exc:
        _usage(exc)
    source = sdk_source(sdk, sdk_origin, forward_beacons=False)
    masking = MaskedPages(show_pii)
    with _progress_display() as on_page_shown:

        def on_page(page: JourneyResult, progress: AuditProgress) -> None:
            on_page_shown(masking.page(page), progress)

        result = _run_audit(
            start_url,
            AuditOptions(
                max_pages=max_pages,
                max_depth=max_depth,
                crawl=not no_crawl,
                sitemaps=tuple(sitemap or ()),
                include=tuple(include or ()),
                exclude=tuple(exclude or ()),
                allow_hosts=tuple(allow_host or ()),
                ignore_robots=ignore_robots,
                keep_tracking=keep_tracking_params,
                pixels=tuple(pixel or ()),
                rules=rules,
                browser_path=browser_path,
                headed=headed,
                timeout=timeout,
                steps=steps,
                sdk=source,
                workers=workers,
                rate=rate,
                per_host=per_host,
                recycle=recycle,
                connect=connect,
                shard=shard,
                resume=resume,
                on_page=on_page,
                on_note=lambda line: err.print(f"note: {line}", highlight=False, markup=False),
            ),
        )
    _finish(result, masking, {"json": json_path, "junit": junit_path, "html": html_path},
            rules.fail_on)  # fmt: skip


class MaskedPages:
    """The one masking step (core/masking `masked`), page by page: a page is masked once, when
    its progress line is shown, and the result's masking reuses that value instead of masking
    the page again (a page masks the same alone as inside the result: masking reads no key
    above it). `show_pii`: nothing is masked."""

    def __init__(self, show_pii: bool) -> None:
        self.show_pii = show_pii
        self._pages: dict[int, tuple[JourneyResult, JourneyResult]] = {}  # id(raw): both

    def page(self, page: JourneyResult) -> JourneyResult:
        if self.show_pii:
            return page
        shown = masked(page)
        self._pages[id(page)] = (page, shown)
        return shown

    def result(self, result: PlanResult) -> PlanResult:
        if self.show_pii:
            return result
        rest = masked(result.model_copy(update={"journeys": []}))
        pages = [self._reused(page) for page in result.journeys]
        return rest.model_copy(update={"journeys": pages})

    def _reused(self, page: JourneyResult) -> JourneyResult:
        raw, shown = self._pages.get(id(page), (None, None))
        return shown if raw is page and shown is not None else masked(page)


def _usage(exc: HarnessError) -> NoReturn:
    err.print(f"error: {exc}", highlight=False, markup=False)
    raise typer.Exit(EXIT_USAGE) from exc


def _run_audit(start_url: str, options: AuditOptions) -> PlanResult:
    try:
        return audit(start_url, options)
    except HarnessError as exc:
        _usage(exc)


def _finish(
    result: PlanResult, masking: MaskedPages, paths: dict[Format, Path | None], fail_on: FailOn
) -> None:
    shown = masking.result(result)  # the one masking step, before any output
    for line in check_lines(shown):
        _out(line)
    broken = sum(1 for c in result.checks if not c.ok and c.severity == "error")
    info = result.audit
    covered = ""
    if info is not None:
        covered = f" of {info.discovered} found" + (f" (shard {info.shard})" if info.shard else "")
        covered += f", {info.resumed} from --resume" if info.resumed else ""
    verdict = "every site check holds" if result.ok else f"{broken} site check(s) fail"
    if result.incomplete:
        verdict = f"incomplete ({result.incomplete})"
    if result.unplaced_beacons:
        _out(unplaced_warning(result))
    _out(f"{len(result.journeys)} page(s) audited{covered} in {result.duration:.1f}s; {verdict}")
    for path in write_reports(shown, paths, fail_on=fail_on):
        _out(f"written: {path}")
    raise typer.Exit(EXIT_OK if result.ok else EXIT_FINDINGS)


ShowPage = Callable[[JourneyResult, AuditProgress], None]


@contextmanager
def _progress_display() -> Iterator[ShowPage]:
    """Each page as a line; on a terminal (not under CI) a live bar below them: pages done
    and queued, the rate and the time left."""
    live = sys.stdout.isatty() and not os.environ.get("CI")
    if not live:

        def plain(page: JourneyResult, progress: AuditProgress) -> None:
            _out(f"[{progress.summary()}] {page_line(page)}")

        yield plain
        return
    bar = Progress(
        TextColumn("auditing"),
        BarColumn(),
        MofNCompleteColumn(),
        # this run's rate and time left (rich's own would count resumed pages as just done)
        TextColumn("{task.fields[rate]}"),
        console=console,
        transient=True,
    )
    task = bar.add_task("audit", total=None, rate="")
    with bar:

        def live_line(page: JourneyResult, progress: AuditProgress) -> None:
            bar.console.print(page_line(page), highlight=False, markup=False, soft_wrap=True)
            bar.update(
                task,
                completed=progress.done,
                total=progress.done + progress.queued,
                rate=_rate(progress),
            )

        yield live_line


def _rate(progress: AuditProgress) -> str:
    """The live bar's '2.1 pages/s, ~14s left' (this run's pages only)."""
    left = progress.left
    if left is None:
        return ""
    return f"{progress.rate:.1f} pages/s, ~{left:.0f}s left"


def merge_command(
    parts: Annotated[
        list[Path],
        typer.Argument(metavar="PARTS...", help="The JSON results of the shards (--shard I/N)."),
    ],
    json_path: JsonPath = None,
    junit_path: JunitPath = None,
    html_path: HtmlPath = None,
    show_pii: ShowPii = False,
    fail_on: FailOnOpt = None,
) -> None:
    """Join the results of one audit's shards into the result of the whole audit.

    Exit codes: 0 every error-level site check holds, 1 one does not, 2 usage error.
    """
    loaded: list[tuple[str, PlanResult]] = []
    try:
        check_outputs([(json_path, "--json"), (junit_path, "--junit"), (html_path, "--html")])
        rules = rules_config(None, None, None, None, None, fail_on)  # checks --fail-on
        for part in parts:
            loaded.append((str(part), _load_part(part)))
        result = merge_audits(loaded)
    except HarnessError as exc:
        _usage(exc)
    _finish(result, MaskedPages(show_pii), {"json": json_path, "junit": junit_path,
            "html": html_path}, rules.fail_on)  # fmt: skip


def _load_part(path: Path) -> PlanResult:
    try:
        return PlanResult.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise HarnessError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the top level"
        raise HarnessError(
            f"{path}: not an audit result ({where}: {first['msg']}); give the --json of "
            "`ttq-harness audit --shard I/N`"
        ) from None


class _AuditGroup(TyperGroup):
    """`audit START_URL [OPTIONS]` audits; `audit merge PARTS...` joins shards. Anything but
    `merge` goes to the (hidden) audit command, so START_URL stays where users put it."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click Context
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["site", *args]
        return super().parse_args(ctx, args)


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(
        cls=_AuditGroup,
        no_args_is_help=True,
        help="Audit a whole site: `audit START_URL [OPTIONS]` (see `audit site --help`), "
        "or join shards: `audit merge PARTS...`.",
    )
    audit_app.command("site", hidden=True)(audit_command)
    audit_app.command("merge")(merge_command)
    app.add_typer(audit_app, name="audit")
