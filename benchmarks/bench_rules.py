"""Rule-check throughput: every rule on 100,000 decoded events, against two JSON Schema
validators given a full schema of the same checks, side by side in one run.

    .venv/bin/python benchmarks/bench_rules.py [--events N] [--repeat R]

Targets (issue 14, goal 5): the rules at least 5x faster than `jsonschema` and at least 0.5x
the speed of `fastjsonschema`, both with the full schema; and at least 20,000 events per second
on one core (the rules issue's figure).

The three contestants, on the same 100,000 events (`make_events`: the demo shop's wire events,
about half with the broken twin's mistakes):

- **rules**: `run_rules` with every rule selected (75 rules; the event rules on each event,
  the capture rules once over all of them), each mistake a `Finding` with its message, path,
  expected and received values and where it was found.
- **jsonschema**: `Draft202012Validator(SCHEMA)` built once, then `iter_errors` on each event
  document, consuming *every* error (the rules report every mistake too).
- **fastjsonschema**: `fastjsonschema.compile(SCHEMA)` once, then the compiled function on each
  event document. It raises at the *first* error of a document and has no way to collect the
  others, so it is timed validating each document and catching that first error: it does
  less work than the rules on every broken event (about half of them). The comparison is
  still the one the issue asks for; `jsonschema`'s first-error time (`next(iter_errors)`) is
  printed too, for a like-for-like reading of the two schema libraries.

Each event document is `{"event", "properties", "page_url", "referrer", "user"}` of the
event, built before the clocks start (the rules get the `PixelEvent`s, already built too).
The validators are built or compiled before their clocks start, and the rules run once on
100 events first for the same reason (their vocabulary file and name tables load on first
use). The run is interleaved with `--repeat`, keeping each contestant's best.

`SCHEMA` (`full_schema()`) expresses, per event document, every check of the event rules that
JSON Schema can state (the `spec` profile, the default): the name's type, blankness, letter
case against the standard, reserved and pixel names, reserved and deprecated names, the custom
name's length, characters, first letter and trailing space (EV001-EV009); e-mail and phone
patterns in every string of the properties, at any depth through a recursive `$ref`, in the
page URL and in the name (ID001-ID003); hashed `context.user` e-mail and phone (ID005) and
match keys on purchases (ID007); properties an object (PR001), value/price/quantity
non-negative numbers (PR002-PR004: one `type`/`minimum` check), a currency with a value
(PR005), the 62 upper-case currency codes (PR006-PR007: one `enum`), content_type (PR008),
contents an array of objects (PR009) each with a non-blank content_id (PR010) and typed fields
(PR011), value, currency and content ids on value events (PR013), a search term on Search
(PR014) and a string spread into characters (PR015). The schema keeps to keywords both
libraries implement (fastjsonschema has no 2020-12 `dependentRequired`: PR005 is an
`if`/`then`), and the run checks that both validators find the same documents invalid.

Where the schema is looser than the rules: the PII patterns are the harness's own regexes,
but the checks around them (digit counts of a phone, file-name "domains", keys named email or
phone, the depth limit) are not; `{"__ttq_type__": "undefined"}` (an explicit undefined at
the call) is not modelled, as the documents are wire events, where it never appears.

`UNEXPRESSIBLE` lists the rules a per-document schema cannot express, with why; the run
prints them.
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import fastjsonschema
import jsonschema

from harness.core import pii
from harness.core.config import RulesConfig
from harness.core.engine import run_rules
from harness.core.model import PixelEvent
from harness.core.rules import all_rules
from harness.core.tiktok import CONTENT_ITEM_TYPES, CURRENCIES, PIXEL_INTERNAL_EVENTS, SPEC

PAGE = "https://shop.example/product.html?id=301"
TARGET_RATE = 20_000
TARGET_VS_JSONSCHEMA = 5.0
TARGET_VS_FASTJSONSCHEMA = 0.5
Row = tuple[str, str, str, str]


def make_events(count: int, seed: int = 7) -> list[PixelEvent]:
    """A realistic mix: mostly correct shop events, some with the broken twin's mistakes."""
    rng = random.Random(seed)
    names = [
        "ViewContent",
        "AddToCart",
        "InitiateCheckout",
        "CompletePayment",
        "Search",
        "start_free_trial",
        "Purchase",
        "addtocart",
        "sign up!",
    ]
    events = []
    for index in range(count):
        name = rng.choice(names)
        quantity = rng.randint(1, 3)
        price = rng.choice([8, 12.5, 1.2, 30])
        props: dict[str, Any] = {
            "contents": [
                {
                    "content_id": str(rng.choice([301, 302, 401, 402])),
                    "content_type": "product",
                    "content_name": "Summer Dress",
                    "price": price,
                    "quantity": quantity,
                }
            ],
            "value": round(price * quantity, 2),
            "currency": rng.choice(["USD", "USD", "USD", "usd", "XYZ"]),
        }
        if name == "Search":
            props = {"query": "dress"}
        if rng.random() < 0.05:
            props["value"] = str(props.get("value", "8"))
        if rng.random() < 0.02:
            props["email"] = "jane.doe@example.com"
        events.append(
            PixelEvent(
                index=index,
                source="wire",
                name=name,
                pixel_code="CDEMO00SHOP00PIXEL01",
                pixel_codes=["CDEMO00SHOP00PIXEL01"],
                event_id=f"evt-{index}",
                properties=props,
                page_url=PAGE,
                timestamp="2026-11-24T21:46:44.138Z",
            )
        )
    return events


