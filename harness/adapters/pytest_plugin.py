"""pytest plugin (entry point `pytest11`): fixtures on top of pytest-playwright.

- Chromium is resolved for pytest-playwright's `browser` fixture (explicit path, Playwright's
  own, or a system Chromium), so `--browser`, `--headed`, `--base-url`, `--tracing` and
  `--screenshot` keep working as documented by pytest-playwright.
- Every test that uses pytest-playwright's `context` (or `page`) gets the pixel hosts answered
  locally and every ttq event recorded: nothing reaches TikTok from a test.
- `ttq_capture`, `ttq_events`, `expect_event`, `demo_site` and `ttq_events_api` fixtures.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pluggy
import pytest
from playwright.sync_api import BrowserContext, Playwright
from pydantic import ValidationError

from harness import __version__
from harness.adapters.expect import ExpectEvent
from harness.adapters.failure_report import capture_section, report_file_name
from harness.browser.capture_base import CaptureBase
from harness.browser.chromium import ENV_VAR, offline_args, resolve_chromium
from harness.browser.events_api_sink import EventsApiSink
from harness.browser.recorder import PixelCapture, emulator_script
from harness.browser.server import SiteServer
from harness.core.config import RulesConfig, describe_validation_error, fails, load_pyproject
from harness.core.endpoints import DEFAULT_PIXEL_HOSTS
from harness.core.errors import HarnessError
from harness.core.masking import masked
from harness.core.model import CaptureReport, Finding, PixelEvent
from harness.core.plan.model import Plan
from harness.core.plan.result import page_report, page_result
from harness.core.rules import expand
from harness.core.sdk import parse_sdk
from harness.render.files import write_reports
from harness.render.inert import for_terminal
from harness.render.text import finding_line

#: the test's capture, sync or async (the report on failure reads either)
CAPTURE_KEY = pytest.StashKey[CaptureBase[Any]]()
CONFIG_KEY = pytest.StashKey[RulesConfig]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ttq-harness", "ttq-harness (TikTok Pixel capture)")
    group.addoption(
        "--ttq-browser-path",
        default=None,
        help=f"Chromium executable to launch (default: ${ENV_VAR}, Playwright's own, "
        "then a system Chromium).",
    )
    group.addoption(
        "--ttq-pixel-host",
        action="append",
        default=[],
        help="Extra host to treat as a pixel host (answered locally). Repeatable.",
    )
    group.addoption(
        "--ttq-profile",
        default=None,
        help="Rule profile: spec (default) or tiktok-2025.",
    )
    group.addoption(
        "--ttq-ignore",
        action="append",
        default=[],
        help="Suppress a rule (code, family, group or name). Repeatable.",
    )
    group.addoption(
        "--ttq-fail-on",
        default=None,
        choices=["error", "warning", "info", "never"],
        help="Fail a test whose captured events have findings at or above this severity "
        "(default: never; findings are then only available through ttq_findings).",
    )
    group.addoption(
        "--ttq-plan",
        default=None,
        help="Tracking plan whose event definitions expect_event accepts by name.",
    )
    group.addoption(
        "--ttq-shard",
        default=None,
        help="Run only shard I/N of the tracking-plan journey tests (plan_tests), e.g. 1/2: "
        "split the journeys across CI jobs.",
    )
    group.addoption(
        "--ttq-sdk",
        default="emulated",
        help="Pixel SDK: 'emulated' (offline emulator; default), 'live' (TikTok's current SDK "
        "scripts, beacons answered locally; $TTQ_HARNESS_SDK_ORIGIN overrides the origin) or "
        "DIR (a pinned SDK saved with `ttq-harness sdk pull`).",
    )
    group.addoption(
        "--ttq-first-party-cookies",
        action="store_true",
        default=False,
        help="With the emulated SDK: the pixel has first-party cookies on in Events Manager, "
        "so _ttp is set (once consent allows) without ttq.enableCookie().",
    )
    group.addoption(
        "--ttq-block-third-party",
        action="store_true",
        default=False,
        help="Hermetic runs: in the browser only the --base-url host (and loopback) resolves; "
        "every other host fails to load. TikTok's pixel hosts are answered locally either way.",
    )
    group.addoption(
        "--ttq-show-pii",
        action="store_true",
        default=False,
        help="Do not mask e-mails and phone numbers in failure messages (local debugging).",
    )
    group.addoption(
        "--ttq-select",
        action="append",
        default=[],
        help="Run only these rules (code, family, group or name; repeatable), as run --select.",
    )
    group.addoption(
        "--ttq-severity",
        action="append",
        default=[],
        metavar="SELECTOR=LEVEL",
        help="Override a rule's severity (repeatable), as run --severity.",
    )
    group.addoption(
        "--ttq-report-dir",
        default=None,
        metavar="DIR",
        help="Write the capture of every failing test as a self-contained HTML report here "
        "(one file per test; the failure output always shows its events).",
    )
    group.addoption(
        "--ttq-capture",
        choices=("requested", "all"),
        default=None,
        help="Which tests get the capture (the recorder script, pixel hosts answered and "
        "recorded): 'requested' (default) those that use a ttq fixture or the ttq marker, "
        "or every test with --ttq-fail-on; 'all' every test with a pytest-playwright context. "
        "Either way the browser resolves no TikTok host, so nothing leaves. Also the "
        "ttq_capture ini option.",
    )
    parser.addini(
        "ttq_capture",
        "Which tests get the capture: requested (default) or all (see --ttq-capture).",
        default="requested",
    )
    group.addoption(
        "--ttq-timeout",
        type=float,
        default=5.0,
        help="Default seconds expect_event waits for an event (default 5).",
    )


class _ChromiumLaunchArgs:
    """Registered last, so its `browser_type_launch_args` wraps pytest-playwright's."""

    @pytest.fixture(scope="session")
    @staticmethod
    def browser_type_launch_args(
        browser_type_launch_args: dict[str, Any],
        browser_name: str,
        playwright: Playwright,
        pytestconfig: pytest.Config,
    ) -> dict[str, Any]:
        options = dict(browser_type_launch_args)
        if browser_name != "chromium":
            return options
        allow_only = None
        if pytestconfig.getoption("--ttq-block-third-party"):
            base_url = pytestconfig.getoption("base_url", default=None)
            allow_only = [urlsplit(base_url).hostname or ""] if base_url else []
        if options.get("channel") or options.get("executable_path"):
            # the user's own browser: the offline switches all the same
            options["args"] = offline_args(list(options.get("args", [])), allow_only)
            return options
        try:
            resolved = resolve_chromium(
                pytestconfig.getoption("--ttq-browser-path"),
                playwright_executable=playwright.chromium.executable_path,
                headless=options.get("headless", True) is not False,  # pytest-playwright --headed
            )
        except HarnessError as exc:
            pytest.exit(str(exc), returncode=4)
        launch = resolved.launch_options(allow_only=allow_only)
        options["args"] = offline_args(
            [*options.get("args", []), *launch.pop("args", [])],  # type: ignore[misc]
            allow_only,
        )
        options.update(launch)
        return options


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    option = config.getoption("--ttq-shard")
    if not option:
        return
    from harness.core.plan.model import Journey
    from harness.core.plan.shard import in_shard, parse_shard

    try:
        shard = parse_shard(option)
    except HarnessError as exc:
        raise pytest.UsageError(str(exc)) from exc
    keep, drop = [], []
    for item in items:
        journey = getattr(getattr(item, "callspec", None), "params", {}).get("ttq_journey")
        if isinstance(journey, Journey) and not in_shard(journey.name, shard):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_configure(config: pytest.Config) -> None:
    # pytest-base-url (pulled in by pytest-playwright) defines a session fixture as an
    # instance method, which pytest 9 warns about in every run; not the user's code, not ours.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods are deprecated",
    )
    config.addinivalue_line(
        "markers",
        "ttq(hosts=[...], select=[...], ignore=[...], severity={...}, profile=..., fail_on=...): "
        "pixel hosts and rule settings for this test",
    )
    if _sync_playwright(config):
        config.pluginmanager.register(_ChromiumLaunchArgs(), "ttq-harness-launch-args")


