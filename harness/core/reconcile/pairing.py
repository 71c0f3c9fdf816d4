"""Pairing: which wire events each call explains (`match`), per document and URL. Pure."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from harness.core.model import (
    PixelEvent,
    TtqCall,
)
from harness.core.observations import is_observation
from harness.core.tiktok import SDK_ALIASES

# -- pairing ----------------------------------------------------------------------------------


@dataclass
class Matching:
    """The pairing itself: what the engine's rules need (uncovered wire events, unanswered
    calls) and what the Reconciliation is built from."""

    pairs: list[tuple[PixelEvent, PixelEvent]] = field(default_factory=list)  # (call, wire)
    uncovered: list[PixelEvent] = field(default_factory=list)  # wire events no call made
    unanswered: list[PixelEvent] = field(default_factory=list)  # calls (per missed pixel)
    silent: set[int] = field(default_factory=set)  # page() calls on an unchanged URL
    nameless: set[int] = field(default_factory=set)  # track() without a string event name


def match(
    call_evs: Sequence[PixelEvent],
    wire_evs: Sequence[PixelEvent],
    calls: Sequence[TtqCall] = (),
) -> Matching:
    """Pair wire events with the calls that made them.

    A call explains a later wire event with the SDK's name for it, to the call's pixel (or any
    pixel for an untargeted call), sent from the call's frame URL or, failing that, from the
    call's document after a history.replaceState/pushState that kept the URL minus query and
    fragment (history-hook-page-url; exact URLs are paired first). Each (call, pixel) pair
    explains one beacon. A repeated ttq.page() on the same URL is expected to send nothing. An
    untargeted call on a page whose ttq.load() calls were recorded should reach every pixel
    loaded there: each pixel it missed is an unanswered call (pixel_code set to that pixel).
    """
    result = Matching()
    candidates: dict[tuple[str, str | None], list[PixelEvent]] = {}
    last_page_url: dict[str | None, str | None] = {}
    for call in call_evs:
        if call.call is not None and call.call.method == "track":
            args = call.call.args
            if not args or not isinstance(args[0], str):
                result.nameless.add(call.index)
        if call.call is not None and call.call.method == "page":
            frame = call.call.document
            if frame in last_page_url and last_page_url[frame] == call.page_url:
                result.silent.add(call.index)
            last_page_url[frame] = call.page_url
        wire_name = SDK_ALIASES.get(call.name, call.name)
        candidates.setdefault((wire_name, call.page_url), []).append(call)
    used: set[tuple[int, str | None]] = set()
    reached: dict[int, set[str | None]] = {}

    def take(call: PixelEvent, wire: PixelEvent) -> None:
        used.add((call.index, wire.pixel_code))
        reached.setdefault(call.index, set()).add(wire.pixel_code)
        result.pairs.append((call, wire))

    def fits(call: PixelEvent, wire: PixelEvent) -> bool:
        return (
            call.index < wire.index
            and call.pixel_code in (None, wire.pixel_code)
            and (call.index, wire.pixel_code) not in used
        )

    # First every beacon sent from its call's exact URL, so that a beacon whose URL changed
    # (history-hook-page-url) never takes a call another beacon answers exactly.
    moved: list[PixelEvent] = []
    for wire in wire_evs:
        if wire.auto or wire.name == "EnrichAM":
            continue
        found = next(
            (c for c in candidates.get((wire.name, wire.page_url), ()) if fits(c, wire)), None
        )
        if found is None:
            moved.append(wire)
        else:
            take(found, wire)
    if moved:
        documents = _documents_by_url(list(calls) or [c.call for c in call_evs if c.call])
        by_document: dict[tuple[str | None, str], list[PixelEvent]] = {}
        for call in sorted(call_evs, key=lambda c: c.index):
            if call.call is not None and call.index not in result.silent:
                key = (_document_key(call.call), SDK_ALIASES.get(call.name, call.name))
                by_document.setdefault(key, []).append(call)
        for wire in moved:
            document = _beacon_document(wire, documents)
            if document is None:
                continue
            found = next(
                (c for c in by_document.get((document, wire.name), ()) if fits(c, wire)), None
            )
            if found is not None:
                take(found, wire)
    paired = {id(wire) for _, wire in result.pairs}
    result.uncovered = [w for w in wire_evs if id(w) not in paired]
    result.pairs.sort(key=lambda pair: pair[1].index)
    loaded = loaded_pixels(calls or [c.call for c in call_evs if c.call is not None])
    for call in call_evs:
        if call.index in result.silent or call.index in result.nameless:
            continue
        got = reached.get(call.index)
        if not got:
            result.unanswered.append(call)
            continue
        if call.pixel_code is None and call.call is not None:
            for pixel in sorted(loaded.get(call.call.document, set()) - {p for p in got if p}):
                result.unanswered.append(call.model_copy(update={"pixel_code": pixel}))
    return result


def url_base(url: str | None) -> str | None:
    """The URL without its query and fragment: what history.replaceState usually rewrites."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _document_key(call: TtqCall) -> str | None:
    """The call's document: its document_id, else its frame URL without query and fragment
    (older records have no id, and a replaceState must not make a new document of them)."""
    return call.document_id or url_base(call.frame_url or call.page_url)


def _documents_by_url(calls: Iterable[TtqCall]) -> dict[str, tuple[list[int], list[str | None]]]:
    """Per URL minus query and fragment: the calls' indexes in order, and their documents."""
    found: dict[str, tuple[list[int], list[str | None]]] = {}
    for call in sorted(calls, key=lambda c: c.index):
        base = url_base(call.frame_url or call.page_url)
        if base is not None and not is_observation(call.method):
            indexes, documents = found.setdefault(base, ([], []))
            indexes.append(call.index)
            documents.append(_document_key(call))
    return found


def _beacon_document(
    wire: PixelEvent, documents: dict[str, tuple[list[int], list[str | None]]]
) -> str | None:
    """The document a beacon whose URL matches no call came from: that of the last call
    recorded before it on the same URL minus query and fragment (a reload or a new page on
    that URL is a newer document, and takes its beacons from then on)."""
    base = url_base(wire.page_url)
    indexes, keys = documents.get(base or "", ([], []))
    position = bisect.bisect_left(indexes, wire.index)
    return keys[position - 1] if position else None


def loaded_pixels(calls: Iterable[TtqCall]) -> dict[str | None, set[str]]:
    """Pixel codes each document loaded with ttq.load()."""
    loaded: dict[str | None, set[str]] = {}
    for call in calls:
        if call.method == "load" and call.args and isinstance(call.args[0], str):
            loaded.setdefault(call.document, set()).add(call.args[0])
    return loaded
