"""Read a tracking plan (YAML or JSON) into a Plan, with errors that point at lines.

YAML is composed into a node tree first, so every key and list item keeps its position; the
plain data built from it goes to pydantic, and pydantic's errors are mapped back to the plan's
lines, with "did you mean" for typos and one problem per mistake (not one per union branch).

Errors are one line each: `FILE:LINE:COL: PATH: MESSAGE`, PATH in the style
`journeys[0].steps[2].expect[0].count` (`(top level)` for the plan itself).

Why one module over 500 lines: it does one thing, reading a plan with errors that name
FILE:LINE:COL, the field and the fix ("did you mean"); most lines word those errors.
"""

from __future__ import annotations

import datetime
import difflib
import enum
import json
import re
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from yaml.constructor import ConstructorError

from harness.core.collector import no_cyclic_gc
from harness.core.errors import HarnessError
from harness.core.jsonvalue import clip
from harness.core.plan.model import SCHEMA_URL, Matcher, Plan

#: key path ("journeys[0].steps[1]") -> (line, column) of that key or list item, 1-based.
Positions = dict[str, tuple[int, int]]
PathPart = str | int

SCHEMA_TITLE = "ttq-harness tracking plan"
_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")
#: Deepest nesting a plan may have (the deepest real matcher is about 8 levels).
MAX_DEPTH = 64
#: How many values aliases may add by repeating anchored nodes: generous for shared matchers,
#: small enough that a "billion laughs" alias bomb is refused at once.
MAX_ALIAS_EXPANSION = 10_000


@dataclass(frozen=True)
class PlanProblem:
    """One mistake in a plan file. line/column are 1-based; None when unknown."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        elif not self.path:
            return f"{where}: {self.message}"  # about the file itself
        return f"{where}: {self.path or '(top level)'}: {self.message}"


class PlanError(HarnessError):
    """A plan that cannot be read or is not valid; str() is one line per problem."""

    def __init__(self, problems: Sequence[PlanProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


# --- public API ------------------------------------------------------------------------------


def load_plan(path: Path) -> Plan:
    """Read and validate a plan; PlanError (one line per problem) if it is not valid."""
    return load_plan_with_positions(path)[0]


def load_plan_with_positions(path: Path) -> tuple[Plan, Positions]:
    """The plan and the (line, column) of every key path in it (for lint messages)."""
    with no_cyclic_gc():
        data, positions = read_plan_data(path)
        return validate_plan_data(data, positions, str(path)), positions


def plan_from_text(text: str, file: str = "<plan>") -> tuple[Plan, Positions]:
    """A plan from YAML or JSON text (`file` is the name errors use)."""
    with no_cyclic_gc():
        data, positions = parse_plan_text(text, file)
        return validate_plan_data(data, positions, file), positions


def validate_plan_data(data: Any, positions: Positions, file: str) -> Plan:
    """Plan.model_validate with errors mapped to the plan's lines (PlanError)."""
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        raise PlanError(validation_problems(exc, data, positions, file)) from None


