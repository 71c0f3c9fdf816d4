"""Report files: checked before the run starts, written whole or not at all.

A run can take minutes; finding out at the end that `--json` names a directory, or a folder
that does not exist, wastes it (and creating folders at the filesystem root on a typo is
worse). So every output path is checked up front, and every file is written to a temporary
file beside it and renamed into place, so a crash or Ctrl-C never leaves half a report.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from harness.core.errors import UsageError


def check_output(path: Path | None, option: str) -> None:
    """UsageError (one line: the option, the path, what is wrong, the fix) unless `path` can
    be written: not a directory, its folder exists and is writable."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a directory; give a file name inside it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(
            f"{option} {path}: the folder {folder} does not exist; create it first "
            f"(mkdir -p {folder})"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: the folder {folder} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{option} {path}: the file exists and is not writable")


def check_outputs(paths: Iterable[tuple[Path | None, str]]) -> None:
    for path, option in paths:
        check_output(path, option)


def check_output_folder(path: Path | None, option: str) -> None:
    """For an output folder (--artifacts): it may be created, but its parent must exist."""
    if path is None:
        return
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path}: is a file; give a folder")
    if not path.exists():
        check_output(path, option)


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder and a rename."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
