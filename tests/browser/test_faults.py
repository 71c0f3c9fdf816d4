"""Faults end cleanly: a browser that dies and Ctrl-C give one line, the right exit code, and
reports of everything captured until then, marked incomplete; never a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


@pytest.fixture
def ready() -> Iterator[tuple[str, threading.Event]]:
    """A loopback URL the test page requests once its base code ran, and the event it sets."""
    seen = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.set()
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ready", seen
    server.shutdown()
    server.server_close()


def _wait_until_waiting(process: subprocess.Popen[str], seen: threading.Event) -> None:
    """The page is up (it pinged) and the harness has moved on to the step that waits: after
    the ping it only settles (0.5 s without pixel traffic) before the step starts."""
    if not seen.wait(60):
        process.kill()
        pytest.fail("the test page never loaded")
    time.sleep(2)  # the settle after the evidence, with room for a loaded machine


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
    test_pages: str, tmp_path: Path, how: str, ready: tuple[str, threading.Event]
) -> None:
    report = tmp_path / "report.json"
    process = _start(
        "inspect",
        f"{test_pages}/hostile/late-button.html?ready={ready[0]}",
        "--step",
        "click:#late",
        "--timeout",
        "60",
        "--json",
        str(report),
    )
    browser = _wait_for_browser(process)
    _wait_until_waiting(process, ready[1])
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
    test_pages: str, tmp_path: Path, ready: tuple[str, threading.Event]
) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "defaults: {timeout: 60}\n"
        "journeys:\n"
        "  - name: waits\n"
        "    steps:\n"
        f"      - goto: late-button.html?ready={ready[0]}\n"
        "        expect: [Pageview]\n"
        "      - click: '#late'\n"
        "  - name: never-runs\n"
        "    steps:\n"
        "      - goto: late-button.html\n"
        "        expect: [Pageview]\n"
    )
    result_path = tmp_path / "result.json"
    process = _start(
        "run", str(plan), "--base-url", test_pages + "/hostile/", "--json", str(result_path),
        "--workers", "1",  # one browser, killed mid-journey: the second journey never starts
    )  # fmt: skip
    browser = _wait_for_browser(process)
    _wait_until_waiting(process, ready[1])
    os.kill(browser, signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=90)
    assert process.returncode == 2, stdout + stderr
    assert "Traceback" not in stderr
    assert stderr.strip().startswith("error: the browser closed or crashed; 1 of 2 journey(s) ran")
    result = json.loads(result_path.read_text())
    assert result["incomplete"] == "the browser closed or crashed" and result["ok"] is False
    assert [j["name"] for j in result["journeys"]] == ["waits"]
    assert "INCOMPLETE" in stdout
