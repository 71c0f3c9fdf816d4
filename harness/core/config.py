"""Rule configuration: which rules run, how severe they are, which profile. Pydantic.

Sources, later ones winning: `[tool.ttq-harness]` in pyproject.toml, then CLI options or the
pytest marker (and, later, the tracking plan). Selectors are validated against the registry
when the configuration is resolved, with "did you mean" for typos.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.core.errors import HarnessError
from harness.core.model import Severity
from harness.core.tiktok import DEFAULT_PROFILE, PROFILES

FailOn = Literal["error", "warning", "info", "never"]


class RulesConfig(BaseModel):
    """`[tool.ttq-harness]` in pyproject.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    profile: str = Field(
        default=DEFAULT_PROFILE,
        description="Rule profile: 'spec' (the product specification) or 'tiktok-2025'.",
    )
    select: list[str] = Field(
        default_factory=lambda: ["ALL"], description="Rules to run: codes, families, groups, names."
    )
    ignore: list[str] = Field(default_factory=list, description="Rules to suppress.")
    severity: dict[str, Severity] = Field(
        default_factory=dict, description="Severity overrides: selector -> error|warning|info."
    )
    fail_on: FailOn = Field(default="error", description="Lowest severity that fails a run.")
    uses_events_api: bool = Field(
        default=False,
        description="The site also sends events through the Events API: value events need an "
        "event_id to be deduplicated.",
    )
    duplicate_window: float = Field(
        default=60.0,
        gt=0,
        description="Seconds within which a repeated purchase counts as a duplicate.",
    )
    value_tolerance: float = Field(
        default=0.01,
        ge=0,
        description="Allowed difference between value and the sum of price x quantity.",
    )

    def merged(self, **changes: Any) -> RulesConfig:
        """A copy with the given non-None settings replaced (CLI options, markers)."""
        data = self.model_dump()
        for key, value in changes.items():
            if value is None:
                continue
            if key == "severity":
                data["severity"] = {**data["severity"], **value}
            elif key in ("select_extra", "ignore_extra"):
                field = key.removesuffix("_extra")
                data[field] = [*data[field], *value]
            else:
                data[key] = value
        return RulesConfig.model_validate(data)

    def check_profile(self) -> None:
        if self.profile not in PROFILES:
            close = difflib.get_close_matches(self.profile, PROFILES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise HarnessError(
                f"unknown rule profile {self.profile!r}{hint} (choose from {', '.join(PROFILES)})"
            )


def fails(severity: Severity, fail_on: FailOn) -> bool:
    order = {"info": 0, "warning": 1, "error": 2, "never": 3}
    return order[severity.value] >= order[fail_on]


def load_pyproject(path: Path | None = None) -> RulesConfig:
    """Read `[tool.ttq-harness]` from pyproject.toml (the given file, else ./pyproject.toml)."""
    file = path or Path.cwd() / "pyproject.toml"
    if not file.is_file():
        return RulesConfig()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise HarnessError(f"{file}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise HarnessError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except RecursionError:  # tomllib reads nested arrays and inline tables recursively
        raise HarnessError(f"{file}: not valid TOML: nested too deeply") from None
    except OSError as exc:
        raise HarnessError(f"{file}: cannot read it ({exc.strerror or exc})") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise HarnessError(f"{file}: 'tool' is {_toml_type(tool)}, not a table")
    section = tool.get("ttq-harness", {})
    try:
        return RulesConfig.model_validate(section)
    except ValidationError as exc:
        raise HarnessError(describe_validation_error(exc, f"{file} [tool.ttq-harness]")) from exc


def _toml_type(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    return "an array" if isinstance(value, list) else names.get(type(value), "a date or time")


def describe_validation_error(exc: ValidationError, where: str) -> str:
    """One line per problem: where, which key, what was wrong, what is allowed."""
    allowed = list(RulesConfig.model_fields)
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        if error["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(error["loc"][-1]), allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            lines.append(f"{where}: unknown key {key!r}{hint} (allowed: {', '.join(allowed)})")
        else:
            lines.append(f"{where}: {key}: {error['msg']} (got {error.get('input')!r})")
    return "\n".join(lines)