#: pytest-playwright's module (pytest-playwright-asyncio's is pytest_playwright_asyncio.…).
SYNC_PLAYWRIGHT_PLUGIN = "pytest_playwright.pytest_playwright"


def _sync_playwright(config: pytest.Config) -> bool:
    """pytest-playwright (sync) is there: its `context` is what the capture attaches to. Without
    it (no Playwright plugin, or pytest-playwright-asyncio's async `context`), the plugin adds
    its options and fixtures but touches no test."""
    return any(
        getattr(plugin, "__name__", "") == SYNC_PLAYWRIGHT_PLUGIN
        for plugin in config.pluginmanager.get_plugins()
    )


@pytest.fixture
def ttq_capture(context: BrowserContext, request: pytest.FixtureRequest) -> PixelCapture:
    """The capture attached to this test's browser context (pixel hosts answered locally)."""
    capture = PixelCapture(**capture_options(request))
    request.node.stash[CAPTURE_KEY] = capture
    return capture.attach(context)


def capture_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The test's pixel hosts and SDK (options and marker), as the capture's keywords; shared
    with the async fixtures (async_fixtures.py)."""
    hosts = [*DEFAULT_PIXEL_HOSTS, *request.config.getoption("--ttq-pixel-host")]
    marker = request.node.get_closest_marker("ttq")
    if marker is not None:
        hosts.extend(marker.kwargs.get("hosts", []))
    try:
        sdk = parse_sdk(
            request.config.getoption("--ttq-sdk"),
            emulator=emulator_script(),
            option="--ttq-sdk",
            first_party_cookies=request.config.getoption("--ttq-first-party-cookies"),
        )
    except HarnessError as exc:
        pytest.fail(f"ttq-harness: {exc}", pytrace=False)
    return {"hosts": tuple(dict.fromkeys(hosts)), "sdk": sdk}


@pytest.fixture(autouse=True)
def _ttq_capture_when_asked(request: pytest.FixtureRequest) -> None:
    # A test that uses a ttq fixture gets the capture through it. Tests that only use `page`
    # are left as pytest-playwright made them (the launch switches still keep every TikTok
    # host unresolvable), unless --ttq-capture all, or --ttq-fail-on, which checks every test.
    if "context" not in request.fixturenames or not _sync_playwright(request.config):
        return
    if _captures_every_test(request.config) or request.node.get_closest_marker("ttq"):
        request.getfixturevalue("ttq_capture")
        request.getfixturevalue("ttq_rules_config")


def _captures_every_test(config: pytest.Config) -> bool:
    chosen = config.getoption("--ttq-capture") or config.getini("ttq_capture")
    if chosen not in ("requested", "all"):
        raise pytest.UsageError(f"ttq_capture = {chosen!r}: expected requested or all")
    fail_on = _session_fail_on(config)
    return chosen == "all" or bool(fail_on and fail_on != "never")


FAIL_ON_KEY = pytest.StashKey[str | None]()


def _session_fail_on(config: pytest.Config) -> str | None:
    """--ttq-fail-on, else `fail_on` when pyproject.toml's [tool.ttq-harness] sets it (as the
    CLI reads it), else None: findings fail no test."""
    if FAIL_ON_KEY not in config.stash:
        chosen = config.getoption("--ttq-fail-on")
        if chosen is None:
            try:
                settings = load_pyproject(config.rootpath / "pyproject.toml")
            except HarnessError as exc:
                raise pytest.UsageError(f"ttq-harness: {exc}") from None
            chosen = settings.fail_on if "fail_on" in settings.model_fields_set else None
        config.stash[FAIL_ON_KEY] = chosen
    return config.stash[FAIL_ON_KEY]


@pytest.fixture
def ttq_rules_config(request: pytest.FixtureRequest) -> RulesConfig:
    """[tool.ttq-harness] from the rootdir's pyproject.toml, then --ttq-* options, then the
    test's @pytest.mark.ttq(...) marker."""
    try:
        config = load_pyproject(request.config.rootpath / "pyproject.toml")
        option = request.config.getoption
        config = config.merged(
            profile=option("--ttq-profile"),
            ignore_extra=option("--ttq-ignore") or None,
            select=option("--ttq-select") or None,
            severity=_severity_overrides(option("--ttq-severity")) or None,
        )
        marker = request.node.get_closest_marker("ttq")
        if marker is not None:
            settings = {k: v for k, v in marker.kwargs.items() if k != "hosts"}
            if "ignore" in settings:
                settings["ignore_extra"] = settings.pop("ignore")
            try:
                config = config.merged(**settings)
            except ValidationError as exc:  # a typo in the marker: said as for pyproject.toml
                raise HarnessError(describe_validation_error(exc, "@pytest.mark.ttq")) from None
        config.check_profile()
        for selector in [*config.select, *config.ignore, *config.severity]:
            expand(selector)
    except (HarnessError, ValidationError) as exc:
        pytest.fail(f"ttq-harness configuration: {exc}", pytrace=False)
    request.node.stash[CONFIG_KEY] = config
    return config


