"""Check a plan without a browser: references, pixels, rule settings, and TikTok's rules applied
to the events the plan itself expects (a plan that expects `Purchase` in the 'spec' profile, or
`value: "9.20"`, asks the site for a mistake).

Pure and fast: no I/O; positions come from the loader (load_plan_with_positions).

Codes of the plan's own checks (the rules' findings keep their rule codes, EV... and PR...):
  PL001 unknown-definition   an expectation names no definition but is close to one
  PL002 unknown-pixel        a pixel name that is neither in `pixels` nor a pixel code
  PL003 pixel-code-shape     a `pixels` entry whose code does not look like a pixel code
  PL004 rule-settings        a bad rule selector or profile in defaults.rules
  PL005 no-expectations      a journey that checks nothing
  PL006 count-conflict       counts that contradict themselves or `never`
  PL007 unused-definition    an event definition no step uses
  PL008 other-pixels-unused  `other_pixels` where no pixels are named (it has no effect)
  PL009 custom-event-purpose a custom event declared for optimization or audiences (custom
                             events are reporting-only)

Why one module over 500 lines: each lint check is small and reports with the plan's own
positions; splitting them would scatter one checklist.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.core.collector import no_cyclic_gc
from harness.core.config import RulesConfig
from harness.core.engine import run_rules
from harness.core.errors import HarnessError
from harness.core.model import Finding, PixelEvent, Severity
from harness.core.plan.load import Positions, format_path, position_of
from harness.core.plan.model import EventDefinition, Expectation, Matcher, Plan
from harness.core.rules import REGISTRY, ConfigError, expand
from harness.core.rules.events import name_kind
from harness.core.rules.meaning import standard_meaning
from harness.core.tiktok import DEFAULT_PROFILE, PIXEL_CODE, PROFILES, SDK_ALIASES

LintSeverity = Literal["error", "warning"]

#: Rules about missing optional parameters say nothing about a plan that does not list them.
_SKIPPED_RULES = frozenset({"PR013", "PR014"})
_RULE_FAMILIES = ("EV", "PR")
#: Names the SDK puts on the wire for reserved names: right in a `source: wire` expectation.
_SDK_NAMES = frozenset(SDK_ALIASES.values())


@dataclass(frozen=True)
class LintProblem:
    """One thing wrong (error) or suspicious (warning) in a plan."""

    severity: LintSeverity
    code: str
    path: str
    message: str
    line: int | None = None
    column: int | None = None
    file: str | None = None

    def __str__(self) -> str:
        """`FILE:LINE:COL: PATH: SEVERITY CODE MESSAGE`; unknown parts are left out."""
        where = [str(part) for part in (self.file, self.line, self.column) if part is not None]
        prefix = ":".join(where) + ": " if where else ""
        return f"{prefix}{self.path or '(top level)'}: {self.severity} {self.code} {self.message}"


def lint_plan(
    plan: Plan, *, source: Path | None = None, positions: Positions | None = None
) -> list[LintProblem]:
    """Everything suspicious in a plan, sorted by position. [] for a clean plan."""
    linter = _Linter(plan)
    with no_cyclic_gc():  # linear in the plan's size (benchmarks/bench_plan_lint.py)
        linter.run()
    file = str(source) if source is not None else None
    result = []
    seen: set[tuple[str, str, str]] = set()
    for problem in linter.problems:
        key = (problem.path, problem.code, problem.message)
        if key in seen:
            continue
        seen.add(key)
        line, column = (position_of(problem.path, positions) if positions else None) or (None, None)
        result.append(
            LintProblem(
                problem.severity, problem.code, problem.path, problem.message, line, column, file
            )
        )
    return sorted(result, key=lambda p: (p.line or 0, p.column or 0, p.path, p.code))


# --- the checks ------------------------------------------------------------------------------


@dataclass
class _Use:
    """One expectation, where it is, and what it resolves to."""

    path: tuple[str | int, ...]
    expectation: Expectation
    never: bool
    definition_key: str | None

    @property
    def text(self) -> str:
        return format_path(self.path)


@dataclass
class _Example:
    """An event built from matchers, and which of its fields are guesses."""

    properties: dict[str, Any] = field(default_factory=dict)
    #: "properties.value" -> "any string": fields built from a type, not an exact value
    guessed: dict[str, str] = field(default_factory=dict)
    #: fields the plan requires but whose value could not be built (pattern, range, present)
    unknown: set[str] = field(default_factory=set)


class _Linter:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.problems: list[LintProblem] = []
        self.config, self.profile_ok = self.rules_config()
        self.uses = list(self._uses())

    def add(self, severity: LintSeverity, code: str, path: str, message: str) -> None:
        self.problems.append(LintProblem(severity, code, path, message))

    def run(self) -> None:
        self._pixels()
        self._references()
        self._journeys()
        self._counts()
        self._other_pixels()
        self._purposes()
        self._rules()

    # --- structure

    def _uses(self) -> Iterable[_Use]:
        for j, journey in enumerate(self.plan.journeys):
            for s, step in enumerate(journey.steps):
                for kind, expectations in (("expect", step.expect), ("never", step.never)):
                    for e, expectation in enumerate(expectations):
                        key = expectation.event if expectation.event in self.plan.events else None
                        yield _Use(
                            ("journeys", j, "steps", s, kind, e), expectation, kind == "never", key
                        )

    def _pixels(self) -> None:
        for name, code in self.plan.pixels.items():
            if not PIXEL_CODE.fullmatch(code):
                self.add(
                    "warning",
                    "PL003",
                    format_path(("pixels", name)),
                    f"pixel {name!r} has the code {code!r}, which does not look like a TikTok "
                    "pixel code (C and 19 upper-case letters or digits)",
                )
        for key, definition in self.plan.events.items():
            for i, pixel in enumerate(definition.pixels or ()):
                self._pixel_ref(pixel, format_path(("events", key, "pixels", i)))
        for use in self.uses:
            if use.expectation.pixel is not None:
                self._pixel_ref(use.expectation.pixel, format_path((*use.path, "pixel")))

    def _pixel_ref(self, pixel: str, path: str) -> None:
        if pixel in self.plan.pixels or PIXEL_CODE.fullmatch(pixel):
            return
        names = list(self.plan.pixels)
        close = difflib.get_close_matches(pixel, names, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = f" (pixels: {', '.join(names)})" if names else " (the plan names no pixels)"
        self.add(
            "error",
            "PL002",
            path,
            f"unknown pixel {pixel!r}{hint}{known}; use a name from `pixels` or a pixel code",
        )

    def _references(self) -> None:
        profile = PROFILES[self.config.profile]
        definitions = list(self.plan.events)
        used = {use.definition_key for use in self.uses}
        for use in self.uses:
            name = use.expectation.event
            if use.definition_key is not None or profile.is_known(name):
                continue
            close = difflib.get_close_matches(name, definitions, n=1, cutoff=0.75)
            if close:
                self.add(
                    "warning",
                    "PL001",
                    format_path((*use.path, "event")) if _has_key(use) else use.text,
                    f"{name!r} is not an event definition; did you mean {close[0]!r}? "
                    "(as written it is checked as a plain event name)",
                )
        for key in definitions:
            if key not in used:
                self.add(
                    "warning",
                    "PL007",
                    format_path(("events", key)),
                    f"event definition {key!r} is not used by any step",
                )

    def _journeys(self) -> None:
        for j, journey in enumerate(self.plan.journeys):
            checks_consent = self.plan.requirements(journey).no_pixel_traffic_before_consent
            if not checks_consent and not any(step.expect or step.never for step in journey.steps):
                self.add(
                    "warning",
                    "PL005",
                    format_path(("journeys", j)),
                    f"journey {journey.name!r} expects no events in any step: it checks nothing",
                )

    def _counts(self) -> None:
        for use in self.uses:
            e = use.expectation
            given = [
                name for name in ("count", "at_least", "at_most") if getattr(e, name) is not None
            ]
            if use.never and given:
                self.add(
                    "warning",
                    "PL006",
                    use.text,
                    f"{', '.join(given)} under `never` is ignored: never means zero times",
                )
            elif not use.never:
                if e.at_least is not None and e.at_most is not None and e.at_least > e.at_most:
                    self.add(
                        "error",
                        "PL006",
                        use.text,
                        f"at_least {e.at_least} is more than at_most {e.at_most}: "
                        "no number of events can pass",
                    )
                elif e.count == 0 or (e.at_most == 0 and not e.at_least):
                    self.add(
                        "warning",
                        "PL006",
                        use.text,
                        f"expects {e.event!r} zero times; list it under `never` instead",
                    )

    def _other_pixels(self) -> None:
        for key, definition in self.plan.events.items():
            if "other_pixels" in definition.model_fields_set and not definition.pixels:
                self.add(
                    "warning",
                    "PL008",
                    format_path(("events", key, "other_pixels")),
                    f"event definition {key!r} names no pixels: other_pixels has no effect",
                )
        for use in self.uses:
            e = use.expectation
            if e.other_pixels is None or e.pixel is not None:
                continue
            defined = self.plan.events.get(use.definition_key or "")
            if defined is None or not defined.pixels:
                self.add(
                    "warning",
                    "PL008",
                    format_path((*use.path, "other_pixels")),
                    f"{e.event!r} names no pixel (neither `pixel` nor its definition's "
                    "`pixels`): other_pixels has no effect",
                )

    def _purposes(self) -> None:
        """Custom events are reporting-only (custom-events-spec.md, Requirements 1)."""
        profile = PROFILES[self.config.profile]
        for key, definition in self.plan.events.items():
            if definition.purpose == "reporting":
                continue
            name = definition.event or key
            if name_kind(name, profile) != "custom":
                continue
            standard = standard_meaning(name, profile)
            instead = (
                f"send the standard event {standard!r} instead"
                if standard
                else "use the standard event that means it (`ttq-harness rules EV004` lists "
                f"the {profile.name} profile's events), or declare `purpose: reporting`"
            )
            self.add(
                "error",
                "PL009",
                format_path(("events", key, "purpose")),
                f"event {name!r} is custom and declared for {definition.purpose}, but custom "
                f"events are reporting-only (TikTok cannot use them to optimize campaigns or "
                f"build audiences): {instead}",
            )

    # --- rule settings and the rules

    def rules_config(self) -> tuple[RulesConfig, bool]:
        settings = self.plan.defaults.rules
        base = "defaults.rules"
        profile_ok = True
        profile = settings.profile or DEFAULT_PROFILE
        try:
            RulesConfig(profile=profile).check_profile()
        except HarnessError as exc:
            self.add("error", "PL004", f"{base}.profile", str(exc))
            profile, profile_ok = DEFAULT_PROFILE, False
        select = self._selectors(settings.select, f"{base}.select")
        ignore = self._selectors(settings.ignore, f"{base}.ignore")
        severity: dict[str, Severity] = {}
        for selector, level in (settings.severity or {}).items():
            if self._valid_selector(
                selector, format_path((*base.split("."), "severity", selector))
            ):
                severity[selector] = level
        config = RulesConfig(
            profile=profile,
            select=select if settings.select is not None else ["ALL"],
            ignore=ignore,
            severity=severity,
            uses_events_api=bool(settings.uses_events_api),
        )
        return config, profile_ok

    def _selectors(self, selectors: Sequence[str] | None, path: str) -> list[str]:
        return [
            selector
            for i, selector in enumerate(selectors or ())
            if self._valid_selector(selector, f"{path}[{i}]")
        ]

    def _valid_selector(self, selector: str, path: str) -> bool:
        try:
            expand(selector)
        except ConfigError as exc:
            self.add("error", "PL004", path, str(exc))
            return False
        return True

    def _rules(self) -> None:
        codes = (
            set().union(*(expand(s) for s in self.config.select)) if self.config.select else set()
        )
        codes = {
            code for code in codes if code.startswith(_RULE_FAMILIES) and code not in _SKIPPED_RULES
        }
        if not codes:
            return
        config = self.config.model_copy(update={"select": sorted(codes)})
        referenced = {use.definition_key for use in self.uses}
        checks: list[tuple[str, _Example, _Origin]] = []
        for use in self.uses:
            if use.never:
                continue  # "must never send Purchase" is a fine thing to check
            definition = self.plan.events.get(use.definition_key or "")
            checks.append(self._check_for(use, definition))
        for key, definition in self.plan.events.items():
            if key not in referenced:  # a definition only `never` uses is not checked
                origin = _Origin(definition_path=("events", key), definition=definition)
                checks.append((definition.event or key, _example(_spec_of(definition)), origin))
        events = [
            PixelEvent(index=i, source="call", name=name, properties=example.properties)
            for i, (name, example, _) in enumerate(checks)
        ]
        for finding in run_rules(events, config=config, check_delivery=False):
            if finding.event_index is None or finding.severity is Severity.INFO:
                continue
            _, example, origin = checks[finding.event_index]
            self._rule_problem(finding, example, origin)

    def _check_for(
        self, use: _Use, definition: EventDefinition | None
    ) -> tuple[str, _Example, _Origin]:
        specs: dict[str, Any] = {}
        name = use.expectation.event
        if definition is not None:
            specs.update(_spec_of(definition))
            name = definition.event or use.expectation.event
        specs.update(use.expectation.params)
        origin = _Origin(
            expectation_path=use.path,
            expectation=use.expectation,
            definition_path=("events", use.expectation.event) if definition is not None else None,
            definition=definition,
        )
        return name, _example(specs), origin

    def _rule_problem(self, finding: Finding, example: _Example, origin: _Origin) -> None:
        if finding.path in example.unknown:
            return  # the plan requires the field; its value is not known here
        source = origin.expectation.source if origin.expectation is not None else "wire"
        if finding.code.startswith("EV") and source == "wire" and finding.event_name in _SDK_NAMES:
            return  # the SDK itself sends this name (Purchase -> CompletePayment on the wire)
        if finding.code == "PR012" and example.guessed:
            return  # value vs contents total: meaningless with guessed numbers
        message = finding.message
        guess = example.guessed.get(finding.path)
        if guess is not None:
            summary = REGISTRY[finding.code].summary.rstrip(".")
            message = f"{finding.path} is {guess} in the plan: {summary[:1].lower()}{summary[1:]}"
        severity: LintSeverity = "error" if finding.severity is Severity.ERROR else "warning"
        self.add(
            severity, finding.code, origin.path_for(finding.path), f"{message} ({finding.name})"
        )


@dataclass
class _Origin:
    """Where an event built for the rules comes from: an expectation, a definition, or both."""

    expectation_path: tuple[str | int, ...] | None = None
    expectation: Expectation | None = None
    definition_path: tuple[str | int, ...] | None = None
    definition: EventDefinition | None = None

    def path_for(self, finding_path: str) -> str:
        """The plan path a finding's field came from: the expectation's own params first."""
        if finding_path == "event":
            if self.definition_path is not None and self.definition is not None:
                own = ("event",) if self.definition.event is not None else ()
                return format_path((*self.definition_path, *own))
            return format_path(self.expectation_path or ())
        param = _param_of(finding_path)
        if param is not None:
            name, item_field = param
            if self.expectation is not None and name in self.expectation.params:
                assert self.expectation_path is not None
                return _param_path(
                    (*self.expectation_path, "params"), self.expectation.params, name, item_field
                )
            if self.definition is not None and self.definition_path is not None:
                for group in ("params", "optional"):
                    specs: Mapping[str, Any] = getattr(self.definition, group)
                    if name in specs:
                        return _param_path((*self.definition_path, group), specs, name, item_field)
        if (
            self.definition_path is not None
            and self.expectation is not None
            and not self.expectation.params
        ):
            return format_path(self.definition_path)
        return format_path(self.expectation_path or self.definition_path or ())


def _param_of(finding_path: str) -> tuple[str, str | None] | None:
    """'properties.contents[0].price' -> ('contents', 'price'); 'properties.value' -> (value)."""
    if not finding_path.startswith("properties."):
        return None
    rest = finding_path.removeprefix("properties.")
    name, _, tail = rest.partition("[")
    name = name.split(".")[0]
    item_field = tail.partition("].")[2] or None if tail else None
    return name, item_field


def _param_path(
    base: tuple[str | int, ...], specs: Mapping[str, Any], name: str, item_field: str | None
) -> str:
    spec = specs[name]
    if item_field and isinstance(spec, Matcher) and spec.items and item_field in spec.items:
        return format_path((*base, name, "items", item_field))
    return format_path((*base, name))


def _has_key(use: _Use) -> bool:
    """False when the expectation was written as a plain name (`- Purchase`)."""
    return bool(use.expectation.model_fields_set - {"event"})


def _spec_of(definition: EventDefinition) -> dict[str, Any]:
    return {**definition.optional, **definition.params}


def _example(specs: Mapping[str, Any]) -> _Example:
    example = _Example()
    for name, spec in specs.items():
        _build(example, example.properties, name, spec, f"properties.{name}")
    return example


_TYPE_EXAMPLES: dict[str, tuple[Any, str]] = {
    "number": (1, "any number"),
    "integer": (1, "any integer"),
    "string": ("x", "any string"),
    "boolean": (True, "any boolean"),
    "object": ({}, "any object"),
    "array": ([], "any array"),
    "null": (None, "null"),
}


def _build(example: _Example, target: dict[str, Any], name: str, spec: Any, path: str) -> None:
    """Put an example value for one parameter spec into target, noting guesses."""
    if not isinstance(spec, Matcher):
        target[name] = spec
        return
    if spec.absent:
        return
    if spec.has_equals:
        target[name] = spec.equals
    elif spec.one_of:
        target[name] = spec.one_of[0]
    elif spec.items is not None:
        item: dict[str, Any] = {}
        for key, item_spec in spec.items.items():
            _build(example, item, key, item_spec, f"{path}[0].{key}")
        target[name] = [item]
    elif spec.type is not None:
        value, guess = _TYPE_EXAMPLES[spec.type]
        target[name] = value
        example.guessed[path] = guess
    else:
        example.unknown.add(path)
