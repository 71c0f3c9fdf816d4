"""Rule docs are generated from the registry; configuration and selectors behave."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.core.config import RulesConfig, fails, load_pyproject
from harness.core.engine import run_rules
from harness.core.errors import HarnessError
from harness.core.model import PixelEvent, Severity
from harness.core.rules import ConfigError, all_rules, expand, get_rule
from harness.core.rules_doc import markdown, rule_location, rule_text

ROOT = Path(__file__).parent.parent.parent


def test_docs_rules_md_is_generated_from_the_registry() -> None:
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == markdown(), "regenerate: ttq-harness rules --markdown > docs/rules.md"


def test_codes_and_names_are_unique_and_stable_in_shape() -> None:
    rules = all_rules()
    assert len({r.code for r in rules}) == len({r.name for r in rules}) == len(rules)
    assert {r.family for r in rules} == {"EV", "PR", "ID", "DD", "TR", "CF", "EA", "CN", "SD", "CH"}


def test_rule_text_has_every_section() -> None:
    text = rule_text(get_rule("numeric-string"))
    assert text.startswith("PR002 numeric-string (error, group parameters)")
    for heading in ("Why:", "Bad:", "Good:", "Fix:"):
        assert heading in text


def test_every_rule_says_where_it_lives() -> None:
    root = Path(__file__).resolve().parents[2]
    for rule in all_rules():
        path, line = rule_location(rule).split(":")
        source = (root / path).read_text(encoding="utf-8").splitlines()
        assert source[int(line) - 1].startswith("@rule("), rule.code
        assert f'"{rule.code}"' in "\n".join(source[int(line) - 1 : int(line) + 3]), rule.code
    assert "Defined in: harness/core/rules/params.py:" in rule_text(get_rule("PR002"))


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("PR002", {"PR002"}),
        ("pr002", {"PR002"}),
        ("numeric-string", {"PR002"}),
        ("TR", {f"TR{n:03}" for n in range(1, 12)}),
        ("transport", {f"TR{n:03}" for n in range(1, 12)}),
        ("TR00[12]", {"TR001", "TR002"}),
    ],
)
def test_selectors(selector: str, expected: set[str]) -> None:
    assert expand(selector) == expected
    assert len(expand("ALL")) == len(all_rules())


def test_unknown_selector_says_did_you_mean() -> None:
    with pytest.raises(ConfigError, match="unknown rule selector 'PR0002'; did you mean 'PR002'"):
        expand("PR0002")
    with pytest.raises(ConfigError, match="did you mean 'numeric-string'"):
        expand("numeric-strings")


EVENT = PixelEvent(
    index=0,
    source="call",
    name="AddToCart",
    properties={"value": "8", "currency": "usd", "content_id": "1"},
)


def test_select_ignore_and_severity_overrides() -> None:
    def codes(config: RulesConfig) -> list[tuple[str, Severity]]:
        found = run_rules([EVENT], config=config, check_delivery=False)
        return [(f.code, f.severity) for f in found]

    assert codes(RulesConfig()) == [("PR002", Severity.ERROR), ("PR006", Severity.WARNING)]
    assert codes(RulesConfig(select=["PR006"])) == [("PR006", Severity.WARNING)]
    assert codes(RulesConfig(ignore=["currency-not-uppercase"])) == [("PR002", Severity.ERROR)]
    assert codes(RulesConfig(severity={"PR006": Severity.ERROR})) == [
        ("PR002", Severity.ERROR),
        ("PR006", Severity.ERROR),
    ]


def test_an_unused_suppression_is_reported() -> None:
    findings = run_rules(
        [EVENT], config=RulesConfig(ignore=["PR007", "PR006"]), check_delivery=False
    )
    assert sorted((f.code, f.received) for f in findings) == [("CF001", "PR007"), ("PR002", "8")]


def test_profiles_change_what_is_reserved() -> None:
    purchase = PixelEvent(
        index=0,
        source="call",
        name="Purchase",
        properties={"value": 1, "currency": "USD", "content_id": "1"},
    )
    assert [f.code for f in run_rules([purchase], check_delivery=False)] == ["EV004"]
    modern = RulesConfig(profile="tiktok-2025")
    assert [f.code for f in run_rules([purchase], config=modern, check_delivery=False)] == []
    with pytest.raises(HarnessError, match="did you mean 'tiktok-2025'"):
        run_rules([purchase], config=RulesConfig(profile="tiktok2025"))


def test_pyproject_section_is_read_and_typos_are_clear(tmp_path: Path) -> None:
    good = tmp_path / "pyproject.toml"
    good.write_text('[tool.ttq-harness]\nprofile = "tiktok-2025"\nignore = ["PR013"]\n')
    config = load_pyproject(good)
    assert (config.profile, config.ignore) == ("tiktok-2025", ["PR013"])
    bad = tmp_path / "bad.toml"
    bad.write_text('[tool.ttq-harness]\nignroe = ["PR013"]\nfail_on = "sometimes"\n')
    with pytest.raises(HarnessError) as error:
        load_pyproject(bad)
    message = str(error.value)
    assert "unknown key 'ignroe'; did you mean 'ignore'?" in message
    assert "fail_on" in message and str(bad) in message
    assert load_pyproject(tmp_path / "missing.toml") == RulesConfig()


def test_fail_threshold() -> None:
    assert fails(Severity.ERROR, "error") and not fails(Severity.WARNING, "error")
    assert fails(Severity.WARNING, "warning") and fails(Severity.INFO, "info")
    assert not fails(Severity.ERROR, "never")


@pytest.mark.parametrize("name", ["plan", "plan-result", "capture-report", "audit-result"])
def test_committed_json_schemas_match_the_models(name: str) -> None:
    from harness.core.schemas import SCHEMAS

    committed = (ROOT / "docs" / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
    assert committed == SCHEMAS[name](), f"regenerate: ttq-harness schema {name} -o ..."
