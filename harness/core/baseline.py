"""Baselines: the wire events each journey sends, stored in reviewable files and compared.

A baseline is one YAML file per journey, ``<DIR>/<slug of the journey name>.yaml``, holding
the journey's wire events with every volatile value masked, so that two runs of an unchanged
site give the same file byte for byte and a pull request shows exactly what tracking changed.
Pure: no Playwright, no terminal; the CLI (``ttq-harness run --baseline DIR
[--update-baseline]``) and the JUnit report render what `check_journeys` returns.

API
---
``check_journeys(results, directory, *, update, complete_run, pin_event_ids=False)``
    The whole check for one run. ``results`` holds ``(journey name, events)`` or
    ``(journey name, events, base URL)`` per journey run, e.g.
    ``[(j.name, j.events, journey_base_url(plan, journey, opts.base_url)) ...]`` from a
    `PlanResult` (``events`` may be all of a journey's events: calls, automatic and EnrichAM
    events are left out here). Returns a `BaselineReport`; never raises for a missing,
    unreadable or invalid baseline file (each is a one-line problem of its journey).
    ``update=True`` (``--update-baseline``) writes new and changed baselines (and rewrites
    invalid ones) instead of failing. ``complete_run`` says the run covered every journey of
    the plan: only then are the ``*.yaml`` files no journey used reported as unused (a
    ``--journey`` run must pass False). Unused files are never deleted, not even with
    ``update``: they are reported, and deleting them is left to the reviewer.

``BaselineReport``
    ``outcomes`` (one `JourneyBaseline` per journey, in run order), ``unused`` (paths),
    ``ok`` (every outcome ok; unused files do not fail a run), ``lines()`` (terminal lines,
    diffs included), ``headline()`` (one line: counts), ``outcome(name)``.

``JourneyBaseline``
    ``journey``, ``path``, ``status`` (``same``, ``new``, ``updated``: ok; ``different``,
    ``missing``, ``invalid``: failures), ``events`` (how many events were compared),
    ``problem`` (one line, for missing/invalid), ``summary`` (lines such as
    ``changed: AddToCart on /shop/product.html?id=301 (pixel C1)`` followed by indented
    ``properties.value: 8 -> "8.00"``), ``diff`` (unified diff of the two files, labelled
    ``baseline <path>`` / ``actual``), ``ok``, ``message`` (one line, for a JUnit failure
    message) and ``details`` (summary and diff, for the JUnit failure body).

Building blocks: `normalise` (events -> the compared records), `dump` (records -> the file's
text), `load` (file -> records, or `BaselineError` with a one-line message), `compare`
(records vs records -> `BaselineDiff`), `baseline_name`, `mask_generated`, `mask_event_id`,
`mask_url`.

What is compared
----------------
Only wire events (``source == "wire"``) that the page caused: the SDK's automatic ``/act``
events (``auto``) and ``EnrichAM`` are left out. Each becomes::

    event: AddToCart                 # name as sent
    pixel: CDEMO00SHOP00PIXEL01
    page: /shop/product.html?id=301  # URL path, query and fragment, generated ids masked
    event_id: <set>                  # "<set>" or "" (with pin_event_ids: "evt-<id>")
    library: pixel.js
    properties: {...}                # keys sorted; volatile values masked
    user: {email: <hashed>}          # context.user keys; values "<hashed>", "<plain>" or ""

Timestamps, message, session and page-view ids, the referrer, the user agent and the library
version are not compared at all. Events are sorted by (page, event, pixel, canonical JSON of
the whole record), never by arrival order, which races between pixels and frames.

Masking (explicit, so that it can be reviewed and tested):

* generated ids (`mask_generated`): in a word made of letters and digits joined by ``-`` or
  ``_``, the first part of 6 or more characters containing a digit (a timestamp, a base-36 or
  hex id) and everything after it become ``<id>``; a UUID becomes ``<id>``. So
  ``evt-1795628807645-wj7smc`` -> ``evt-<id>``, ``order-mwwf584f839d`` -> ``order-<id>``, while
  ``301``, ``summer-dress`` and ``product.html`` stay.
* pages (`mask_url`): relative to the journey's base URL when the page is under it (else the
  path, with ``//host`` when the origin differs from the base's); generated ids masked in
  path segments, query values and the fragment; the value of a query parameter that names an
  order, transaction, session, token, nonce, cache buster, timestamp or click id (`order`,
  ``orderId``, ``session_id``, ``ttclid``...) becomes ``<id>`` whatever it looks like.
* event ids (`mask_event_id`): ``<set>`` when not empty; with ``pin_event_ids`` the value's
  leading word is kept and the rest masked (``order-mwwgzfwqswck`` -> ``order-<id>``, even with
  no digit in it), or generated ids masked when it has no leading word.
* properties: ``event_id`` as above; ``order_id``, ``transaction_id``, ``session_id``,
  ``message_id``, ``pageview_id``, ``nonce`` -> ``<id>``; ``timestamp``, ``ts``, ``time``,
  ``event_time``, ``created_at``, ``updated_at`` and ISO date-times -> ``<timestamp>``;
  absolute URLs as pages. Any other value is compared exactly, type included (``8`` and
  ``"8.00"`` differ).
* personal data: the events given are already masked (`harness.core.masking.masked`, the one
  masking step; ``ttq-harness run`` passes its masked result whatever ``--show-pii`` says), so
  e-mails and phone numbers never reach a committed file.

The file
--------
A header comment, then ``version: 1``, ``journey: <name>`` and ``events``: event fields in the
order above, nested keys sorted, events sorted, block style, UTF-8, LF line ends. `dump` is
deterministic, so an unchanged journey rewrites the same bytes. Files are compared after
loading and re-dumping, so comments or hand formatting in a baseline are not differences.

Why one module over 500 lines: normalising, writing, comparing and updating a baseline are
read together whenever a baseline changes, and this docstring is the file format's
specification.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, unquote_plus, urlsplit

import yaml

from harness.core.jsonvalue import MISSING, json_diff, show
from harness.core.model import PixelEvent

VERSION = 1
SUFFIX = ".yaml"
ID = "<id>"
SET = "<set>"
TIMESTAMP = "<timestamp>"
HASHED = "<hashed>"
PLAIN = "<plain>"

#: Wire events the pixel sends on its own (besides `auto` /act events): not compared.
SKIPPED_EVENTS = frozenset({"EnrichAM"})
#: The compared fields of an event, in file order.
FIELDS = ("event", "pixel", "page", "event_id", "library", "properties", "user")
#: Query parameters whose value is volatile whatever it looks like (lower case, '-' -> '_').
VOLATILE_QUERY_KEYS = frozenset({
    "order", "order_id", "orderid", "order_key", "transaction", "transaction_id", "txn",
    "txn_id", "session", "session_id", "sessionid", "sid", "token", "nonce", "cb", "ts",
    "timestamp", "event_id", "ttclid", "gclid", "fbclid", "msclkid",
})  # fmt: skip
#: Property keys whose value is an id that changes on every run.
ID_PROPERTY_KEYS = frozenset({
    "order_id", "orderid", "transaction_id", "session_id", "message_id", "pageview_id", "nonce",
})  # fmt: skip
TIMESTAMP_PROPERTY_KEYS = frozenset({
    "timestamp", "ts", "time", "event_time", "created_at", "updated_at",
})  # fmt: skip
MIN_ID_LENGTH = 6

Status = Literal["same", "new", "updated", "different", "missing", "invalid"]
OK_STATUSES: frozenset[str] = frozenset({"same", "new", "updated"})
STATUS_ORDER: tuple[Status, ...] = ("same", "new", "updated", "different", "missing", "invalid")
#: A journey's events as `check_journeys` takes them: name, events and optionally base URL.
JourneyEvents = tuple[str, Sequence[PixelEvent]] | tuple[str, Sequence[PixelEvent], str | None]

_UUID = re.compile(
    r"(?<![0-9A-Za-z])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12}(?![0-9A-Za-z])"
)
_WORD = re.compile(r"[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*")
_PREFIXED_ID = re.compile(r"([A-Za-z]+[-_:.])(.+)", re.DOTALL)
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"
)
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class BaselineError(Exception):
    """A baseline file that cannot be used; the message is one line naming the file."""


# --- masking -------------------------------------------------------------------------------


def _generated(part: str) -> bool:
    return len(part) >= MIN_ID_LENGTH and any(c.isdigit() for c in part)


def _mask_word(match: re.Match[str]) -> str:
    parts = re.split(r"([-_])", match.group(0))  # words at even indexes, joiners at odd
    for i in range(0, len(parts), 2):
        if _generated(parts[i]):
            return "".join(parts[:i]) + ID
    return match.group(0)


def mask_generated(text: str) -> str:
    """`text` with generated ids replaced by ``<id>`` (see the module docstring)."""
    return _WORD.sub(_mask_word, _UUID.sub(ID, text))


def mask_event_id(value: str) -> str:
    """A pinned event_id: its leading word kept, the rest ``<id>``."""
    if not value:
        return ""
    prefixed = _PREFIXED_ID.fullmatch(value)
    if prefixed:
        return prefixed.group(1) + ID
    return mask_generated(value)


def _event_id(value: Any, pin: bool) -> Any:
    if value is None or value == "":
        return value
    if not pin:
        return SET
    return mask_event_id(str(value))


def _base_dir(base_url: str | None) -> tuple[str, str, str] | None:
    if not base_url:
        return None
    base = urlsplit(base_url)
    path = base.path or "/"
    return base.scheme, base.netloc, path[: path.rfind("/") + 1]


def mask_url(url: str, *, base_url: str | None = None) -> str:
    """A page URL as compared: relative to `base_url` when under it, generated ids masked."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return mask_generated(url)  # about:blank, data:..., already relative
    path = parts.path or "/"
    base = _base_dir(base_url)
    if base is None:
        location = path
    elif (parts.scheme, parts.netloc) != base[:2]:
        location = f"//{parts.netloc}{path}"
    elif path.startswith(base[2]):
        location = path[len(base[2]) :]
    else:
        location = path
    text = "/".join(mask_generated(unquote(segment)) for segment in location.split("/"))
    if parts.query:
        text += "?" + _mask_query(parts.query)
    if parts.fragment:
        text += "#" + mask_generated(unquote(parts.fragment))
    return text or "./"