# --- the full schema ------------------------------------------------------------------------

#: Rules a JSON Schema of one event document cannot express, and why.
UNEXPRESSIBLE: dict[str, str] = {
    "EV010": "sensitive words are read word by word (camelCase, plurals, stems)",
    "EV011": "the name is read word by word against a vocabulary of meanings",
    "PR012": "arithmetic: value against the sum of price * quantity",
    "ID004 ID006": "ttq.identify() calls, not events",
    "ID008 ID009": "the whole beacon body, with URL and key context",
    "EV012 DD001-DD003 EA001-EA008": "several events (once per name, duplicates, server twins)",
    "CF001 CH001-CH004 CN001-CN003 SD001-SD009 TR001-TR011": (
        "the capture: calls, requests, documents, console messages, order in time"
    ),
}


def _any_case(name: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in name)


def full_schema() -> dict[str, Any]:
    """One event document's checks (see the module docstring), Draft 2020-12 keywords that
    fastjsonschema implements too."""
    profile = SPEC
    known = sorted({*profile.standard_events, *profile.reserved_events, *PIXEL_INTERNAL_EVENTS})
    known_any_case = "^(?:" + "|".join(_any_case(name) for name in known) + ")$"
    pii_text = f"(?:{pii._EMAIL.pattern})|(?:{pii._E164.pattern})|(?:{pii.FORMATTED_PHONE.pattern})"
    value_events = sorted(
        {
            *profile.value_events,
            *(name for name, to in profile.reserved_events.items() if to in profile.value_events),
        }
    )
    payment = sorted({"CompletePayment", "Purchase", *profile.purchase_events})
    item_strings = [key for key, types in CONTENT_ITEM_TYPES.items() if types == (str,)]
    has = "#/$defs/"

    def given(name: str) -> dict[str, Any]:  # `if`: the event is one of these names
        return {"required": ["event"], "properties": {"event": {"enum": [name]}}}

    def props(schema: dict[str, Any]) -> dict[str, Any]:  # `then`: about the properties
        return {"properties": {"properties": schema}}

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {
            "amount": {"type": "number", "minimum": 0},  # PR002, PR003, PR004
            "nonBlank": {"type": "string", "pattern": r"\S"},
            "noPii": {  # ID001: every string at any depth
                "not": {"type": "string", "pattern": pii_text},
                "additionalProperties": {"$ref": has + "noPii"},
                "items": {"$ref": has + "noPii"},
            },
            "hashed": {
                "anyOf": [{"enum": [None, ""]}, {"type": "string", "pattern": "^[0-9a-f]{64}$"}]
            },
            "item": {  # PR009-PR011
                "type": "object",
                "required": ["content_id"],
                "properties": {
                    "content_id": {"anyOf": [{"$ref": has + "nonBlank"}, {"type": "number"}]},
                    "content_type": {"enum": sorted(profile.content_types)},  # PR008
                    **{key: {"type": "string"} for key in item_strings if key != "content_type"},
                    "price": {"$ref": has + "amount"},
                    "quantity": {"$ref": has + "amount"},
                },
            },
        },
        "type": "object",
        "required": ["event", "properties"],
        "properties": {
            "event": {
                "type": "string",  # EV002
                "pattern": r"\S",  # EV001
                "allOf": [
                    {"not": {"enum": sorted(set(profile.reserved_events) - PIXEL_INTERNAL_EVENTS)}},
                    {"not": {"enum": sorted(profile.deprecated_events) or [None]}},  # EV005
                    {"anyOf": [{"enum": known}, {"not": {"pattern": known_any_case}}]},  # EV003
                    {"not": {"pattern": pii_text}},  # ID003
                ],
                "if": {"not": {"pattern": known_any_case}},  # a custom name: EV006-EV009
                "then": {
                    "maxLength": 50,
                    "allOf": [
                        {"pattern": "^[A-Za-z]"},
                        {"pattern": r"^[A-Za-z0-9_-]*\s*$"},
                        {"not": {"pattern": r"\s$"}},
                    ],
                },
            },
            "properties": {
                "type": "object",  # PR001
                "allOf": [{"$ref": has + "noPii"}],
                "properties": {
                    "value": {"$ref": has + "amount"},
                    "currency": {"enum": sorted(CURRENCIES)},  # PR006, PR007
                    "content_type": {"enum": sorted(profile.content_types)},  # PR008
                    "contents": {"type": "array", "items": {"$ref": has + "item"}},
                },
                "if": {"required": ["value"]},  # PR005
                "then": {"required": ["currency"]},
                "not": {  # PR015: a string spread into characters
                    "required": ["0"],
                    "propertyNames": {"pattern": "^[0-9]+$"},
                    "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 1},
                },
            },
            "page_url": {"not": {"type": "string", "pattern": pii_text.replace("@", "(?:@|%40)")}},
            "referrer": {"not": {"type": "string", "pattern": pii_text.replace("@", "(?:@|%40)")}},
            "user": {  # ID005
                "type": "object",
                "properties": {
                    "email": {"$ref": has + "hashed"},
                    "phone_number": {"$ref": has + "hashed"},
                },
            },
        },
        "allOf": [
            *(  # PR013
                {
                    "if": given(name),
                    "then": props(
                        {
                            "required": ["value", "currency"],
                            "anyOf": [
                                {"required": ["content_id"]},
                                {"required": ["content_ids"]},
                                {
                                    "required": ["contents"],
                                    "properties": {
                                        "contents": {"contains": {"required": ["content_id"]}}
                                    },
                                },
                            ],
                        }
                    ),
                }
                for name in value_events
            ),
            {  # PR014
                "if": given("Search"),
                "then": props(
                    {
                        "anyOf": [
                            {"required": [key], "properties": {key: {"$ref": has + "nonBlank"}}}
                            for key in profile.search_parameters
                        ]
                    }
                ),
            },
            *(  # ID007
                {
                    "if": given(name),
                    "then": {
                        "required": ["user"],
                        "properties": {
                            "user": {
                                "anyOf": [
                                    {
                                        "required": [key],
                                        "properties": {key: {"type": "string", "minLength": 1}},
                                    }
                                    for key in ("email", "phone_number")
                                ]
                            }
                        },
                    },
                }
                for name in payment
            ),
        ],
    }


