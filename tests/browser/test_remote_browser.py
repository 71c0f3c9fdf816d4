"""--connect: journeys and inspections in a browser served by a Playwright browser server.

A `playwright run-server` is started on loopback for the test (with --unsafe so the harness
can name the Chromium it should launch, as this machine has no Playwright-managed browser).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.browser.chromium import resolve_chromium

ROOT = Path(__file__).parent.parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def browser_server() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "playwright",
            "run-server",
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--unsafe",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("the Playwright browser server did not start")
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    path = resolve_chromium().executable_path or ""
    return subprocess.run(
        [sys.executable, "-m", "harness", *args, "--browser-path", path],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_inspect_through_a_remote_browser(
    browser_server: str, demo_site: str, tmp_path: Path
) -> None:
    report_path = tmp_path / "r.json"
    result = _cli(
        "inspect",
        demo_site + "/shop/product.html?id=301",
        "--click",
        "#add-to-cart",
        "--connect",
        browser_server,
        "--json",
        str(report_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(report_path.read_text())
    assert "remote " + browser_server in report["browser"]
    names = {(e["source"], e["name"]) for e in report["events"]}
    assert {("call", "AddToCart"), ("wire", "AddToCart"), ("wire", "ViewContent")} <= names


def test_a_plan_runs_through_a_remote_browser(browser_server: str, demo_site: str) -> None:
    result = _cli(
        "run",
        str(ROOT / "sites" / "demo-plan.yaml"),
        "--journey",
        "purchase",
        "--base-url",
        demo_site + "/shop/",
        "--connect",
        browser_server,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ purchase" in result.stdout


def test_an_unreachable_server_is_a_one_line_error() -> None:
    result = _cli("inspect", "http://127.0.0.1:9/", "--connect", f"ws://127.0.0.1:{_free_port()}/")
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot connect to the browser server ws://127.0.0.1:")
    assert "Traceback" not in result.stderr


def test_an_audit_runs_its_workers_through_a_remote_browser(
    browser_server: str, demo_site: str, tmp_path: Path
) -> None:
    out = tmp_path / "audit.json"
    result = _cli(
        "audit", demo_site + "/catalog/c/dresses.html", "--max-pages", "4",
        "--workers", "2", "--connect", browser_server, "--json", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    audit = json.loads(out.read_text())
    assert "remote " + browser_server in audit["browser"]
    assert [j["status"] for j in audit["journeys"]] == [200, 200, 200, 200]
    pages = [j["name"].removeprefix(demo_site + "/catalog/") for j in audit["journeys"]]
    assert pages == ["c/dresses.html", "", "p/1.html", "p/2.html"]  # breadth first
    sent = [{e["name"] for e in j["events"] if e["source"] == "wire"} for j in audit["journeys"]]
    assert ["ViewContent" in names for names in sent] == [False, False, True, True]
