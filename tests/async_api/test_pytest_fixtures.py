"""The async fixtures as users meet them: a user-style test file with pytest-playwright-asyncio,
run in a subprocess (pytester), exactly as `pytest` would run it (the sync twin:
tests/browser/test_pytest_plugin.py)."""

from __future__ import annotations

import pytest

INNER = """
import pytest

pytestmark = pytest.mark.asyncio(loop_scope="session")

async def _instrumented(page):
    return await page.evaluate("typeof window.__ttqHarnessRecorder !== 'undefined'")

async def test_add_to_cart(page, demo_site, expect_event, ttq_capture):
    await page.goto(demo_site + "/shop/product.html?id=301")
    await page.click("#add-to-cart")
    (event,) = await expect_event("AddToCart", exactly=1)
    assert event.pixel_code == "CDEMO00SHOP00PIXEL01"
    assert type(ttq_capture).__name__ == "AsyncPixelCapture"
    print("ASKS", await _instrumented(page))

async def test_correct_search(page, demo_site, ttq_findings):
    await page.goto(demo_site + "/shop/search.html?q=dress")
    assert await ttq_findings("info") == []

async def test_near_miss(page, demo_site, expect_event):
    await page.goto(demo_site + "/shop/product.html?id=301")
    await expect_event("ViewContent", currency="EUR", timeout=1)

async def test_page_only(page, demo_site):
    await page.goto(demo_site + "/shop/index.html")
    native = await page.evaluate("navigator.sendBeacon.toString().includes('[native code]')")
    print("PAGE-ONLY", await _instrumented(page), native)

@pytest.mark.ttq(profile="spec")
async def test_marked(page, demo_site):
    await page.goto(demo_site + "/shop/index.html")
    print("MARKED", await _instrumented(page))
"""

BROKEN_SEARCH = """
import pytest

pytestmark = pytest.mark.asyncio(loop_scope="session")

async def test_broken_search(page, demo_site, ttq_capture):
    await page.goto(demo_site + "/broken-shop/search.html?q=dress")
    await ttq_capture.settle()
"""


def test_the_async_fixtures_capture_and_fail_with_the_near_miss(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*expected wire event 'ViewContent' with currency='EUR' at least once; saw it 0 *",
            "*properties.currency: expected 'EUR', got 'USD'*",
        ]
    )
    # the failing test's capture is shown, as in the sync flavour
    result.stdout.fnmatch_lines(
        ["*ttq-harness capture*", "*wire ViewContent CDEMO00SHOP00PIXEL01*"]
    )
    # a test that asks for nothing gets an untouched page; asking or the marker instruments it
    result.stdout.fnmatch_lines_random(["*ASKS True*", "*PAGE-ONLY False True*", "*MARKED True*"])
    # expect_event's failure points at the test, not at the harness's frames
    assert "flavour.py" not in result.stdout.str()


def test_fail_on_fails_an_async_test_with_findings(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=BROKEN_SEARCH)
    result = pytester.runpytest_subprocess("--ttq-fail-on=error", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "ttq-harness: 1 finding(s) at or above error:",
            "ERROR PR001 properties-not-object ?#* call Search at */search.html?q=dress:*",
        ]
    )
    without = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    without.assert_outcomes(passed=1)


def test_without_pytest_playwright_asyncio_the_plugin_is_inert(pytester: pytest.Pytester) -> None:
    # pytest-playwright-asyncio disabled: no async fixture is registered and nothing breaks
    pytester.makepyfile(
        test_inner="def test_plain():\n    assert True\n",
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:playwright-asyncio", "-p", "no:cacheprovider", "--fixtures"
    )
    assert result.ret == 0
    assert "async_fixtures.py" not in result.stdout.str()
    plain = pytester.runpytest_subprocess("-p", "no:playwright-asyncio", "-p", "no:cacheprovider")
    plain.assert_outcomes(passed=1)
