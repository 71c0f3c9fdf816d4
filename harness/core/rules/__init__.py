"""TikTok Pixel rules: a registry of named checks with stable codes (see _registry.py).

Importing the package registers every built-in rule: the rule modules below register
themselves with `@rule` in `_registry`, which imports none of them (no import cycle).
"""

from harness.core.rules import (  # noqa: F401  (imported for their @rule registrations)
    capture_health,
    configuration,
    consent,
    custom_events,
    dedup,
    events,
    events_api,
    identity,
    params,
    reconciliation,
    sdk,
    transport,
)
from harness.core.rules._registry import (
    FAMILIES,
    REGISTRY,
    ConfigError,
    Issue,
    Rule,
    RuleContext,
    all_rules,
    called_name,
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
    "called_name",
    "expand",
    "get_rule",
    "rule",
]
