"""The loopback site server: static files and the SPA fallback."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from harness.browser.server import SiteServer
from harness.core.errors import UsageError


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_serves_files_and_falls_back_to_the_spa_index(tmp_path: Path) -> None:
    (tmp_path / "shop" / "app").mkdir(parents=True)
    (tmp_path / "shop" / "index.html").write_text("home")
    (tmp_path / "shop" / "app" / "index.html").write_text("spa")
    with SiteServer(tmp_path) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert _get(server.url("/shop/index.html")) == (200, "home")
        assert _get(server.url("/shop/app/deals/301")) == (200, "spa")
        assert _get(server.url("/shop/missing.html"))[0] == 404


def test_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        SiteServer(tmp_path / "nope")
