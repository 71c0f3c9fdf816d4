"""Modules stay small enough to read, or say at their top why they are not (issue 13)."""

from __future__ import annotations

import ast
from pathlib import Path

HARNESS = Path(__file__).resolve().parents[2] / "harness"
LIMIT = 500
REASON = "Why one module over 500 lines:"


def test_a_module_over_500_lines_says_why_at_its_top() -> None:
    silent = []
    for path in sorted(HARNESS.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") <= LIMIT:
            continue
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if REASON not in docstring:
            silent.append(f"{path.relative_to(HARNESS.parent)} ({text.count(chr(10))} lines)")
    assert not silent, f"split these or add {REASON!r} to their docstring: {silent}"