SCHEMA: dict[str, Any] = full_schema()


def documents(events: list[PixelEvent]) -> list[dict[str, Any]]:
    """Each event as the JSON document the schemas check."""
    return [
        {
            "event": event.name,
            "properties": event.properties,
            "page_url": event.page_url,
            "referrer": event.referrer,
            "user": event.user,
        }
        for event in events
    ]


# --- the timings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    seconds: float  # wall clock (perf_counter)
    cpu: float  # this process's CPU time (process_time): steadier on a shared machine
    count: int  # findings, errors or invalid documents


def _timed(run: Callable[[], int]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    count = run()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu, count)


def bench_rules(events: list[PixelEvent]) -> tuple[float, int]:
    """(seconds, findings) of every rule on `events` (bench_plan_matching reads this)."""
    timing = time_rules(events)
    return timing.seconds, timing.count


def time_rules(events: list[PixelEvent]) -> Timing:
    return _timed(lambda: len(run_rules(events, config=RulesConfig(), check_delivery=False)))


def time_jsonschema(docs: list[dict[str, Any]]) -> Timing:
    """Every error of every document (iter_errors consumed)."""
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return _timed(lambda: sum(1 for doc in docs for _ in validator.iter_errors(doc)))


def time_jsonschema_first(docs: list[dict[str, Any]]) -> Timing:
    """Invalid documents, stopping at each one's first error (as fastjsonschema does)."""
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return _timed(lambda: sum(1 for doc in docs if next(validator.iter_errors(doc), None)))


