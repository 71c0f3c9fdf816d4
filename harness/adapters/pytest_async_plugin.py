"""pytest plugin for Playwright's async API (entry point `pytest11`: ttq_harness_asyncio).

Inert unless pytest-playwright-asyncio is active: then its async fixtures (`ttq_capture`,
`expect_event`, `ttq_events`, `ttq_findings`: harness/adapters/async_fixtures.py) are
registered over the sync plugin's, which stay for sync pytest-playwright. The options, the
Chromium resolution and the Playwright-free fixtures (`demo_site`, `ttq_events_api`,
`ttq_plan`, `ttq_rules_config`) are the sync plugin's (harness/adapters/pytest_plugin.py),
loaded from the same package; nothing here is imported before it is needed, so an environment
without pytest-asyncio loads this module at no cost.
"""

from __future__ import annotations

import pytest

#: pytest-playwright-asyncio's plugin module (pytest-playwright's is pytest_playwright.…).
ASYNC_PLAYWRIGHT_PLUGIN = "pytest_playwright_asyncio.pytest_playwright"


def async_playwright(config: pytest.Config) -> bool:
    """pytest-playwright-asyncio is there: its async `context` is what the capture attaches to."""
    return any(
        getattr(plugin, "__name__", "") == ASYNC_PLAYWRIGHT_PLUGIN
        for plugin in config.pluginmanager.get_plugins()
    )


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if not async_playwright(config):
        return
    # Registered after every entry point was loaded, so these fixtures override the sync
    # plugin's of the same names.
    from harness.adapters import async_fixtures, pytest_plugin

    config.pluginmanager.register(async_fixtures, "ttq-harness-async-fixtures")
    # The Chromium resolution and offline switches, as the sync plugin does for its flavour
    # (pytest-playwright-asyncio's `browser_type_launch_args` is the same sync fixture).
    config.pluginmanager.register(pytest_plugin._ChromiumLaunchArgs(), "ttq-harness-launch-args")
