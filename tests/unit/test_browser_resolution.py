"""Which Chromium the harness launches (explicit, env, Playwright's own, system, error)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.browser import chromium as browser
from harness.browser.chromium import (
    ENV_VAR,
    QUIET_FLAGS,
    offline_args,
    resolve_chromium,
    resolver_rules,
)
from harness.core.errors import BrowserNotFoundError


@pytest.fixture
def fake_chrome(tmp_path: Path) -> str:
    path = tmp_path / "chrome"
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def no_system_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "find_system_chromium", lambda **_: None)


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
    monkeypatch.setattr(browser, "find_system_chromium", lambda **_: fake_chrome)
    monkeypatch.setattr(browser, "_as_root", lambda: True)
    resolved = resolve_chromium(None, playwright_executable="/missing/chrome", environ={})
    assert (resolved.origin, resolved.executable_path) == ("system", fake_chrome)
    assert "--no-sandbox" in resolved.args  # Chromium refuses its sandbox as root
    assert resolved.launch_options()["executable_path"] == fake_chrome


def test_a_headless_run_prefers_the_system_headless_shell_and_a_headed_one_the_full_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("chromium", "chromium-headless-shell"):
        (tmp_path / name).write_text("#!/bin/sh\n")
        (tmp_path / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    headless = resolve_chromium(None, playwright_executable=None, environ={})
    headed = resolve_chromium(None, playwright_executable=None, environ={}, headless=False)
    assert headless.executable_path == str(tmp_path / "chromium-headless-shell")
    assert headed.executable_path == str(tmp_path / "chromium")
    (tmp_path / "chromium-headless-shell").unlink()  # no shell: the full build, headless too
    fallback = resolve_chromium(None, playwright_executable=None, environ={})
    assert fallback.executable_path == str(tmp_path / "chromium")


@pytest.mark.usefixtures("no_system_chromium")
def test_no_browser_anywhere_is_a_clear_error() -> None:
    with pytest.raises(BrowserNotFoundError, match="No Chromium found"):
        resolve_chromium(None, playwright_executable=None, environ={})


def test_tiktok_and_chromium_service_hosts_never_resolve() -> None:
    rules = resolver_rules()
    for pattern in (
        "MAP tiktok.com ~NOTFOUND",
        "MAP *.tiktok.com ~NOTFOUND",
        "MAP *.tiktok.com. ~NOTFOUND",  # a host written with a trailing dot
        "MAP *.tiktokcdn.com ~NOTFOUND",
        "MAP update.googleapis.com ~NOTFOUND",
        "MAP dns.google ~NOTFOUND",
    ):
        assert pattern in rules
    assert "MAP * ~NOTFOUND" not in rules  # the site's own third parties load by default
    assert f"--host-resolver-rules={rules}" in QUIET_FLAGS


def test_block_third_party_narrows_resolution_to_the_site() -> None:
    args = offline_args(["--no-sandbox", "--host-resolver-rules=MAP x ~NOTFOUND"], ["shop.test"])
    rules = [a for a in args if a.startswith("--host-resolver-rules=")]
    assert rules == ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE shop.test"]
    assert "--no-sandbox" in args and "--disable-component-update" in args
    # the user's own switches are kept, the offline ones added once
    assert offline_args(args).count("--disable-component-update") == 1


def test_a_plan_run_allows_the_hosts_its_journeys_open() -> None:
    from harness.browser.plan_run import _journey_hosts
    from harness.core.plan.model import Plan

    plan = Plan.model_validate(
        {
            "defaults": {"base_url": "https://shop.test/", "block_third_party": True},
            "journeys": [
                {"name": "a", "steps": [{"goto": "p.html"}, {"goto": "https://pay.test/x"}]},
                {"name": "b", "base_url": "https://blog.test/", "steps": [{"goto": "/"}]},
            ],
        }
    )
    assert _journey_hosts(plan, plan.journeys, None) == ["blog.test", "pay.test", "shop.test"]
    assert _journey_hosts(plan, plan.journeys[:1], "http://127.0.0.1:8000/") == [
        "127.0.0.1",
        "pay.test",
    ]
