"""Rule case files: tests/rules/cases/<CODE>.yaml, one per rule, with pass and fail examples.

A case is a small capture:

    calls:     ttq calls as the page made them   [{method: track, args: [AddToCart, {...}]}]
               (a call or beacon may give `at: N`, its arrival index, to interleave the two)
    beacons:   wire bodies (a dict is merged into a default pixel body; a string is sent as is)
               [{event: AddToCart, properties: {...}}]
    events:    ready-made events, for brevity    [{name: AddToCart, properties: {...}}]
    server:    Events API requests (EA rules)   [{event: CompletePayment, event_id: p-1}]
    documents: what the browser capture knew of each document (CH rules)
               [{id: d1, url: ..., status: 200, recorder: true, pixel: true}]; a call gives
               `document_id: d1`, a beacon or request `document: d1`, to belong to one
    config:    RulesConfig overrides             {profile: tiktok-2025, uses_events_api: true}

Fail cases must raise the file's rule (optionally `count`, `path`, `message` substring);
pass cases must not raise it. Calls come first in time, then beacons, then events.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.core.config import RulesConfig
from harness.core.endpoints import classify
from harness.core.engine import run_rules, wire_events
from harness.core.events_api.validate import events_api_request
from harness.core.model import CapturedDocument, Finding, PixelEvent, RawRequest, TtqCall
from harness.core.reconcile import call_events

CASES = Path(__file__).parent / "cases"
PAGE = "https://shop.example/p/301"
PIXEL = "CDEMO00SHOP00PIXEL01"

DEFAULT_BODY: dict[str, Any] = {
    "event": "Pageview",
    "message_id": "messageId-1795556804138-9979851800209-" + PIXEL,
    "event_id": "",
    "is_onsite": False,
    "timestamp": "2026-11-24T21:46:44.138Z",
    "context": {
        "ad": {"sdk_env": "external", "jsb_status": 2},
        "user": {},
        "pixel": {"code": PIXEL, "runtime": "1"},
        "page": {"url": PAGE, "referrer": ""},
        "library": {"name": "pixel.js", "version": "2.1.33"},
        "device": {"platform": "pc"},
    },
    "_inspection": {},
    "signal_diagnostic_labels": {},
    "properties": {},
}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "properties":
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@dataclass
class Case:
    rule: str
    kind: str  # "pass" | "fail"
    number: int
    spec: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.kind}-{self.number}"

    def run(self, *, every_rule: bool = False) -> list[Finding]:
        """The findings of the file's rule on this case (every rule's: `every_rule`)."""
        index = 0
        calls: list[TtqCall] = []
        for raw in self.spec.get("calls", []):
            calls.append(
                TtqCall(
                    index=raw.get("at", index),
                    timestamp=float(raw.get("timestamp", index)),
                    method=raw["method"],
                    args=raw.get("args", []),
                    pixel_code=raw.get("pixel_code"),
                    page_url=raw.get("frame_url", PAGE),
                    frame_url=raw.get("frame_url", PAGE),
                    location=f"{PAGE}:10:{index + 1}",
                    document_id=raw.get("document_id"),
                )
            )
            index += 1
        requests: list[RawRequest] = []
        belongs: dict[str, list[int]] = {}  # document id -> its request indexes
        for raw in self.spec.get("beacons", []):
            at = raw.get("at", index) if isinstance(raw, dict) else index
            if isinstance(raw, dict):
                if "document" in raw:
                    belongs.setdefault(raw["document"], []).append(at)
                raw = {key: value for key, value in raw.items() if key not in ("at", "document")}
            body = raw if isinstance(raw, str) else json.dumps(_merge(DEFAULT_BODY, raw))
            url = "https://analytics.tiktok.com/api/v2/pixel"
            kind, endpoint = classify(url)
            requests.append(
                RawRequest(
                    index=at,
                    timestamp=float(at),
                    method="POST",
                    url=url,
                    body=body,
                    kind=kind,
                    endpoint=endpoint,
                    page_url=PAGE,
                )
            )
            index += 1
        for raw in self.spec.get("requests", []):  # other pixel-host requests: {url, at}
            url = raw["url"]
            if "document" in raw:
                belongs.setdefault(raw["document"], []).append(raw.get("at", index))
            kind, endpoint = classify(url)
            requests.append(
                RawRequest(
                    index=raw.get("at", index),
                    timestamp=float(raw.get("at", index)),
                    method=raw.get("method", "GET"),
                    url=url,
                    kind=kind,
                    endpoint=endpoint,
                    page_url=PAGE,
                )
            )
            index += 1
        for raw in self.spec.get("server", []):  # Events API requests (see _server_request)
            requests.append(_server_request(index, raw))
            index += 1
        events: list[PixelEvent] = [*call_events(calls)]
        decoded, undecodable = wire_events(requests)
        events.extend(decoded)
        for raw in self.spec.get("events", []):
            events.append(
                PixelEvent(
                    index=index,
                    source=raw.get("source", "call"),
                    name=raw.get("name", ""),
                    pixel_code=raw.get("pixel_code"),
                    event_id=raw.get("event_id", ""),
                    properties=raw.get("properties", {}),
                    user=raw.get("user", {}),
                    page_url=raw.get("page_url", PAGE),
                )
            )
            index += 1
        documents = [
            CapturedDocument.model_validate({**raw, "requests": belongs.get(raw["id"], [])})
            for raw in self.spec.get("documents", [])
        ]
        config = RulesConfig.model_validate({"select": [self.rule], **self.spec.get("config", {})})
        if every_rule:
            config = config.merged(select=["ALL"])
        self.findings = [
            f
            for f in run_rules(
                events,
                calls=calls,
                requests=requests,
                undecodable=undecodable,
                config=config,
                documents=documents,
            )
            if every_rule or f.code == self.rule
        ]
        return self.findings


#: An Events API 2.0 event at the default beacon's time (EA rules).
SERVER_ITEM: dict[str, Any] = {"event": "CompletePayment", "event_time": 1795556804}


def _server_request(index: int, raw: Any) -> RawRequest:
    """`server:` entries: a dict is one data[] item merged into SERVER_ITEM (or, with a
    `body` key, the whole body); a string is sent as is. Received just after the beacons."""
    if isinstance(raw, str):
        body = raw
    elif "body" in raw:
        body = json.dumps(raw["body"])
    else:
        item = {**SERVER_ITEM, **raw}
        body = json.dumps({"event_source": "web", "event_source_id": PIXEL, "data": [item]})
    headers = {"Access-Token": "token", "Content-Type": "application/json"}
    return events_api_request(index, body, timestamp=1795556805.0, headers=headers)


def load_cases() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for kind in ("fail", "pass"):
            for number, spec in enumerate(data.get(kind) or [], start=1):
                cases.append(Case(rule=path.stem, kind=kind, number=number, spec=spec))
    return cases
