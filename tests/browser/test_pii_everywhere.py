"""Personal data planted in every place a page can put it never reaches an output by default.

tests/pages/pii/everywhere.html plants e-mails and phone numbers in the page URL (query string
encoded and decoded, fragment, path), event names, property keys and values, event_ids,
identify values and formatted phones. Every command that writes something runs on it as a user
runs it (a subprocess), and every file and stream it writes is searched for the planted data.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from harness.browser.recorder import PixelCapture

#: The e-mails' local parts and the values under identify keys all start with "plant"; a
#: masked e-mail keeps only its first character ("p***@example.com").
PLANTED_TEXT = re.compile(r"plant")
#: The planted phones (555-01NN, 7946 0133) in any spelling; a masked phone keeps 2 digits.
PLANTED_PHONE = re.compile(r"555(?:[\s.)-]|%20)*01\d\d|7946(?:[\s.-]|%20)*0133")
QUERY = (
    "?email=plant.url%40example.com&tel=%2B14155550188&who=plant.decoded@example.com"
    "#plant.fragment@example.com"
)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _leaks(outputs: dict[str, str]) -> list[str]:
    found = []
    for name, text in outputs.items():
        for pattern in (PLANTED_TEXT, PLANTED_PHONE):
            for match in pattern.finditer(text):
                start = max(0, match.start() - 40)
                found.append(f"{name}: …{text[start : match.end() + 20]!r}…")
    return found


def _files(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _streams(name: str, result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    return {f"{name} stdout": result.stdout, f"{name} stderr": result.stderr}


@pytest.fixture
def url(test_pages: str) -> str:
    return test_pages + "/pii/everywhere.html" + QUERY


def test_the_page_really_sends_the_planted_data(browser: Browser, url: str) -> None:
    """The test below could see a leak: unmasked, the planted data is in the report."""
    context = browser.new_context()
    capture = PixelCapture().attach(context)
    page = context.new_page()
    page.goto(url)
    page.click("#send")
    capture.settle(quiet=0.5, timeout=5)
    raw = capture.report(url=url, browser=None, harness_version="test").model_dump_json()
    context.close()
    for planted in (
        "plant.path@example.com",
        "plant.name@example.com",
        "plant.key@example.com",
        "plant.eventid@example.com",
        "plant.identify@example.com",
        "plant-external-7781",
        "(415) 555-0122",
        "+44 20 7946 0133",
        "415.555.0155",
        "call-+14155550177",
        "plant.url%40example.com",
        "%2B14155550188",
    ):
        assert planted in raw, planted


def test_no_output_holds_the_planted_data(
    browser: Browser, url: str, test_pages: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    outputs: dict[str, str] = {}

    # inspect: terminal, JSON, JUnit, HTML
    inspected = _cli(
        "inspect", url, "--step", "click:#send",
        "--json", str(out / "inspect.json"),
        "--junit", str(out / "inspect.xml"),
        "--html", str(out / "inspect.html"),
    )  # fmt: skip
    assert inspected.returncode in (0, 1), inspected.stderr
    outputs.update(_streams("inspect", inspected))

    # run: terminal, JSON, JUnit, HTML and the baseline files people commit
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "version: 1\nname: pii\n"
        f"defaults: {{base_url: '{test_pages}/pii/', quiet: 0.3}}\n"
        "journeys:\n"
        "  - name: everything\n"
        "    steps:\n"
        f"      - goto: 'everywhere.html{QUERY}'\n"
        "        expect: [{event: Pageview}]\n"
        "      - click: '#send'\n"
        "        expect: [{event: ViewContent}]\n",
        encoding="utf-8",
    )
    ran = _cli(
        "run", str(plan),
        "--json", str(out / "run.json"),
        "--junit", str(out / "run.xml"),
        "--html", str(out / "run.html"),
        "--baseline", str(out / "baseline"), "--update-baseline",
    )  # fmt: skip
    assert ran.returncode in (0, 1), ran.stdout + ran.stderr
    assert list((out / "baseline").glob("*.yaml")), ran.stdout
    outputs.update(_streams("run", ran))

    # record: the plan skeleton people review and commit
    recorded = _cli(
        "record", url, "--step", "click:#send", "--out", str(out / "recorded.yaml"),
        "--json", str(out / "record.json"), "--html", str(out / "record.html"),
    )  # fmt: skip
    assert recorded.returncode == 0, recorded.stderr
    outputs.update(_streams("record", recorded))

    # lint: a HAR recorded by Playwright (the HAR itself is the user's own raw file)
    har_path = tmp_path / "page.har"
    context = browser.new_context(record_har_path=str(har_path))
    capture = PixelCapture().attach(context)
    page = context.new_page()
    page.goto(url)
    page.click("#send")
    capture.settle(quiet=0.5, timeout=5)
    context.close()
    assert "plant.eventid@example.com" in har_path.read_text(encoding="utf-8")
    linted = _cli(
        "lint", str(har_path), "--json", str(out / "lint.json"), "--html", str(out / "lint.html")
    )
    assert linted.returncode in (0, 1), linted.stderr
    outputs.update(_streams("lint", linted))

    files = _files(out)
    assert {"inspect.json", "inspect.xml", "inspect.html", "run.json", "run.xml", "run.html",
            "recorded.yaml", "record.json", "record.html", "lint.json", "lint.html",
            } <= files.keys()  # fmt: skip
    outputs.update(files)
    # what was sent is still there, masked: the outputs are not merely empty
    assert "p***@example.com" in files["inspect.json"]
    assert "S***@example.com" in files["run.json"]  # Signup_plant.name@…
    assert "S***@example.com" in files["record.json"]
    # (the test's own folder names hold the word too)
    found = _leaks({k: v.replace(str(tmp_path), "<tmp>") for k, v in outputs.items()})
    assert not found, "\n".join(found)
