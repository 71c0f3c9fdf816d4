"""`PixelCapture.report()` on 10,000 captured events: this working tree against a pinned commit.

    .venv/bin/python benchmarks/bench_report.py [--baseline 6544025] [--events 10000]
        [--repeat 3] [--quick]

Measures the pure, browserless part of a capture: turning the ttq calls and pixel beacons a
`PixelCapture` recorded into a `CaptureReport` (decoding, call <-> beacon matching, every rule,
the reconciliation). No browser: the capture's callbacks are fed directly, as
tests/unit/test_sdk_incremental_capture.py does. The capture is a long shop session: page
visits (one document each, announced by the recorder's hello and pixel-global records) of 5
ttq calls (load, page, ViewContent, AddToCart and one more event) and 5 beacons (Pageview, an
automatic /act Metadata beacon and the three events), made from the real ViewContent and
Metadata beacons of TikTok's pixel.js 2.1.33 (tests/data/real-sdk-2.1.33-single-pixel.json)
with unique ids, on 50 product pages; some lower-case currencies, string values, beacons that
differ from their call and repeated event ids; plus a few undecodable beacons (one per 2,000
events, at least 3). `capture.events()` is polled every 100 arrivals, as a real run polls,
before report() is timed. `--events` is rounded down to a multiple of 10 (half calls, half
beacons).

The two versions run in two worker subprocesses (this file with `--worker`), so their `harness`
packages never mix: the current one with PYTHONPATH=<repo>, the baseline extracted with
`git archive <commit> harness` into a temporary directory. Workers try the current import
paths (harness.browser.recorder, harness.core.*) and fall back to the paths before the module
move (harness.capture.recorder, harness.engine, ...). Each worker warms up on a small capture,
then the timed runs alternate (baseline, current, baseline, current, ...) so machine noise hits
both alike; each run builds a fresh capture (its build and polls timed separately) and times
one report(). Best of `--repeat` per version. A last untimed run per version counts the calls
of `decode_beacon` and of reconcile's `match`, by replacing them in every loaded `harness`
module that holds them, during the polls and during report().

Prints a table (best seconds, decode_beacon and match calls per report), the number of events
and findings of each version (they must be equal) and `report() speed-up: X.XX× (baseline /
current)`. Target (issue 13): at least 3x against the commit before the change (6544025), with
the same events and findings. `--quick` is 1,000 events, one run.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "real-sdk-2.1.33-single-pixel.json"
#: The last commit before "one capture, derived once" (issue 13): beacons decoded three times
#: per run, the pairing made twice, per-document evidence recomputed for every ttq.load().
DEFAULT_BASELINE = "6544025"
#: Issue 13: report() on 10,000 captured events at least 3x faster than before the change.
TARGET_SPEEDUP = 3.0
PIXEL = "CTESTPIXEL0000000001"
EVENTS_URL = "https://analytics.tiktok.com/api/v2/pixel"
ACT_URL = "https://analytics.tiktok.com/api/v2/pixel/act"
SHOP = "http://127.0.0.1:8000/shop"
POLL_EVERY = 100
#: Marks the worker's result lines on stdout (anything else there is ignored).
MARK = "@@bench-report "
Row = tuple[str, str, str, str]

# -- the captured session (runs in the workers) ---------------------------------------------


def sample_beacons() -> tuple[dict[str, Any], dict[str, Any]]:
    """The real ViewContent (/api/v2/pixel) and Metadata (/act) beacon bodies, parsed."""
    data: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    bodies = [json.loads(beacon["body"]) for beacon in data["beacons"] if beacon.get("body")]
    event = next((b for b in bodies if b.get("event") == "ViewContent"), None)
    act = next((b for b in bodies if b.get("action") == "Metadata"), None)
    if event is None or act is None:
        raise SystemExit(f"no ViewContent and Metadata beacons in {SAMPLE}")
    return event, act


def beacon_body(template: dict[str, Any], page: str, serial: int, **fields: Any) -> bytes:
    """The template beacon sent from `page` to PIXEL, with a unique message id and time."""
    context = template["context"]
    body = {
        **template,
        "message_id": f"messageId-{1795556804000 + serial}-{serial:013d}-{PIXEL}",
        "timestamp": f"2026-11-24T21:{serial // 60000 % 60:02d}:{serial // 1000 % 60:02d}."
        f"{serial % 1000:03d}Z",
        "context": {
            **context,
            "pixel": {**context["pixel"], "code": PIXEL},
            "page": {"url": page, "referrer": f"{SHOP}/"},
        },
        **fields,
    }
    if "codes" in context["pixel"]:
        body["context"]["pixel"]["codes"] = PIXEL
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def shop_properties(rng: random.Random, name: str, visit: int) -> dict[str, Any]:
    """Properties for one shop event: mostly right, sometimes the usual mistakes."""
    if name == "Search":
        return {"query": rng.choice(["dress", "summer dress", "shoes"])}
    quantity = rng.randint(1, 3)
    price = rng.choice([8, 12.5, 1.2, 30])
    value: Any = round(price * quantity, 2)
    if rng.random() < 0.03:
        value = f"{value:.2f}"  # a string value
    props: dict[str, Any] = {
        "contents": [
            {
                "content_id": str(300 + visit % 50),
                "content_type": "product",
                "content_name": "Summer Dress",
                "quantity": quantity,
                "price": price,
            }
        ],
        "value": value,
        "currency": "usd" if rng.random() < 0.05 else "USD",
    }
    return props


class Session:
    """Feeds a PixelCapture the calls and beacons of `visits` page visits, polling as it goes."""

    THIRD = ("Purchase", "InitiateCheckout", "Search", "signing_up_free_trial", "PlaceAnOrder")

    def __init__(self, capture: Any, visits: int, undecodable: int, seed: int = 7) -> None:
        self.capture = capture
        self.visits = visits
        self.undecodable = undecodable
        self.rng = random.Random(seed)
        self.event_template, self.act_template = sample_beacons()
        self.arrivals = 0
        self.polls = 0
        self.calls = 0
        self.beacons = 0
        self.bad_beacons = 0

    def run(self) -> None:
        every = max(1, self.visits // (self.undecodable + 1)) if self.undecodable else 0
        for visit in range(self.visits):
            self.visit(visit)
            if every and visit % every == every - 1 and self.bad_beacons < self.undecodable:
                self.beacon(EVENTS_URL, b'{"event":"AddToCart","context":{"pixel":', self.page(0))
                self.bad_beacons += 1
        self.capture.events()

    def page(self, visit: int) -> str:
        return f"{SHOP}/product.html?id={300 + visit % 50}"

    def visit(self, visit: int) -> None:
        page, document = self.page(visit), f"doc-{visit}"
        self.record({"kind": "hello", "top": True}, page, document)
        self.record({"kind": "pixel-global", "name": "ttq"}, page, document)
        self.call("load", [PIXEL], page, document)
        self.call("page", [], page, document)
        self.beacon(EVENTS_URL, self.event(page, "Pageview", "", {}), page)
        act = beacon_body(self.act_template, page, self.arrivals, event_id="")
        self.beacon(ACT_URL, act, page)
        third = self.THIRD[visit % len(self.THIRD)]
        for name in ("ViewContent", "AddToCart", third):
            event_id = f"ev-{visit}-{name}"
            if visit and self.rng.random() < 0.01:
                event_id = f"ev-{visit - 1}-{name}"  # an event id used on the last visit
            props = shop_properties(self.rng, name, visit)
            self.call("track", [name, props, {"event_id": event_id}], page, document)
            sent = dict(props)
            if "value" in sent and self.rng.random() < 0.02:
                sent["value"] = 0  # the beacon is not what the page asked for
            wire_name = {"Purchase": "CompletePayment"}.get(name, name)
            self.beacon(EVENTS_URL, self.event(page, wire_name, event_id, sent), page)

    def event(self, page: str, name: str, event_id: str, properties: dict[str, Any]) -> bytes:
        return beacon_body(
            self.event_template,
            page,
            self.arrivals,
            event=name,
            event_id=event_id,
            properties=properties,
        )

    def record(self, record: dict[str, Any], page: str, document: str) -> None:
        record = {
            **record,
            "id": f"{document}-{self.arrivals}-{record['kind']}",
            "document_id": document,
            "timestamp": 1795556804.0 + self.arrivals / 1000,
            "frame_url": page,
        }
        self.capture._ingest(record, page_url=page)

    def call(self, method: str, args: list[Any], page: str, document: str) -> None:
        where = f"{SHOP}/app.js:{10 + len(args)}:5"
        self.record(
            {"kind": "call", "method": method, "args": args, "location": where}, page, document
        )
        self.calls += 1
        self.arrived()

    def beacon(self, url: str, body: bytes, page: str) -> None:
        headers = {"content-type": "text/plain;charset=UTF-8", "origin": "http://127.0.0.1:8000"}
        self.capture.handle_request(
            method="POST", url=url, headers=headers, body=body, frame_url=page
        )
        self.beacons += 1
        self.arrived()

    def arrived(self) -> None:
        self.arrivals += 1
        if self.arrivals % POLL_EVERY == 0:
            self.capture.events()
            self.polls += 1


# -- the worker: one harness version, driven over stdin/stdout ------------------------------


@dataclass
class Harness:
    """What the worker uses of one harness version, wherever its modules live."""

    layout: str
    package: str
    capture_class: Callable[[], Any]
    decode_beacon: Callable[..., Any]
    match: Callable[..., Any]


def import_harness() -> Harness:
    import importlib

    layouts = {
        "current": ("harness.browser.recorder", "harness.core.decode", "harness.core.reconcile"),
        "pre-move": ("harness.capture.recorder", "harness.decode", "harness.reconcile"),
    }
    errors = []
    for layout, (recorder, decode, reconcile) in layouts.items():
        try:
            modules = [importlib.import_module(name) for name in (recorder, decode, reconcile)]
        except ImportError as exc:
            errors.append(f"{layout}: {exc!r}")
            continue
        import harness

        return Harness(
            layout=layout,
            package=str(Path(harness.__file__ or "?").parent),
            capture_class=modules[0].PixelCapture,
            decode_beacon=modules[1].decode_beacon,
            match=modules[2].match,
        )
    raise SystemExit("no harness layout imported: " + "; ".join(errors))


@contextmanager
def counting(targets: dict[str, Callable[..., Any]], counts: Counter[str]) -> Iterator[list[str]]:
    """Count calls of each target in every loaded harness module that holds it by that name,
    by module: counts["harness.core.engine.match"] is how often engine's code called match."""

    def counted(key: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[key] += 1
            return original(*args, **kwargs)

        return wrapper

    patched: list[tuple[ModuleType, str, Callable[..., Any]]] = []
    for name, original in targets.items():
        for module_name, module in list(sys.modules.items()):
            if module_name.split(".")[0] != "harness" or module is None:
                continue
            if getattr(module, name, None) is original:
                setattr(module, name, counted(f"{module_name}.{name}", original))
                patched.append((module, name, original))
    try:
        yield sorted(f"{module.__name__}.{name}" for module, name, _ in patched)
    finally:
        for module, name, original in patched:
            setattr(module, name, original)


def measure(h: Harness, visits: int, undecodable: int, count: bool) -> dict[str, Any]:
    """Build a fresh capture (polling), then time one report() on it."""
    gc.collect()
    capture = h.capture_class()
    polls: Counter[str] = Counter()
    during: Counter[str] = Counter()
    targets = {"decode_beacon": h.decode_beacon, "match": h.match}
    session = Session(capture, visits, undecodable)
    with counting(targets, polls) if count else _nothing():
        started = time.perf_counter()
        session.run()
        built = time.perf_counter() - started
    gc.collect()
    with counting(targets, during) if count else _nothing() as patched:
        started = time.perf_counter()
        report = capture.report(url=session.page(0), browser=None, harness_version="bench")
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "build_seconds": built,
        "calls": session.calls,
        "beacons": session.beacons,
        "bad_beacons": session.bad_beacons,
        "polls": session.polls,
        "events": len(report.events),
        "undecodable": len(report.undecodable),
        "findings": len(report.findings),
        "codes": dict(Counter(finding.code for finding in report.findings)),
        "report_counts": dict(during),
        "poll_counts": dict(polls),
        "patched": patched,
    }