def _mask_query(query: str) -> str:
    pairs = []
    for pair in query.split("&"):
        if not pair:
            continue
        key, sep, value = pair.partition("=")
        key, value = unquote_plus(key), unquote_plus(value)
        if value and key.lower().replace("-", "_") in VOLATILE_QUERY_KEYS:
            value = ID
        else:
            value = mask_generated(value)
        pairs.append(f"{key}{sep}{value}")
    return "&".join(pairs)


def _mask_property(value: Any, key: str | None, pin: bool, base_url: str | None) -> Any:
    if isinstance(value, dict):
        return {
            str(k): _mask_property(value[k], str(k), pin, base_url) for k in sorted(value, key=str)
        }
    if isinstance(value, list):
        return [_mask_property(item, key, pin, base_url) for item in value]
    name = key.lower() if key is not None else None
    if value is None or value == "":
        return value
    if name == "event_id":
        return _event_id(value, pin)
    if name in ID_PROPERTY_KEYS:
        return ID
    if name in TIMESTAMP_PROPERTY_KEYS:
        return TIMESTAMP
    if isinstance(value, str):
        if _ISO_DATETIME.fullmatch(value.strip()):
            return TIMESTAMP
        if value.startswith(("http://", "https://")):
            return mask_url(value, base_url=base_url)
    return value


