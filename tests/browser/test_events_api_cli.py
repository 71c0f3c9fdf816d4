"""`--events-api` on `run` and `inspect`: a sink on loopback, its requests cross-checked.

The demo shop's back end (harness/browser/server.py) posts the server-side CompletePayment to
the URL it is given; here that is the sink the CLI starts on a fixed port. The correct shop's
server twin matches its pixel event; the broken twin's carries PlaceAnOrder's event_id (EA005).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.browser.server import SiteServer
from harness.core.events_api.validate import EVENTS_API_PATH

ROOT = Path(__file__).parent.parent.parent
PLAN = ROOT / "sites" / "demo-plan.yaml"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def shop_with_back_end() -> Iterator[tuple[str, int]]:
    """The demo sites, whose back end sends to a sink port the CLI will listen on."""
    port = _free_port()
    with SiteServer(events_api_url=f"http://127.0.0.1:{port}{EVENTS_API_PATH}") as server:
        yield server.url("/"), port


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _ea_findings(journey: dict[str, object]) -> list[tuple[str, str]]:
    findings = journey["findings"]
    assert isinstance(findings, list)
    return [(f["code"], f["event_name"]) for f in findings if f["code"].startswith("EA")]


@pytest.mark.parametrize(
    ("site", "exit_code", "expected"),
    [("shop", 0, []), ("broken-shop", 1, [("EA005", "PlaceAnOrder")])],
)
def test_run_cross_checks_the_back_ends_server_events(
    shop_with_back_end: tuple[str, int],
    tmp_path: Path,
    site: str,
    exit_code: int,
    expected: list[tuple[str, str]],
) -> None:
    base, port = shop_with_back_end
    out = tmp_path / "result.json"
    run = _run(
        "run",
        str(PLAN),
        "--journey",
        "purchase",
        "--base-url",
        f"{base}{site}/",
        "--events-api",
        "--events-api-port",
        str(port),
        "--json",
        str(out),
    )
    assert run.returncode == exit_code, run.stdout + run.stderr
    assert f"Events API sink listening at http://127.0.0.1:{port}{EVENTS_API_PATH}" in run.stderr
    (journey,) = json.loads(out.read_text())["journeys"]
    assert _ea_findings(journey) == expected
    if expected:  # the server's CompletePayment carries PlaceAnOrder's event_id
        ea = next(f for f in journey["findings"] if f["code"] == "EA005")
        assert "order-" in ea["message"] and "CompletePayment" in ea["message"]
    # --events-api says the site uses the Events API, so event_ids matter (DD003 applies)
    codes = {f["code"] for f in journey["findings"]}
    assert ("DD003" in codes) is (site == "broken-shop")


def test_inspect_with_events_api_reports_a_malformed_server_request(tmp_path: Path) -> None:
    """A back end that sends garbage gets TikTok-style errors and an EA001 finding."""
    port = _free_port()
    page = tmp_path / "page.html"
    page.write_text(
        "<!doctype html><title>t</title><script>"
        f"fetch('http://127.0.0.1:{port}{EVENTS_API_PATH}', "
        "{method: 'POST', mode: 'no-cors', body: '{not json'});"
        "</script>",
        encoding="utf-8",
    )
    with SiteServer(tmp_path) as server:
        out = tmp_path / "report.json"
        run = _run(
            "inspect",
            server.url("/page.html"),
            "--events-api",
            "--events-api-port",
            str(port),
            "--json",
            str(out),
        )
    report = json.loads(out.read_text())
    codes = [f["code"] for f in report["findings"]]
    assert "EA001" in codes, run.stdout + run.stderr
    assert run.returncode == 1
