"""SD: what the pixel SDK itself said. Its console diagnostics and SDK files that did not load.

The capture records every console message a page prints that starts with "[TikTok Pixel]"
(the real SDK's diagnostics, rules §4.5; the emulator prints the ones the evidence supports)
as a `harness:sdk-console` observation, and every SDK file a pinned folder lacks or a live
fetch could not get as `harness:sdk-file-missing`.

Each mistake is reported once: a known SDK message is reported only when no harness rule
already reports the same problem (the "covering" rule: PR013 for a missing content_id, ID007
for missing e-mail and phone...). Messages and flagged events are paired by count, in order:
with three "Missing 'content_id'" messages and two events PR013 flags for missing content ids,
one SD003 finding remains. A message no rule explains is never lost: SD008 reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from harness.core.model import PixelEvent, Severity, TtqCall
from harness.core.observations import SDK_CONSOLE as SDK_CONSOLE
from harness.core.observations import SDK_CONSOLE_PREFIX
from harness.core.observations import SDK_FILE_MISSING as SDK_FILE_MISSING
from harness.core.observations import SDK_PINNED_CONFIG as SDK_PINNED_CONFIG
from harness.core.rules._registry import Issue, RuleContext, rule

#: The first line of each message the real SDK prints (wording and typos as TikTok's).
INVALID_PIXEL_ID = "Invalid pixel ID"
MISSING_CONTENT_ID = "Missing 'content_id' paramter"
INVALID_CONTENT_TYPE = "Invalid content type"
MISSING_VALUE = 'Missing "value" parameter'
MISSING_EMAIL_AND_PHONE = "Missing email and phone number"
INVALID_EVENT_NAME_FORMAT = "Invalid Event Name Format"
KNOWN_MESSAGES = (
    INVALID_PIXEL_ID,
    MISSING_CONTENT_ID,
    INVALID_CONTENT_TYPE,
    MISSING_VALUE,
    MISSING_EMAIL_AND_PHONE,
    INVALID_EVENT_NAME_FORMAT,
)
_EVENT_NAME_RULES = ("EV001", "EV002", "EV006", "EV007", "EV008", "EV009")


def message_title(text: str) -> str:
    """The title of a message: "[TikTok Pixel] - Invalid pixel ID\\n…" -> "Invalid pixel ID"."""
    first = text.splitlines()[0] if text else ""
    return first.removeprefix(SDK_CONSOLE_PREFIX).strip().removeprefix("-").strip()


def _title_key(title: str) -> str:
    # Accept a corrected spelling too, should TikTok ever fix "paramter".
    return title.replace("parameter", "paramter") if "content_id" in title else title


def sdk_messages(ctx: RuleContext, title: str | None) -> list[TtqCall]:
    """The SDK's console messages with this title (None: the ones with an unknown title)."""
    known = {_title_key(t) for t in KNOWN_MESSAGES}
    found = []
    for call in ctx.observations(SDK_CONSOLE):
        if not call.args:
            continue
        key = _title_key(message_title(str(call.args[0])))
        if (title is None and key not in known) or (title is not None and key == title):
            found.append(call)
    return found


def _flagged(
    events: Sequence[PixelEvent],
    ctx: RuleContext,
    codes: Sequence[str],
    keep: Callable[[Issue], bool] = lambda issue: True,
) -> int:
    """How many events the covering rules flag (each event counts once)."""
    count = 0
    for event in events:
        if event.auto:
            continue
        for code in codes:
            if any(keep(issue) for issue in ctx.issues(code, event)):
                count += 1
                break
    return count


def _uncovered(messages: list[TtqCall], covered: int) -> Iterator[TtqCall]:
    yield from messages[covered:]


def _issue(call: TtqCall, explains: str) -> Issue:
    text = str(call.args[0])
    where = f" ({call.location})" if call.location else ""
    return Issue(
        message=f"the pixel SDK printed {message_title(text)!r} on {call.page_url}{where}"
        + (f"; {explains}" if explains else ""),
        path="console",
        received=text,
        call=call,
    )


