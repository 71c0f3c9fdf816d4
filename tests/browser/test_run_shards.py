"""`ttq-harness run --shard I/N`: CI jobs that together run every journey exactly once."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import yaml


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_two_shards_run_every_journey_once(test_pages: str, tmp_path: Path) -> None:
    names = [f"visit-{n}" for n in range(6)]
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        yaml.safe_dump(
            {
                "defaults": {"base_url": test_pages + "/", "quiet": 0.2, "timeout": 5},
                "journeys": [
                    {"name": name, "steps": [{"goto": "calls.html", "expect": ["Pageview"]}]}
                    for name in names
                ],
            }
        ),
        encoding="utf-8",
    )
    ran: list[list[str]] = []
    for shard in ("1/2", "2/2"):
        out = tmp_path / f"shard-{shard[0]}.json"
        result = _run("run", str(plan), "--shard", shard, "--json", str(out))
        assert result.returncode in (0, 1), result.stdout + result.stderr
        ran.append([j["name"] for j in json.loads(out.read_text())["journeys"]])
    assert all(ran), ran  # both shards got work: six names split by a stable hash
    assert sorted(ran[0] + ran[1]) == names


def test_a_bad_shard_is_a_one_line_usage_error(tmp_path: Path) -> None:
    plan = Path(__file__).parents[2] / "sites" / "demo-plan.yaml"
    result = _run("run", str(plan), "--shard", "3/2")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --shard '3/2': expected I/N with 1 <= I <= N, e.g. 1/2"


def test_a_site_that_does_not_answer_is_a_usage_error_not_a_failing_plan() -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    plan = Path(__file__).parents[2] / "sites" / "demo-plan.yaml"
    result = _run(
        "run", str(plan), "--journey", "home", "--journey", "search",
        "--base-url", f"http://127.0.0.1:{port}/shop/",
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: the site did not answer: step 1 (goto")
    assert "net::ERR_CONNECTION_REFUSED" in line
