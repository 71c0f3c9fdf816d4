"""The pytest plugin as users meet it: markers, options, failing a test on findings.

The inner sessions run in a subprocess (pytester), exactly as `pytest` would run them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.adapters.failure_report import report_file_name
from harness.core.config import RulesConfig
from harness.core.plan.load import load_plan

PLAN_FILE = Path(__file__).parent.parent.parent / "sites" / "demo-plan.yaml"

INNER = """
import pytest
from pathlib import Path

def test_broken_search(page, demo_site):
    page.goto(demo_site + "/broken-shop/search.html?q=dress")

@pytest.mark.ttq(ignore=["PR001"])
def test_broken_search_with_the_mistake_accepted(page, demo_site):
    page.goto(demo_site + "/broken-shop/search.html?q=dress")

def test_correct_search(page, demo_site, ttq_findings):
    page.goto(demo_site + "/shop/search.html?q=dress")
    assert ttq_findings("info") == []
"""


@pytest.mark.ttq(ignore=["PR013"], profile="tiktok-2025", severity={"PR006": "error"})
def test_the_marker_reaches_the_rules_config(ttq_rules_config: RulesConfig) -> None:
    assert ttq_rules_config.profile == "tiktok-2025"
    assert ttq_rules_config.ignore == ["PR013"]
    assert ttq_rules_config.severity["PR006"].value == "error"


def test_fail_on_fails_tests_with_findings(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("--ttq-fail-on=error", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_broken_search?chromium? _*",
            "ttq-harness: 1 finding(s) at or above error:",
            "ERROR PR001 properties-not-object ?#* call Search at */search.html?q=dress:*",
        ]
    )


def test_without_fail_on_findings_do_not_fail_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_an_unknown_selector_in_a_marker_is_a_clear_failure(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_inner="""
import pytest
from pathlib import Path

@pytest.mark.ttq(ignore=["PR0001"])
def test_typo(page):
    pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown rule selector 'PR0001'; did you mean 'PR001'*"])


def test_expect_event_accepts_plan_definitions(pytester: pytest.Pytester) -> None:
    plan = Path(__file__).parent.parent.parent / "sites" / "demo-plan.yaml"
    pytester.makepyfile(
        test_inner="""
import pytest
from pathlib import Path

def test_view_product(page, demo_site, expect_event):
    page.goto(demo_site + "/shop/product.html?id=301")
    (event,) = expect_event("ViewProduct", exactly=1)
    assert event.name == "ViewContent"

def test_view_product_on_the_broken_twin(page, demo_site, expect_event):
    page.goto(demo_site + "/broken-shop/product.html?id=301")
    expect_event("ViewProduct", timeout=1)
"""
    )
    result = pytester.runpytest_subprocess(f"--ttq-plan={plan}", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*expected plan event 'ViewProduct' (ViewContent) at least once; saw it 0 time(s)*",
            '*properties.value: expected a number, got "8.00" (string)*',
        ]
    )


def test_two_pytest_shards_together_collect_every_journey_once(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_plan=f"""
from harness.adapters.plan_pytest import plan_tests
test_journey = plan_tests({str(PLAN_FILE)!r})
"""
    )
    collected: list[set[str]] = []
    for shard in ("1/2", "2/2"):
        result = pytester.runpytest_subprocess(
            "--collect-only", "-q", f"--ttq-shard={shard}", "-p", "no:cacheprovider"
        )
        collected.append(
            {
                line.split("[", 1)[1].rstrip("]").split("-", 1)[1]
                for line in result.outlines
                if "::test_journey[" in line
            }
        )
    everything = {journey.name for journey in load_plan(PLAN_FILE).journeys}
    assert collected[0] | collected[1] == everything
    assert not collected[0] & collected[1]


def test_failure_messages_are_masked_and_inert_unless_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_inner="""
def test_signup(page, demo_site, expect_event):
    page.goto(demo_site + "/shop/index.html")
    page.evaluate(
        "ttq.track('Signup_\\\\u001b]0;owned\\\\u0007jane.doe' + '@example.com', {value: 1})"
    )
    expect_event("Signup_", timeout=1)
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "jane.doe@example.com" not in out and "\x1b]0;" not in out
    assert "Signup_\\x1b]0;owned\\x07j***@example.com" in out  # the event seen, inert
    shown = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ttq-show-pii")
    assert "owned\\x07jane.doe@example.com" in shown.stdout.str()


CAPTURE_INNER = """
import pytest

def _instrumented(page):
    return page.evaluate("typeof window.__ttqHarnessRecorder !== 'undefined'")

def test_page_only(page, demo_site):
    page.goto(demo_site + "/shop/index.html")
    print("PAGE-ONLY", _instrumented(page),
          page.evaluate("navigator.sendBeacon.toString().includes('[native code]')"))
    # the pixel's host: answered locally with the capture, unresolvable without it
    print("REACHED", page.evaluate(
        "fetch('https://analytics.tiktok.com/i18n/pixel/events.js').then(() => true, () => false)"))

