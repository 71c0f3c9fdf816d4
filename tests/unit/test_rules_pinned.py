"""The rule engine's findings, pinned: the same codes, messages, paths and order as the code
before the rule engine was made faster (issue 14, goal 5).

Three corpora, each run through every rule (`run_rules`, all rules selected):

- `bench-wire`: the first 5,000 events of the rules benchmark's mix (`benchmarks/bench_rules.py`
  `make_events`, wire events, no calls: every rule's wire path);
- `bench-calls`: 2,000 of the same events made ttq calls (`track`, with `page` and `identify`
  calls between them), so the canonical call path and the identity rules run too;
- `cases`: every case file under `tests/rules/cases/` with *all* rules selected (not only the
  file's own), each case hashed on its own.

Each finding is dumped whole (`model_dump(mode="json")`, keys sorted) and hashed in order; the
counts per code are kept too, so a failure says which rule moved. The expectation in
`tests/data/rules-pinned.json` was computed from the code before the engine changed:

    python tests/unit/test_rules_pinned.py      # rewrites the expectation: only on purpose
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: `tests.rules.casefile` must import
    sys.path.insert(0, str(ROOT))

from harness.core.config import RulesConfig  # noqa: E402
from harness.core.engine import run_rules  # noqa: E402
from harness.core.model import Finding, PixelEvent, TtqCall  # noqa: E402
from harness.core.reconcile import call_events  # noqa: E402
from tests.rules.casefile import load_cases  # noqa: E402

EXPECTED = ROOT / "tests" / "data" / "rules-pinned.json"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_rules", ROOT / "benchmarks" / "bench_rules.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_rules"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _digest(findings: Sequence[Finding]) -> dict[str, Any]:
    sha = hashlib.sha256()
    for finding in findings:
        sha.update(json.dumps(finding.model_dump(mode="json"), sort_keys=True).encode())
        sha.update(b"\n")
    counts = Counter(finding.code for finding in findings)
    return {
        "sha256": sha.hexdigest(),
        "findings": len(findings),
        "codes": dict(sorted(counts.items())),
    }


def _as_calls(events: Sequence[PixelEvent]) -> list[TtqCall]:
    calls: list[TtqCall] = []
    for event in events:
        at = len(calls)
        if event.index % 50 == 0:
            calls.append(_call(at, "page", []))
            at += 1
        if event.index % 97 == 0:
            calls.append(
                _call(
                    at,
                    "identify",
                    [{"email": "jane.doe@example.com", "phone_number": "+12025550123"}],
                )
            )
            at += 1
        calls.append(
            _call(at, "track", [event.name, event.properties, {"event_id": event.event_id}])
        )
    return calls


def _call(index: int, method: str, args: list[Any]) -> TtqCall:
    page = "https://shop.example/product.html?id=301"
    return TtqCall(
        index=index,
        timestamp=1795556804.0 + index / 10,
        method=method,
        args=args,
        page_url=page,
        frame_url=page,
        location=f"{page}:10:{index + 1}",
        document_id="d1",
    )


def computed() -> dict[str, Any]:
    bench = _bench()
    wire = bench.make_events(5_000)
    config = RulesConfig()
    found: dict[str, Any] = {
        "bench-wire": _digest(run_rules(wire, config=config, check_delivery=False)),
    }
    calls = _as_calls(wire[:2_000])
    found["bench-calls"] = _digest(
        run_rules(call_events(calls), calls=calls, config=config, check_delivery=False)
    )
    cases: dict[str, Any] = {}
    for case in load_cases():
        cases[case.id] = _digest(case.run(every_rule=True))
    found["cases"] = cases
    return found


def test_findings_are_the_pinned_ones() -> None:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    now = computed()
    for corpus in ("bench-wire", "bench-calls"):
        assert now[corpus] == expected[corpus], corpus
    moved = {
        case: (expected["cases"].get(case), found)
        for case, found in now["cases"].items()
        if expected["cases"].get(case) != found
    }
    assert not moved, f"findings changed in {len(moved)} case(s): {moved}"
    assert set(now["cases"]) == set(expected["cases"])


if __name__ == "__main__":
    EXPECTED.write_text(json.dumps(computed(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {EXPECTED}")
