"""The `ttq-harness` command, run as a user runs it (a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_inspect_prints_the_events_and_writes_the_json_report(
    demo_site: str, tmp_path: Path
) -> None:
    report_path = tmp_path / "report.json"
    result = _cli(
        "inspect",
        demo_site + "/shop/product.html?id=301",
        "--click",
        "#add-to-cart",
        "--json",
        str(report_path),
    )
    assert result.returncode == 0, result.stderr
    assert "ViewContent" in result.stdout and "AddToCart" in result.stdout
    assert "CDEMO00SHOP00PIXEL01" in result.stdout
    report = json.loads(report_path.read_text())
    assert report["sdk"] == "emulated" and report["findings"] == []
    wire = [(e["name"], e["pixel_code"]) for e in report["events"] if e["source"] == "wire"]
    assert ("AddToCart", "CDEMO00SHOP00PIXEL01") in wire
    add = next(e for e in report["events"] if e["name"] == "AddToCart" and e["source"] == "call")
    assert add["properties"]["currency"] == "USD" and add["event_id"].startswith("evt-")
    assert add["page_url"] == demo_site + "/shop/product.html?id=301"


def test_inspect_verbose_prints_the_whole_reconciliation(demo_site: str) -> None:
    """The broken twin's ViewContent says currency 'usd' and the SDK sends 'USD': an explained
    difference, shown only with -v; the click's automatic /act beacon (no call) likewise."""
    url = demo_site + "/broken-shop/product.html?id=301"
    quiet = _cli("inspect", url, "--click", "#add-to-cart")
    loud = _cli("inspect", url, "--click", "#add-to-cart", "-v")
    assert quiet.returncode == loud.returncode == 1, quiet.stderr + loud.stderr
    for result in (quiet, loud):
        assert "Reconciliation: 3 call(s) -> " in result.stdout
    upper = 'properties.currency: transformed, called "usd", sent "USD" (SDK: currency-upper-cased)'
    assert upper not in quiet.stdout and upper in loud.stdout
    assert "no call:" not in quiet.stdout
    assert "Click CDEMO00SHOP00PIXEL01: automatic" in loud.stdout


def test_inspect_exits_1_on_an_undecodable_beacon(test_pages: str, tmp_path: Path) -> None:
    report_path = tmp_path / "r.json"
    result = _cli(
        "inspect",
        test_pages + "/calls.html",
        "--click",
        "#garbage-beacon",
        "--json",
        str(report_path),
    )
    assert result.returncode == 1
    assert "TR001 undecodable-beacon" in result.stdout
    assert json.loads(report_path.read_text())["findings"][0]["code"] == "TR001"


def test_inspect_fails_an_error_page_and_notes_a_page_without_pixel(
    test_pages: str, tmp_path: Path
) -> None:
    """A mistyped URL used to pass with "0 finding(s)" and exit 0."""
    report_path = tmp_path / "r.json"
    typo = _cli("inspect", test_pages + "/capture/prodcut.html", "--json", str(report_path))
    assert typo.returncode == 1, typo.stdout + typo.stderr
    assert "CH003 page-http-error" in typo.stdout and "answered HTTP 404" in typo.stdout
    report = json.loads(report_path.read_text())
    assert [d["status"] for d in report["documents"]] == [404]
    bare = _cli("inspect", test_pages + "/capture/no-pixel.html")
    assert bare.returncode == 0, bare.stdout + bare.stderr
    assert "INFO CH004 no-pixel-on-page" in bare.stdout
    assert "no TikTok pixel base code or SDK request on" in bare.stdout
    blind = _cli("inspect", test_pages + "/capture/blind.html")
    assert blind.returncode == 1 and "ERROR CH001 recorder-blind" in blind.stdout


