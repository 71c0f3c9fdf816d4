"""The rule registry: metadata plus a check function, stable codes, selection by selector.

A rule is registered with @rule(...). Its docstring is its documentation and must have the
sections "Why", "Bad" and "Good". Codes are family letters plus three digits and are never
reused; names are kebab-case. Families map to groups users can select:
EV event-names, PR parameters, ID identity, DD deduplication, TR transport, CF configuration,
CN consent, SD sdk, EA events-api, CH capture-health.
"""

from __future__ import annotations

import difflib
import re
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from harness.core.capture import Capture
from harness.core.decode import decode_beacon
from harness.core.errors import HarnessError
from harness.core.model import (
    CapturedDocument,
    PixelEvent,
    RawRequest,
    RequestKind,
    Severity,
    TtqCall,
    UndecodableBeacon,
)
from harness.core.observations import is_observation, page_calls_by_document
from harness.core.reconcile import DocumentIndex
from harness.core.tiktok import Profile

FAMILIES: dict[str, str] = {
    "EV": "event-names",
    "PR": "parameters",
    "ID": "identity",
    "DD": "deduplication",
    "TR": "transport",
    "CF": "configuration",
    "CN": "consent",
    "SD": "sdk",
    "EA": "events-api",
    "CH": "capture-health",
}
_CODE = re.compile(r"(?P<family>[A-Z]{2})\d{3}")
_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
_SECTIONS = ("Why", "Bad", "Good")

#: Which events an event rule looks at.
#: canonical: each event once: every ttq call, plus wire events no call explains;
#: wire: every decoded wire event (for what only the wire shows: hashed identity, mangling).
Applies = Literal["canonical", "wire"]
Scope = Literal["event", "capture"]


class ConfigError(HarnessError):
    """A bad rule selector, severity or profile."""


@dataclass(frozen=True)
class Issue:
    """What a check function reports; the engine turns it into a Finding."""

    message: str
    path: str = ""
    expected: Any = None
    received: Any = None
    event: PixelEvent | None = None  # capture-scope rules say which event, if any
    call: TtqCall | None = None  # ... or which call
    request: RawRequest | None = None  # ... or which request (an undecodable beacon)
    severity: Severity | None = None  # None: the rule's; a rule may lower it for a known cause


#: One rule's results: id of the target -> (the target, the issues found on it).
Kept = dict[int, tuple[object, list[Issue]]]


