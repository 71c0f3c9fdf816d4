"""Browser ↔ server: does each pixel event have its Events API twin, so TikTok deduplicates?

Pure. Source: /work/shared/reference/tiktok-pixel-rules.md §6. TikTok merges or deduplicates a
Pixel event and an Events API event "with the identical event and event_id parameters", per
pixel; within 5 minutes of the first one they are merged (match keys added to the first event),
after that and up to 48 hours they are deduplicated, later they are two events.

Event names are compared as TikTok receives them: the wire name on the browser side (after the
SDK's renaming, e.g. Purchase → CompletePayment) and the name as sent on the server side. The
reference does not say whether TikTok renames Events API names too, so a server `Purchase`
against a browser `CompletePayment` is reported as a name mismatch.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from harness.core.events_api.validate import ServerEvent
from harness.core.jsonvalue import show
from harness.core.model import PixelEvent
from harness.core.tiktok import PIXEL_INTERNAL_EVENTS

#: §6: Pixel and Events API copies arriving within 5 minutes are merged ...
MERGE_WINDOW = 5 * 60.0
#: ... and deduplicated up to 48 hours from the first event.
DEDUP_WINDOW = 48 * 3600.0

Kind = Literal[
    "browser-without-server-twin",
    "server-without-browser-twin",
    "event-id-mismatch",
    "event-name-mismatch",
    "missing-event-id",
    "outside-dedup-window",
    "not-merged",
]


@dataclass(frozen=True)
class Mismatch:
    """One way a browser event and its server twin fail to line up."""

    kind: Kind
    message: str
    path: str = "event_id"
    expected: Any = None
    received: Any = None
    browser: PixelEvent | None = None
    server: ServerEvent | None = None


def beacon_seconds(event: PixelEvent) -> float | None:
    """When the browser event happened: the beacon's timestamp, else when it was intercepted."""
    if event.timestamp:
        try:
            return datetime.fromisoformat(event.timestamp).timestamp()
        except (ValueError, OverflowError, OSError):
            pass
    return event.request.timestamp if event.request is not None else None


def _gap(browser: PixelEvent, server: ServerEvent) -> float | None:
    seen = beacon_seconds(browser)
    if seen is None or server.event_time is None:
        return None
    return abs(server.event_time - seen)


def _side(server: ServerEvent) -> str:
    where = f"request #{server.request.index}, data[{server.position}]"
    return f"the Events API {show(server.name)} ({where})"


