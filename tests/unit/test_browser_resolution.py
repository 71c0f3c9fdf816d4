"""Which Chromium the harness launches (explicit, env, Playwright's own, system, error)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import browser
from harness.browser import ENV_VAR, QUIET_FLAGS, resolve_chromium
from harness.errors import BrowserNotFoundError


@pytest.fixture
def fake_chrome(tmp_path: Path) -> str:
    path = tmp_path / "chrome"
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def no_system_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "find_system_chromium", lambda: None)


def test_explicit_path_wins(fake_chrome: str) -> None:
    resolved = resolve_chromium(
        fake_chrome, playwright_executable=fake_chrome, environ={ENV_VAR: "/elsewhere"}
    )
    assert (resolved.origin, resolved.executable_path) == ("explicit", fake_chrome)
    assert set(QUIET_FLAGS) <= set(resolved.args)


def test_environment_variable_comes_next(fake_chrome: str) -> None:
    resolved = resolve_chromium(None, playwright_executable=None, environ={ENV_VAR: fake_chrome})
    assert (resolved.origin, resolved.executable_path) == ("environment", fake_chrome)


def test_a_missing_explicit_path_is_an_error_that_says_what_to_do() -> None:
    with pytest.raises(BrowserNotFoundError) as error:
        resolve_chromium("/no/such/chrome", environ={})
    message = str(error.value)
    assert "--browser-path=/no/such/chrome: no such executable" in message
    assert "playwright install chromium" in message and "apt-get install chromium" in message


def test_playwright_own_chromium_is_used_when_installed(fake_chrome: str) -> None:
    resolved = resolve_chromium(None, playwright_executable=fake_chrome, environ={})
    assert resolved.origin == "playwright"
    assert resolved.executable_path is None  # let Playwright pick its own build
    assert "executable_path" not in resolved.launch_options()


def test_system_chromium_when_playwright_has_none(
    monkeypatch: pytest.MonkeyPatch, fake_chrome: str
) -> None:
    monkeypatch.setattr(browser, "find_system_chromium", lambda: fake_chrome)
    monkeypatch.setattr(browser, "_as_root", lambda: True)
    resolved = resolve_chromium(None, playwright_executable="/missing/chrome", environ={})
    assert (resolved.origin, resolved.executable_path) == ("system", fake_chrome)
    assert "--no-sandbox" in resolved.args  # Chromium refuses its sandbox as root
    assert resolved.launch_options()["executable_path"] == fake_chrome


@pytest.mark.usefixtures("no_system_chromium")
def test_no_browser_anywhere_is_a_clear_error() -> None:
    with pytest.raises(BrowserNotFoundError, match="No Chromium found"):
        resolve_chromium(None, playwright_executable=None, environ={})