def test_control_characters_from_the_page_stay_inert(test_pages: str, tmp_path: Path) -> None:
    """ESC sequences, a bell, a NUL and U+202E in an event name: shown escaped in the terminal,
    never sent raw, and the JUnit file still parses."""
    junit_path = tmp_path / "junit.xml"
    result = _cli(
        "inspect",
        test_pages + "/hostile/control-chars.html",
        "--junit",
        str(junit_path),
        "--fail-on",
        "info",
    )
    assert result.returncode == 1, result.stderr
    for raw in ("\x1b", "\x07", "\u202e", "\x00"):
        assert raw not in result.stdout + result.stderr, repr(raw)
    text = " ".join(result.stdout.split())
    assert "Sign\\x1b[2J\\x1b]0;pwned\\x07Up\\u202eevil\\x00" in text
    suite = ET.parse(junit_path).getroot()
    assert "\\x1b" in ET.tostring(suite, encoding="unicode")


def test_output_paths_and_numbers_are_checked_before_the_run(tmp_path: Path) -> None:
    """Bad outputs and out-of-range numbers are one-line usage errors (exit 2) before any
    browser starts; nothing is created on the way (no folders at the filesystem root)."""
    missing = tmp_path / "no" / "such" / "dir" / "x.json"
    cases = [
        (["inspect", "http://127.0.0.1:9/", "--json", str(tmp_path)], "is a directory"),
        (["inspect", "http://127.0.0.1:9/", "--junit", str(missing)], "does not exist"),
        (["run", "sites/demo-plan.yaml", "--html", str(tmp_path)], "is a directory"),
        (["run", "sites/demo-plan.yaml", "--json", str(missing)], "does not exist"),
        (["inspect", "http://127.0.0.1:9/", "--quiet", "-1"], "--quiet"),
        (["inspect", "http://127.0.0.1:9/", "--timeout", "0"], "--timeout"),
        (["inspect", "http://127.0.0.1:9/", "--events-api-port", "70000"], "--events-api-port"),
        (["serve", "--port", "-5"], "--port"),
    ]
    for args, says in cases:
        result = _cli(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert says in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "no").exists()


def test_a_usage_error_is_a_plain_error_line_not_a_box() -> None:
    # click's own format: the usage, a hint, then one `Error: ...` line a CI log shows whole
    cases = [
        (["run", "--bogus"], "Error: No such option: --bogus"),
        (["nosuch"], "Error: No such command 'nosuch'."),
        (["inspect", "http://127.0.0.1:9/", "--timeout", "abc"], "Error: Invalid value for"),
    ]
    for args, says in cases:
        result = _cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.splitlines()
        assert any(line.startswith(says) for line in lines), (args, result.stderr)
        assert lines[0].startswith("Usage: ttq-harness"), (args, result.stderr)
        assert not {"╭", "│", "╰"} & set(result.stderr), (args, result.stderr)


