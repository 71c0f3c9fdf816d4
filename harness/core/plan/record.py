"""From what a recording saw to a tracking-plan skeleton (`ttq-harness record`). Pure.

A recording is a list of steps (goto, click, fill), each with the events that arrived while it
ran. The skeleton names the pixels seen on the wire, defines one event per distinct (name,
shape) with matchers derived from the observed parameters, and expects, step by step, each
definition as many times per pixel as it was seen. The YAML keeps the plan model's key order,
writes short matchers in flow style (`{type: number}`) and has no tags or anchors.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import yaml

from harness.core.jsonvalue import json_type
from harness.core.model import PixelEvent
from harness.core.plan.load import schema_comment
from harness.core.plan.model import SCHEMA_URL, Plan
from harness.core.tiktok import CURRENCIES, NUMERIC_PARAMETERS, PIXEL_INTERNAL_EVENTS

#: Pixel-internal events a plan expects like any other (one per page load).
_EXPECTED_INTERNAL = frozenset({"Pageview", "PageView"})
#: Parameters recorded as their exact value rather than their type.
_EXACT_KEYS = frozenset({"currency", "content_type"})
#: A "stable prefix" of an event_id: letters, then one separator (evt-, order_, purchase:).
_ID_PREFIX = re.compile(r"^[A-Za-z][A-Za-z_]*?[-_.:]")
_JOURNEY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$")
_FLOW_WIDTH = 72

Action = Literal["goto", "click", "fill"]


@dataclass(frozen=True)
class RecordedStep:
    """One thing done on the page and the events (calls and wire) that arrived meanwhile."""

    action: Action
    target: str  # URL (goto) or selector (click, fill)
    value: str = ""  # fill only
    events: Sequence[PixelEvent] = field(default_factory=tuple)


@dataclass(frozen=True)
class RecordedPlan:
    plan: Plan
    text: str  # the YAML file, comment header included
    #: values the site sent that the plan does not copy (TikTok would reject them)
    fixes: tuple[str, ...] = ()


# -- matchers from values --------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _value_matcher(key: str, value: Any, fixes: list[str] | None = None, at: str = "") -> Any:
    """A parameter's matcher as plain data: the exact value or {type: ...}.

    A plan says what the site must send, so a value TikTok would reject is not copied into it:
    a numeric parameter sent as another type is matched as a number, a currency TikTok does
    not accept as three capital letters (upper-cased when that makes it one it accepts); each
    such fix is said in `fixes`, for the plan's header and the command's output.
    """
    if key in NUMERIC_PARAMETERS and not _is_number(value):
        _say(fixes, f"{at}{key}: sent {_shown(value)} ({json_type(value)}); the plan asks for "
             "a number, as TikTok does")  # fmt: skip
        return {"type": "number"}
    if key == "currency" and isinstance(value, str) and value not in CURRENCIES:
        if value.upper() in CURRENCIES:
            _say(fixes, f"{at}currency: sent {_shown(value)}; the plan asks for {value.upper()!r}")
            return value.upper()
        _say(fixes, f"{at}currency: sent {_shown(value)}, not a currency TikTok accepts; the "
             "plan asks for three capital letters: put your currency there")  # fmt: skip
        return {"pattern": "^[A-Z]{3}$"}
    if key in _EXACT_KEYS and isinstance(value, str):
        return value
    return {"type": json_type(value)}


def _say(fixes: list[str] | None, text: str) -> None:
    if fixes is not None and text not in fixes:
        fixes.append(text)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def _sum_holds(value: Any, contents: Any) -> bool:
    if not _is_number(value) or not isinstance(contents, list) or not contents:
        return False
    total = 0.0
    for item in contents:
        if not isinstance(item, dict) or not _is_number(item.get("price")):
            return False
        quantity = item.get("quantity", 1)
        if not _is_number(quantity):
            return False
        total += float(item["price"]) * float(quantity)
    return math.isfinite(total) and abs(round(float(value) - total, 2)) <= 0.01


def params_matchers(
    properties: Any, fixes: list[str] | None = None, at: str = ""
) -> dict[str, Any]:
    """The `params` of a definition for these observed properties (plain data, in order);
    what was not copied as sent is said in `fixes`, each line starting with `at`."""
    if not isinstance(properties, dict):
        return {}
    params: dict[str, Any] = {}
    for key, value in properties.items():
        if key == "contents" and isinstance(value, list):
            matcher: dict[str, Any] = {"length": len(value)}
            first = value[0] if value else None
            if isinstance(first, dict) and first:
                matcher["items"] = {
                    k: _value_matcher(k, v, fixes, f"{at}contents[0].") for k, v in first.items()
                }
            params[key] = matcher
        elif key == "value" and _is_number(value):
            params[key] = {"type": "number"}
            if _sum_holds(value, properties.get("contents")):
                params[key]["sum_of_contents"] = True
        else:
            params[key] = _value_matcher(key, value, fixes, at)
    return params


def _id_prefix(event_id: str) -> str:
    """'evt-' for 'evt-1712-x8k' ('' when the id has no word-like prefix, e.g. a UUID)."""
    found = _ID_PREFIX.match(event_id)
    if found is None:
        return ""
    word = found.group(0)[:-1]
    return "" if len(word) >= 6 and re.fullmatch(r"[0-9a-fA-F]+", word) else found.group(0)


def id_kind(event_ids: Sequence[str]) -> str | None:
    """What the event_ids of one definition share: their stable prefix ('evt-'), '' (they are
    all there but share none) or None (no event_id)."""
    if not event_ids or not all(event_ids):
        return None
    prefixes = {_id_prefix(event_id) for event_id in event_ids}
    return prefixes.pop() if len(prefixes) == 1 else ""


def _id_matcher(kind: str | None) -> Any:
    if kind is None:
        return None
    if kind:
        return {"pattern": "^" + re.sub(r"([.\\^$*+?()\[\]{}|])", r"\\\1", kind)}
    return {"present": True}


# -- the plan --------------------------------------------------------------------------------


def recorded_events(events: Sequence[PixelEvent]) -> list[PixelEvent]:
    """The wire events a plan expects: not automatic /act events, not EnrichAM and the like."""
    return [
        e
        for e in events
        if e.source == "wire"
        and not e.auto
        and (e.name in _EXPECTED_INTERNAL or e.name not in PIXEL_INTERNAL_EVENTS)
    ]


def default_base_url(url: str) -> str:
    """The URL's origin and directory: http://host/shop/product.html?id=1 -> http://host/shop/."""
    parts = urlsplit(url)
    directory = parts.path[: parts.path.rfind("/") + 1] or "/"
    return f"{parts.scheme}://{parts.netloc}{directory}"


