"""Faults end cleanly: a browser that dies and Ctrl-C give one line, the right exit code, and
reports of everything captured until then, marked incomplete; never a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid:
            found.append(int(entry.name))
    return found


def _browser_of(pid: int) -> int | None:
    """The Chromium browser process under the harness process `pid` (not its renderers)."""
    stack, seen = [pid], []
    while stack:
        current = stack.pop()
        for child in _children(current):
            stack.append(child)
            seen.append(child)
    for child in seen:
        try:
            command = (Path("/proc") / str(child) / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        name = os.path.basename(command[0].decode(errors="replace"))
        if ("chrom" in name or "headless_shell" in name) and not any(
            part.startswith(b"--type=") for part in command
        ):
            return child
    return None


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harness", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_browser(process: subprocess.Popen[str]) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        browser = _browser_of(process.pid)
        if browser is not None:
            return browser
        time.sleep(0.1)
    process.kill()
    pytest.fail("the harness never started a browser")


@pytest.mark.parametrize("how", ["browser-killed", "ctrl-c"])
def test_inspect_ends_cleanly_with_the_capture_so_far(
    test_pages: str, tmp_path: Path, how: str
) -> None:
    report = tmp_path / "report.json"
    process = _start(
        "inspect",
        test_pages + "/hostile/late-button.html",
        "--step",
        "click:#late",
        "--timeout",
        "60",
        "--json",
        str(report),
    )
    browser = _wait_for_browser(process)
    time.sleep(4)  # the page loads, the pixel sends its Pageview, the step starts waiting
    if how == "browser-killed":
        os.kill(browser, signal.SIGKILL)
    else:
        os.kill(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    expected = 2 if how == "browser-killed" else 130
    assert process.returncode == expected, stdout + stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    reason = "the browser closed or crashed" if expected == 2 else "interrupted (Ctrl-C)"
    assert lines[0].startswith(f"error: {reason} during step 1 (click '#late')"), lines
    assert "INCOMPLETE" in stdout
    written = json.loads(report.read_text())
    assert written["incomplete"] == reason
    assert "Pageview" in {e["name"] for e in written["events"] if e["source"] == "wire"}


def test_a_plan_run_whose_browser_dies_reports_the_journeys_so_far(
    test_pages: str, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "defaults: {timeout: 60}\n"
        "journeys:\n"
        "  - name: waits\n"
        "    steps:\n"
        "      - goto: late-button.html\n"
        "        expect: [Pageview]\n"
        "      - click: '#late'\n"
        "  - name: never-runs\n"
        "    steps:\n"
        "      - goto: late-button.html\n"
        "        expect: [Pageview]\n"
    )
    result_path = tmp_path / "result.json"
    process = _start(
        "run", str(plan), "--base-url", test_pages + "/hostile/", "--json", str(result_path)
    )
    browser = _wait_for_browser(process)
    time.sleep(5)
    os.kill(browser, signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=90)
    assert process.returncode == 2, stdout + stderr
    assert "Traceback" not in stderr
    assert stderr.strip().startswith("error: the browser closed or crashed; 1 of 2 journey(s) ran")
    result = json.loads(result_path.read_text())
    assert result["incomplete"] == "the browser closed or crashed" and result["ok"] is False
    assert [j["name"] for j in result["journeys"]] == ["waits"]
    assert "INCOMPLETE" in stdout
