"""An audit's progress lines and its result share one masking per page
(harness/adapters/commands/audit.py `MaskedPages`): the value the progress line showed is the
one the result writes, and no page is masked twice."""

from __future__ import annotations

import pytest

from harness.adapters.commands import audit as audit_command
from harness.core.masking import masked
from harness.core.plan.result import AuditInfo, JourneyResult, PlanResult, SiteCheck, StepResult

SITE = "https://shop.example/"


def _page(n: int) -> JourneyResult:
    url = f"{SITE}account?email=jane.doe{n}%40example.com"
    step = StepResult(index=1, description=f"goto {url}", ok=True, url=url)
    return JourneyResult(name=url, ok=True, steps=[step], url=url, position=n)


def _result(pages: list[JourneyResult]) -> PlanResult:
    check = SiteCheck(code="AU004", name="pii-in-url", severity="error", ok=False,
                      message="m", pages=[p.name for p in pages])  # fmt: skip
    return PlanResult(
        kind="audit", harness_version="t", plan=SITE, base_url=SITE, profile="spec",
        ok=False, journeys=pages, coverage={}, checks=[check],
        audit=AuditInfo(start_url=SITE, discovered=len(pages)),
    )  # fmt: skip


def test_each_page_is_masked_once_and_the_result_is_what_one_masking_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pages = [_page(n) for n in range(3)]
    result = _result(pages)
    assert all(a is b for a, b in zip(result.journeys, pages, strict=True))  # the same values
    expected = masked(result)
    masked_pages: list[str] = []

    def counting(value: object) -> object:
        if isinstance(value, JourneyResult):
            masked_pages.append(value.name)
        elif isinstance(value, PlanResult):
            masked_pages.extend(j.name for j in value.journeys)
        return masked(value)  # type: ignore[type-var]

    monkeypatch.setattr(audit_command, "masked", counting)
    masking = audit_command.MaskedPages(show_pii=False)
    shown = [masking.page(page) for page in result.journeys[:2]]  # two progress lines
    assert "jane.doe" not in shown[0].name
    final = masking.result(result)  # the third page: resumed, never shown
    assert final == expected
    assert all(a is b for a, b in zip(final.journeys[:2], shown, strict=True))  # reused
    assert sorted(masked_pages) == sorted(p.name for p in pages)  # each page once


def test_with_show_pii_nothing_is_masked() -> None:
    result = _result([_page(0)])
    masking = audit_command.MaskedPages(show_pii=True)
    assert masking.page(result.journeys[0]) is result.journeys[0]
    assert masking.result(result) is result