def _user_value(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str) and _SHA256.fullmatch(value):
        return HASHED
    return PLAIN


# --- normalise, dump, load ------------------------------------------------------------------


def compared(event: PixelEvent) -> bool:
    """Whether a captured event is part of a baseline."""
    return event.source == "wire" and not event.auto and event.name not in SKIPPED_EVENTS


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _sort_key(record: Mapping[str, Any]) -> tuple[str, str, str, str]:
    return (
        str(record.get("page") or ""),
        str(record.get("event") or ""),
        str(record.get("pixel") or ""),
        _canonical_json(record),
    )


def normalise(
    events: Sequence[PixelEvent], *, pin_event_ids: bool = False, base_url: str | None = None
) -> list[dict[str, Any]]:
    """The compared records of a journey's events, masked and sorted (see module docstring)."""
    records = [
        {
            "event": event.name,
            "pixel": event.pixel_code or "",
            "page": mask_url(event.page_url, base_url=base_url) if event.page_url else "",
            "event_id": _event_id(event.event_id, pin_event_ids),
            "library": event.library_name or "",
            "properties": _mask_property(event.properties, None, pin_event_ids, base_url),
            "user": {str(k): _user_value(v) for k, v in sorted(event.user.items())},
        }
        for event in events
        if compared(event)
    ]
    return sorted(records, key=_sort_key)


