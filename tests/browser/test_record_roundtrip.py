"""`ttq-harness record` → `plan lint` → `run`, on the demo shop, as a user runs them.

The plan recorded on the shop holds on the shop, and fails on the broken twin (currency XYZ on
AddToCart, value "8.00" on ViewContent, a second pixel).
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.core.plan.load import dump_schema, load_plan
from harness.core.plan.result import PlanResult


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_record_then_lint_then_run_on_the_shop_and_its_broken_twin(
    demo_site: str, tmp_path: Path
) -> None:
    plan_path = tmp_path / "plan.yaml"
    record = _cli(
        "record",
        f"{demo_site}/shop/product.html?id=301",
        "--step",
        "click:#add-to-cart",
        "--step",
        f"goto:{demo_site}/shop/cart.html",
        "--step",
        "click:#checkout",
        "--journey",
        "purchase",
        "--out",
        str(plan_path),
        "--json",
        str(tmp_path / "record.json"),
        "--junit",
        str(tmp_path / "record.xml"),
    )
    assert record.returncode == 0, record.stderr
    assert f"written: {plan_path}" in record.stdout
    assert f"written: {tmp_path / 'record.json'}" in record.stdout
    # the recording as the one result value: a one-journey run with its steps and the capture
    result = PlanResult.model_validate_json((tmp_path / "record.json").read_text())
    assert result.kind == "record" and [j.name for j in result.journeys] == ["purchase"]
    (journey,) = result.journeys
    assert [s.description for s in journey.steps] == [
        f"goto {demo_site}/shop/product.html?id=301",
        "click #add-to-cart",
        f"goto {demo_site}/shop/cart.html",
        "click #checkout",
    ]
    assert {e.name for e in journey.events if e.source == "wire"} >= {"AddToCart", "Pageview"}
    assert (
        journey.requests
        and journey.calls
        and journey.url == f"{demo_site}/shop/product.html?id=301"
    )
    junit = ET.fromstring((tmp_path / "record.xml").read_text())
    assert [c.get("name") for c in junit.iter("testcase")] == ["purchase"]
    assert "AddToCart → CDEMO00SHOP00PIXEL01" in record.stdout

    text = plan_path.read_text()
    # the schema the plan names is beside it (no hosted URL needed), and it is this version's
    assert text.startswith("# yaml-language-server: $schema=plan.schema.json\n")
    assert f"written: {tmp_path / 'plan.schema.json'}" in record.stdout
    schema = json.loads((tmp_path / "plan.schema.json").read_text())
    assert schema == json.loads(dump_schema())
    assert f"from {demo_site}/shop/product.html?id=301" in text
    plan = load_plan(plan_path)
    assert plan.defaults.base_url == f"{demo_site}/shop/"
    assert plan.pixels == {"main": "CDEMO00SHOP00PIXEL01"}
    assert list(plan.events) == [
        "Pageview",
        "ViewContent",
        "AddToCart",
        "ProductPageExit",
        "InitiateCheckout",
    ]
    assert plan.events["AddToCart"].params["currency"] == "USD"
    steps = plan.journeys[0].steps
    assert [step.describe() for step in steps] == [
        "goto product.html?id=301",
        "click #add-to-cart",
        "goto cart.html",
        "click #checkout",
    ]
    assert [[(e.event, e.count) for e in step.expect] for step in steps] == [
        [("Pageview", 1), ("ViewContent", 1)],
        [("AddToCart", 1)],
        [("ProductPageExit", 1), ("Pageview", 1)],
        [("InitiateCheckout", 1), ("Pageview", 1)],
    ]

    lint = _cli("plan", "lint", str(plan_path))
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "0 error(s)" in lint.stdout

    run = _cli("run", str(plan_path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "✓ purchase" in run.stdout

    broken = _cli("run", str(plan_path), "--base-url", f"{demo_site}/broken-shop/")
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert 'properties.currency: expected "USD", got "XYZ"' in broken.stdout
    assert 'properties.value: expected a number, got "8.00" (string)' in broken.stdout
    assert "CDEMO00SHOP00PIXEL02, which the plan's pixels do not name" in broken.stdout


def test_an_existing_out_file_is_kept_without_force(demo_site: str, tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.yaml"
    plan_path.write_text("mine\n")
    result = _cli("record", f"{demo_site}/shop/index.html", "--out", str(plan_path))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {plan_path} exists; pass --force to overwrite it"
    assert plan_path.read_text() == "mine\n"


def test_a_missing_selector_is_a_one_line_error(demo_site: str, tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.yaml"
    result = _cli(
        "record",
        f"{demo_site}/shop/index.html",
        "--step",
        "click:#no-such-button",
        "--timeout",
        "1",
        "--out",
        str(plan_path),
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: step 1 (click '#no-such-button')")
    assert "Traceback" not in result.stderr
    assert not plan_path.exists()


def test_bad_arguments_are_one_line_errors(tmp_path: Path) -> None:
    out = str(tmp_path / "plan.yaml")
    for args, message in [
        (["not-a-url", "--out", out], "error: URL 'not-a-url': expected an absolute http(s) URL"),
        (
            ["http://127.0.0.1:9/", "--step", "tap:#x", "--out", out],
            "error: --step 'tap:#x': expected click:SELECTOR, fill:SELECTOR=VALUE or goto:URL",
        ),
        (
            ["http://127.0.0.1:9/", "--out", out, "--json", out],
            f"error: {out}: the plan (--out) or its schema is written there",
        ),
        (
            ["http://127.0.0.1:9/", "--out", out, "--html", str(tmp_path / "plan.schema.json")],
            f"error: {tmp_path / 'plan.schema.json'}: the plan (--out) or its schema is written "
            "there",
        ),
    ]:
        result = _cli("record", *args)
        assert result.returncode == 2
        assert result.stderr.strip() == message