@dataclass(frozen=True)
class RuleContext:
    """What a check may look at besides the event."""

    profile: Profile
    uses_events_api: bool = False
    duplicate_window: float = 60.0  # seconds within which an identical purchase is a duplicate
    value_tolerance: float = 0.01
    calls: Sequence[TtqCall] = ()
    requests: Sequence[RawRequest] = ()
    undecodable: Sequence[UndecodableBeacon] = ()
    #: call events whose beacon never showed up (filled by the engine's reconciliation)
    unanswered_calls: Sequence[PixelEvent] = ()
    #: the capture's SDK mode (CaptureReport.sdk: emulated, pinned:DIR, live); "" unknown
    sdk: str = ""
    #: live mode sent the beacons on to TikTok (--forward-beacons), so its server answered
    forward_beacons: bool = False
    #: the documents the browser capture watched (empty for HAR files): CH rules
    documents: Sequence[CapturedDocument] = ()
    #: the capture value the events come from (decoded beacons, the pairing), when the engine
    #: has one; rules read it instead of deriving again
    capture: Capture | None = None

    #: rule code -> id of the event or event list -> (that target, what the rule found); the
    #: target is kept so its id cannot be reused by another object during the run
    _found: dict[str, Kept] = field(default_factory=dict, repr=False, compare=False)

    def issues(self, code: str, target: PixelEvent | Sequence[PixelEvent]) -> list[Issue]:
        """What rule `code` finds on `target` (an event, or the events of a capture rule),
        checked once per run: the engine and a rule that defers to another (an SD rule whose
        message another rule already reports) read the same result; no rule runs another."""
        kept = self.kept(code)
        found = kept.get(id(target))
        if found is None or found[0] is not target:
            found = kept[id(target)] = (target, list(REGISTRY[code].check(target, self)))
        return found[1]

    def kept(self, code: str) -> Kept:
        """Rule `code`'s results so far, by id of their target: what `issues` reads, and where
        the engine puts what it finds while it checks events."""
        kept = self._found.get(code)
        if kept is None:
            kept = self._found[code] = {}
        return kept

    @cached_property
    def _observed(self) -> dict[str, list[TtqCall]]:
        if self.capture is not None:
            return self.capture.observed
        found: dict[str, list[TtqCall]] = {}
        for call in self.calls:
            if is_observation(call.method):
                found.setdefault(call.method, []).append(call)
        return found

    def observations(self, kind: str) -> list[TtqCall]:
        """What the capture observed of one kind (harness.core.observations: PAGE_ERROR,
        SDK_CONSOLE...), in capture order; its own list, grouped once per run."""
        return self._observed.get(kind, [])

    @cached_property
    def page_calls(self) -> dict[str | None, list[TtqCall]]:
        """The page's own ttq calls (not the harness's observations) by document id, grouped
        once per run for the capture-health rules."""
        if self.capture is not None:
            return self.capture.page_calls
        return page_calls_by_document(self.calls)

    @cached_property
    def document_index(self) -> DocumentIndex:
        """Per-document evidence (ttq.load() calls, SDK scripts), each document worked out once:
        the capture's, else built here once per run."""
        if self.capture is not None:
            return self.capture.document_index
        return DocumentIndex(self.calls, self.requests)

    @cached_property
    def wire_events(self) -> list[PixelEvent]:
        """Every decoded event of the capture's event beacons, in request order: the capture's,
        else decoded here once per run however many capture rules read them."""
        if self.capture is not None:
            return list(self.capture.wire_events)
        found: list[PixelEvent] = []
        for request in self.requests:
            if request.kind is RequestKind.EVENT:
                decoded = decode_beacon(request)
                if isinstance(decoded, list):
                    found.extend(decoded)
        return found


def called_name(event: PixelEvent) -> str | None:
    """The event name the rules check: None when ttq.track got a non-string name (EV002's
    case). With the profile, all a name rule (`Rule.per_name`) reads."""
    call = event.call
    if (
        call is not None
        and call.method == "track"
        and call.args
        and not isinstance(call.args[0], str)
    ):
        return None
    return event.name


EventCheck = Callable[[PixelEvent, RuleContext], Iterable[Issue]]
CaptureCheck = Callable[[Sequence[PixelEvent], RuleContext], Iterable[Issue]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    fix: str
    doc: str
    scope: Scope
    applies_to: Applies
    check: Callable[..., Iterable[Issue]] = field(repr=False)
    reads: tuple[str, ...] = ()  # rules whose results this one reads (ctx.issues)
    #: an event rule that reads nothing of the event but `called_name(event)` (and the
    #: context's profile): the engine checks it once per distinct name and reuses its issues
    per_name: bool = False

    @property
    def family(self) -> str:
        return self.code[:2]

    @property
    def group(self) -> str:
        return FAMILIES[self.family]

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].strip()

    def section(self, title: str) -> str:
        """The text of one docstring section ("Why", "Bad", "Good")."""
        return _sections(self.doc).get(title, "")


REGISTRY: dict[str, Rule] = {}


def _sections(doc: str) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in _dedent(doc).splitlines():
        heading = line.strip().rstrip(":")
        if heading in _SECTIONS and line.strip().endswith(":"):
            current = found.setdefault(heading, [])
        elif current is not None:
            current.append(line)
    return {key: textwrap.dedent("\n".join(lines)).strip("\n") for key, lines in found.items()}


def _dedent(doc: str) -> str:
    first, _, rest = doc.partition("\n")
    return first.strip() + "\n" + textwrap.dedent(rest)