def _severity_overrides(items: list[str]) -> dict[str, str]:
    overrides = {}
    for item in items:
        selector, _, level = item.partition("=")
        if level not in ("error", "warning", "info"):
            raise HarnessError(f"--ttq-severity {item!r}: expected SELECTOR=error|warning|info")
        overrides[selector] = level
    return overrides


class FindingsProbe:
    """`ttq_findings()`: the findings on what was captured so far, with the test's settings."""

    def __init__(self, capture: CaptureBase[Any], config: RulesConfig) -> None:
        self.capture = capture
        self.config = config

    def report(self) -> CaptureReport:
        # An async capture cannot be waited on from here: the async ttq_findings settles it
        # first (async_fixtures.py); at the end of a test, what arrived is what is reported.
        if isinstance(self.capture, PixelCapture):
            self.capture.settle(quiet=0.3, timeout=5)
        return self.capture.report(
            url=next((p.url for p in self.capture.context.pages), ""),
            browser=None,
            harness_version=__version__,
            config=self.config,
        )

    def __call__(self, min_severity: str = "info") -> list[Finding]:
        return [f for f in self.report().findings if fails(f.severity, min_severity)]  # type: ignore[arg-type]


@pytest.fixture
def ttq_findings(ttq_capture: PixelCapture, ttq_rules_config: RulesConfig) -> FindingsProbe:
    """Call it for the rule findings on the events captured so far: `ttq_findings("warning")`."""
    return FindingsProbe(ttq_capture, ttq_rules_config)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, pluggy.Result[None], None]:
    outcome = yield
    capture = item.stash.get(CAPTURE_KEY, None)
    if outcome.excinfo is not None or capture is None:
        return
    marker = item.get_closest_marker("ttq")
    fail_on = (marker.kwargs.get("fail_on") if marker else None) or _session_fail_on(item.config)
    if not fail_on or fail_on == "never":
        return
    config = item.stash.get(CONFIG_KEY, RulesConfig())
    failing = FindingsProbe(capture, config)(fail_on)
    if failing:
        if not item.config.getoption("--ttq-show-pii"):
            failing = [masked(f) for f in failing]
        lines = "\n".join(for_terminal(finding_line(f)) for f in failing)
        message = f"ttq-harness: {len(failing)} finding(s) at or above {fail_on}:\n{lines}"
        outcome.force_exception(pytest.fail.Exception(message, pytrace=False))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
    """A failing test with a capture shows what it captured (a section of its report) and,
    with --ttq-report-dir, gets its whole capture as an HTML report."""
    outcome = yield
    report = outcome.get_result()
    capture = item.stash.get(CAPTURE_KEY, None)
    if capture is None or report.when != "call" or not report.failed:
        return
    try:
        captured = capture.report(
            url=next((p.url for p in capture.context.pages), ""),
            browser=None,
            harness_version=__version__,
            config=item.stash.get(CONFIG_KEY, RulesConfig()),
        )
    except Exception as exc:  # the browser may be gone; the test's own failure comes first
        report.sections.append(("ttq-harness capture", f"(not available: {exc})"))
        return
    show_pii = item.config.getoption("--ttq-show-pii")
    result = page_result(captured, fail_on="never", kind="inspect", name=item.nodeid)
    shown = result if show_pii else masked(result)
    report.sections.append(("ttq-harness capture", capture_section(page_report(shown))))
    folder = item.config.getoption("--ttq-report-dir")
    if folder:
        path = Path(folder) / report_file_name(item.nodeid)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_reports(shown, {"html": path})
        except OSError as exc:  # a report that cannot be written must not stop the session
            report.sections.append(("ttq-harness report", f"not written: {path}: {exc}"))
        else:
            report.sections.append(("ttq-harness report", str(path)))


