"""pytest plugin (entry point `pytest11`): fixtures on top of pytest-playwright.

- Chromium is resolved for pytest-playwright's `browser` fixture (explicit path, Playwright's
  own, or a system Chromium), so `--browser`, `--headed`, `--base-url`, `--tracing` and
  `--screenshot` keep working as documented by pytest-playwright.
- Every test that uses pytest-playwright's `context` (or `page`) gets the pixel hosts answered
  locally and every ttq event recorded: nothing reaches TikTok from a test.
- `ttq_capture`, `ttq_events`, `expect_event` and `demo_site` fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Playwright

from harness.browser import ENV_VAR, resolve_chromium
from harness.capture.endpoints import DEFAULT_PIXEL_HOSTS
from harness.capture.recorder import PixelCapture
from harness.errors import HarnessError
from harness.expect import ExpectEvent
from harness.model import PixelEvent
from harness.server import SiteServer


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
        if browser_name != "chromium" or options.get("channel") or options.get("executable_path"):
            return options
        try:
            resolved = resolve_chromium(
                pytestconfig.getoption("--ttq-browser-path"),
                playwright_executable=playwright.chromium.executable_path,
            )
        except HarnessError as exc:
            pytest.exit(str(exc), returncode=4)
        launch = resolved.launch_options()
        options["args"] = [*options.get("args", []), *launch.pop("args", [])]  # type: ignore[misc]
        options.update(launch)
        return options


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "ttq(hosts=[...]): extra pixel hosts to answer locally for this test"
    )
    if config.pluginmanager.has_plugin("playwright") or config.pluginmanager.has_plugin(
        "pytest_playwright"
    ):
        config.pluginmanager.register(_ChromiumLaunchArgs(), "ttq-harness-launch-args")


@pytest.fixture
def ttq_capture(context: BrowserContext, request: pytest.FixtureRequest) -> PixelCapture:
    """The capture attached to this test's browser context (pixel hosts answered locally)."""
    hosts = [*DEFAULT_PIXEL_HOSTS, *request.config.getoption("--ttq-pixel-host")]
    marker = request.node.get_closest_marker("ttq")
    if marker is not None:
        hosts.extend(marker.kwargs.get("hosts", []))
    capture = PixelCapture(hosts=tuple(dict.fromkeys(hosts)))
    return capture.attach(context)


@pytest.fixture(autouse=True)
def _ttq_keep_pixel_local(request: pytest.FixtureRequest) -> None:
    # Any test with a pytest-playwright context gets the capture, so no pixel request leaves.
    if "context" in request.fixturenames:
        request.getfixturevalue("ttq_capture")


@pytest.fixture
def ttq_events(ttq_capture: PixelCapture) -> list[PixelEvent]:
    """Events captured so far (a snapshot; call ttq_capture.events() for fresh ones)."""
    return ttq_capture.events()


@pytest.fixture
def expect_event(ttq_capture: PixelCapture, pytestconfig: pytest.Config) -> ExpectEvent:
    """expect_event(name, **partial_params, pixel=None, timeout=..., exactly|at_least|never)."""
    return ExpectEvent(ttq_capture, timeout=pytestconfig.getoption("--ttq-timeout"))


@pytest.fixture(scope="session")
def demo_site() -> Iterator[str]:
    """Base URL of the bundled demo sites (`/shop/`, `/broken-shop/`) served on loopback."""
    with SiteServer() as server:
        yield server.base_url
