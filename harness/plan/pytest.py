"""Public import kept: `from harness.plan.pytest import plan_tests`
(harness.adapters.plan_pytest)."""

from harness.adapters.plan_pytest import plan_tests

__all__ = ["plan_tests"]
