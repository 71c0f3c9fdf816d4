"""One capture, derived once: a report decodes no beacon and pairs no call a second time.

The capture is fed without a browser (as in test_sdk_incremental_capture.py) and polled like a
run polls it; every module that holds `decode_beacon`, `match` or `call_events` gets a counting
wrapper, so a new caller anywhere in the harness is counted too.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from harness.browser.recorder import PixelCapture
from harness.core import decode, reconcile
from harness.core.config import RulesConfig
from harness.core.engine import with_events_api_findings
from harness.core.model import RawRequest, RequestKind

URL = "https://analytics.tiktok.com/api/v2/pixel"
PIXEL = "CTESTPIXEL0000000001"
PAGE = "http://127.0.0.1/p"


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How many times each derivation ran: beacons decoded, pairings made, calls converted."""
    seen: Counter[str] = Counter()

    def counting(name: str, real: Callable[..., Any], size: Callable[..., int]) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            seen[name] += size(*args, **kwargs)
            return real(*args, **kwargs)

        return wrapper

    wrappers = {
        "decode_beacon": counting("decode_beacon", decode.decode_beacon, lambda *a, **k: 1),
        "match": counting("match", reconcile.match, lambda *a, **k: 1),
        "call_events": counting(
            "calls converted", reconcile.call_events, lambda calls, *a, **k: len(list(calls))
        ),
    }
    originals = {
        "decode_beacon": decode.decode_beacon,
        "match": reconcile.match,
        "call_events": reconcile.call_events,
    }
    for module in [m for n, m in sys.modules.items() if n.startswith("harness") and m]:
        for name, wrapper in wrappers.items():
            if getattr(module, name, None) is originals[name]:
                monkeypatch.setattr(module, name, wrapper)
    yield seen


def _feed(capture: PixelCapture, n: int) -> None:
    for i in range(n):
        capture._ingest(
            {
                "kind": "call",
                "method": "track",
                "args": ["AddToCart", {"value": i, "currency": "usd"}, {"event_id": f"e-{i}"}],
                "frame_url": PAGE,
            },
            page_url=PAGE,
        )
        body = {
            "event": "AddToCart",
            "event_id": f"e-{i}",
            "context": {"pixel": {"code": PIXEL}, "page": {"url": PAGE}},
            "properties": {"value": i, "currency": "USD"},
        }
        capture.handle_request(
            method="POST", url=URL, headers={}, body=json.dumps(body).encode(), frame_url=PAGE
        )
        capture.events()  # a run polls between arrivals


def test_a_report_decodes_each_beacon_once_and_pairs_once(counts: Counter[str]) -> None:
    capture = PixelCapture()
    _feed(capture, 10)
    polled = dict(counts)
    assert polled == {"decode_beacon": 10, "calls converted": 10}
    report = capture.report(url=PAGE, browser=None, harness_version="test")
    # The report reuses what the polls derived: no beacon decoded again, one pairing in all
    # (engine, reconciliation and TR011 read the same one), no call converted again.
    assert counts == {"decode_beacon": 10, "calls converted": 10, "match": 1}
    assert len(report.events) == 20 and len(report.reconciliation.pairs) == 10
    assert report.reconciliation.lost_calls == []


def test_a_report_without_polls_decodes_each_beacon_once(counts: Counter[str]) -> None:
    capture = PixelCapture()
    for i in range(5):
        capture.handle_request(
            method="POST",
            url=URL,
            headers={},
            body=json.dumps({"event": "Pageview", "context": {"pixel": {"code": PIXEL}}}).encode(),
            frame_url=PAGE,
        )
        del i
    capture.report(url=PAGE, browser=None, harness_version="test")
    assert counts["decode_beacon"] == 5


def test_the_events_api_pass_decodes_nothing_again(counts: Counter[str]) -> None:
    capture = PixelCapture()
    _feed(capture, 3)
    report = capture.report(url=PAGE, browser=None, harness_version="test")
    before = counts["decode_beacon"]
    server = RawRequest(
        index=999,
        timestamp=0.0,
        method="POST",
        url="http://127.0.0.1:1/open_api/v1.3/event/track/",
        body=json.dumps(
            {
                "event_source": "web",
                "event_source_id": PIXEL,
                "data": [{"event": "AddToCart", "event_time": 1795632085, "event_id": "e-1"}],
            }
        ),
        kind=RequestKind.OTHER,
        endpoint="events-api",
    )
    checked = with_events_api_findings(report, [server], RulesConfig(uses_events_api=True))
    assert counts["decode_beacon"] == before
    assert server in checked.requests  # the EA rules did read the capture with the server side


