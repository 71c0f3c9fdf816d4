"""Extra `ttq-harness` commands, each in its own module with `register(app)`."""

from __future__ import annotations

import importlib

import typer

#: Modules under harness.commands that add commands to the CLI.
COMMAND_MODULES = ("plan", "har", "record", "events_api", "sdk")

_registered: set[int] = set()  # apps already given their commands (register_all is idempotent)


def register_all(app: typer.Typer) -> None:
    if id(app) in _registered:
        return
    _registered.add(id(app))
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"harness.commands.{name}")
        module.register(app)