def relative_url(url: str, base_url: str) -> str:
    """`url` relative to `base_url` when it lies under it (so --base-url can move the plan)."""
    if url.startswith(base_url):
        rest = url[len(base_url) :] or "./"
        if urljoin(base_url, rest) == url:
            return rest
    return url


def _pixel_names(codes: Sequence[str]) -> dict[str, str]:
    if len(codes) == 1:
        return {"main": codes[0]}
    return {f"pixel{number}": code for number, code in enumerate(codes, start=1)}


class _Flow(dict[str, Any]):
    """A mapping written in flow style: `{type: number}`."""


class _Quoted(str):
    """A string written in double quotes (regular expressions)."""

    __slots__ = ()


@dataclass
class _Definition:
    name: str
    event: str
    params: dict[str, Any]
    id_kind: str | None
    page: str | None

    def data(self, base_url: str) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.name != self.event:
            data["event"] = self.event
        if self.page:
            data["description"] = f"Recorded on {relative_url(self.page, base_url)}."
        if self.params:
            data["params"] = {key: _styled(value) for key, value in self.params.items()}
        id_matcher = _id_matcher(self.id_kind)
        if id_matcher is not None:
            if "pattern" in id_matcher:
                id_matcher["pattern"] = _Quoted(id_matcher["pattern"])
            data["event_id"] = _Flow(id_matcher)
        return data


def _styled(value: Any) -> Any:
    """Matchers as data: short ones in flow style, `items` mappings in block style."""
    if not isinstance(value, dict):
        return value
    if "items" in value:
        return {
            key: ({k: _styled(v) for k, v in item.items()} if key == "items" else _styled(item))
            for key, item in value.items()
        }
    return _Flow(value)


def _shape_key(event: PixelEvent) -> tuple[str, str, bool]:
    """Events of one definition: same name, same matchers, event_id there or not."""
    return (event.name, repr(params_matchers(event.properties)), bool(event.event_id))


def _unique_name(wanted: str, taken: set[str]) -> str:
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted}_{number}" in taken:
        number += 1
    return f"{wanted}_{number}"


def _step_data(step: RecordedStep, base_url: str, url: str) -> dict[str, Any]:
    if step.action == "goto":
        return {"goto": relative_url(urljoin(url, step.target), base_url)}
    if step.action == "click":
        return {"click": step.target}
    return {"fill": _Flow({step.target: step.value})}