def crosscheck(
    browser_events: Sequence[PixelEvent],
    server_events: Sequence[ServerEvent],
    *,
    server_side_events: Collection[str] = (),
    missing_id_reported_elsewhere: Collection[str] = (),
) -> list[Mismatch]:
    """Compare the pixel's wire events with the Events API events of the same capture.

    `browser_events`: the capture's events (only wire events that the page sent are used;
    call events, page views and automatic events are left out). Pixels the Events API never
    sent to are left out, so a second pixel is not reported once per event.
    `server_side_events`: event names the site is expected to send from its server too
    (besides those the server did send): a browser copy with no server twin is reported only
    for these. `missing_id_reported_elsewhere`: browser event names whose missing event_id
    another rule already reports (DD003 for value events with `uses_events_api`).
    """
    server_pixels = {s.pixel_code for s in server_events}
    browser = [
        e
        for e in browser_events
        if e.source == "wire"
        and not e.auto
        and e.name not in PIXEL_INTERNAL_EVENTS
        and (not server_pixels or e.pixel_code in server_pixels)
    ]
    expected_names = {*server_side_events, *(s.name for s in server_events)}
    found: list[Mismatch] = []
    consumed: set[int] = set()  # id() of browser events that have a counterpart

    # 1. exact twins: same pixel, event and event_id; then the time windows
    unpaired: list[ServerEvent] = []
    for server in server_events:
        twins = [
            b
            for b in browser
            if server.event_id
            and (b.pixel_code, b.name, b.event_id)
            == (server.pixel_code, server.name, server.event_id)
        ]
        if not twins:
            unpaired.append(server)
            continue
        consumed.update(id(b) for b in twins)
        found.extend(_window(server, twins))

    # 2. server events without an exact twin: a name or event_id that does not line up
    for server in unpaired:
        renamed = next(
            (
                b
                for b in browser
                if server.event_id
                and b.pixel_code == server.pixel_code
                and b.event_id == server.event_id
                and b.name != server.name
            ),
            None,
        )
        if renamed is not None:
            found.append(
                Mismatch(
                    "event-name-mismatch",
                    f"event_id {show(server.event_id)} is {show(renamed.name)} in the browser "
                    f"but {show(server.name)} on the server: TikTok deduplicates only identical "
                    "event names with the same event_id, so the server event is not matched "
                    "with its browser copy",
                    path="event",
                    expected=renamed.name,
                    received=server.name,
                    browser=renamed,
                    server=server,
                )
            )
        candidate = _nearest(server, [b for b in browser if id(b) not in consumed])
        if candidate is None:
            if renamed is None:
                found.append(
                    Mismatch(
                        "server-without-browser-twin",
                        f"{_side(server)} with event_id {show(server.event_id)} has no "
                        f"browser {show(server.name)} with that event_id",
                        expected=f"a pixel {server.name} with the same event_id",
                        received=server.event_id,
                        server=server,
                    )
                )
            continue
        consumed.add(id(candidate))
        if not server.event_id:
            found.append(
                Mismatch(
                    "missing-event-id",
                    f"{_side(server)} has no event_id, so TikTok cannot deduplicate it against "
                    f"the browser's copy (event_id {show(candidate.event_id)})",
                    expected=candidate.event_id or "the event_id the pixel sends",
                    received="",
                    browser=candidate,
                    server=server,
                )
            )
        elif not candidate.event_id:
            if candidate.name not in missing_id_reported_elsewhere:
                found.append(_browser_missing_id(candidate, server))
        elif renamed is None:
            found.append(
                Mismatch(
                    "event-id-mismatch",
                    f"the browser sent {show(candidate.name)} with event_id "
                    f"{show(candidate.event_id)} but the server with "
                    f"{show(server.event_id)}: TikTok counts the purchase twice",
                    expected=candidate.event_id,
                    received=server.event_id,
                    browser=candidate,
                    server=server,
                )
            )

    # 3. browser events the site also sends from its server, with no server twin
    server_names = {(s.pixel_code, s.name) for s in server_events}
    for event in browser:
        if id(event) in consumed or event.name not in expected_names:
            continue
        if not event.event_id and (event.pixel_code, event.name) in server_names:
            if event.name not in missing_id_reported_elsewhere:
                found.append(_browser_missing_id(event, None))
            continue
        found.append(
            Mismatch(
                "browser-without-server-twin",
                f"the browser sent {show(event.name)} with event_id {show(event.event_id)} "
                "but no Events API event has that event and event_id",
                expected=f"an Events API {event.name} with event_id {event.event_id or '…'}",
                received=None,
                browser=event,
            )
        )
    return found


def _nearest(server: ServerEvent, browser: Sequence[PixelEvent]) -> PixelEvent | None:
    """The browser event of the same pixel and name closest in time, within 48 hours."""
    best: tuple[float, PixelEvent] | None = None
    for event in browser:
        if (event.pixel_code, event.name) != (server.pixel_code, server.name):
            continue
        gap = _gap(event, server)
        if gap is not None and gap > DEDUP_WINDOW:
            continue
        rank = gap if gap is not None else DEDUP_WINDOW
        if best is None or rank < best[0]:
            best = (rank, event)
    return best[1] if best else None


def _browser_missing_id(event: PixelEvent, server: ServerEvent | None) -> Mismatch:
    return Mismatch(
        "missing-event-id",
        f"the browser sent {show(event.name)} with no event_id while the server sends it too, "
        "so TikTok cannot deduplicate the two copies",
        expected=server.event_id if server and server.event_id else "the server's event_id",
        received="",
        browser=event,
        server=server,
    )


def _window(server: ServerEvent, twins: Sequence[PixelEvent]) -> list[Mismatch]:
    gaps = [(g, b) for b in twins if (g := _gap(b, server)) is not None]
    if not gaps:
        return []
    gap, twin = min(gaps, key=lambda pair: pair[0])
    if gap > DEDUP_WINDOW:
        return [
            Mismatch(
                "outside-dedup-window",
                f"{show(server.name)} event_id {show(server.event_id)}: the server event_time "
                f"is {gap / 3600:.1f} h from the browser's; TikTok deduplicates only within 48 "
                "hours, so it counts both",
                path="event_time",
                expected="within 48 h of the browser event",
                received=server.event_time,
                browser=twin,
                server=server,
            )
        ]
    if gap > MERGE_WINDOW:
        return [
            Mismatch(
                "not-merged",
                f"{show(server.name)} event_id {show(server.event_id)}: the server event_time "
                f"is {gap / 60:.0f} min from the browser's; TikTok deduplicates it but merges "
                "the server's match keys only within 5 minutes",
                path="event_time",
                expected="within 5 min of the browser event",
                received=server.event_time,
                browser=twin,
                server=server,
            )
        ]
    return []
