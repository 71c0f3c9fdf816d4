"""Checking one step's captured events against its expectations. Pure."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from harness.core.model import PixelEvent, RawRequest, RequestKind, TtqCall
from harness.core.plan.match import Resolved, event_diffs, is_background, near_misses, resolve
from harness.core.plan.model import Plan, Step
from harness.core.plan.result import EventSummary, ExpectationResult, NearMiss, StepResult
from harness.core.rules.consent import is_pixel_traffic

#: What a step changes about consent, in the order the page (or a `consent:` step) called them.
CONSENT_CALLS = {"grantConsent": True, "holdConsent": False, "revokeConsent": False}
TRAFFIC_BEFORE_CONSENT = "pixel traffic before consent"
COOKIE_BEFORE_CONSENT = "_ttp cookie set before consent"


@dataclass(frozen=True)
class ConsentState:
    """Where a journey stands with consent (for `require.no_pixel_traffic_before_consent`).

    `granted`: pixel traffic is allowed now; `ever_granted`: the visitor said yes at some point
    (a `_ttp` cookie is fine from then on: revoking does not delete it).
    """

    granted: bool = False
    ever_granted: bool = False

    def after(self, calls: Sequence[TtqCall]) -> ConsentState:
        state = self
        for call in sorted(calls, key=lambda c: c.index):
            granted = CONSENT_CALLS.get(call.method)
            if granted is not None:
                state = ConsentState(granted=granted, ever_granted=state.ever_granted or granted)
        return state


@dataclass(frozen=True)
class ConsentObservation:
    """What a step did about consent: its ttq calls, its requests to pixel hosts, and whether a
    `_ttp` cookie existed before and after it (a cookie is reported by the step that set it,
    once)."""

    before: ConsentState
    calls: Sequence[TtqCall] = ()
    ttp_cookie: bool = False
    ttp_cookie_before: bool = False
    #: the step's requests to pixel hosts: undecodable beacons and telemetry are traffic too
    requests: Sequence[RawRequest] = ()


def _traffic(events: Sequence[PixelEvent], requests: Sequence[RawRequest]) -> dict[int, str]:
    """Pixel traffic by request index (one request may hold several events), each with what it
    was: its events, an undecodable beacon, or a request that carries no event (telemetry...),
    named as such. SDK script and config loads are not traffic (rules/consent.is_pixel_traffic).
    Unlike the CN rules, which leave non-event requests to a warning (CN003), the plan
    requirement counts them all: the plan asked for no pixel traffic at all."""
    found: dict[int, list[str]] = {}
    for event in events:
        if event.source == "wire":
            found.setdefault(event.index, []).append(event.name)
    kinds: dict[int, str] = {}
    for request in requests:
        if not is_pixel_traffic(request):
            continue
        if request.kind is RequestKind.EVENT:
            kinds[request.index] = "undecodable beacon"  # unless it decoded (below)
        elif request.kind is RequestKind.TELEMETRY:
            kinds[request.index] = f"telemetry {request.endpoint} (not an event)"
        else:
            kinds[request.index] = f"pixel-host request {request.endpoint} (not an event)"
    kinds.update({index: " + ".join(names) for index, names in found.items()})
    return kinds


def _consent_checks(
    events: Sequence[PixelEvent], seen: ConsentObservation
) -> list[ExpectationResult]:
    """Pixel traffic while consent was not granted; a _ttp cookie before it ever was."""
    consent_calls = [c for c in seen.calls if c.method in CONSENT_CALLS]
    traffic = _traffic(events, seen.requests)
    timeline: list[int | TtqCall] = sorted(
        [*consent_calls, *traffic], key=lambda x: x if isinstance(x, int) else x.index
    )
    state, judged = seen.before, not seen.before.granted
    early: list[int] = []
    for item in timeline:
        if isinstance(item, TtqCall):
            state = state.after([item])
            judged = judged or not state.granted
        elif not state.granted:
            early.append(item)
    results = []
    if judged:
        what = ", ".join(f"#{index} {traffic[index]}" for index in early)
        results.append(
            ExpectationResult(
                expected=TRAFFIC_BEFORE_CONSENT,
                event=f"any pixel request: {what}" if what else "any pixel request",
                pixel=None,
                source="wire",
                wanted="never",
                found=len(early),
                ok=not early,
                matched=early,
            )
        )
    if not state.ever_granted and not seen.ttp_cookie_before:
        results.append(
            ExpectationResult(
                expected=COOKIE_BEFORE_CONSENT,
                event=COOKIE_BEFORE_CONSENT,
                pixel=None,
                source="wire",
                wanted="never",
                found=int(seen.ttp_cookie),
                ok=not seen.ttp_cookie,
            )
        )
    return results


def _matching(events: Sequence[PixelEvent], want: Resolved, pixel: str | None) -> list[PixelEvent]:
    return [e for e in events if not e.auto and not event_diffs(e, want, pixel)]


def expectations_met(plan: Plan, step: Step, events: Sequence[PixelEvent]) -> bool:
    """True once every expectation of the step has at least its minimum count."""
    for expectation in step.expect:
        want = resolve(plan, expectation)
        needed = want.count if want.count is not None else (want.at_least or 1)
        for pixel in want.pixels:
            if len(_matching(events, want, pixel)) < needed:
                return False
    return True


def check_step(
    plan: Plan,
    step: Step,
    events: Sequence[PixelEvent],
    *,
    index: int,
    url: str | None = None,
    duration: float = 0.0,
    consent: ConsentObservation | None = None,
) -> StepResult:
    """Compare the events a step produced with what the plan says it must (not) send.

    With `consent` (the journey requires no pixel traffic before consent), every wire event
    while consent is not granted, and a `_ttp` cookie before it ever was, fail the step.
    """
    results: list[ExpectationResult] = []
    claimed: set[int] = set()
    # (event name, pixel) pairs the step has an expectation for: a non-matching event there is a
    # mismatch (shown with its differences), not an unexpected event
    expected_kinds: set[tuple[str, str | None]] = set()
    first_seen: list[tuple[str, int | None]] = []
    for expectation in step.expect:
        want = resolve(plan, expectation)
        for pixel in want.pixels:
            found = _matching(events, want, pixel)
            claimed.update(e.index for e in found)
            if want.source == "wire":
                expected_kinds.add((want.name, pixel))
            ok = want.count_ok(len(found))
            first_seen.append((want.label, found[0].index if found else None))
            misses = (
                []
                if ok
                else [
                    NearMiss(event=EventSummary.of(event), differences=diffs)
                    for event, diffs in near_misses(
                        [e for e in events if e.index not in {f.index for f in found}], want, pixel
                    )
                ]
            )
            results.append(
                ExpectationResult(
                    expected=want.label,
                    event=want.name,
                    pixel=pixel,
                    source=want.source,
                    wanted=want.wanted(),
                    found=len(found),
                    ok=ok,
                    matched=[e.index for e in found],
                    near_misses=misses,
                )
            )
    never: list[ExpectationResult] = []
    # An expectation naming pixels: the same event on another pixel of the plan is a mistake,
    # unless another expectation of the step asks for it there.
    targeted = {(r.event, r.pixel) for r in results if r.source == "wire"}
    plan_pixels = list(dict.fromkeys(plan.pixels.values()))
    for expectation in step.expect:
        want = resolve(plan, expectation)
        if not want.exclusive:
            continue
        for other in plan_pixels:
            if other in want.pixels or (want.name, other) in targeted:
                continue
            found = [
                e
                for e in events
                if e.source == "wire"
                and not e.auto
                and e.name == want.name
                and (e.pixel_code == other or other in e.pixel_codes)
            ]
            claimed.update(e.index for e in found)
            names = ", ".join(_pixel_name(plan, code) for code in want.pixels if code)
            never.append(
                ExpectationResult(
                    expected=f"{want.label} only to {names}",
                    event=want.name,
                    pixel=other,
                    source="wire",
                    wanted="never",
                    found=len(found),
                    ok=not found,
                    matched=[e.index for e in found],
                )
            )
    if consent is not None:
        never += _consent_checks(events, consent)
    for expectation in step.never:
        want = resolve(plan, expectation)
        for pixel in want.pixels:
            found = _matching(events, want, pixel)
            never.append(
                ExpectationResult(
                    expected=want.label,
                    event=want.name,
                    pixel=pixel,
                    source=want.source,
                    wanted="never",
                    found=len(found),
                    ok=not found,
                    matched=[e.index for e in found],
                )
            )
    order_problem = _order_problem(first_seen) if step.ordered else None
    unexpected = [
        EventSummary.of(e)
        for e in events
        if e.source == "wire"
        and e.index not in claimed
        and not is_background(e)
        and (e.name, e.pixel_code) not in expected_kinds
        and (e.name, None) not in expected_kinds
    ]
    unplanned: dict[str, list[int]] = {}
    if plan.pixels and plan.defaults.unplanned_pixels != "ignore":
        planned = set(plan.pixels.values())
        for event in events:
            if event.source == "wire" and event.pixel_code and event.pixel_code not in planned:
                unplanned.setdefault(event.pixel_code, []).append(event.index)
        unexpected = [e for e in unexpected if e.pixel_code not in unplanned]
    unplanned_fail = plan.defaults.unplanned_pixels == "fail" and bool(unplanned)
    unexpected_fails = plan.defaults.unexpected == "fail" and bool(unexpected)
    ok = (
        all(r.ok for r in results)
        and all(r.ok for r in never)
        and order_problem is None
        and not unexpected_fails
        and not unplanned_fail
    )
    return StepResult(
        index=index,
        description=step.describe(),
        url=url,
        ok=ok,
        expectations=results,
        never=never,
        unexpected=unexpected if plan.defaults.unexpected != "ignore" else [],
        unexpected_fails=unexpected_fails,
        unplanned_pixels=unplanned,
        unplanned_pixels_fail=unplanned_fail,
        order_problem=order_problem,
        duration=duration,
    )


def _pixel_name(plan: Plan, code: str) -> str:
    return next((name for name, known in plan.pixels.items() if known == code), code)


def _order_problem(first_seen: Sequence[tuple[str, int | None]]) -> str | None:
    """With `ordered: true`, each expectation's first event must follow the previous one's."""
    seen = [(label, index) for label, index in first_seen if index is not None]
    for (before, first), (after, second) in itertools.pairwise(seen):
        if second < first:
            return (
                f"expected {after!r} after {before!r}, but it came first "
                f"(event #{second} before #{first})"
            )
    return None