def plan_data(
    steps: Sequence[RecordedStep],
    *,
    url: str,
    base_url: str | None = None,
    journey: str = "recorded",
    fixes: list[str] | None = None,
) -> dict[str, Any]:
    """The skeleton as plain data (keys in the plan model's order), ready for YAML; values not
    copied as the site sent them are said in `fixes`."""
    if not _JOURNEY_NAME.match(journey):
        raise ValueError(
            f"journey name {journey!r}: use letters, digits, spaces, '_', '.', '-' "
            "(starting with a letter or digit)"
        )
    base = base_url or default_base_url(url)
    wire = [recorded_events(step.events) for step in steps]
    codes: list[str] = []
    for events in wire:
        for event in events:
            for code in [event.pixel_code, *event.pixel_codes]:
                if code and code not in codes:
                    codes.append(code)
    pixels = _pixel_names(codes)
    name_of_code = {code: name for name, code in pixels.items()}

    definitions: dict[tuple[str, str, bool], _Definition] = {}
    event_ids: dict[tuple[str, str, bool], list[str]] = {}
    taken: set[str] = set()
    for events in wire:
        for event in events:
            key = _shape_key(event)
            event_ids.setdefault(key, []).append(event.event_id)
            if key not in definitions:
                name = _unique_name(event.name, taken)
                taken.add(name)
                definitions[key] = _Definition(
                    name=name,
                    event=event.name,
                    params=params_matchers(event.properties, fixes, f"events.{name}.params."),
                    id_kind=None,
                    page=event.page_url,
                )
    for key, definition in definitions.items():
        definition.id_kind = id_kind(event_ids[key])

    journey_steps: list[dict[str, Any]] = []
    for step, events in zip(steps, wire, strict=True):
        data = _step_data(step, base, url)
        counts: dict[str, Counter[str | None]] = {}
        for event in events:
            counts.setdefault(definitions[_shape_key(event)].name, Counter())[event.pixel_code] += 1
        expect: list[dict[str, Any]] = []
        for name, per_pixel in counts.items():
            amounts = set(per_pixel.values())
            if (set(per_pixel) == set(codes) and len(amounts) == 1) or not codes:
                expect.append(_Flow({"event": name, "count": amounts.pop()}))
                continue
            for code in codes:
                if per_pixel.get(code):
                    expect.append(
                        _Flow(
                            {"event": name, "count": per_pixel[code], "pixel": name_of_code[code]}
                        )
                    )
        if expect:
            data["expect"] = expect
        journey_steps.append(data)

    parts = urlsplit(url)
    return {
        "version": 1,
        "name": f"Recorded from {parts.netloc or url}",
        "defaults": {"base_url": base},
        "pixels": pixels,
        "events": {d.name: d.data(base) for d in definitions.values()},
        "journeys": [
            {
                "name": journey,
                "description": f"Recorded from {url}.",
                "steps": journey_steps,
            }
        ],
    }


# -- YAML ------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Insertion order, flow style only where asked, no anchors or tags."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # lists indented under their key


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=False)


def _represent_flow(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _represent_quoted(dumper: yaml.SafeDumper, data: _Quoted) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style='"')


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(_Flow, _represent_flow)
_Dumper.add_representer(_Quoted, _represent_quoted)


def to_yaml(data: dict[str, Any]) -> str:
    text = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
        indent=2,
    )
    # A blank line between top-level sections, event definitions and journeys' steps, as
    # plans are written by hand.
    lines: list[str] = []
    section = ""
    for line in text.splitlines():
        if not line.startswith(" "):
            section = line.split(":", 1)[0]
            if lines and section in ("defaults", "pixels", "events", "journeys"):
                lines.append("")
        elif lines[-1].endswith(":"):
            pass  # the first entry under its key
        elif (section == "events" and re.match(r"^  \S", line)) or (
            section == "journeys" and re.match(r"^ {2}(- |    - )", line)
        ):
            lines.append("")
        lines.append(line)
    return "\n".join(lines) + "\n"


def header(
    url: str,
    recorded_at: datetime.datetime,
    schema_ref: str = SCHEMA_URL,
    fixes: Sequence[str] = (),
) -> str:
    when = recorded_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    said = [
        "#",
        "# Not copied as the site sent it (TikTok would reject it, so the plan asks for what",
        "# TikTok accepts and `run` fails until the site is fixed):",
        *[f"#   {' '.join(fix.splitlines())}" for fix in fixes],
    ]
    return "\n".join(
        [
            schema_comment(schema_ref),
            "#",
            f"# Recorded by `ttq-harness record` on {when} from {url}",
            "# A skeleton to review before relying on it: matchers come from one visit (loosen",
            "# counts, lengths and exact values that may vary; add `never` and `ordered` where",
            "# they matter), and definitions are named after their events (rename them to say",
            "# what they mean).",
            *(said if fixes else []),
            "",
            "",
        ]
    )


def record_plan(
    steps: Sequence[RecordedStep],
    *,
    url: str,
    recorded_at: datetime.datetime,
    base_url: str | None = None,
    journey: str = "recorded",
    schema_ref: str = SCHEMA_URL,
) -> RecordedPlan:
    """The skeleton plan for a recording, and its YAML text (ValueError for a bad journey)."""
    fixes: list[str] = []
    data = plan_data(steps, url=url, base_url=base_url, journey=journey, fixes=fixes)
    plan = Plan.model_validate(_plain(data))
    text = header(url, recorded_at, schema_ref, fixes) + to_yaml(data)
    return RecordedPlan(plan=plan, text=text, fixes=tuple(fixes))


def _plain(value: Any) -> Any:
    """The data without the styling classes (pydantic takes it as dicts, lists and str)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value