def baseline_name(journey: str) -> str:
    """The baseline file name of a journey: ``<slug>.yaml``."""
    ascii_name = unicodedata.normalize("NFKD", journey).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9._-]+", "-", ascii_name.lower()).strip("-.")
    return (slug or "journey") + SUFFIX


def _sorted_mapping(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _sorted_mapping(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list):
        return [_sorted_mapping(item) for item in value]
    return value


def _ordered(record: Mapping[str, Any]) -> dict[str, Any]:
    known = [name for name in FIELDS if name in record]
    others = sorted((k for k in record if k not in FIELDS), key=str)
    return {str(k): _sorted_mapping(record[k]) for k in [*known, *others]}


def _yaml(data: Any) -> str:
    return yaml.safe_dump(
        data, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096
    )


def dump(journey: str, events: Sequence[Mapping[str, Any]]) -> str:
    """The baseline file's text: deterministic (events sorted, keys in a fixed order)."""
    title = " ".join(journey.split())
    header = f"# ttq-harness baseline v{VERSION}: journey {title}; update with --update-baseline\n"
    records = [_ordered(record) for record in sorted(events, key=_sort_key)]
    return header + _yaml({"version": VERSION, "journey": journey, "events": records})


def load(path: Path) -> list[dict[str, Any]]:
    """The events of a baseline file; `BaselineError` (one line) when it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BaselineError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise BaselineError(f"{path}{where}: not valid YAML: {problem}") from None
    if not isinstance(data, dict) or "version" not in data:
        raise BaselineError(
            f"{path}: not a ttq-harness baseline (expected a mapping with version, journey "
            "and events)"
        )
    version = data["version"]
    if version != VERSION or isinstance(version, bool):
        raise BaselineError(
            f"{path}: baseline version {version!r} is not supported (this ttq-harness reads "
            f"version {VERSION}); rewrite it with --update-baseline"
        )
    events = data.get("events")
    if not isinstance(events, list):
        raise BaselineError(f"{path}: 'events' must be a list of events")
    for number, event in enumerate(events, start=1):
        if not isinstance(event, dict):
            raise BaselineError(f"{path}: event {number} is not a mapping of fields")
    return [{str(k): v for k, v in event.items()} for event in events]


# --- compare ------------------------------------------------------------------------------


def _show(value: Any, limit: int = 80) -> str:
    return show(value, limit, sort_keys=True)


def field_changes(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Field-level differences, e.g. ``properties.value: 8 -> "8.00"``; numbers compared as the
    wire has them (8 and 8.0 differ)."""
    return [
        f"{d.path or '(value)'}: {_side(d.expected)} -> {_side(d.received)}"
        for d in json_diff(expected, actual, how="exact", path=path, extra=True, sort_keys=True)
    ]


def _side(value: Any) -> str:
    return "(absent)" if value is MISSING else _show(value)


def describe(record: Mapping[str, Any]) -> str:
    """An event in one line: ``AddToCart on /shop/product.html?id=301 (pixel C1)``."""
    name = str(record.get("event"))
    if not name or name != name.strip():
        name = json.dumps(name, ensure_ascii=False)
    return f"{name} on {record.get('page') or '?'} (pixel {record.get('pixel')})"


def _identity(record: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(record.get("page")), str(record.get("event")), str(record.get("pixel")))


@dataclass(frozen=True)
class BaselineDiff:
    """How a journey's events differ from its baseline."""

    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[dict[str, Any], dict[str, Any], list[str]]] = field(default_factory=list)
    diff: str = ""

    @property
    def equal(self) -> bool:
        return not self.diff

    @property
    def count(self) -> int:
        """How many events differ (an event changed counts once)."""
        return len(self.added) + len(self.removed) + len(self.changed)

    def counts(self) -> str:
        """``1 changed, 1 removed``."""
        parts = [
            f"{len(items)} {label}"
            for items, label in (
                (self.changed, "changed"),
                (self.removed, "removed"),
                (self.added, "added"),
            )
            if items
        ]
        return ", ".join(parts)

    def summary(self) -> list[str]:
        """Lines per differing event, with the changed fields indented under it."""
        lines = []
        for before, _after, changes in self.changed:
            lines.append(f"changed: {describe(before)}")
            lines += [f"  {change}" for change in changes]
        lines += [f"removed: {describe(record)}" for record in self.removed]
        lines += [f"added: {describe(record)}" for record in self.added]
        return lines


