"""Extra `ttq-harness` commands, each in its own module with `register(app)`."""

from __future__ import annotations

import importlib

import typer

#: Modules under harness.commands that add commands to the CLI.
COMMAND_MODULES = ("har", "record", "events_api", "sdk")


def register_all(app: typer.Typer) -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"harness.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"harness.commands.{name}":
                continue  # not written yet
            raise
        module.register(app)