@contextmanager
def _nothing() -> Iterator[list[str]]:
    yield []


def worker(visits: int, undecodable: int) -> None:
    """Answer `time` and `count` lines on stdin with one MARK line each on stdout."""
    h = import_harness()
    out = sys.stdout

    def send(message: dict[str, Any]) -> None:
        out.write(MARK + json.dumps(message) + "\n")
        out.flush()

    measure(h, min(visits, 20), 1, count=False)  # warm-up: lazy imports, first-call costs
    send({"ready": True, "layout": h.layout, "package": h.package})
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            return
        send(measure(h, visits, undecodable, count=command == "count"))


# -- the parent: two workers, interleaved ---------------------------------------------------


@dataclass
class Version:
    label: str
    pythonpath: Path
    process: subprocess.Popen[str] | None = None
    layout: str = ""
    package: str = ""
    runs: list[dict[str, Any]] = field(default_factory=list)
    counted: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> float:
        return float(min(run["seconds"] for run in self.runs))

    @property
    def best_build(self) -> float:
        return float(min(run["build_seconds"] for run in self.runs))


def start(version: Version, visits: int, undecodable: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(version.pythonpath), "PYTHONHASHSEED": "0"}
    command = [sys.executable, str(Path(__file__).resolve()), "--worker"]
    command += ["--events", str(visits * 10), "--undecodable", str(undecodable)]
    # Run from the temporary directory, never the repo: sys.path must only see PYTHONPATH's
    # harness (the script's own folder, benchmarks/, holds none).
    version.process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),
    )


