"""Failed browser actions become one plain line."""

from __future__ import annotations

from harness.core.errors import step_failure

LOG = 'Locator.click: Timeout 1000ms exceeded.\nCall log:\n  - waiting for locator("#buy").first\n'


def test_a_locator_timeout_says_what_it_waited_for() -> None:
    assert step_failure(Exception(LOG)) == (
        'Locator.click: Timeout 1000ms exceeded. Waited for locator("#buy"): no element matched it.'
    )
    resolved = LOG + '    - locator resolved to <button disabled id="buy">Buy</button>\n'
    assert step_failure(Exception(resolved)).endswith(
        "it matched but never became visible, enabled and stable."
    )


def test_other_errors_keep_their_first_line() -> None:
    assert step_failure(Exception("Page.goto: net::ERR_CONNECTION_REFUSED at http://x/\nlog")) == (
        "Page.goto: net::ERR_CONNECTION_REFUSED at http://x/"
    )
    assert step_failure(TimeoutError()) == "TimeoutError"


def test_version_flag_and_command_agree() -> None:
    from typer.testing import CliRunner

    from harness import __version__
    from harness.adapters.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["--version"]).output.strip() == f"ttq-harness {__version__}"
    assert runner.invoke(app, ["version"]).output.strip() == f"ttq-harness {__version__}"