def test_no_rule_checks_the_same_target_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    """One rule pass: a rule that defers to another (the SD rules, whose SDK messages TR003 or
    ID007 may already report) reads that rule's result from the context instead of running
    it again."""
    from dataclasses import replace

    from harness.core.model import TtqCall
    from harness.core.rules import REGISTRY

    checked: Counter[tuple[str, int]] = Counter()
    for code, rule in list(REGISTRY.items()):

        def counting(target: Any, ctx: Any, _code: str = code, _check: Any = rule.check) -> Any:
            checked[(_code, id(target))] += 1
            return _check(target, ctx)

        monkeypatch.setitem(REGISTRY, code, replace(rule, check=counting))
    capture = PixelCapture()
    _feed(capture, 3)
    # the SDK says a pixel code is invalid: SD002 first asks what TR003 reports
    capture.calls.append(
        TtqCall(
            index=capture._index(),
            timestamp=0.0,
            method="harness:sdk-console",
            args=["[TikTok Pixel] - Invalid pixel ID"],
            page_url=PAGE,
        )
    )
    capture.report(url=PAGE, browser=None, harness_version="test")
    assert checked[("TR003", max(k[1] for k in checked if k[0] == "TR003"))] == 1
    assert checked and max(checked.values()) == 1, checked.most_common(3)


def test_lost_calls_are_explained_from_facts_gathered_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A page whose SDK loaded but sent none of 300 calls (the wrong queue protocol): the
    reasons come from per-document facts worked out once, not a scan of the capture per
    lost call (which made 2,000 lost calls take seconds)."""
    from harness.core.engine import build_report
    from harness.core.model import TtqCall

    def record(index: int, method: str, *args: Any) -> TtqCall:
        return TtqCall(
            index=index, timestamp=0.0, method=method, args=list(args), page_url=PAGE,
            frame_url=PAGE, document_id="d1",
        )  # fmt: skip

    calls = [record(0, "load", PIXEL)]
    calls += [record(2 + i, "track", "AddToCart", {"value": i}) for i in range(300)]
    script = RawRequest(
        index=1,
        timestamp=0.0,
        method="GET",
        url=f"https://analytics.tiktok.com/i18n/pixel/events.js?sdkid={PIXEL}",
        kind=RequestKind.SDK_SCRIPT,
        endpoint="events.js",
        page_url=PAGE,
    )
    reads: Counter[str] = Counter()
    real = TtqCall.document

    def counted(self: TtqCall) -> str | None:
        reads["call.document"] += 1
        return real.fget(self)  # type: ignore[attr-defined,no-any-return]

    monkeypatch.setattr(TtqCall, "document", property(counted))
    report = build_report(
        harness_version="t", sdk="emulated", url=PAGE, browser=None, calls=calls,
        requests=[script],
    )  # fmt: skip
    reasons = Counter(c.reason for c in report.reconciliation.lost_calls)
    assert reasons == {"wrong-queue-protocol": 300}
    # linear in the calls: a few reads per call and per lost call, where each lost call used
    # to scan the whole capture (for a later document, its page's events, consent calls)
    assert reads["call.document"] < 20 * len(calls), reads  # was 183,609


def test_the_events_api_rules_run_in_the_same_pass(
    counts: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With what a local Events API sink received, report() makes one rule pass and one
    pairing: the EA rules read the sink's requests beside every other rule."""
    from harness.core import engine

    passes: Counter[str] = Counter()
    real = engine.run_rules

    def counted(*args: Any, **kwargs: Any) -> Any:
        passes["run_rules"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "run_rules", counted)
    capture = PixelCapture()
    _feed(capture, 3)
    server = RawRequest(
        index=0,  # the sink numbers its requests from 0, apart from the capture's
        timestamp=0.0,
        method="POST",
        url="http://127.0.0.1:1/open_api/v1.3/event/track/",
        body=json.dumps({"event_source": "web", "event_source_id": PIXEL, "data": [{}]}),
        kind=RequestKind.OTHER,
        endpoint="events-api",
    )
    report = capture.report(
        url=PAGE,
        browser=None,
        harness_version="test",
        config=RulesConfig(uses_events_api=True),
        server_requests=[server],
    )
    assert passes["run_rules"] == 1 and counts["match"] == 1
    assert server in report.requests
    assert "EA001" in {f.code for f in report.findings}  # the malformed server request


