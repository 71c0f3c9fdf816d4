"""Dependencies shaped like the ecosystem: the CLI, the capture and the renderers need no test
runner (`ttq-harness[pytest]` adds it), and the pytest plugin touches no test when the sync
pytest-playwright is absent (e.g. pytest-playwright-asyncio's async `context`)."""

from __future__ import annotations

import subprocess
import sys

import pytest

#: Imports of pytest, its plugin system and pytest-playwright fail in the child process.
BLOCK = """
import sys
for name in ("pytest", "_pytest", "pluggy", "pytest_playwright"):
    sys.modules[name] = None
"""


def test_the_cli_capture_and_renderers_import_without_pytest() -> None:
    code = BLOCK + (
        "import harness.adapters.cli, harness.browser.recorder, harness.browser.plan_run\n"
        "import harness.render.html, harness.render.files, harness.core.rules\n"
        "from harness.adapters.cli import main\n"
        "sys.argv = ['ttq-harness', 'rules']\n"
        "main()\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert "EV001" in ran.stdout


def test_pytest_is_an_extra_not_a_requirement() -> None:
    from importlib.metadata import requires

    needs = requires("ttq-harness") or []
    core = [r for r in needs if "extra ==" not in r]
    assert not any(r.startswith(("pytest", "pytest-playwright")) for r in core), core
    assert any(r.startswith("pytest-playwright") and 'extra == "pytest"' in r for r in needs)


def test_the_plugin_leaves_tests_alone_without_sync_pytest_playwright(
    pytester: pytest.Pytester,
) -> None:
    # another plugin's `context` (here a plain object, as an async flavour would give): the
    # capture must not attach to it, and the test runs untouched
    pytester.makeconftest("import pytest\n\n@pytest.fixture\ndef context():\n    return object()\n")
    pytester.makepyfile(test_inner="def test_uses_context(context):\n    assert context\n")
    result = pytester.runpytest_subprocess("-p", "no:playwright", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
