"""Extra `ttq-harness` commands, each in its own module with `register(app)`."""

from __future__ import annotations

import importlib
import weakref

import typer

#: Modules under harness.adapters.commands that add commands to the CLI.
COMMAND_MODULES = ("plan", "har", "record", "events_api", "sdk", "audit")

#: apps already given their commands: register_all is idempotent
_registered: weakref.WeakSet[typer.Typer] = weakref.WeakSet()


def register_all(app: typer.Typer) -> None:
    if app in _registered:
        return
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"harness.adapters.commands.{name}")
        module.register(app)
    _registered.add(app)  # only once every module registered
