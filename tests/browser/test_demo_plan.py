"""The bundled tracking plan (sites/demo-plan.yaml), run as pytest tests and by the CLI.

On the correct shop every journey holds (one test per journey, through plan_tests and
pytest-playwright's fixtures). On the broken twin the run fails exactly where a QA engineer
needs to see it; the differences are pinned.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.adapters.plan_pytest import DEMO_SHOP, plan_tests

ROOT = Path(__file__).parent.parent.parent
PLAN = ROOT / "sites" / "demo-plan.yaml"

# One test per journey of the plan, against the bundled shop.
test_demo_plan_holds_on_the_shop = plan_tests(PLAN, base_url=DEMO_SHOP)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_broken_twin_fails_the_plan_where_it_should(demo_site: str, tmp_path: Path) -> None:
    result_path, junit_path = tmp_path / "result.json", tmp_path / "junit.xml"
    run = _run(
        "run",
        str(PLAN),
        "--base-url",
        demo_site + "/broken-shop/",
        "--json",
        str(result_path),
        "--junit",
        str(junit_path),
    )
    assert run.returncode == 1, run.stdout + run.stderr
    result = json.loads(result_path.read_text())
    assert result["ok"] is False
    failed = {j["name"]: j for j in result["journeys"] if not j["ok"]}
    # every journey fails: at least the second pixel nobody planned for, or (consent pages,
    # one pixel) the page view and the _ttp cookie that leave before the visitor answers
    assert sorted(failed) == [
        "browse",
        "consent",
        "consent-declined",
        "home",
        "product-page",
        "purchase",
        "search",
        "signup",
        "size-guide",
        "spa",
    ]

    def failures(journey: str) -> set[tuple[str, str | None, str]]:
        return {
            (e["expected"], e["pixel"], e["source"])
            for step in failed[journey]["steps"]
            for e in [*step["expectations"], *step["never"]]
            if not e["ok"]
        }

    assert failures("product-page") >= {
        ("ViewProduct", "CDEMO00SHOP00PIXEL01", "wire"),
        ("AddToCart", "CDEMO00SHOP00PIXEL01", "wire"),
    }
    assert failures("purchase") >= {
        ("InitiateCheckout", None, "call"),
        ("CompletePayment", None, "call"),
        ("Purchase", None, "call"),
    }
    assert failures("search") == {("Search", "CDEMO00SHOP00PIXEL01", "wire")}
    before_consent = {
        ("pixel traffic before consent", None, "wire"),
        ("_ttp cookie set before consent", None, "wire"),
    }
    # the held page view is not held: it left in step 1, so accepting releases none
    assert failures("consent") == before_consent | {("Pageview", "CDEMO00SHOP00PIXEL01", "wire")}
    assert failures("consent-declined") == before_consent
    for journey in ("consent", "consent-declined"):
        assert [f["code"] for f in failed[journey]["findings"] if f["severity"] == "error"] == [
            "CN001"
        ]
    # the near miss says exactly what differs
    view = next(
        e
        for step in failed["product-page"]["steps"]
        for e in step["expectations"]
        if e["expected"] == "ViewProduct" and not e["ok"]
    )
    assert (
        'properties.value: expected 8 (number), got "8.00" (string)'
        in (view["near_misses"][0]["differences"])
    )
    unplanned = {
        pixel for j in failed.values() for s in j["steps"] for pixel in s["unplanned_pixels"]
    }
    assert not any(s["unplanned_pixels"] for s in failed["consent"]["steps"])
    assert unplanned == {"CDEMO00SHOP00PIXEL02"}
    codes = {f["code"] for j in result["journeys"] for f in j["findings"]}
    assert codes >= {
        "PR002",
        "PR007",
        "EV004",
        "DD002",
        "PR001",
        "ID001",
        "EV006",
        "EV007",
        "EV008",
        "EV009",
    }
    assert result["coverage"]["ViewProduct"] is False and result["coverage"]["ClickButton"]
    # the conversion the twin also sends under a custom name: reporting-only, said three ways
    assert "EV011" in codes
    assert result["purposes"]["CompletePayment"] == "optimization"
    assert result["purposes"]["StartFreeTrial"] == "custom (reporting only)"
    text = " ".join(run.stdout.split())  # the terminal wraps long lines
    found = re.search(r"Events: .*? (?=\d+ journeys:)", text)
    assert found is not None, run.stdout
    kinds = found.group(0)
    # names as the page called them: Purchase, not the CompletePayment the SDK made of it
    assert kinds.startswith("Events: standard ") and "Purchase" in kinds
    assert "CompletePayment" not in kinds
    assert "custom (reporting only)" in kinds and "order_complete" in kinds
    assert "10 journeys: 0 passed, 10 failed (plan does NOT hold" in run.stdout
    suite = ET.parse(junit_path).getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("10", "10")
    case = next(c for c in suite.iter("testcase") if c.get("name") == "search")
    failure = case.find("failure")
    assert failure is not None and "properties.query: missing" in (failure.text or "")


def test_run_one_journey_on_the_shop(demo_site: str) -> None:
    run = _run("run", str(PLAN), "--base-url", demo_site + "/shop/", "--journey", "search")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "✓ search" in run.stdout and "1 journeys: 1 passed, 0 failed (plan holds" in run.stdout
    assert "Events: standard Search" in run.stdout and "reporting only" not in run.stdout


def test_plan_usage_errors_exit_2_with_one_line() -> None:
    typo = _run("run", str(PLAN), "--journey", "purchse")
    assert typo.returncode == 2
    assert "--journey 'purchse': no such journey; did you mean 'purchase'?" in typo.stderr
    missing = _run("run", "no-such-plan.yaml")
    assert missing.returncode == 2 and "no-such-plan.yaml" in missing.stderr
    assert "Traceback" not in typo.stderr + missing.stderr


def test_plan_lint_and_schema_commands(tmp_path: Path) -> None:
    clean = _run("plan", "lint", str(PLAN))
    assert clean.returncode == 0 and "0 problem(s)" in clean.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "journeys:\n  - name: j\n    steps:\n      - goto: /\n"
        "        expect: [{event: Purchase, params: {value: '9.20'}}]\n"
    )
    linted = _run("plan", "lint", str(bad))
    assert linted.returncode == 1
    assert "EV004" in linted.stdout and "PR002" in linted.stdout
    schema = _run("plan", "schema")
    assert schema.returncode == 0
    assert schema.stdout == (ROOT / "docs" / "schemas" / "plan.schema.json").read_text(
        encoding="utf-8"
    )


def test_baselines_pass_fail_and_update(demo_site: str, tmp_path: Path) -> None:
    baselines = tmp_path / "baselines"
    args = ["run", str(PLAN), "--journey", "search", "--baseline", str(baselines)]
    shop, broken = demo_site + "/shop/", demo_site + "/broken-shop/"
    missing = _run(*args, "--base-url", shop)
    assert missing.returncode == 1 and "no baseline" in missing.stdout
    assert "--update-baseline" in missing.stdout
    # "plan holds" is printed above; the exit code 1 is then explained
    assert "✗ the plan holds, but the baselines differ: the run fails (exit 1)" in missing.stdout
    written = _run(*args, "--base-url", shop, "--update-baseline")
    assert written.returncode == 0, written.stdout
    assert "✓ baseline search: new" in written.stdout
    assert (baselines / "search.yaml").read_text().startswith("# ttq-harness baseline v1")
    same = _run(*args, "--base-url", shop)
    assert same.returncode == 0 and "✓ baseline search: same" in same.stdout
    differs = _run(*args, "--base-url", broken)
    assert differs.returncode == 1
    assert "✗ baseline search:" in differs.stdout and "+++ actual" in differs.stdout
    assert "the plan holds, but" not in differs.stdout  # it does not hold: nothing to explain


def test_html_report_with_step_screenshots_and_the_trace_of_a_failed_journey(
    demo_site: str, tmp_path: Path
) -> None:
    html, artifacts = tmp_path / "report.html", tmp_path / "artifacts"
    run = _run(
        "run",
        str(PLAN),
        "--journey",
        "search",
        "--base-url",
        demo_site + "/broken-shop/",
        "--html",
        str(html),
        "--artifacts",
        str(artifacts),
    )
    assert run.returncode == 1
    assert f"Next: open {html} in a browser" in run.stdout
    # traces are the one output masking cannot reach: said once, up front
    assert run.stderr.startswith("warning: Playwright traces hold the pages' raw data")
    assert (artifacts / "search" / "step-01.png").stat().st_size > 1000
    trace = artifacts / "search" / "trace.zip"
    assert trace.stat().st_size > 1000
    text = html.read_text(encoding="utf-8")
    assert "data:image/png;base64," in text and "playwright show-trace" in text
    assert "plan does NOT hold" in text