def rule(
    code: str,
    name: str,
    *,
    severity: Severity | str,
    fix: str,
    scope: Scope = "event",
    applies_to: Applies = "canonical",
    reads: Sequence[str] = (),
    per_name: bool = False,
) -> Callable[[Callable[..., Iterable[Issue]]], Callable[..., Iterable[Issue]]]:
    """Register a check. Event scope: fn(event, ctx); capture scope: fn(events, ctx).

    `reads`: the rules whose results this one reads through `ctx.issues(code, target)` (an SD
    rule staying quiet when another rule already reports the mistake); the engine keeps those
    results for it, so each rule still checks each target once. `per_name`: the check reads
    only `called_name(event)` and `ctx.profile`, so one check per distinct name is enough."""

    def register(fn: Callable[..., Iterable[Issue]]) -> Callable[..., Iterable[Issue]]:
        match = _CODE.fullmatch(code)
        if not match or match["family"] not in FAMILIES:
            raise ValueError(f"rule code {code!r} must be one of {sorted(FAMILIES)} + 3 digits")
        if not _NAME.fullmatch(name):
            raise ValueError(f"rule name {name!r} must be kebab-case")
        if code in REGISTRY or any(r.name == name for r in REGISTRY.values()):
            raise ValueError(f"rule {code} {name} is registered twice")
        doc = fn.__doc__ or ""
        missing = [title for title in _SECTIONS if title not in _sections(doc)]
        if per_name and scope != "event":
            raise ValueError(f"rule {code}: per_name is for event rules")
        if not doc.strip() or missing:
            raise ValueError(f"rule {code} docstring lacks {', '.join(missing) or 'a summary'}")
        REGISTRY[code] = Rule(
            code=code,
            name=name,
            severity=Severity(severity),
            fix=fix,
            doc=_dedent(doc).strip(),
            scope=scope,
            applies_to=applies_to,
            check=fn,
            reads=tuple(reads),
            per_name=per_name,
        )
        return fn

    return register


def all_rules() -> list[Rule]:
    return sorted(REGISTRY.values(), key=lambda r: r.code)


def get_rule(selector: str) -> Rule:
    """One rule by code or name; ConfigError with "did you mean" otherwise."""
    by_name = {r.name: r for r in REGISTRY.values()}
    found = REGISTRY.get(selector.upper()) or by_name.get(selector)
    if found is None:
        raise ConfigError(_unknown(selector, [*REGISTRY, *by_name]))
    return found


def expand(selector: str) -> set[str]:
    """Rule codes a selector names: ALL, a code, a family (EV), a group, a name, or a glob."""
    text = selector.strip()
    if text.upper() == "ALL":
        return set(REGISTRY)
    if text.upper() in REGISTRY:
        return {text.upper()}
    if text.upper() in FAMILIES:
        return {code for code in REGISTRY if code.startswith(text.upper())}
    if text in FAMILIES.values():
        return {r.code for r in REGISTRY.values() if r.group == text}
    by_name = {r.name: r.code for r in REGISTRY.values()}
    if text in by_name:
        return {by_name[text]}
    if any(ch in text for ch in "*?["):
        import fnmatch

        matched = {
            r.code
            for r in REGISTRY.values()
            if fnmatch.fnmatch(r.code, text.upper()) or fnmatch.fnmatch(r.name, text)
        }
        if matched:
            return matched
    known = ["ALL", *REGISTRY, *FAMILIES, *FAMILIES.values(), *by_name]
    raise ConfigError(_unknown(text, known))


def _unknown(selector: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(selector, known, n=3, cutoff=0.6)
    close += [k for k in difflib.get_close_matches(selector.upper(), known, n=3) if k not in close]
    hint = f"; did you mean {' or '.join(repr(c) for c in close[:3])}?" if close else ""
    return f"unknown rule selector {selector!r}{hint} (see `ttq-harness rules`)"