def time_fastjsonschema(docs: list[dict[str, Any]]) -> Timing:
    """Invalid documents: the compiled validator raises at a document's first error."""
    validate = fastjsonschema.compile(SCHEMA)

    def run() -> int:
        invalid = 0
        for doc in docs:
            try:
                validate(doc)
            except fastjsonschema.JsonSchemaValueException:
                invalid += 1
        return invalid

    return _timed(run)


@dataclass(frozen=True)
class Comparison:
    events: int
    rules: Timing
    jsonschema: Timing
    jsonschema_first: Timing
    fastjsonschema: Timing

    def speed(self, baseline: Timing, cpu: bool = False) -> float:
        """How many times faster the rules are than `baseline` (above 1: faster)."""
        return baseline.cpu / self.rules.cpu if cpu else baseline.seconds / self.rules.seconds


def compare(count: int = 100_000, repeat: int = 1) -> Comparison:
    """Time the three side by side, interleaved, keeping each one's best of `repeat` runs."""
    events = make_events(count)
    docs = documents(events)
    # The schemas are compiled before their clocks start; the rules' one-time set-up (their
    # vocabulary file, name tables, regexes) is done the same way, on a few events.
    run_rules(events[:100], config=RulesConfig(), check_delivery=False)
    runs: dict[str, list[Timing]] = {"rules": [], "js": [], "js1": [], "fjs": []}
    for _ in range(repeat):
        runs["rules"].append(time_rules(events))
        runs["fjs"].append(time_fastjsonschema(docs))
        runs["js"].append(time_jsonschema(docs))
        runs["js1"].append(time_jsonschema_first(docs))
    best = {name: min(timings, key=lambda t: t.seconds) for name, timings in runs.items()}
    if best["js1"].count != best["fjs"].count:
        raise AssertionError(
            f"the validators disagree: jsonschema finds {best['js1'].count} invalid documents, "
            f"fastjsonschema {best['fjs'].count}"
        )
    return Comparison(count, best["rules"], best["js"], best["js1"], best["fjs"])


def rows(c: Comparison) -> list[Row]:
    """run_all's rows: both ratios, with the rates they come from (the rules' own rate is
    bench_plan_matching's row)."""
    rate = c.events / c.rules.seconds
    found = []
    for name, baseline, how, target in (
        ("jsonschema", c.jsonschema, "full schema, every error", TARGET_VS_JSONSCHEMA),
        (
            "fastjsonschema",
            c.fastjsonschema,
            "compiled full schema, first error",
            TARGET_VS_FASTJSONSCHEMA,
        ),
    ):
        speed = c.speed(baseline)
        found.append(
            (
                f"rules vs {name} ({how}), {c.events:,} events",
                f"{rate:,.0f} / {c.events / baseline.seconds:,.0f} events/s = {speed:.2f}x "
                f"(CPU time {c.speed(baseline, cpu=True):.2f}x)",
                f">= {target:.1f}x",
                "met" if speed >= target else "NOT met",
            )
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="best of R interleaved runs")
    args = parser.parse_args()
    c = compare(args.events, args.repeat)
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} Python "
        f"{platform.python_version()}, one core"
    )
    print(f"events: {c.events:,}; rules: {len(all_rules())}; best of {args.repeat}")
    lines = [
        ("ttq-harness rules", c.rules, "findings"),
        ("jsonschema, every error", c.jsonschema, "errors"),
        ("jsonschema, first error", c.jsonschema_first, "invalid documents"),
        ("fastjsonschema, first error", c.fastjsonschema, "invalid documents"),
    ]
    for name, timing, what in lines:
        print(
            f"{name:<28}: {timing.seconds:7.2f} s (CPU {timing.cpu:6.2f} s) "
            f"{c.events / timing.seconds:>10,.0f} events/s  {timing.count:,} {what}"
        )
    rate = c.events / c.rules.seconds
    print(f"rules: {rate:,.0f} events/s; target >= {TARGET_RATE:,}: ", end="")
    print("met" if rate >= TARGET_RATE else "NOT met")
    for row in rows(c):
        print(f"{row[0]}: {row[1]}; target {row[2]}: {row[3]}")
    print(
        f"rules vs jsonschema, first error: {c.speed(c.jsonschema_first):.2f}x "
        "(like for like with fastjsonschema's reading)"
    )
    print("rules the schema cannot express:")
    for codes, why in UNEXPRESSIBLE.items():
        print(f"  {codes}: {why}")


if __name__ == "__main__":
    main()