def read_plan_data(path: Path) -> tuple[Any, Positions]:
    """The plan file as plain data, plus positions. PlanError for unreadable files, bad YAML
    and duplicate keys."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(
            [PlanProblem(file, None, None, "", "cannot read the plan: no such file")]
        ) from None
    except IsADirectoryError:
        raise PlanError(
            [PlanProblem(file, None, None, "", "cannot read the plan: it is a directory")]
        ) from None
    except UnicodeDecodeError as exc:
        message = f"cannot read the plan: not UTF-8 text ({exc.reason} at byte {exc.start})"
        raise PlanError([PlanProblem(file, None, None, "", message)]) from None
    except OSError as exc:
        message = f"cannot read the plan: {exc.strerror or exc}"
        raise PlanError([PlanProblem(file, None, None, "", message)]) from None
    if Path(path).suffix.lower() == ".json":
        # JSON allows tabs as whitespace; YAML does not. Inside JSON strings a tab must be
        # escaped, so replacing them keeps every string and every column as it was.
        text = text.replace("\t", " ")
    return parse_plan_text(text, file)


def parse_plan_text(text: str, file: str = "<plan>") -> tuple[Any, Positions]:
    """Parse YAML (or JSON) text into plain data and positions. PlanError on problems.

    A valid plan is read with libyaml when PyYAML has it (linear and fast: a plan of 100,000
    journeys); anything it finds wrong is read again with the pure-Python parser, whose error
    messages and positions the problems quote.
    """
    if _FastPlanLoader is not None:
        fast = _FastPlanLoader(text)
        try:
            node = fast.get_single_node()
            if node is not None:
                builder = _Builder(fast, file)
                data = builder.build(node, ())
                if not builder.problems:
                    return data, builder.positions
        except (yaml.YAMLError, RecursionError):
            pass  # reported below, with the pure-Python parser's words
        finally:
            fast.dispose()
    try:
        loader = _PlanLoader(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. NUL
        raise PlanError([_reader_problem(exc, text, file)]) from None
    try:
        node = loader.get_single_node()
        if node is None:
            problem = PlanProblem(file, 1, 1, "", "the plan is empty")
            raise PlanError([problem])
        builder = _Builder(loader, file)
        data = builder.build(node, ())
    except yaml.MarkedYAMLError as exc:
        raise PlanError([_yaml_problem(exc, file)]) from None
    except yaml.reader.ReaderError as exc:
        raise PlanError([_reader_problem(exc, text, file)]) from None
    except yaml.YAMLError as exc:  # any other YAML error, without a mark
        message = " ".join(f"not valid YAML: {exc}".split())
        raise PlanError([PlanProblem(file, None, None, "", message)]) from None
    except RecursionError:  # PyYAML composes nested collections recursively
        mark = loader.get_mark()
        message = f"the plan is nested too deeply (more than {MAX_DEPTH} levels)"
        raise PlanError([PlanProblem(file, mark.line + 1, mark.column + 1, "", message)]) from None
    finally:
        loader.dispose()
    if builder.problems:
        raise PlanError(sorted(builder.problems, key=_sort_key))
    return data, builder.positions


def dump_schema() -> str:
    """The plan's JSON Schema, pretty-printed, for editors (`$id` is SCHEMA_URL)."""
    schema = Plan.model_json_schema(by_alias=True)
    schema.pop("title", None)
    # An expectation may be written as just its event name (Expectation._from_name), which
    # pydantic cannot see in a "before" validator: say so in the schema.
    expectation = schema.get("$defs", {}).get("Expectation")
    if expectation is not None:
        schema["$defs"]["Expectation"] = {
            "title": expectation.get("title", "Expectation"),
            "description": expectation.get("description", ""),
            "anyOf": [
                {"type": "string", "description": "Shorthand for {event: <name>}."},
                {key: value for key, value in expectation.items() if key != "description"},
            ],
        }
    document = {"$schema": _SCHEMA_DIALECT, "$id": SCHEMA_URL, "title": SCHEMA_TITLE, **schema}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def schema_comment(schema_ref: str) -> str:
    """The first line of a plan that tells YAML editors where its schema is (no newline)."""
    return f"# yaml-language-server: $schema={schema_ref}"


def format_path(parts: Sequence[PathPart]) -> str:
    """('journeys', 0, 'steps') -> 'journeys[0].steps'; odd keys are quoted: a["b c"]."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part, ensure_ascii=False)}]"
    return text


def position_of(path: str, positions: Positions) -> tuple[int, int] | None:
    """The position of a path, or of its nearest ancestor that has one."""
    current = path
    while True:
        if current in positions:
            return positions[current]
        if not current:
            return None
        current = _parent_path(current)


# --- YAML to data with positions ------------------------------------------------------------


def _yaml_problem(exc: yaml.MarkedYAMLError, file: str) -> PlanProblem:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "not valid YAML"
    if exc.context and exc.problem:
        problem = f"{exc.problem} ({exc.context})"
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    return PlanProblem(file, line, column, "", " ".join(f"YAML syntax error: {problem}".split()))


def _reader_problem(exc: yaml.reader.ReaderError, text: str, file: str) -> PlanProblem:
    """A character YAML does not allow (NUL, most control characters), at its line."""
    before = text[: exc.position]
    line = before.count("\n") + 1
    column = exc.position - (before.rfind("\n") + 1) + 1
    character = exc.character if isinstance(exc.character, str) else chr(exc.character)
    message = (
        f"YAML syntax error: the character {character!r} is not allowed in YAML ({exc.reason})"
    )
    return PlanProblem(file, line, column, "", message)


class _PlanLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: only true/false, so `country: NO` stays text."""


_PlanLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PlanLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