def _event_text(record: Mapping[str, Any]) -> str:
    return _yaml(_ordered(record))


def compare(
    expected: Sequence[Mapping[str, Any]],
    actual: Sequence[Mapping[str, Any]],
    *,
    journey: str = "",
    label: str = "baseline",
) -> BaselineDiff:
    """Baseline records vs this run's: unified diff of the two files and event-level changes.

    Events are paired by (page, event, pixel); identical events first, then in sorted order.
    """
    before_text, after_text = dump(journey, expected), dump(journey, actual)
    if before_text == after_text:
        return BaselineDiff()
    diff = "\n".join(
        difflib.unified_diff(
            before_text.splitlines(),
            after_text.splitlines(),
            fromfile=label,
            tofile="actual",
            lineterm="",
        )
    )
    remaining = [_ordered(record) for record in sorted(actual, key=_sort_key)]
    unmatched: list[dict[str, Any]] = []
    for record in (_ordered(r) for r in sorted(expected, key=_sort_key)):
        text = _event_text(record)
        same = next((i for i, r in enumerate(remaining) if _event_text(r) == text), None)
        if same is None:
            unmatched.append(record)
        else:
            del remaining[same]
    removed, changed = [], []
    for record in unmatched:
        partner = next(
            (i for i, r in enumerate(remaining) if _identity(r) == _identity(record)), None
        )
        if partner is None:
            removed.append(record)
        else:
            after = remaining.pop(partner)
            changed.append((record, after, field_changes(record, after)))
    return BaselineDiff(added=remaining, removed=removed, changed=changed, diff=diff)


# --- checking a run ------------------------------------------------------------------------