def test_asks(page, demo_site, expect_event):
    page.goto(demo_site + "/shop/index.html")
    expect_event("Pageview")
    print("ASKS", _instrumented(page))

@pytest.mark.ttq(profile="spec")
def test_marked(page, demo_site):
    page.goto(demo_site + "/shop/index.html")
    print("MARKED", _instrumented(page))
"""


@pytest.mark.parametrize(
    ("options", "page_only", "reached"),
    [
        # untouched page; the pixel host does not even resolve
        ((), "PAGE-ONLY False True", "REACHED False"),
        # instrumented; the pixel host answered locally by the capture
        (("--ttq-capture", "all"), "PAGE-ONLY True False", "REACHED True"),
    ],
    ids=["requested", "all"],
)
def test_the_capture_stays_out_of_tests_that_do_not_ask_for_it(
    pytester: pytest.Pytester, options: tuple[str, ...], page_only: str, reached: str
) -> None:
    pytester.makepyfile(test_inner=CAPTURE_INNER)
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider", *options)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines_random([f"*{page_only}*", "*ASKS True*", "*MARKED True*"])
    result.stdout.fnmatch_lines([f"*{reached}*"])


def test_pyproject_fail_on_fails_tests_as_the_cli_does(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=INNER)
    pytester.makefile(".toml", pyproject='[tool.ttq-harness]\nfail_on = "error"\n')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)  # as with --ttq-fail-on=error
    result.stdout.fnmatch_lines(["ttq-harness: 1 finding(s) at or above error:"])
    overridden = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ttq-fail-on=never")
    overridden.assert_outcomes(passed=3)


def test_select_and_severity_options_reach_the_rules(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=INNER)
    only_events = pytester.runpytest_subprocess(
        "--ttq-fail-on=error", "--ttq-select=EV", "-p", "no:cacheprovider"
    )
    only_events.assert_outcomes(passed=3)  # PR001 is not selected
    softened = pytester.runpytest_subprocess(
        "--ttq-fail-on=error", "--ttq-severity=PR001=info", "-p", "no:cacheprovider"
    )
    softened.assert_outcomes(passed=3)
    bad = pytester.runpytest_subprocess("--ttq-severity=PR001", "-p", "no:cacheprovider")
    bad.stdout.fnmatch_lines(["*--ttq-severity 'PR001': expected SELECTOR=error|warning|info*"])


def test_a_marker_typo_is_named_with_a_suggestion(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_inner="import pytest\n\n"
        "@pytest.mark.ttq(ignor=['PR001'])\n"
        "def test_x(page):\n    pass\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)  # the test's setup names the fix
    result.stdout.fnmatch_lines(["*@pytest.mark.ttq: unknown key 'ignor'; did you mean 'ignore'?*"])
    assert "pydantic" not in result.stdout.str()


def test_pytest_base_urls_deprecation_warning_is_not_the_users_problem(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_inner="def test_x(page):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "instance methods are deprecated" not in result.stdout.str()


def test_plan_tests_finds_its_plan_beside_the_test_file(pytester: pytest.Pytester) -> None:
    folder = pytester.mkpydir("tracking")
    (folder / "search-plan.yaml").write_text(
        "journeys:\n"
        "  - name: search\n"
        "    steps:\n"
        "      - goto: search.html?q=dress\n"
        "        expect: [Search]\n",
        encoding="utf-8",
    )
    (folder / "test_plan.py").write_text(
        "from harness.plan.pytest import plan_tests\n"
        "from harness.adapters.plan_pytest import DEMO_SHOP\n\n"
        "test_journey = plan_tests('search-plan.yaml', base_url=DEMO_SHOP)\n",
        encoding="utf-8",
    )
    # run from the project root: the plan is not in the working directory, but beside the test
    result = pytester.runpytest_subprocess("tracking", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_failing_test_shows_its_capture_and_writes_its_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_inner="def test_wrong(page, demo_site, ttq_capture):\n"
        "    page.goto(demo_site + '/broken-shop/search.html?q=dress')\n"
        "    ttq_capture.settle()\n"
        "    assert False, 'the test itself fails'\n"
        "\n"
        "def test_right(page, demo_site, ttq_capture):\n"
        "    page.goto(demo_site + '/shop/search.html?q=dress')\n"
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--ttq-report-dir", "ttq-reports"
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- ttq-harness capture -*",
            "* event(s) captured on */broken-shop/search.html?q=dress:",
            "*#* wire Search CDEMO00SHOP00PIXEL01*",
            "* finding(s):",
            "*PR001*",
        ]
    )
    reports = list((pytester.path / "ttq-reports").glob("*.html"))
    assert [r.name for r in reports] == [report_file_name("test_inner.py::test_wrong[chromium]")]
    assert reports[0].name.startswith("test_inner.py_test_wrong_chromium-")
    assert reports[0].read_text().startswith("<!DOCTYPE html>")


def test_report_file_names_are_short_and_unique() -> None:
    assert report_file_name("t.py::test[a/b]") != report_file_name("t.py::test[a_b]")
    assert len(report_file_name("t.py::test[" + "x" * 400 + "]")) <= 120