def test_a_reused_decode_is_the_one_of_the_same_beacon() -> None:
    """Body-less beacons take their bodies from the sendBeacon notes in order; when indices
    move (a batch's beacons are put after its calls), a beacon may take another note's body,
    so a decode cached by index alone would be stale. The report decodes such a beacon again
    and gives what deriving from scratch gives."""
    from harness.core.capture import derive

    def body(n: int) -> str:
        return json.dumps(
            {"event": "AddToCart", "event_id": f"e-{n}", "context": {"pixel": {"code": PIXEL}},
             "properties": {"n": n}}
        )  # fmt: skip

    def batch(capture: PixelCapture, records: list[dict[str, Any]]) -> None:
        capture._order_after_calls(capture._ingest_all(records, page_url=PAGE, frame=None))

    capture = PixelCapture()
    batch(capture, [{"kind": "beacon", "url": URL, "body": body(n)} for n in (1, 2)])
    for _ in range(2):
        capture.handle_request(method="POST", url=URL, headers={}, body=None, frame_url=PAGE)
    capture.events()  # a poll decodes both
    batch(capture, [{"kind": "beacon", "url": URL, "body": None}])  # moves the first one

    def sent(events: Any) -> list[Any]:
        return sorted(event.properties["n"] for event in events)

    fresh = derive(capture.calls, capture.requests, notes=capture.beacon_notes)
    assert sent(capture.capture().wire_events) == sent(fresh.wire_events) == [1, 2]


def test_a_lost_call_outside_the_capture_list_is_judged_on_its_own() -> None:
    """Calls given without the capture's call list (run_rules(events) alone): each lost call
    is judged from what it carries, never from facts remembered for another call."""
    from harness.core.model import PixelEvent, TtqCall
    from harness.core.reconcile import DocumentIndex, lost_reason

    def call(index: int, name: str) -> TtqCall:
        return TtqCall(
            index=index, timestamp=0.0, method="track", args=[name, {}], frame_url=PAGE,
            document_id="d",
        )  # fmt: skip

    first, second = call(1, "AddToCart"), call(2, "Purchase")
    script = RawRequest(
        index=0, timestamp=0.0, method="GET", kind=RequestKind.SDK_SCRIPT, endpoint="events.js",
        url="https://analytics.tiktok.com/i18n/pixel/events.js?sdkid=P1",
    )  # fmt: skip
    unanswered = [
        PixelEvent(index=1, source="call", name="AddToCart", pixel_code="P1", call=first),
        PixelEvent(index=2, source="call", name="Purchase", call=second),
    ]
    index = DocumentIndex([], [script])  # one per run, as the rules share it
    reasons = [
        lost_reason(event, calls=[], requests=[script], unanswered=unanswered, index=index)[0]
        for event in unanswered
    ]
    assert reasons == ["unknown", "wrong-queue-protocol"]


def test_observations_are_grouped_once_by_the_capture_and_read_from_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """TR006-TR008, CH002 and the SD rules read the harness's observations as their own lists,
    grouped by the capture value in one pass over the calls; the rule context groups nothing."""
    import harness.core.capture as capture_module
    import harness.core.rules._registry as registry_module
    from harness.core.observations import PAGE_ERROR, SDK_CONSOLE, is_observation

    asked: Counter[str] = Counter()

    def counting(where: str) -> Callable[[str], bool]:
        def wrapper(method: str) -> bool:
            asked[where] += 1
            return is_observation(method)

        return wrapper

    monkeypatch.setattr(capture_module, "is_observation", counting("capture"))
    monkeypatch.setattr(registry_module, "is_observation", counting("rule context"))
    capture = PixelCapture()
    _feed(capture, 3)
    capture.observe(PAGE_ERROR, ["TypeError: boom"], PAGE)
    capture.observe(PAGE_ERROR, ["TypeError: again"], PAGE)
    capture.observe(SDK_CONSOLE, ["[TikTok Pixel] hello", "warning"], PAGE)
    report = capture.report(url=PAGE, browser=None, harness_version="test")
    assert asked == {"capture": len(report.calls)}
    assert [f.code for f in report.findings].count("TR008") == 2