@dataclass(frozen=True)
class JourneyBaseline:
    """One journey's baseline outcome."""

    journey: str
    path: Path
    status: Status
    events: int = 0
    problem: str = ""
    summary: tuple[str, ...] = ()
    diff: str = ""
    differing: int = 0
    counts: str = ""

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    @property
    def message(self) -> str:
        """One line without the mark, e.g. for a JUnit failure message."""
        n = _plural(self.events, "event")
        differing = _plural(self.differing, "event")
        if self.status == "same":
            return f"baseline {self.journey}: same ({n})"
        if self.status == "new":
            return f"baseline {self.journey}: new, wrote {self.path} ({n})"
        if self.status == "updated":
            if self.problem:
                return f"baseline {self.journey}: rewrote invalid {self.path} ({n})"
            return f"baseline {self.journey}: updated {self.path} ({differing}: {self.counts})"
        if self.status == "different":
            verb = "differs" if self.differing == 1 else "differ"
            return f"baseline {self.journey}: {differing} {verb} ({self.counts}) from {self.path}"
        return f"baseline {self.journey}: {self.problem}"

    @property
    def details(self) -> str:
        """The summary and the diff, e.g. for a JUnit failure body."""
        parts = [line for line in (self.problem, "\n".join(self.summary), self.diff) if line]
        return "\n\n".join(parts)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class BaselineReport:
    """Every journey's baseline outcome of one run, and the baseline files no journey used."""

    directory: Path
    outcomes: list[JourneyBaseline]
    unused: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every journey matched (or was written); unused files never fail a run."""
        return all(outcome.ok for outcome in self.outcomes)

    def outcome(self, journey: str) -> JourneyBaseline | None:
        return next((o for o in self.outcomes if o.journey == journey), None)

    def headline(self) -> str:
        """``baselines in baselines/: 7 same, 1 different; 1 unused``."""
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        parts = [f"{counts[s]} {s}" for s in STATUS_ORDER if s in counts]
        text = f"baselines in {self.directory}: {', '.join(parts) or 'no journeys'}"
        if self.unused:
            text += f"; {len(self.unused)} unused"
        return text

    def lines(self, *, max_diff_lines: int | None = 80) -> list[str]:
        """Terminal lines: one per journey (details indented under failures), then unused."""
        return list(self._lines(max_diff_lines))

    def _lines(self, max_diff_lines: int | None) -> Iterator[str]:
        for outcome in self.outcomes:
            yield f"{'✓' if outcome.ok else '✗'} {outcome.message}"
            if outcome.status in ("updated", "different"):
                yield from (f"    {line}" for line in outcome.summary)
            if outcome.status == "different" and outcome.diff:
                diff = outcome.diff.splitlines()
                shown = diff if max_diff_lines is None else diff[:max_diff_lines]
                yield from (f"    {line}" for line in shown)
                if len(shown) < len(diff):
                    yield f"    … {len(diff) - len(shown)} more diff lines"
        for path in self.unused:
            yield (
                f"! baseline {path} is no longer used by any journey (not deleted: delete it if "
                "its journey is gone)"
            )


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8", newline="\n")
    temporary.replace(path)


def _check_one(
    name: str,
    path: Path,
    actual: list[dict[str, Any]],
    *,
    update: bool,
) -> JourneyBaseline:
    count = len(actual)
    text = dump(name, actual)
    if not path.exists():
        if not update:
            return JourneyBaseline(
                name,
                path,
                "missing",
                count,
                problem=f"no baseline {path} (run with --update-baseline to write it)",
            )
        _write(path, text)
        return JourneyBaseline(name, path, "new", count)
    try:
        expected = load(path)
    except BaselineError as exc:
        if not update:
            return JourneyBaseline(name, path, "invalid", count, problem=str(exc))
        _write(path, text)
        return JourneyBaseline(name, path, "updated", count, problem=f"replaced: {exc}")
    difference = compare(expected, actual, journey=name, label=f"baseline {path}")
    if difference.equal:
        return JourneyBaseline(name, path, "same", count)
    if update:
        _write(path, text)
    return JourneyBaseline(
        name,
        path,
        "updated" if update else "different",
        count,
        summary=tuple(difference.summary()),
        diff=difference.diff,
        differing=difference.count,
        counts=difference.counts(),
    )


def check_journeys(
    results: Sequence[JourneyEvents],
    directory: Path,
    *,
    update: bool,
    complete_run: bool,
    pin_event_ids: bool = False,
) -> BaselineReport:
    """Compare (or, with `update`, write) each journey's baseline; see the module docstring."""
    directory = Path(directory)
    outcomes: list[JourneyBaseline] = []
    owners: dict[str, str] = {}
    for item in results:
        name, events, *rest = item
        base_url = rest[0] if rest else None
        file_name = baseline_name(name)
        path = directory / file_name
        if file_name in owners:
            outcomes.append(
                JourneyBaseline(
                    name,
                    path,
                    "invalid",
                    problem=f"journeys {owners[file_name]!r} and {name!r} would share baseline "
                    f"{path}; rename one",
                )
            )
            continue
        owners[file_name] = name
        actual = normalise(events, pin_event_ids=pin_event_ids, base_url=base_url)
        try:
            outcomes.append(_check_one(name, path, actual, update=update))
        except OSError as exc:
            problem = f"{path}: cannot write: {exc.strerror or exc}"
            outcomes.append(JourneyBaseline(name, path, "invalid", len(actual), problem=problem))
    unused: list[Path] = []
    if complete_run and directory.is_dir():
        unused = sorted(
            p for p in directory.glob(f"*{SUFFIX}") if p.is_file() and p.name not in owners
        )
    return BaselineReport(directory=directory, outcomes=outcomes, unused=unused)
