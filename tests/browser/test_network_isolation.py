"""Nothing leaves the machine: proven in a network namespace that sees every packet.

Playwright only sees what it routes; a network namespace sees everything. Each test runs the
real `ttq-harness` command inside `unshare -n -m` (tests/browser/netns_probe.py): only
loopback, every address routed to it, a logging DNS server and TCP/UDP listeners on 80, 443
and 853. The page under test (tests/pages/network/every-transport.html) tries to reach TikTok
by every transport a browser has: the base code and SDK, a WebSocket, dns-prefetch,
preconnect, prefetch, speculation rules (prefetch and prerender), a host with a trailing dot
and in mixed case, the Events API host, an EventSource, a Web Worker, XHR, images from
TikTok's CDN and an embed iframe. The harness must send zero DNS queries and open zero
connections to anything but the site, and Chromium nothing of its own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("netns_probe.py")
PAGES = ROOT / "tests" / "pages"
REAL_SDK = ROOT / "tests" / "data" / "real-sdk" / "pixel-2.1.33"


def _namespaces_available() -> str | None:
    """Why the namespace cannot be made here, or None."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root to create a network namespace (unshare -n)"
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs unshare (util-linux) and ip (iproute2)"
    check = subprocess.run(["unshare", "-n", "-m", "true"], capture_output=True, check=False)
    if check.returncode != 0:
        return f"unshare -n -m is refused here: {check.stderr.decode().strip()}"
    return None


pytestmark = pytest.mark.skipif(
    _namespaces_available() is not None, reason=str(_namespaces_available())
)


def _isolated(tmp_path: Path, *command: str) -> dict[str, Any]:
    log = tmp_path / "netns.json"
    subprocess.run(
        [
            "unshare",
            "-n",
            "-m",
            "--propagation",
            "private",
            sys.executable,
            str(PROBE),
            str(log),
            str(PAGES),
            "--",
            sys.executable,
            "-m",
            "harness",
            *command,
        ],
        check=True,
        timeout=300,
    )
    result: dict[str, Any] = json.loads(log.read_text())
    return result


def _assert_silent(seen: dict[str, Any]) -> None:
    assert seen["dns"] == [], f"DNS queries left the harness: {sorted(set(seen['dns']))}"
    assert seen["connections"] == [], f"connections left the harness: {seen['connections']}"


@pytest.mark.parametrize("sdk", ["emulated", str(REAL_SDK)], ids=["emulated", "real-sdk"])
def test_inspect_sends_nothing_by_any_transport(tmp_path: Path, sdk: str) -> None:
    """With the emulator and with TikTok's own SDK, which calls more of TikTok's hosts."""
    report = tmp_path / "report.json"
    seen = _isolated(
        tmp_path,
        "inspect",
        "{site}/network/every-transport.html",
        "--sdk",
        sdk,
        "--quiet",
        "1",
        "--json",
        str(report),
    )
    assert seen["exit"] in (0, 1), seen["stderr"]
    _assert_silent(seen)
    # ... and still captured what the pixel sent, the trailing-dot and Events API hosts too
    captured = json.loads(report.read_text())
    names = {e["name"] for e in captured["events"] if e["source"] == "wire"}
    assert {"Pageview", "ViewContent"} <= names
    hosts = {r["url"].split("/")[2] for r in captured["requests"]}
    assert {"analytics.tiktok.com.", "business-api.tiktok.com"} <= hosts


def test_a_plan_run_sends_nothing_either(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "pixels: {main: CNETWORK0PIXEL000001}\n"
        "journeys:\n"
        "  - name: every-transport\n"
        "    steps:\n"
        "      - goto: every-transport.html\n"
        "        expect: [{event: Pageview}, {event: ViewContent}]\n"
        "      - goto: ../capture/no-pixel.html\n"
    )
    seen = _isolated(tmp_path, "run", str(plan), "--base-url", "{site}/network/")
    # the page's deliberately empty beacons are TR001 errors; the steps themselves hold
    assert seen["exit"] == 1 and "TR001 undecodable-beacon" in seen["stdout"], seen["stderr"]
    assert "Coverage: 2/2 planned events seen" in seen["stdout"]
    _assert_silent(seen)


def test_block_third_party_keeps_every_other_host_from_loading(tmp_path: Path) -> None:
    page = "{site}/network/third-party.html"
    # By default the site's own third parties load as they would for a visitor: the namespace
    # sees them being looked up (so it would see a leak) ...
    open_run = _isolated(tmp_path, "inspect", page, "--quiet", "0.5")
    assert {"fonts.example-cdn.net", "images.example-cdn.net"} <= set(open_run["dns"])
    assert not [name for name in open_run["dns"] if "tiktok" in name]
    # ... and with --block-third-party nothing but the site (on loopback) is even looked up.
    hermetic = _isolated(tmp_path, "inspect", page, "--quiet", "0.5", "--block-third-party")
    assert hermetic["exit"] == 0, hermetic["stdout"] + hermetic["stderr"]
    assert "Pageview" in hermetic["stdout"]  # the pixel is still captured
    _assert_silent(hermetic)
