"""JSON Schemas of what ttq-harness reads and writes, generated from the pydantic models.

The files in docs/schemas/ are these, written by `ttq-harness schema NAME -o FILE`; a test
keeps them in step with the models. Output documents carry `schema_version`.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from harness.core.model import CaptureReport
from harness.core.plan.result import PlanResult


def _schema(model: type[CaptureReport] | type[PlanResult], title: str) -> str:
    schema = model.model_json_schema(by_alias=True)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        **{k: v for k, v in schema.items() if k != "title"},
    }
    return json.dumps(schema, indent=2, sort_keys=False) + "\n"


def _audit_result() -> str:
    """An audit's result is a `PlanResult` of kind "audit" with its `audit` coverage filled."""
    schema = json.loads(_schema(PlanResult, "ttq-harness audit result (--json)"))
    schema["properties"]["kind"] = {**schema["properties"]["kind"], "const": "audit"}
    schema["properties"]["audit"] = {"$ref": "#/$defs/AuditInfo"}
    schema["required"] = [*schema.get("required", []), "audit"]
    return json.dumps(schema, indent=2, sort_keys=False) + "\n"


def _plan() -> str:
    from harness.core.plan.load import dump_schema

    text = dump_schema()
    return text if text.endswith("\n") else text + "\n"


SCHEMAS: dict[str, Callable[[], str]] = {
    "plan": _plan,
    "plan-result": lambda: _schema(PlanResult, "ttq-harness run result (--json)"),
    "capture-report": lambda: _schema(CaptureReport, "ttq-harness inspect/lint report (--json)"),
    "audit-result": _audit_result,
}
