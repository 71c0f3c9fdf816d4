"""Fuzzed inputs: beacon bodies, plan files, HAR files and `[tool.ttq-harness]` configs.

Each input yields events and findings, or a one-line error (an UndecodableBeacon's reason, a
PlanError, a HarError, a HarnessError): no crash, no traceback, no hang, bounded memory.
Hypothesis runs derandomized so CI is reproducible; the regressions found by fuzzing are plain
example tests at the end of each section.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import quote

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.core import decode
from harness.core.config import RulesConfig, load_pyproject
from harness.core.decode import MAX_DEPTH, decode_beacon
from harness.core.endpoints import classify
from harness.core.engine import build_report, run_rules
from harness.core.errors import HarnessError
from harness.core.har import HarError, har_report, load_har, parse_har
from harness.core.model import Finding, PixelEvent, RawRequest, RequestKind, UndecodableBeacon
from harness.core.plan.load import MAX_DEPTH as PLAN_MAX_DEPTH
from harness.core.plan.load import PlanError, load_plan
from harness.core.plan.model import Plan

#: Calls allowed per character of a plan (YAML is parsed in Python) and of a HAR file.
PLAN_WORK = 400
#: ... and what loading any plan costs at least (the YAML loader, the models): about 0.4 M.
PLAN_FLOOR = 1_000_000
HAR_WORK = 60


class _Work:
    """The Python function calls (and calls into C) made while a block runs: the work done,
    which a loaded machine cannot change. Tests bound the work by the input's size (linear, no
    blow-up); how long it takes is for the benchmarks."""

    def __init__(self) -> None:
        self.calls = 0

    def __enter__(self) -> _Work:
        def count(frame: Any, event: str, arg: Any) -> None:
            if event in ("call", "c_call"):
                self.calls += 1

        sys.setprofile(count)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(None)

    def at_most(self, size: int, *, per_unit: int, floor: int = 200_000) -> bool:
        """At most `per_unit` calls per unit of input (a character, a line), plus a floor."""
        return self.calls <= floor + per_unit * size


ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data"
DEMO_PLAN = ROOT / "sites" / "demo-plan.yaml"
PIXEL_URL = "https://analytics.tiktok.com/api/v2/pixel"
MB = 1024 * 1024

#: Multiplies every max_examples: TTQ_FUZZ_SCALE=50 for a long local or nightly run.
SCALE = int(os.environ.get("TTQ_FUZZ_SCALE", "1"))


def fuzz(examples: int = 60, **extra: Any) -> Callable[[Any], Any]:
    """Hypothesis settings for this file: reproducible (derandomized), no per-example deadline
    (the tests time what matters themselves)."""
    return settings(
        max_examples=examples * SCALE, deadline=None, derandomize=True, database=None, **extra
    )


BODIES: list[str] = [
    beacon["body"]
    for file in sorted(DATA.glob("real-sdk-2.1.33-*.json"))
    for beacon in json.loads(file.read_text(encoding="utf-8"))["beacons"]
]
#: One real body with `contents` (the Purchase), the richest for the parameter rules.
PURCHASE = next(body for body in BODIES if '"contents"' in body)

#: Wrong-typed values for every field: JSON's types, edge numbers (NaN, ±inf, huge ints), odd
#: strings and containers, and the recorder's marker for values JSON cannot hold.
WRONG_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**63,
    10**400,
    1.5,
    -0.0,
    1e308,
    float("nan"),
    float("inf"),
    float("-inf"),
    "",
    "x",
    "NaN",
    "<script>alert(1)</script>",
    "a\nb",
    "\ud800",
    "é" * 300,
    [],
    [None],
    [1, "a", {}],
    {},
    {"a": None},
    {"__ttq_type__": "undefined"},
]


def _one_line(text: str) -> None:
    assert text.strip(), "empty message"
    assert "\n" not in text and "\r" not in text, text[:300]
    assert "Traceback" not in text


# -- beacons ----------------------------------------------------------------------------------


def _request(body: str | None, *, url: str = PIXEL_URL, method: str = "POST") -> RawRequest:
    try:
        kind, endpoint = classify(url)
    except ValueError:  # a URL urllib cannot split: what the capture would call an event POST
        kind, endpoint = RequestKind.EVENT, "pixel"
    return RawRequest(
        index=0,
        timestamp=0.0,
        method=method,
        url=url,
        body=body,
        body_origin="request" if body else "none",
        kind=kind,
        endpoint=endpoint,
    )


def _get(message: str) -> RawRequest:
    return _request(None, url=f"{PIXEL_URL}?analytics_message={quote(message)}", method="GET")


def _check_beacon(request: RawRequest) -> list[Finding]:
    """decode_beacon gives events or a one-line reason; the rules and the report never raise."""
    decoded = decode_beacon(request)
    if isinstance(decoded, UndecodableBeacon):
        _one_line(decoded.reason)
        assert len(decoded.reason) < 2000, "the reason must be bounded"
        events: list[PixelEvent] = []
        undecodable = [decoded]
    else:
        assert decoded and all(isinstance(event, PixelEvent) for event in decoded)
        events, undecodable = decoded, []
    findings = run_rules(events, requests=[request], undecodable=undecodable, config=RulesConfig())
    assert all(finding.message for finding in findings)
    if undecodable:
        assert any(finding.code == "TR001" for finding in findings)
    report = build_report(
        harness_version="0", sdk="fuzz", url="x", browser=None, calls=[], requests=[request]
    )
    assert len(report.events) + len(report.undecodable) >= 1
    return findings


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path in a JSON value: the root, each key, each list item."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)
    return copy


@fuzz()
@given(st.binary(max_size=2000))
def test_random_bytes_as_post_body(raw: bytes) -> None:
    _check_beacon(_request(raw.decode("utf-8", errors="replace")))


@fuzz()
@given(st.binary(max_size=500))
def test_random_bytes_as_get_message(raw: bytes) -> None:
    _check_beacon(_get(raw.decode("utf-8", errors="replace")))


@fuzz(150)
@given(st.sampled_from(BODIES), st.floats(min_value=0, max_value=1, exclude_max=True))
def test_truncated_real_bodies(body: str, fraction: float) -> None:
    prefix = body[: int(len(body) * fraction)]
    _check_beacon(_request(prefix))
    _check_beacon(_get(base64.urlsafe_b64encode(prefix.encode()).decode()))


@fuzz(300)
@given(st.data())
def test_wrong_type_at_every_path_of_real_bodies(data: st.DataObject) -> None:
    body = json.loads(data.draw(st.sampled_from(BODIES)))
    path = data.draw(st.sampled_from(list(_paths(body))))
    value = data.draw(st.sampled_from(WRONG_VALUES))
    _check_beacon(_request(json.dumps(_replace(body, path, value))))


@pytest.mark.parametrize("value", WRONG_VALUES, ids=repr)
def test_wrong_type_at_every_path_of_the_purchase(value: Any) -> None:
    """Exhaustive on one body: every path of the real Purchase, every wrong value."""
    body = json.loads(PURCHASE)
    for path in _paths(body):
        _check_beacon(_request(json.dumps(_replace(body, path, value))))


def _nested(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("depth", [100, 500, 900, 1000, 10_000])
@pytest.mark.parametrize("where", ["body", "properties", "user", "event", "get"])
@pytest.mark.parametrize("kind", ["list", "dict"])
def test_deeply_nested_json(depth: int, where: str, kind: str) -> None:
    nested = _nested(depth, kind)
    body = json.loads(PURCHASE)
    if where == "body":
        text = nested
    else:
        marker = '"__NESTED__"'
        if where == "properties":
            body["properties"]["contents"][0]["price"] = "__NESTED__"
        elif where == "user":
            body["context"]["user"]["email"] = "__NESTED__"
        else:
            body["event"] = "__NESTED__"
        text = json.dumps(body).replace(marker, nested)
    request = _get(base64.urlsafe_b64encode(text.encode()).decode()) if where == "get" else None
    with _Work() as work:
        _check_beacon(request or _request(text))
    assert work.at_most(len(text), per_unit=12), work.calls


def _huge_bodies() -> dict[str, str]:
    huge = "x" * MB
    body = json.loads(PURCHASE)
    cases: dict[str, str] = {"raw": huge, "json-string": json.dumps(huge)}
    for name, path in [
        ("event", ("event",)),
        ("event_id", ("event_id",)),
        ("content_name", ("properties", "contents", 0, "content_name")),
        ("currency", ("properties", "currency")),
        ("page_url", ("context", "page", "url")),
        ("email", ("context", "user", "email")),
        ("pixel", ("context", "pixel", "code")),
        ("key", ()),
    ]:
        if path:
            cases[name] = json.dumps(_replace(body, path, huge))
        else:
            cases[name] = json.dumps({**body, "properties": {huge: 1}})
    cases["many-contents"] = json.dumps(
        _replace(body, ("properties", "contents"), [{"content_id": "1", "price": 1}] * 10_000)
    )
    cases["many-keys"] = json.dumps(
        _replace(body, ("properties",), {f"k{i}": i for i in range(50_000)})
    )
    return cases


HUGE = _huge_bodies()


@pytest.mark.parametrize("name", list(HUGE))
@pytest.mark.parametrize("transport", ["post", "get"])
def test_huge_strings_are_fast_and_bounded(name: str, transport: str) -> None:
    text = HUGE[name]
    if transport == "get":
        request = _get(base64.urlsafe_b64encode(text.encode()).decode())
    else:
        request = _request(text)
    with _Work() as work:
        _check_beacon(request)
    assert work.at_most(len(text), per_unit=12), f"{name}: {work.calls} calls"
    tracemalloc.start()
    try:
        _check_beacon(request)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * MB, f"{name}: peak {peak / MB:.1f} MB"


_BASE64ISH = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=%{}!é \t\n\x00",
    max_size=200,
)


@fuzz()
@given(
    st.one_of(
        _BASE64ISH,
        st.binary(max_size=300).map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
        st.binary(max_size=300).map(lambda raw: base64.b64encode(raw).decode().rstrip("=")),
        st.text(max_size=200).map(lambda text: base64.urlsafe_b64encode(text.encode()).decode()),
        st.sampled_from(BODIES).map(lambda body: base64.urlsafe_b64encode(body.encode()).decode()),
        st.sampled_from(BODIES).map(lambda body: body[: len(body) // 2]),
    )
)
def test_bad_analytics_message(message: str) -> None:
    _check_beacon(_get(message))


@fuzz()
@given(st.text(max_size=100), st.sampled_from(BODIES))
def test_odd_urls_and_queries(query: str, body: str) -> None:
    encoded = base64.urlsafe_b64encode(body.encode()).decode()
    for url in (
        f"{PIXEL_URL}?{query}",
        f"{PIXEL_URL}?{query}&analytics_message={encoded}",
    ):
        _check_beacon(_request(None, url=url, method="GET"))
    # A URL urllib cannot parse is no pixel URL; decoding it anyway must not crash either.
    broken = f"https://[{query}/api/v2/pixel?analytics_message={encoded}"
    decoded = decode_beacon(_request(None, url=broken, method="GET"))
    assert isinstance(decoded, list | UndecodableBeacon)


# Regressions found by the fuzzing above.


def test_json_too_deep_to_parse_is_undecodable() -> None:
    decoded = decode_beacon(_request("[" * 10_000 + "]" * 10_000))
    assert isinstance(decoded, UndecodableBeacon)
    assert decoded.reason.startswith("request body is JSON nested too deeply to decode: '[[[")


def test_deep_values_become_the_too_deep_marker_as_on_the_call_side() -> None:
    body = json.loads(PURCHASE)
    body["properties"]["extra"] = json.loads(_nested(500, "list"))
    decoded = decode_beacon(_request(json.dumps(body)))
    assert not isinstance(decoded, UndecodableBeacon)
    value = decoded[0].properties["extra"]
    for _ in range(MAX_DEPTH - 2):  # properties is level 1, extra level 2
        (value,) = value
    assert value == {"__ttq_type__": "too-deep"}
    assert decoded[0].properties["contents"] == body["properties"]["contents"]
    run_rules(decoded, config=RulesConfig())  # used to raise RecursionError (dedup fingerprint)


def test_integers_beyond_a_double_are_infinity_as_in_javascript() -> None:
    for digits in (400, 5000):  # 5,000 digits: int() refuses more than 4,300
        text = PURCHASE.replace('"value":9.2', f'"value":{"9" * digits}')
        decoded = decode_beacon(_request(text))
        assert not isinstance(decoded, UndecodableBeacon)
        assert decoded[0].properties["value"] == float("inf")
        codes = {f.code for f in run_rules(decoded, config=RulesConfig())}
        assert "PR004" in codes


def test_huge_numbers_reach_the_rules_without_overflow() -> None:
    for value in (10**400, 1e308, -1e308):
        event = PixelEvent(
            index=0,
            source="call",
            name="CompletePayment",
            properties={"value": value, "currency": "USD", "contents": [{"price": 1.0}]},
        )
        findings = run_rules([event], config=RulesConfig(), check_delivery=False)
        assert {"PR004", "PR012"} & {f.code for f in findings}


def test_an_unparseable_url_is_undecodable() -> None:
    request = _request(None, url="https://[::1/api/v2/pixel?analytics_message=e30", method="GET")
    decoded = decode_beacon(request)
    assert isinstance(decoded, UndecodableBeacon)
    assert decoded.reason.startswith("the URL cannot be parsed (Invalid IPv6 URL)")


def test_a_huge_non_string_event_name_gives_a_short_reason() -> None:
    body = json.loads(PURCHASE)
    body["event"] = [["x" * 1000]] * 1000  # 1 MB
    decoded = decode_beacon(_request(json.dumps(body)))
    assert isinstance(decoded, UndecodableBeacon)
    assert decoded.reason.startswith("'event' is list, not a string: [[")
    assert len(decoded.reason) < 200


# -- plans ------------------------------------------------------------------------------------

DEMO_LINES = DEMO_PLAN.read_text(encoding="utf-8").splitlines()
_PLAN_KEYS = [
    "version", "name", "defaults", "pixels", "events", "journeys", "steps", "expect", "never",
    "event", "params", "count", "at_least", "at_most", "pixel", "source", "goto", "click",
    "fill", "wait_for", "type", "pattern", "min", "max", "one_of", "items", "length", "timeout",
    "quiet", "unexpected", "rules", "profile", "ignore", "ordered", "<<", "evnt", "x y",
]  # fmt: skip
_SCALARS = [
    "1", "-1", "1.5", ".nan", ".inf", "~", "null", "true", "NO", "yes", "2024-01-01", "''",
    '"x"', "[]", "{}", "[1, 2]", "{a: 1}", "&anchor", "*anchor", "*missing", "!!binary aGk=",
    "!!python/object:os.system", "!!str", "|", ">", "'unterminated", "@", "`", "%", "\t",
    "0x1F", "1_000", "99999999999999999999999999", "\x00", "\ufeff", "\u2028",
]  # fmt: skip


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("plans")


_PROBLEM_LINE = r"(:\d+(:\d+)?)?: \S.*"


def _check_plan(directory: Path, text: str, suffix: str = ".yaml") -> Plan | None:
    """load_plan returns a Plan or raises a PlanError of `FILE(:LINE:COL)?: ...` lines."""
    path = directory / f"plan{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    work = _Work()
    try:
        with work:
            return load_plan(path)
    except PlanError as exc:
        message = str(exc)
        assert message.strip()
        assert "Traceback" not in message
        for line in message.split("\n"):
            assert re.fullmatch(re.escape(str(path)) + _PROBLEM_LINE, line), line[:300]
        return None
    finally:
        assert work.at_most(len(text), per_unit=PLAN_WORK, floor=PLAN_FLOOR), work.calls


@fuzz()
@given(st.text(max_size=300))
def test_random_text_as_plan(plan_dir: Path, text: str) -> None:
    _check_plan(plan_dir, text)
    _check_plan(plan_dir, text, ".json")


_YAML_LINE = st.builds(
    lambda indent, dash, key, value: f"{' ' * indent}{dash}{key}: {value}",
    st.integers(0, 8),
    st.sampled_from(["", "- ", "-", "? "]),
    st.sampled_from(_PLAN_KEYS),
    st.sampled_from(_SCALARS),
)


@fuzz()
@given(st.lists(_YAML_LINE, max_size=20))
def test_yamlish_plans(plan_dir: Path, lines: list[str]) -> None:
    _check_plan(plan_dir, "\n".join(lines))


def _mutate(lines: list[str], data: st.DataObject) -> list[str]:
    lines = list(lines)
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(lines) - 1))
        operation = data.draw(
            st.sampled_from(["delete", "duplicate", "indent", "dedent", "scalar", "key"])
        )
        line = lines[at]
        if operation == "delete":
            del lines[at]
        elif operation == "duplicate":
            lines.insert(at, line)
        elif operation == "indent":
            lines[at] = " " * data.draw(st.integers(1, 4)) + line
        elif operation == "dedent":
            lines[at] = line[data.draw(st.integers(1, 4)) :]
        elif operation == "scalar" and ":" in line:
            key = line.split(":", 1)[0]
            lines[at] = f"{key}: {data.draw(st.sampled_from(_SCALARS))}"
        else:
            indent = len(line) - len(line.lstrip())
            key = data.draw(st.one_of(st.sampled_from(_PLAN_KEYS), st.text(min_size=1, max_size=8)))
            value = data.draw(st.sampled_from(_SCALARS))
            lines.insert(at, f"{' ' * indent}{json.dumps(key)}: {value}")
        if not lines:
            lines = ["{}"]
    return lines


@fuzz(120)
@given(st.data())
def test_mutated_demo_plan(plan_dir: Path, data: st.DataObject) -> None:
    _check_plan(plan_dir, "\n".join(_mutate(DEMO_LINES, data)))


def test_demo_plan_still_loads(plan_dir: Path) -> None:
    assert _check_plan(plan_dir, "\n".join(DEMO_LINES)) is not None


#: Plans as plain data (the demo plan with its aliases expanded), to break at every path.
PLAN_DATA = [
    json.loads((DATA / "plans" / "valid.json").read_text(encoding="utf-8")),
    yaml.safe_load(DEMO_PLAN.read_text(encoding="utf-8")),
]


@fuzz(80)
@given(st.data())
def test_wrong_type_at_every_path_of_valid_plans(plan_dir: Path, data: st.DataObject) -> None:
    plan = data.draw(st.sampled_from(PLAN_DATA))
    path = data.draw(st.sampled_from(list(_paths(plan))))
    value = data.draw(st.sampled_from(WRONG_VALUES))
    _check_plan(plan_dir, json.dumps(_replace(plan, path, value), default=str), ".json")


def _laughs(levels: int, fanout: int = 10) -> str:
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * fanout)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append(f"name: *a{levels - 1}")
    return "\n".join(lines)


@pytest.mark.parametrize("levels", [5, 9, 30])
def test_billion_laughs_is_rejected_quickly(plan_dir: Path, levels: int) -> None:
    tracemalloc.start()
    try:
        assert _check_plan(plan_dir, _laughs(levels)) is None  # its work bounded by its size
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * MB  # the expansion never happened (memory, not time: no flaky clock)


@pytest.mark.parametrize("depth", [100, 1000, 10_000])
@pytest.mark.parametrize("kind", ["flow-list", "flow-map", "block"])
def test_deeply_nested_plan(plan_dir: Path, depth: int, kind: str) -> None:
    if kind == "flow-list":
        text = "name: " + "[" * depth + "]" * depth
    elif kind == "flow-map":
        text = "name: " + "{a: " * depth + "1" + "}" * depth
    else:
        text = "\n".join(" " * level + "a:" for level in range(min(depth, 2000))) + " 1"
    _check_plan(plan_dir, text)
    _check_plan(plan_dir, text.replace("{a: ", '{"a": '), ".json")


def test_a_control_character_is_a_plan_error_at_its_line(plan_dir: Path) -> None:
    path = plan_dir / "plan.yaml"
    path.write_text("name: x\nversion: 1\x00\n", encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert str(caught.value) == (
        f"{path}:2:11: (top level): YAML syntax error: "
        "the character '\\x00' is not allowed in YAML (special characters are not allowed)"
    )


def test_a_plan_nested_too_deeply_is_a_plan_error(plan_dir: Path) -> None:
    for depth, where in [(100, ":1:"), (10_000, ":1:")]:
        path = plan_dir / "plan.yaml"
        path.write_text("name: " + "[" * depth + "]" * depth, encoding="utf-8")
        with pytest.raises(PlanError) as caught:
            load_plan(path)
        message = str(caught.value)
        assert message.startswith(f"{path}{where}")
        assert message.endswith(
            f"the plan is nested too deeply (more than {PLAN_MAX_DEPTH} levels)"
        )


def test_an_alias_bomb_is_refused(plan_dir: Path) -> None:
    path = plan_dir / "plan.yaml"
    path.write_text(_laughs(9), encoding="utf-8")
    with _Work() as work, pytest.raises(PlanError) as caught:
        load_plan(path)
    assert work.at_most(len(_laughs(9)), per_unit=PLAN_WORK, floor=PLAN_FLOOR), work.calls
    assert re.fullmatch(
        re.escape(str(path)) + r":\d+:\d+: \(top level\): YAML syntax error: "
        r"aliases expand to more than 10,000 values \(an alias bomb\?\); reuse smaller anchors",
        str(caught.value),
    )


# -- HAR --------------------------------------------------------------------------------------

_JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
)
_JSON = st.recursive(
    _JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=15,
)
def _deepest(value: Any, level: int = 0) -> int:
    """The level of the deepest object or array in `value` (its top is level 0; -1: none)."""
    if isinstance(value, dict):
        return max([level, *(_deepest(item, level + 1) for item in value.values())])
    if isinstance(value, list):
        return max([level, *(_deepest(item, level + 1) for item in value)])
    return -1


@given(_JSON, st.integers(min_value=0, max_value=6))
def test_the_depth_limit_copies_only_what_it_cuts(value: Any, limit: int) -> None:
    # The check comes first and copies nothing; a body within the limit is the same object,
    # and a deeper one is cut exactly as the copying walk cuts it.
    with mock.patch.object(decode, "MAX_DEPTH", limit):
        limited = decode._limit_depth(value, 0)
        assert limited == decode._cut(value, 0)
    assert (limited is value) == (_deepest(value) < limit)


_B64_PURCHASE = base64.urlsafe_b64encode(PURCHASE.encode()).decode()
_PIXEL_URLS = st.sampled_from(
    [
        PIXEL_URL,
        f"{PIXEL_URL}/act",
        f"{PIXEL_URL}/batch",
        f"{PIXEL_URL}?analytics_message=!!!",
        f"{PIXEL_URL}?analytics_message={_B64_PURCHASE}",
        f"{PIXEL_URL}?analytics_message={_B64_PURCHASE[:50]}",
        "https://analytics.tiktok.com/i18n/pixel/events.js",
        "https://analytics.tiktok.com/api/v2/pixel/inter",
        "https://analytics.tiktok.com:99999/api/v2/pixel",
    ]
)
_ODD_URLS = st.sampled_from(
    ["https://shop.test/", "https://[::1/", "http://[oops]/x", "data:text/html,hi", "", "\x00"]
)
_URLS = st.one_of(_PIXEL_URLS, _PIXEL_URLS, _ODD_URLS, st.text(max_size=30), _JSON)
_BODY_TEXT = st.one_of(
    st.sampled_from(BODIES),
    st.sampled_from(BODIES).map(lambda body: base64.b64encode(body.encode()).decode()),
    st.sampled_from(BODIES).map(lambda body: body[: len(body) // 3]),
    st.sampled_from(["!!!not base64", "e30=", "/w==", "x" * MB]),
    st.text(max_size=50),
)
_POST_DATA = st.one_of(
    st.fixed_dictionaries(
        {"text": _BODY_TEXT},
        optional={"encoding": st.sampled_from(["base64", "BASE64", "gzip", ""]), "mimeType": _JSON},
    ),
    st.fixed_dictionaries(
        {},
        optional={
            "text": st.one_of(_BODY_TEXT, _JSON),
            "encoding": _JSON,
            "params": st.one_of(
                _JSON,
                st.lists(
                    st.fixed_dictionaries({}, optional={"name": _JSON, "value": _JSON}),
                    max_size=3,
                ),
            ),
        },
    ),
    _JSON,
)
_HEADERS = st.one_of(
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "name": st.one_of(st.sampled_from(["Referer", "referer", ":path"]), _JSON),
                "value": st.one_of(
                    st.sampled_from(["https://shop.test/", "http://[::1", "https://a.test/p?q"]),
                    _JSON,
                ),
            },
        ),
        max_size=3,
    ),
    _JSON,
)
_METHODS = st.sampled_from(["POST", "POST", "GET", "OPTIONS", "post", ""])
_GOOD_REQUEST = st.fixed_dictionaries(
    {"method": _METHODS, "url": _PIXEL_URLS},
    optional={"headers": _HEADERS, "postData": _POST_DATA},
)
_REQUEST = st.one_of(
    _GOOD_REQUEST,
    _GOOD_REQUEST,
    _GOOD_REQUEST,
    st.fixed_dictionaries(
        {},
        optional={
            "method": st.one_of(_METHODS, _JSON),
            "url": _URLS,
            "headers": _HEADERS,
            "postData": _POST_DATA,
        },
    ),
)
_ENTRY_EXTRAS = {
    "startedDateTime": st.one_of(
        st.sampled_from(
            [
                "2026-01-02T03:04:05.500Z",
                "9999-12-31T23:59:59-23:59",
                "0001-01-01T00:00:00+23:59",
                "0001-01-01",
                "nope",
            ]
        ),
        _JSON,
    ),
    "pageref": st.one_of(st.sampled_from(["page_1", "page_2"]), _JSON),
    "_resourceType": st.one_of(st.sampled_from(["document", "fetch"]), _JSON),
    "response": st.one_of(st.just({"content": {"mimeType": "text/html"}}), _JSON),
}
_ENTRY = st.one_of(
    st.fixed_dictionaries({"request": _REQUEST}, optional=_ENTRY_EXTRAS),
    st.fixed_dictionaries({"request": _REQUEST}, optional=_ENTRY_EXTRAS),
    st.fixed_dictionaries({"request": _REQUEST}, optional=_ENTRY_EXTRAS),
    st.fixed_dictionaries({}, optional={"request": _JSON, **_ENTRY_EXTRAS}),
    _JSON,
)
_PAGES = st.lists(
    st.fixed_dictionaries(
        {"id": st.sampled_from(["page_1", "page_2"])}, optional={"title": st.one_of(_URLS, _JSON)}
    ),
    max_size=2,
)
_LOG = st.fixed_dictionaries(
    {"entries": st.lists(_ENTRY, max_size=5)},
    optional={
        "pages": st.one_of(_PAGES, _JSON),
        "creator": st.one_of(st.fixed_dictionaries({"name": _JSON, "version": _JSON}), _JSON),
        "browser": _JSON,
    },
)
_HAR = st.one_of(
    st.fixed_dictionaries({"log": _LOG}),
    st.fixed_dictionaries({"log": _LOG}),
    st.fixed_dictionaries({"log": _LOG}),
    st.fixed_dictionaries({"log": st.one_of(_JSON, st.fixed_dictionaries({"entries": _JSON}))}),
    _JSON,
)


def _check_har_data(data: Any) -> None:
    try:
        capture = parse_har(data, source="fuzz.har")
    except HarError as exc:
        _one_line(str(exc))
        assert str(exc).startswith("fuzz.har: ")
        return
    report = har_report(capture)
    for note in capture.notes():
        _one_line(note)
    for item in report.undecodable:
        _one_line(item.reason)


@fuzz(200)
@given(_HAR)
def test_har_shaped_structures(data: Any) -> None:
    _check_har_data(data)


@pytest.fixture(scope="module")
def har_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("har")


def _check_har_file(directory: Path, raw: bytes) -> None:
    path = directory / "capture.har"
    path.write_bytes(raw)
    with _Work() as work:
        try:
            capture = load_har(path)
        except HarError as exc:
            _one_line(str(exc))
            assert str(exc).startswith(f"{path}: ")
        else:
            har_report(capture)
    assert work.at_most(len(raw), per_unit=HAR_WORK), work.calls


REAL_HAR = (DATA / "har" / "broken-shop-playwright.har").read_bytes()


@fuzz()
@given(
    st.one_of(st.binary(max_size=500), st.integers(0, len(REAL_HAR)).map(lambda n: REAL_HAR[:n]))
)
def test_random_and_truncated_har_files(har_dir: Path, raw: bytes) -> None:
    _check_har_file(har_dir, raw)


@pytest.mark.parametrize("depth", [1000, 10_000, 100_000])
def test_deeply_nested_har_file(har_dir: Path, depth: int) -> None:
    _check_har_file(har_dir, ("[" * depth + "]" * depth).encode())
    _check_har_file(har_dir, ('{"log": ' * depth + "1" + "}" * depth).encode())


def test_har_json_too_deep_is_a_har_error(har_dir: Path) -> None:
    path = har_dir / "capture.har"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(HarError, match=r"not a HAR file: JSON nested too deeply to read$"):
        load_har(path)
    path.write_text('{"log": {"entries": [' + "9" * 5000 + "]}}", encoding="utf-8")
    with pytest.raises(HarError, match=r"not a HAR file: Exceeds the limit \(4300 digits\)"):
        load_har(path)


def test_har_messages_stay_on_one_line() -> None:
    with pytest.raises(HarError) as caught:
        parse_har({"a\nb": 1, "ok": 2}, source="x.har")
    assert (
        str(caught.value) == 'x.har: not a HAR file: no log.entries (top-level keys: "a\\nb", ok)'
    )
    log = {"creator": {"name": "Evil\nTool", "version": "1\r"}, "entries": []}
    capture = parse_har({"log": log}, source="x.har")
    assert capture.creator == "Evil Tool 1"
    assert all("\n" not in note for note in capture.notes())


def test_har_entries_with_unparseable_urls_are_counted_not_fatal() -> None:
    body = {"mimeType": "text/plain", "text": PURCHASE}
    entries = [
        {"request": {"method": "POST", "url": "https://[::1/api/v2/pixel", "postData": body}},
        {
            "request": {
                "method": "POST",
                "url": PIXEL_URL,
                "headers": [{"name": "Referer", "value": "http://[oops/p"}],
                "postData": body,
            }
        },
    ]
    capture = parse_har({"log": {"entries": entries}}, source="x.har")
    assert capture.other_hosts == {"(invalid URL)": 1}
    assert [r.page_url for r in capture.requests] == ["http://[oops/p"]
    report = har_report(capture)
    assert [e.name for e in report.events] == ["CompletePayment"]


# -- config -----------------------------------------------------------------------------------

_TOML_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return (
        "{"
        + ", ".join(
            f"{json.dumps(k, ensure_ascii=False)} = {_toml_value(v)}" for k, v in value.items()
        )
        + "}"
    )


_TOML_LEAF = st.one_of(
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    _TOML_TEXT,
    st.sampled_from(
        ["ALL", "PR013", "PR", "parameters", "PR0*", "PR999", "nope", "spec", "tiktok-2025",
         "error", "warning", "info", "never", "", " ", "[", "*"]
    ),
)  # fmt: skip
_TOML_VALUE = st.recursive(
    _TOML_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_TOML_TEXT, inner, max_size=3)
    ),
    max_leaves=10,
)
_CONFIG_KEYS = [*RulesConfig.model_fields, "selct", "fail-on", "rules"]
_CONFIG_TABLE = st.dictionaries(
    st.one_of(st.sampled_from(_CONFIG_KEYS), _TOML_TEXT), _TOML_VALUE, max_size=6
)


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("config")


def _check_config(directory: Path, text: str | bytes) -> None:
    """load_pyproject gives a RulesConfig or a HarnessError of `FILE...: problem` lines; the
    rules then run with it or raise a one-line HarnessError (bad selector or profile)."""
    path = directory / "pyproject.toml"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(text)
    try:
        config = load_pyproject(path)
    except HarnessError as exc:
        message = str(exc)
        assert message.strip()
        for line in message.split("\n"):
            assert line.startswith(f"{path}"), message[:300]
            assert "Traceback" not in line
        return
    try:
        run_rules([], config=config)
    except HarnessError as exc:
        _one_line(str(exc))


@fuzz(150)
@given(_CONFIG_TABLE)
def test_random_config_tables(config_dir: Path, table: dict[str, Any]) -> None:
    body = "\n".join(
        f"{json.dumps(k, ensure_ascii=False)} = {_toml_value(v)}" for k, v in table.items()
    )
    _check_config(config_dir, f"[tool.ttq-harness]\n{body}\n")


@fuzz()
@given(
    st.one_of(
        st.text(max_size=200),
        st.binary(max_size=100),
        _CONFIG_TABLE.map(lambda table: f"tool = {_toml_value(table)}"),
        _TOML_VALUE.map(lambda value: f"tool = {_toml_value(value)}"),
    )
)
def test_random_toml_text(config_dir: Path, text: str | bytes) -> None:
    _check_config(config_dir, text)


@pytest.mark.parametrize("depth", [1000, 10_000])
def test_deeply_nested_toml(config_dir: Path, depth: int) -> None:
    _check_config(config_dir, "[tool.ttq-harness]\nselect = " + "[" * depth + "]" * depth)
    _check_config(config_dir, "[tool.ttq-harness]\nselect = " + "{a = " * depth + "1" + "}" * depth)


def test_pyproject_problems_are_harness_errors(config_dir: Path) -> None:
    path = config_dir / "pyproject.toml"
    for text, message in [
        ("a = " + "[" * 10_000 + "]" * 10_000, "not valid TOML: nested too deeply"),
        ("tool = 1", "'tool' is an integer, not a table"),
        ('tool = "x"', "'tool' is a string, not a table"),
        (b"name = '\xff'", "not UTF-8 text (invalid start byte at byte 8)"),
    ]:
        if isinstance(text, str):
            path.write_text(text, encoding="utf-8")
        else:
            path.write_bytes(text)
        with pytest.raises(HarnessError) as caught:
            load_pyproject(path)
        assert str(caught.value) == f"{path}: {message}"
