"""`ttq-harness audit START_URL`: every page of a site (its sitemaps and/or the links from the
start page), each captured as a first visit sees it, and the site checked as a whole."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harness.adapters.options import (
    BrowserPath,
    ConfigFile,
    FailOnOpt,
    Headed,
    HtmlPath,
    Ignore,
    JsonPath,
    JunitPath,
    Profile,
    Select,
    SeverityOpt,
    ShowPii,
    console,
    err,
    rules_config,
)
from harness.browser.audit import AuditOptions, audit
from harness.core.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, HarnessError
from harness.core.masking import masked
from harness.core.outputs import check_outputs
from harness.core.plan.result import JourneyResult
from harness.render.files import Format, write_reports
from harness.render.plan_text import check_lines, page_line


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
    except HarnessError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
    done = [0]

    def on_page(page: JourneyResult, queued: int) -> None:
        done[0] += 1
        shown = page if show_pii else masked(page)
        _out(f"[{done[0]} done, {queued} queued] {page_line(shown)}")

    options = AuditOptions(
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
        on_page=on_page,
        on_note=lambda line: err.print(f"note: {line}", highlight=False, markup=False),
    )
    try:
        result = audit(start_url, options)
    except HarnessError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
    shown = result if show_pii else masked(result)  # the one masking step, before any output
    for line in check_lines(shown):
        _out(line)
    broken = sum(1 for c in result.checks if not c.ok and c.severity == "error")
    _out(
        f"{len(result.journeys)} page(s) audited in {result.duration:.1f}s; "
        + ("every site check holds" if result.ok else f"{broken} site check(s) fail")
    )
    paths: dict[Format, Path | None] = {"json": json_path, "junit": junit_path, "html": html_path}
    for path in write_reports(shown, paths, fail_on=rules.fail_on):
        _out(f"written: {path}")
    raise typer.Exit(EXIT_OK if result.ok else EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    app.command("audit")(audit_command)