def test_a_missing_selector_is_a_one_line_error_and_the_capture_is_kept(demo_site: str) -> None:
    result = _cli(
        "inspect", demo_site + "/shop/index.html", "--click", "#does-not-exist", "--timeout", "1"
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("error: step 1 (click '#does-not-exist') failed on")
    assert result.stderr.strip().endswith(
        'Waited for locator("#does-not-exist"): no element matched it.'
    )
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Pageview" in result.stdout  # what was captured before the failure is still shown


def test_unreachable_page_and_bad_options_are_usage_errors() -> None:
    result = _cli("inspect", "http://127.0.0.1:9/", "--timeout", "2")
    assert result.returncode == 2 and "error: opening the page failed" in result.stderr
    assert "Traceback" not in result.stderr
    result = _cli("inspect", "http://127.0.0.1:9/", "--sdk", "nowhere")
    assert result.returncode == 2 and "--sdk nowhere: no such folder" in result.stderr
    result = _cli("doctor", "--browser-path", "/no/such/chrome")
    assert result.returncode == 1 and "no such executable" in result.stderr


def test_rules_lists_and_explains() -> None:
    listing = _cli("rules")
    assert (
        listing.returncode == 0 and "PR002" in listing.stdout and "numeric-string" in listing.stdout
    )
    one = _cli("rules", "numeric-string")
    assert one.returncode == 0 and one.stdout.startswith("PR002 numeric-string (error")
    assert "Why:" in one.stdout and "Bad:" in one.stdout and "Good:" in one.stdout
    typo = _cli("rules", "PR0002")
    assert typo.returncode == 2 and "did you mean 'PR002'" in typo.stderr


def test_inspect_applies_rule_options_and_the_fail_threshold(
    demo_site: str, tmp_path: Path
) -> None:
    url = demo_site + "/broken-shop/search.html?q=dress"
    report_path = tmp_path / "r.json"
    failing = _cli("inspect", url, "--json", str(report_path))
    assert failing.returncode == 1
    assert "ERROR PR001 properties-not-object" in failing.stdout
    report = json.loads(report_path.read_text())
    assert report["profile"] == "spec"
    finding = next(f for f in report["findings"] if f["code"] == "PR001")
    assert finding["path"] == "properties" and finding["received"] == "dress"
    assert finding["event_name"] == "Search" and finding["source"] == "call"
    assert finding["call"]["location"].startswith(url + ":")
    accepted = _cli("inspect", url, "--ignore", "PR001")
    assert accepted.returncode == 0, accepted.stdout
    lowered = _cli("inspect", url, "--severity", "PR001=warning")
    assert lowered.returncode == 0 and "WARNING PR001" in lowered.stdout
    strict = _cli("inspect", url, "--severity", "PR001=warning", "--fail-on", "warning")
    assert strict.returncode == 1
    typo = _cli("inspect", url, "--select", "parameter")
    assert typo.returncode == 2 and "did you mean 'parameters'" in typo.stderr
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.ttq-harness]\nignore = ["properties-not-object"]\n')
    from_file = _cli("inspect", url, "--config", str(config))
    assert from_file.returncode == 0, from_file.stdout


def test_personal_data_is_masked_unless_asked_and_junit_has_a_case_per_page(
    demo_site: str, tmp_path: Path
) -> None:
    url = demo_site + "/broken-shop/signup.html"
    steps = [
        "--step",
        "fill:#signup-email=Jane.Doe@Example.com",
        "--step",
        "fill:#signup-phone=+1 202 555 0123",
        "--step",
        "click:#signup-submit",
    ]
    masked, shown = tmp_path / "masked.json", tmp_path / "shown.json"
    junit = tmp_path / "junit.xml"
    result = _cli("inspect", url, *steps, "--json", str(masked), "--junit", str(junit))
    assert result.returncode == 1
    assert "jane.doe@example.com" not in result.stdout + masked.read_text()
    assert "j***@example.com" in masked.read_text()
    _cli("inspect", url, *steps, "--json", str(shown), "--show-pii")
    assert "jane.doe@example.com" in shown.read_text()
    suite = ET.parse(junit).getroot()
    assert suite.get("tests") == "1" and suite.get("failures") == "1"
    failure = suite.find("testcase/failure")
    assert failure is not None and "EV006 custom-name-too-long" in (failure.text or "")


def test_watch_prints_events_as_they_arrive(demo_site: str, tmp_path: Path) -> None:
    report_path = tmp_path / "watch.json"
    result = _cli(
        "inspect",
        demo_site + "/shop/product.html?id=301",
        "--watch",
        "--duration",
        "1.5",
        "--hide-auto",
        "--json",
        str(report_path),
    )
    assert result.returncode == 0, result.stderr
    live = [line for line in result.stdout.splitlines() if line.startswith("live ")]
    assert any("wire ViewContent CDEMO00SHOP00PIXEL01" in line for line in live), live
    assert json.loads(report_path.read_text())["events"]


def test_inspect_steps_speak_the_plan_vocabulary(demo_site: str) -> None:
    """`--step` takes any plan action (one vocabulary, one executor), not only click/fill/goto."""
    url = demo_site + "/shop/product.html?id=301"
    result = _cli(
        "inspect", url, "--step", "scroll:400", "--step", "hover:#add-to-cart",
        "--step", "press:Tab", "--step", "click:#add-to-cart", "--step", "wait_for:0.2",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "AddToCart" in result.stdout
    bad = _cli("inspect", url, "--step", "tap:#x")
    assert bad.returncode == 2 and "expected one of goto:URL, click:SELECTOR" in bad.stderr