_FastPlanLoader: Any = None
if getattr(yaml, "__with_libyaml__", False):

    class _CPlanLoader(yaml.CSafeLoader):
        """The same plan loader on libyaml's parser."""

    _CPlanLoader.yaml_implicit_resolvers = _PlanLoader.yaml_implicit_resolvers
    _FastPlanLoader = _CPlanLoader


class _Builder:
    """Turns a composed node tree into plain Python data, recording positions."""

    def __init__(self, loader: _PlanLoader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.positions: Positions = {}
        self.problems: list[PlanProblem] = []
        self._active: set[int] = set()
        self._built: set[int] = set()
        self._repeated = 0  # nodes built again through aliases

    def build(self, node: yaml.Node, path: tuple[PathPart, ...]) -> Any:
        if len(path) > MAX_DEPTH:
            raise ConstructorError(
                None,
                None,
                f"the plan is nested too deeply (more than {MAX_DEPTH} levels)",
                node.start_mark,
            )
        if id(node) in self._built:
            self._repeated += 1
            if self._repeated > MAX_ALIAS_EXPANSION:
                raise ConstructorError(
                    None,
                    None,
                    f"aliases expand to more than {MAX_ALIAS_EXPANSION:,} values "
                    "(an alias bomb?); reuse smaller anchors",
                    node.start_mark,
                )
        self._built.add(id(node))
        self.positions.setdefault(format_path(path), _mark(node))
        if isinstance(node, yaml.ScalarNode):
            value = self.loader.construct_object(node, deep=True)
            if isinstance(value, datetime.date | bytes):
                return node.value  # dates and binary: keep the text as written
            return value
        if id(node) in self._active:
            raise ConstructorError(
                None, None, "a recursive alias is not allowed in a plan", node.start_mark
            )
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
        finally:
            self._active.discard(id(node))
        raise ConstructorError(None, None, f"unexpected YAML node {node.tag}", node.start_mark)

    def _mapping(self, node: yaml.MappingNode, path: tuple[PathPart, ...]) -> dict[str, Any]:
        own = sum(1 for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge")
        self.loader.flatten_mapping(node)  # resolves `<<: *anchor` merge keys
        merged = len(node.value) - own  # merged pairs come first; own keys may override them
        result: dict[str, Any] = {}
        own_keys: dict[str, yaml.Node] = {}
        for position, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConstructorError(
                    None,
                    None,
                    "a key must be a plain value, not a list or mapping",
                    key_node.start_mark,
                )
            key = self.build_key(key_node)
            key_path = format_path((*path, key))
            if position >= merged:
                if key in own_keys:
                    line, column = _mark(key_node)
                    first = _mark(own_keys[key])[0]
                    message = f"duplicate key {_show(key)} (first at line {first})"
                    self.problems.append(PlanProblem(self.file, line, column, key_path, message))
                    continue
                own_keys[key] = key_node
            self.positions[key_path] = _mark(key_node)
            result[key] = self.build(value_node, (*path, key))
        return result

    def build_key(self, node: yaml.ScalarNode) -> str:
        """Keys are text as written: `on:`, `1:`, `2024-01-01:` are names, not values."""
        return str(node.value)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


_SEGMENT = re.compile(r'\[\d+\]|\["(?:[^"\\]|\\.)*"\]|\.?[^.\[]+')


def _parent_path(path: str) -> str:
    segments = _SEGMENT.findall(path)
    return "".join(segments[:-1]) if segments else ""


# --- pydantic errors to plan problems -------------------------------------------------------

_MEANT = re.compile(r"did you mean '([^']*)'\?")
_SCALAR_TAGS = {"str", "int", "float", "bool", "none"}
_KIND_WORDS = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "none": "null",
    "list": "a list",
    "dict": "a mapping",
}


@dataclass
class _Resolved:
    error: ErrorDetails
    real: tuple[PathPart, ...]  # the loc parts that are keys/indexes of the data
    tags: list[tuple[tuple[PathPart, ...], str]]  # (real path at the union, branch tag)
    owner: type[BaseModel] | None  # the model that read the last loc part
    final: Any  # the type the last loc part was validated against, when known


def validation_problems(
    exc: ValidationError, data: Any, positions: Positions, file: str
) -> list[PlanProblem]:
    """pydantic's errors as plan problems: one per path, sorted by line."""
    resolved = [_resolve(error, data) for error in exc.errors()]
    relevant = [r for r in resolved if _fits(r, data)]
    problems: list[tuple[str, str]] = []
    # Union branches that did not fit the data at all: one "expected ..." problem per union,
    # unless a branch that fits explains the mistake better.
    mismatched: dict[tuple[PathPart, ...], list[str]] = {}
    for r in resolved:
        if r in relevant:
            continue
        site, _ = r.tags[0]
        mismatched.setdefault(site, []).extend(tag for s, tag in r.tags if s == site)
    for site, tags in mismatched.items():
        if any(r.real[: len(site)] == site for r in relevant):
            continue
        wanted = _join_or(_unique(_kind_word(tag) for tag in tags))
        value = _at(data, site)
        problems.append((format_path(site), f"expected {wanted}; got {_describe(value)}"))

    missing: dict[str, list[str]] = {}
    typos: set[tuple[str, str]] = set()  # (path, key): an unknown key that is a typo of key
    for r in relevant:
        if r.error["type"] == "missing":
            missing.setdefault(format_path(r.real), []).append(str(r.error["loc"][-1]))
            continue
        problem = _problem(r, data)
        problems.append(problem)
        meant = _MEANT.search(problem[1])
        if r.error["type"] == "extra_forbidden" and meant:
            typos.add((format_path(r.real[:-1]), meant[1]))
    for path, keys in missing.items():
        unique = [key for key in _unique(keys) if (path, key) not in typos]
        if not unique:
            continue  # "unknown key 'evnt'; did you mean 'event'?" says it all
        noun = "key" if len(unique) == 1 else "keys"
        problems.append((path, f"missing required {noun} {', '.join(map(repr, unique))}"))

    seen: set[str] = set()
    result: list[PlanProblem] = []
    for path, message in problems:
        if path in seen:
            continue
        seen.add(path)
        line, column = position_of(path, positions) or (None, None)
        result.append(PlanProblem(file, line, column, path, message))
    return sorted(result, key=_sort_key)


def _sort_key(problem: PlanProblem) -> tuple[int, int, str]:
    return (problem.line or 0, problem.column or 0, problem.path)


def _problem(r: _Resolved, data: Any) -> tuple[str, str]:
    error = r.error
    kind = error["type"]
    path = format_path(r.real)
    value = error.get("input")
    if kind == "extra_forbidden" and r.owner is not None:
        key = str(error["loc"][-1])
        allowed = _field_names(r.owner)
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        noun = "matcher key" if r.owner is Matcher else "key"
        return path, f"unknown {noun} {key!r}{hint} (allowed: {', '.join(allowed)})"
    if kind in ("literal_error", "enum"):
        allowed_values = _allowed_values(r.final)
        if allowed_values is not None:
            shown = [_show(v) for v in allowed_values]
            texts = [str(v) for v in allowed_values]
            close = difflib.get_close_matches(str(value), texts, n=1, cutoff=0.6)
            hint = (
                f"; did you mean {_show(allowed_values[texts.index(close[0])])}?" if close else ""
            )
            return path, f"invalid value {_show(value)}{hint} (allowed: {', '.join(shown)})"
        expected = (error.get("ctx") or {}).get("expected", "")
        return path, f"invalid value {_show(value)} (allowed: {expected})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if (error.get("ctx") or {}).get("class_name") == "Expectation":
            return path, f"expected an event name or a mapping with 'event'; got {_describe(value)}"
        if not r.real:
            return path, f"a plan must be a mapping of keys; got {_describe(value)}"
        return path, f"expected a mapping; got {_describe(value)}"
    if kind == "list_type":
        return path, f"expected a list; got {_describe(value)}"
    message = error["msg"]
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
        if isinstance(value, dict | list):
            return path, message
        return path, f"{message} (got {_show(value)})"
    if kind == "assertion_error":
        message = message.removeprefix("Assertion failed, ")
    return path, f"{message[:1].lower()}{message[1:]} (got {_show(value)})"


def _resolve(error: ErrorDetails, data: Any) -> _Resolved:
    """Walk the error's loc through the model's types and the data side by side."""
    loc = list(error["loc"])
    real: list[PathPart] = []
    tags: list[tuple[tuple[PathPart, ...], str]] = []
    owner: type[BaseModel] | None = None
    current: Any = Plan
    cursor: Any = data
    in_data = True
    index = 0
    final: Any = None
    while index < len(loc):
        part = loc[index]
        current = _unwrap(current)
        if isinstance(part, str) and part.startswith(("function-", "chain[")):
            index += 1
            continue
        if current is not None and _is_union(current):
            branches = [b for b in typing.get_args(current) if b is not type(None)]
            branch = _branch_for(part, branches)
            if branch is not None:
                tags.append((tuple(real), str(part)))
                current = branch
                index += 1
                continue
            if len(branches) == 1:
                current = branches[0]
                continue
            current = None
        if isinstance(part, str) and part in ("[key]",):
            in_data = False
            index += 1
            continue
        # a key or index of the data
        if in_data and _has(cursor, part):
            real.append(part)
            cursor = cursor[part]
        else:
            in_data = False
        if isinstance(current, type) and issubclass(current, BaseModel):
            owner = current
            field = _field(current, str(part))
            current = field
        elif current is not None and typing.get_origin(current) in (list, Sequence):
            current = typing.get_args(current)[0] if typing.get_args(current) else None
        elif current is not None and typing.get_origin(current) is dict:
            args = typing.get_args(current)
            current = args[1] if len(args) == 2 else None
        else:
            current = None
        final = current
        index += 1
    return _Resolved(error, tuple(real), tags, owner, final)


def _fits(r: _Resolved, data: Any) -> bool:
    """False when the error comes from a union branch that cannot take the data's kind."""
    for site, tag in r.tags:
        value = _at(data, site)
        kind = _tag_kind(tag)
        if kind is None:
            continue
        if isinstance(value, dict):
            if kind != "dict":
                return False
        elif isinstance(value, list):
            if kind != "list":
                return False
        elif kind != "scalar":
            return False
    return True


def _tag_kind(tag: str) -> str | None:
    if tag in _SCALAR_TAGS or tag.startswith("literal["):
        return "scalar"
    if tag.startswith(("list[", "tuple[", "set[")):
        return "list"
    if tag.startswith("dict[") or tag[:1].isupper():
        return "dict"
    return None


def _kind_word(tag: str) -> str:
    if tag.startswith(("list[", "tuple[", "set[")):
        return _KIND_WORDS["list"]
    if tag.startswith("dict[") or tag[:1].isupper():
        return _KIND_WORDS["dict"]
    if tag.startswith("literal["):
        return f"one of {tag.removeprefix('literal[').removesuffix(']')}"
    return _KIND_WORDS.get(tag, tag)


_SIMPLE_TAGS: dict[str, Any] = {"str": str, "int": int, "float": float, "bool": bool}
_GENERIC_TAGS: dict[Any, str] = {list: "list[", dict: "dict[", typing.Literal: "literal["}


def _branch_for(part: PathPart, branches: Sequence[Any]) -> Any:
    """The union branch a loc tag ('Matcher', 'str', 'list[any]'...) names, if any."""
    if not isinstance(part, str):
        return None
    for branch in branches:
        plain = _unwrap(branch)
        if isinstance(plain, type) and issubclass(plain, BaseModel):
            matched = part == plain.__name__
        elif part in _SIMPLE_TAGS:
            matched = plain is _SIMPLE_TAGS[part]
        else:
            prefix = _GENERIC_TAGS.get(typing.get_origin(plain))
            matched = prefix is not None and part.startswith(prefix)
        if matched:
            return plain
    return None


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (Union, types.UnionType)


def _field(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def _field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _allowed_values(annotation: Any) -> list[Any] | None:
    annotation = _unwrap(annotation)
    if _is_union(annotation):
        for branch in typing.get_args(annotation):
            found = _allowed_values(branch)
            if found is not None:
                return found
        return None
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [member.value for member in annotation]
    return None


def _has(container: Any, part: PathPart) -> bool:
    if isinstance(container, dict):
        return part in container
    if isinstance(container, list):
        return isinstance(part, int) and 0 <= part < len(container)
    return False


def _at(data: Any, path: Sequence[PathPart]) -> Any:
    for part in path:
        data = data[part]
    return data


def _unique(items: typing.Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _join_or(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} or {words[-1]}"


def _show(value: Any, limit: int = 60) -> str:
    """A value as a plan author wrote it: 'text', 12, true, null, [..], {..}."""
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = repr(value)
    return clip(text, limit)


def _describe(value: Any) -> str:
    """'a list [1, 2]', 'the string 'x'', 'a mapping {...}'."""
    if isinstance(value, dict):
        return f"a mapping {_show(value)}"
    if isinstance(value, list):
        return f"a list {_show(value)}"
    if isinstance(value, str):
        return f"the string {_show(value)}"
    if isinstance(value, bool):
        return _show(value)
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return f"the number {_show(value)}"
    return _show(value)