@pytest.fixture
def ttq_events(ttq_capture: PixelCapture) -> list[PixelEvent]:
    """Events captured so far (a snapshot; call ttq_capture.events() for fresh ones)."""
    return ttq_capture.events()


@pytest.fixture(scope="session")
def ttq_plan(pytestconfig: pytest.Config) -> Plan | None:
    """The plan given with --ttq-plan (None without it). Override to load your own."""
    path = pytestconfig.getoption("--ttq-plan")
    if not path:
        return None
    from harness.core.plan.load import PlanError, load_plan

    try:
        return load_plan(Path(path))
    except PlanError as exc:
        raise pytest.UsageError(f"--ttq-plan: {exc}") from exc


@pytest.fixture
def expect_event(
    ttq_capture: PixelCapture, pytestconfig: pytest.Config, ttq_plan: Plan | None
) -> ExpectEvent:
    """expect_event(name, **partial_params, pixel=None, timeout=..., exactly|at_least|never)."""
    return ExpectEvent(
        ttq_capture,
        timeout=pytestconfig.getoption("--ttq-timeout"),
        plan=ttq_plan,
        show_pii=pytestconfig.getoption("--ttq-show-pii"),
    )


@pytest.fixture(scope="session")
def demo_site() -> Iterator[str]:
    """Base URL of the bundled demo sites (`/shop/`, `/broken-shop/`) served on loopback."""
    with SiteServer() as server:
        yield server.base_url


@pytest.fixture
def ttq_events_api() -> Iterator[EventsApiSink]:
    """A local Events API 2.0 sink on loopback for this test (docs/events-api.md): point the
    back end at `.url`; `.requests`, `.events`, `.records`, `.wait_for(n)`, and
    `.findings(ttq_findings.report())` for the EA findings (validation and cross-check)."""
    with EventsApiSink() as sink:
        yield sink
