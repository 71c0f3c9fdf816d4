"""Shared fixtures for ttq-harness's own test suite.

The harness's pytest plugin (harness/adapters/pytest_plugin.py) is loaded through its
`pytest11` entry point, exactly as users get it; this file only adds what our own tests need.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.browser.server import SiteServer

ROOT = Path(__file__).parent
pytest_plugins = ["pytester"]

# The CLI honours COLUMNS (the reader's width). Processes spawned under pytest + Playwright
# inherit COLUMNS=80 at the C level although os.environ does not show it; the CLI tests read
# whole lines, so they run at one known, wide width. (Narrow output: tests/unit/test_cli_output.)
os.environ["COLUMNS"] = "200"


@pytest.fixture(scope="session")
def test_pages() -> Iterator[str]:
    """Base URL of tests/pages (small pages that exercise one capture case each), on loopback."""
    with SiteServer(ROOT / "tests" / "pages") as server:
        yield server.base_url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Everything under tests/browser drives Chromium: mark it so `-m "not browser"` runs only
    # the millisecond unit tests.
    for item in items:
        if "tests/browser" in item.path.as_posix():
            item.add_marker(pytest.mark.browser)
