"""`--help` says what to type: every option with a value names it (URL, FILE, I/N, the
choices), never the Python type typer would show (`<str>`, `<list[str]>`)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from harness.adapters.cli import cli

PYTHON_TYPE = re.compile(r"<(str|path|int|float|list\[[a-z]+\])[^>]*>")


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


COMMANDS = [path for path, _ in _commands(cli()) if path]


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_option_names_its_value(path: tuple[str, ...]) -> None:
    command = dict(_commands(cli()))[path]
    unnamed = [
        param.opts[0]
        for param in command.params
        if param.param_type_name == "option"
        and not getattr(param, "is_flag", False)
        and param.metavar is None
    ]
    assert unnamed == [], f"ttq-harness {' '.join(path)}: add these to cli.METAVARS"


def test_the_help_text_shows_no_python_type_for_an_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        cli()(["run", "--help"], prog_name="ttq-harness")
    text = capsys.readouterr().out
    options = [line for line in text.splitlines() if line.lstrip("│ ").startswith("--")]
    assert options and not [line for line in options if PYTHON_TYPE.search(line)], text
    run = dict(_commands(cli()))[("run",)]
    named = {param.opts[0]: param.metavar for param in run.params}
    assert named["--trace"] == "on|off|retain-on-failure" and named["--shard"] == "I/N"
