"""Kept for the public import `from harness.plan.pytest import plan_tests` (README); the plan
core lives in harness.core.plan, the pytest adapter in harness.adapters.plan_pytest."""
