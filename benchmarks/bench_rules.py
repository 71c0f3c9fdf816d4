"""Rule-check throughput: all rules on 100,000 decoded events, against a JSON Schema baseline.

    .venv/bin/python benchmarks/bench_rules.py [--events N]

Target (issue: validation rules): at least 20,000 events per second on one core. The baseline
validates the same events' properties with a plain JSON Schema (jsonschema, the compiled
Draft 2020-12 validator) that checks only types and the currency list: far less than the rules
do. Both are timed in this one run, side by side, and the ratio is printed.
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from typing import Any

import jsonschema

from harness.core.config import RulesConfig
from harness.core.engine import run_rules
from harness.core.model import PixelEvent
from harness.core.rules import all_rules
from harness.core.tiktok import CURRENCIES

PAGE = "https://shop.example/product.html?id=301"


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


SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "value": {"type": "number", "minimum": 0},
        "currency": {"enum": sorted(CURRENCIES)},
        "query": {"type": "string"},
        "contents": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["content_id"],
                "properties": {
                    "content_id": {"type": ["string", "number"]},
                    "content_type": {"enum": ["product", "product_group"]},
                    "content_name": {"type": "string"},
                    "price": {"type": "number", "minimum": 0},
                    "quantity": {"type": "number", "minimum": 0},
                },
            },
        },
    },
}


def bench_rules(events: list[PixelEvent]) -> tuple[float, int]:
    start = time.perf_counter()
    findings = run_rules(events, config=RulesConfig(), check_delivery=False)
    return time.perf_counter() - start, len(findings)


def bench_schema(events: list[PixelEvent]) -> tuple[float, int]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    start = time.perf_counter()
    errors = sum(1 for event in events for _ in validator.iter_errors(event.properties))
    return time.perf_counter() - start, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    events = make_events(args.events)
    rules_time, findings = bench_rules(events)
    schema_time, errors = bench_schema(events)
    rate = len(events) / rules_time
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} Python "
        f"{platform.python_version()}, one core"
    )
    print(f"events: {len(events):,}; rules: {len(all_rules())}")
    print(
        f"ttq-harness rules : {rules_time:7.2f} s  {rate:>10,.0f} events/s  {findings:,} findings"
    )
    print(
        f"jsonschema (types): {schema_time:7.2f} s  {len(events) / schema_time:>10,.0f} "
        f"events/s  {errors:,} errors"
    )
    print(
        f"ratio rules/jsonschema time: {rules_time / schema_time:.2f} "
        f"(below 1.00 means the rules are faster)"
    )
    print(f"target >= 20,000 events/s: {'met' if rate >= 20_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