@rule(
    "SD001",
    "sdk-file-missing",
    severity="error",
    scope="capture",
    fix="Pull the SDK again (`ttq-harness sdk pull --pixel CODE DIR`) so the folder holds every "
    "file it loads, or check that TikTok's SDK host is reachable in live mode.",
)
def sdk_file_missing(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """A file the pixel SDK loads was not available (pinned folder or live fetch).

    Why:
        The SDK loads its main code, identify module and config as separate files. Without one
        it runs partly or not at all, so the capture no longer shows what TikTok's SDK does.
        The file was answered 404.

    Bad:
        --sdk ./pinned where i18n/pixel/static/main.<id>.js was not saved

    Good:
        --sdk ./pinned saved by `ttq-harness sdk pull`, holding every file events.js loads
    """
    for call in ctx.observations(SDK_FILE_MISSING):
        url = call.args[0] if call.args else "?"
        reason = call.args[1] if len(call.args) > 1 else "not available"
        yield Issue(
            message=f"SDK file {url} was answered 404: {reason}",
            path="sdk",
            received=url,
            call=call,
        )


@rule(
    "SD002",
    "sdk-invalid-pixel-id",
    severity="warning",
    scope="capture",
    fix="Use the pixel code shown in Events Manager. Offline (pinned SDK, or a live run whose "
    "beacons are answered locally) the SDK cannot confirm the code with TikTok and prints "
    "this too: check it in a live run with --forward-beacons.",
    reads=("TR003",),
)
def sdk_invalid_pixel_id(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """The pixel SDK printed "Invalid pixel ID".

    Why:
        "The pixel ID is invalid. This could prevent your pixel from receiving data." (the
        SDK's words, rules §4.5). The real 2.1.33 SDK printed it once per loaded pixel when
        TikTok's servers were not reached (reference capture), so when the capture could not
        reach TikTok (emulated, pinned, or live without --forward-beacons) it is reported as
        info, saying why; otherwise a warning. TR003 already reports codes that are not pixel
        codes.

    Bad:
        ttq.load('C0000000000000000000')   // not a pixel of this account

    Good:
        ttq.load('CEKQ7JRC77U1R0B3Q5RG')   // the code from Events Manager
    """
    messages = sdk_messages(ctx, INVALID_PIXEL_ID)
    if not messages:
        return
    covered = len(ctx.issues("TR003", events))
    offline = tiktok_unreachable(ctx)
    for call in _uncovered(messages, covered):
        if offline:
            issue = _issue(
                call,
                f"expected offline: in {ctx.sdk.partition(':')[0]} mode"
                + (" without --forward-beacons" if ctx.sdk == "live" else "")
                + " the SDK's beacons never reach TikTok's server (only its scripts may be "
                "fetched), so it cannot confirm any pixel code and says this for every pixel; "
                "check the code in a live run with --forward-beacons",
            )
            yield replace(issue, severity=Severity.INFO)
        else:
            yield _issue(call, "TikTok did not recognise the pixel code")


def tiktok_unreachable(ctx: RuleContext) -> bool:
    """True when TikTok's server cannot have answered the SDK in this capture's mode.

    Emulated and pinned captures answer every pixel request locally; a live one does too
    unless its beacons are forwarded. An unknown mode (a HAR, a bare rule run) is not assumed
    offline.
    """
    if ctx.sdk == "emulated" or ctx.sdk.startswith("pinned:"):
        return True
    return ctx.sdk == "live" and not ctx.forward_beacons


@rule(
    "SD003",
    "sdk-missing-content-id",
    severity="info",
    scope="capture",
    fix="Send content_id (in contents, or content_ids) with the event.",
    reads=("PR013",),
)
def sdk_missing_content_id(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """The pixel SDK printed "Missing 'content_id' paramter" and no harness rule said so.

    Why:
        "The 'content_id' parameter isn't being received. This is required for Video Shopping
        Ads (VSA)." (rules §4.5). PR013 usually reports the same event; this rule reports the
        messages PR013 does not explain, so the SDK's own verdict is never lost.

    Bad:
        ttq.track('InitiateCheckout', {value: 8, currency: 'EUR'})

    Good:
        ttq.track('InitiateCheckout', {contents: [{content_id: '301'}], value: 8, currency: 'EUR'})
    """
    messages = sdk_messages(ctx, _title_key(MISSING_CONTENT_ID))
    if not messages:
        return
    covered = _flagged(
        events, ctx, ["PR013"], lambda issue: "content ids" in (issue.received or [])
    )
    for call in _uncovered(messages, covered):
        yield _issue(call, "no event the harness checked lacks content ids")


@rule(
    "SD004",
    "sdk-invalid-content-type",
    severity="warning",
    scope="capture",
    fix="Set content_type to 'product' or 'product_group'.",
    reads=("PR008",),
)
def sdk_invalid_content_type(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """The pixel SDK printed "Invalid content type" and no harness rule said so.

    Why:
        "Content type must be either "product", "product_group", "destination", "hotel",
        "flight" or "vehicle"." (rules §4.5). PR008 usually reports the same event.

    Bad:
        ttq.track('ViewContent', {content_type: 'dress', content_id: '301'})

    Good:
        ttq.track('ViewContent', {content_type: 'product', content_id: '301'})
    """
    messages = sdk_messages(ctx, INVALID_CONTENT_TYPE)
    if not messages:
        return
    covered = _flagged(events, ctx, ["PR008"])
    for call in _uncovered(messages, covered):
        yield _issue(call, "")


@rule(
    "SD005",
    "sdk-missing-value",
    severity="info",
    scope="capture",
    fix="Send value (a number) with the event.",
    reads=("PR013",),
)
def sdk_missing_value(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """The pixel SDK printed 'Missing "value" parameter' and no harness rule said so.

    Why:
        Value is required for ROAS and value-based optimisation (rules §4.1, §4.5). PR013
        usually reports the same event.

    Bad:
        ttq.track('CompletePayment', {currency: 'USD', content_id: '301'})

    Good:
        ttq.track('CompletePayment', {value: 9.2, currency: 'USD', content_id: '301'})
    """
    messages = sdk_messages(ctx, MISSING_VALUE)
    if not messages:
        return
    covered = _flagged(events, ctx, ["PR013"], lambda issue: "value" in (issue.received or []))
    for call in _uncovered(messages, covered):
        yield _issue(call, "")


@rule(
    "SD006",
    "sdk-missing-email-and-phone",
    severity="info",
    scope="capture",
    fix="Call ttq.identify({email, phone_number}) before the purchase event.",
    reads=("ID007",),
)
def sdk_missing_email_and_phone(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """The pixel SDK printed "Missing email and phone number" and no harness rule said so.

    Why:
        "Email and phone number info isn't being received. This information is required for
        Complete Payment events." (rules §4.5). ID007 usually reports the same beacon.

    Bad:
        ttq.track('CompletePayment', {value: 9.2, currency: 'USD'})   // no identify() before

    Good:
        ttq.identify({email: 'jane@example.com'}); ttq.track('CompletePayment', {...})
    """
    messages = sdk_messages(ctx, MISSING_EMAIL_AND_PHONE)
    if not messages:
        return
    covered = _flagged(ctx.wire_events, ctx, ["ID007"])
    for call in _uncovered(messages, covered):
        yield _issue(call, "")


@rule(
    "SD007",
    "sdk-invalid-event-name-format",
    severity="warning",
    scope="capture",
    fix="Use a standard event name, or a custom name of letters, digits and '_' that starts "
    "with a letter (at most 50 characters).",
    reads=_EVENT_NAME_RULES,
)
def sdk_invalid_event_name_format(
    events: Sequence[PixelEvent], ctx: RuleContext
) -> Iterator[Issue]:
    """The pixel SDK printed "Invalid Event Name Format" and no harness rule said so.

    Why:
        TikTok rejects event names that break its format (rules §4.5, custom-events-spec).
        EV001, EV002 and EV006-EV009 usually report the same call.

    Bad:
        ttq.track('add to cart!')

    Good:
        ttq.track('AddToCart')
    """
    messages = sdk_messages(ctx, INVALID_EVENT_NAME_FORMAT)
    if not messages:
        return
    covered = _flagged(events, ctx, _EVENT_NAME_RULES)
    for call in _uncovered(messages, covered):
        yield _issue(call, "")


@rule(
    "SD008",
    "sdk-console-message",
    severity="info",
    scope="capture",
    fix="Read the SDK's message (received) and the TikTok help page it names.",
)
def sdk_console_message(events: Sequence[PixelEvent], ctx: RuleContext) -> Iterator[Issue]:
    """The pixel SDK printed a diagnostic the harness has no rule for.

    Why:
        Nothing the SDK says is lost: a new or rare "[TikTok Pixel] - …" message is kept
        with its full text, page and script location.

    Bad:
        [TikTok Pixel] - Something the harness does not know yet

    Good:
        a page on which the SDK prints nothing
    """
    for call in sdk_messages(ctx, None):
        yield _issue(call, "")


@rule(
    "SD009",
    "sdk-pinned-config-other-pixel",
    severity="info",
    scope="capture",
    fix="Pull the SDK for this pixel too (`ttq-harness sdk pull --pixel CODE DIR`) and run "
    "with that folder to see its own Event Builder rules.",
)
def sdk_pinned_config_other_pixel(
    events: Sequence[PixelEvent], ctx: RuleContext
) -> Iterator[Issue]:
    """A pinned SDK was served for a pixel other than the one it was saved for.

    Why:
        events.js embeds its pixel's settings: name, advertiser and the Event Builder rules
        that fire events without code. A folder saved for one pixel knows nothing of
        another's, so the harness serves it without them; events the other pixel's Event
        Builder would send do not show in this capture.

    Bad:
        --sdk ./pinned saved for CEKQ7JRC77U1R0B3Q5RG, on a page that loads CPAGEPIXEL0000000002

    Good:
        --sdk ./pinned saved (`sdk pull --pixel`) for the pixel the page loads
    """
    for call in ctx.observations(SDK_PINNED_CONFIG):
        url = call.args[0] if call.args else "?"
        what = call.args[1] if len(call.args) > 1 else "the pinned config is another pixel's"
        yield Issue(message=str(what), path="sdk", received=url, call=call)
