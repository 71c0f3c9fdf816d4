"""Every rule against its case file, and the meta-test that every rule is documented and has
at least one pass and one fail case."""

from __future__ import annotations

import pytest

from harness.core.rules import all_rules
from tests.rules.casefile import CASES, Case, load_cases

ALL_CASES = load_cases()


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.id)
def test_rule_case(case: Case) -> None:
    findings = case.run()
    shown = "\n".join(f"  {f.code} {f.path}: {f.message}" for f in findings)
    if case.kind == "pass":
        assert findings == [], f"{case.id} should raise nothing, got:\n{shown}"
        return
    assert findings, f"{case.id} should raise {case.rule}"
    if "count" in case.spec:
        assert len(findings) == case.spec["count"], shown
    if "path" in case.spec:
        assert case.spec["path"] in [f.path for f in findings], shown
    if "message" in case.spec:
        assert any(case.spec["message"] in f.message for f in findings), shown


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_every_rule_is_documented_and_has_cases(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.summary and rule.fix.endswith("."), rule.code
    for section in ("Why", "Bad", "Good"):
        assert rule.section(section).strip(), f"{rule.code} lacks a {section} section"
    kinds = {case.kind for case in ALL_CASES if case.rule == rule.code}
    assert kinds == {"pass", "fail"}, f"{rule.code} needs pass and fail cases in {CASES}"


def test_every_case_file_names_a_rule() -> None:
    codes = {rule.code for rule in all_rules()}
    assert {path.stem for path in CASES.glob("*.yaml")} <= codes
