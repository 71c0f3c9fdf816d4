"""TikTok Pixel rules: a registry of named checks with stable codes (see _registry.py)."""

from harness.rules._registry import (
    FAMILIES,
    REGISTRY,
    ConfigError,
    Issue,
    Rule,
    RuleContext,
    all_rules,
    expand,
    get_rule,
    rule,
)

__all__ = [
    "FAMILIES",
    "REGISTRY",
    "ConfigError",
    "Issue",
    "Rule",
    "RuleContext",
    "all_rules",
    "expand",
    "get_rule",
    "rule",
]