def receive(version: Version) -> dict[str, Any]:
    assert version.process is not None
    stdout: IO[str] | None = version.process.stdout
    assert stdout is not None
    for line in stdout:
        if line.startswith(MARK):
            result: dict[str, Any] = json.loads(line[len(MARK) :])
            return result
    code = version.process.wait()
    raise SystemExit(f"the {version.label} worker exited ({code}) without an answer")


def ask(version: Version, command: str) -> dict[str, Any]:
    assert version.process is not None and version.process.stdin is not None
    version.process.stdin.write(command + "\n")
    version.process.stdin.flush()
    return receive(version)


def stop(version: Version) -> None:
    process = version.process
    if process is None or process.poll() is not None:
        return
    try:
        assert process.stdin is not None
        process.stdin.write("quit\n")
        process.stdin.close()
        process.wait(timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        process.kill()
        process.wait()


def extract(commit: str, into: Path) -> str:
    """`git archive <commit> harness | tar -x`: the baseline's harness package. Returns the
    commit's short hash."""
    found = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", f"{commit}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        raise SystemExit(f"no commit {commit!r} in {ROOT}: {found.stderr.strip()}")
    short = found.stdout.strip()
    archive = subprocess.Popen(
        ["git", "-C", str(ROOT), "archive", short, "harness"], stdout=subprocess.PIPE
    )
    untar = subprocess.run(["tar", "-x", "-C", str(into)], stdin=archive.stdout, check=False)
    assert archive.stdout is not None
    archive.stdout.close()
    if archive.wait() != 0 or untar.returncode != 0:
        raise SystemExit(f"could not extract harness/ at {commit}")
    return short


@dataclass(frozen=True)
class Comparison:
    baseline: Version
    current: Version
    events: int
    repeat: int
    commit: str

    @property
    def speedup(self) -> float:
        return self.baseline.best / self.current.best

    def same(self, key: str) -> bool:
        return bool(self.baseline.runs[0][key] == self.current.runs[0][key])

    @property
    def consistent(self) -> bool:
        return all(self.same(key) for key in ("events", "undecodable", "findings", "codes"))


def bench_report(
    events: int = 10_000, repeat: int = 3, baseline: str = DEFAULT_BASELINE
) -> Comparison:
    visits = max(1, events // 10)
    undecodable = max(3, visits * 10 // 2000)
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        commit = extract(baseline, Path(tmp))
        versions = [Version(f"baseline {commit}", Path(tmp)), Version("current tree", ROOT)]
        try:
            for version in versions:
                start(version, visits, undecodable)
            for version in versions:
                hello = receive(version)
                version.layout, version.package = hello["layout"], hello["package"]
                if not Path(version.package).is_relative_to(version.pythonpath):
                    raise SystemExit(f"{version.label}: imported harness from {version.package}")
            for _ in range(repeat):
                for version in versions:  # interleaved: A, B, A, B...
                    version.runs.append(ask(version, "time"))
            for version in versions:
                version.counted = ask(version, "count")
        finally:
            for version in versions:
                stop(version)
    return Comparison(versions[0], versions[1], visits * 10, repeat, commit)


def rows(c: Comparison) -> list[Row]:
    return [
        (
            f"report(): {c.events:,} captured events, baseline {c.commit} / current "
            f"(best of {c.repeat})",
            f"{c.baseline.best:.2f} s / {c.current.best:.2f} s = {c.speedup:.2f}x",
            f">= {TARGET_SPEEDUP:g}x, same events and findings",
            "met" if c.consistent and c.speedup >= TARGET_SPEEDUP else "NOT met",
        )
    ]


def total(counts: dict[str, int], name: str) -> int:
    return sum(n for key, n in counts.items() if key.endswith("." + name))


def short(key: str) -> str:
    """harness.core.engine.decode_beacon -> engine (the calling module, either layout)."""
    module = key.rsplit(".", 1)[0]
    return module.removeprefix("harness.").removeprefix("core.") or module


def print_comparison(c: Comparison) -> None:
    run = c.current.runs[0]
    print(
        f"PixelCapture.report() on {c.events:,} captured events ({run['calls']:,} ttq calls, "
        f"{run['beacons'] - run['bad_beacons']:,} beacons + {run['bad_beacons']} undecodable, "
        f"polled {run['polls']}x), best of {c.repeat}, runs interleaved"
    )
    header = ("version", "report() best", "capture+polls", "decode_beacon/report", "match/report")
    print(f"{header[0]:<20} {header[1]:>13} {header[2]:>13} {header[3]:>20} {header[4]:>12}")
    for version in (c.baseline, c.current):
        counts = version.counted["report_counts"]
        print(
            f"{version.label:<20} {version.best:>11.3f} s {version.best_build:>11.3f} s "
            f"{total(counts, 'decode_beacon'):>20,} {total(counts, 'match'):>12,}"
        )
    for version in (c.baseline, c.current):
        times = ", ".join(f"{run['seconds']:.3f}" for run in version.runs)
        builds = ", ".join(f"{run['build_seconds']:.3f}" for run in version.runs)
        print(f"{version.label}: harness at {version.package} ({version.layout} layout)")
        print(f"  report() {times} s; capture+polls {builds} s")
        patched = ", ".join(
            short(key) + "." + key.rsplit(".", 1)[1] for key in version.counted["patched"]
        )
        print(f"  counted in: {patched}")
        for when in ("report", "poll"):
            counts = version.counted[f"{when}_counts"]
            for name in ("decode_beacon", "match"):
                callers = ", ".join(
                    f"{short(key)} {n:,}"
                    for key, n in sorted(counts.items())
                    if key.endswith("." + name)
                )
                where = "in report()" if when == "report" else "in the polls"
                print(f"  {name} {where}: {total(counts, name):,} ({callers or 'no caller'})")
    for key in ("events", "undecodable", "findings"):
        a, b = c.baseline.runs[0][key], c.current.runs[0][key]
        verdict = f"{a:,} in both" if a == b else f"DIFFER: baseline {a:,}, current {b:,}"
        print(f"{key}: {verdict}")
    codes_a, codes_b = c.baseline.runs[0]["codes"], c.current.runs[0]["codes"]
    if codes_a == codes_b:
        print(
            "finding codes: the same in both ("
            + ", ".join(f"{code} {n}" for code, n in sorted(codes_a.items()))
            + ")"
        )
    else:
        changed = sorted(set(codes_a) | set(codes_b))
        print(
            "finding codes DIFFER (code: baseline, current): "
            + ", ".join(
                f"{code}: {codes_a.get(code, 0)}, {codes_b.get(code, 0)}"
                for code in changed
                if codes_a.get(code, 0) != codes_b.get(code, 0)
            )
        )
    print(f"report() speed-up: {c.speedup:.2f}× (baseline / current)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help=f"commit ({DEFAULT_BASELINE})")
    parser.add_argument("--events", type=int, help="captured events (10000)")
    parser.add_argument("--repeat", type=int, help="runs per version, best kept (3)")
    parser.add_argument("--quick", action="store_true", help="1,000 events, one run: a smoke test")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--undecodable", type=int, default=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    events = args.events or (1_000 if args.quick else 10_000)
    repeat = args.repeat or (1 if args.quick else 3)
    if events < 10 or repeat < 1:
        parser.error("--events must be at least 10 and --repeat at least 1")
    if args.worker:
        worker(events // 10, args.undecodable)
        return
    print_comparison(bench_report(events, repeat, args.baseline))


if __name__ == "__main__":
    main()
