"""The async flavour's tests: run by `./run test` in .venv-async (pytest-playwright-asyncio,
which cannot be installed next to pytest-playwright); the main suite does not collect this
folder (pyproject.toml `norecursedirs`).

Every test is a coroutine on pytest-asyncio's session loop, where pytest-playwright-asyncio's
`browser` and `context` live (each module's `pytestmark`, as a user writes it). Chromium and
its offline switches come from the harness's own plugin (entry point ttq_harness_asyncio), as
a user gets them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.browser.server import SiteServer

ROOT = Path(__file__).parent.parent.parent


@pytest.fixture(scope="session")
def test_pages() -> Iterator[str]:
    """Base URL of tests/pages (the sync suite's capture pages), on loopback."""
    with SiteServer(ROOT / "tests" / "pages") as server:
        yield server.base_url
