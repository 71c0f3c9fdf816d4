"""EV: event names. Empty or non-string names, standard names in the wrong case, reserved and
deprecated names, and the custom-event naming rules (custom-events-spec.md "Requirements";
tiktok-pixel-rules.md §2-3, §8).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, Literal

from harness.core.jsonvalue import TTQ_TYPE, js_type, show
from harness.core.model import PixelEvent
from harness.core.rules._registry import Issue, RuleContext, called_name, rule
from harness.core.tiktok import PIXEL_INTERNAL_EVENTS, SENSITIVE_WORDS, Profile

#: Custom event names: at most 50 characters (custom-events-spec.md, "Character Limit").
MAX_CUSTOM_NAME = 50
_ALLOWED = re.compile(r"[A-Za-z0-9_-]*")
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
#: Words of a name: camelCase humps, acronyms, lower-case runs; digits, '_', '-', spaces and
#: anything else separate them.
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+")

NameKind = Literal["internal", "standard", "reserved", "variant", "custom"]


# --- what a name is, per profile (cached: names repeat across a capture) ---------------------


class _Names:
    """One profile's names: kind of each name seen, and the right spelling of case variants."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        spelling: dict[str, str] = {}
        # Preference when several known names share a lower-case form: standard, reserved,
        # then the pixel's own names ('Pageview', what ttq.page() sends, before 'PageView').
        internal = sorted(PIXEL_INTERNAL_EVENTS, key=lambda n: (n != "Pageview", n))
        for name in (*sorted(profile.standard_events), *sorted(profile.reserved_events), *internal):
            spelling.setdefault(name.lower(), name)
        self.spelling = spelling
        self.kinds: dict[str, NameKind] = {}

    def kind(self, name: str) -> NameKind:
        found = self.kinds.get(name)
        if found is None:
            found = self._classify(name)
            if len(self.kinds) < 10_000:
                self.kinds[name] = found
        return found

    def _classify(self, name: str) -> NameKind:
        if name in PIXEL_INTERNAL_EVENTS:
            return "internal"
        if name in self.profile.standard_events:
            return "standard"
        if name in self.profile.reserved_events:
            return "reserved"
        if name.lower() in self.spelling:
            return "variant"
        return "custom"


_NAMES: dict[int, _Names] = {}


def _names(profile: Profile) -> _Names:
    names = _NAMES.get(id(profile))
    if names is None or names.profile is not profile:
        names = _NAMES[id(profile)] = _Names(profile)
    return names


def name_kind(name: str, profile: Profile) -> NameKind:
    """What a name is in a profile: internal, standard, reserved, a case variant, or custom."""
    return _names(profile).kind(name)


def custom_name(event: PixelEvent, ctx: RuleContext) -> str | None:
    """The event's name when it is a (non-blank) custom name, else None."""
    name = called_name(event)
    if name is None or not name.strip():
        return None
    return name if _names(ctx.profile).kind(name) == "custom" else None


def _describe(value: Any) -> str:
    """A non-string event name as the page passed it."""
    kind = js_type(value)
    if kind == "undefined":
        return "undefined"
    if kind == "null":
        return "null"
    if isinstance(value, dict) and TTQ_TYPE in value:
        detail = value.get("value", value.get("name", ""))
        return f"a {kind} ({detail})" if detail not in ("", None) else f"a {kind}"
    return f"the {kind} {show(value)}"


# --- rules --------------------------------------------------------------------------------


@rule(
    "EV001",
    "empty-event-name",
    severity="error",
    fix="Pass the event name as the first argument: ttq.track('AddToCart', {...}).",
    per_name=True,
)
def empty_event_name(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """The event name is empty or only whitespace.

    Why:
        TikTok rejects events without a name (Web Diagnostics "Missing Event Name"; Pixel
        Helper "Event name/type is empty", rules §4.4). Usually a variable that was never set.

    Bad:
        ttq.track('', {value: 8, currency: 'USD'})
        ttq.track(eventName)   // eventName is '   '

    Good:
        ttq.track('AddToCart', {value: 8, currency: 'USD'})
    """
    name = called_name(event)
    if name is not None and not name.strip():
        yield Issue(
            message=f"event name is {show(name)}, which is empty",
            path="event",
            expected="a standard or custom event name",
            received=name,
        )


@rule(
    "EV002",
    "event-name-not-string",
    severity="error",
    fix="Pass the event name as a string: ttq.track('ViewContent', {...}), not a variable that "
    "can be undefined, a number or an object.",
)
def event_name_not_string(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """ttq.track() was called with a first argument that is not a string.

    Why:
        The event name must be a string. An undefined variable, a number or the properties
        object passed first sends a meaningless or empty event name that TikTok rejects
        ("Event name/type is invalid", rules §4.4).

    Bad:
        ttq.track(undefined, {value: 8})
        ttq.track({value: 8, currency: 'USD'})

    Good:
        ttq.track('AddToCart', {value: 8, currency: 'USD'})
    """
    call = event.call
    if call is None or call.method != "track" or not call.args:
        return
    first = call.args[0]
    if isinstance(first, str):
        return
    yield Issue(
        message=f"the event name (first argument of ttq.track) is {_describe(first)}, not a string",
        path="event",
        expected="a string",
        received=first,
    )


@rule(
    "EV003",
    "standard-name-case",
    severity="error",
    fix="Spell the event exactly as TikTok does, e.g. 'AddToCart', not 'addtocart'.",
    per_name=True,
)
def standard_name_case(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """The event name is a standard, reserved or pixel event name in the wrong letter case.

    Why:
        Event names are matched exactly. 'addtocart' is not AddToCart: it becomes a custom
        event that cannot be used for optimisation, and AddToCart stays empty in reports
        (whether TikTok folds case is unconfirmed, rules §2 notes and §9.3; do not rely on it).

    Bad:
        ttq.track('addtocart', {value: 8, currency: 'USD'})
        ttq.track('COMPLETEPAYMENT', {...})

    Good:
        ttq.track('AddToCart', {value: 8, currency: 'USD'})
    """
    name = called_name(event)
    if name is None:
        return
    names = _names(ctx.profile)
    if names.kind(name) != "variant":
        return
    right = names.spelling[name.lower()]
    what = (
        "standard"
        if right in ctx.profile.standard_events
        else "reserved"
        if right in ctx.profile.reserved_events
        else "pixel"
    )
    yield Issue(
        message=f"event name {show(name)} differs only in letter case from the {what} event "
        f"{show(right)}",
        path="event",
        expected=right,
        received=name,
    )


@rule(
    "EV004",
    "reserved-event-name",
    severity="warning",
    fix="Send the standard event the reserved name maps to (e.g. InitiateCheckout instead of "
    "StartCheckout).",
    per_name=True,
)
def reserved_event_name(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """The event name is a reserved name that TikTok maps to a standard event.

    Why:
        Reserved names are "automatically mapped to a Standard Event, so it is recommended not
        to set them up as a custom event" (custom-events-spec.md "Reserved Events"; rules §2).
        Reports and optimisation show the standard name, not the one in the code.

    Bad:
        ttq.track('StartCheckout', {value: 17.2, currency: 'USD'})

    Good:
        ttq.track('InitiateCheckout', {value: 17.2, currency: 'USD'})
    """
    name = called_name(event)
    if name is None:
        return
    target = ctx.profile.reserved_events.get(name)
    if target is not None and name not in PIXEL_INTERNAL_EVENTS:
        yield Issue(
            message=f"{show(name)} is reserved: TikTok maps it to {show(target)}",
            path="event",
            expected=target,
            received=name,
        )


@rule(
    "EV005",
    "deprecated-standard-event",
    severity="warning",
    fix="Move to the replacement event before the old name is sunset.",
    per_name=True,
)
def deprecated_standard_event(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """The event is a soft-deprecated standard event (tiktok-2025 profile).

    Why:
        Since May 2025 ClickButton and PlaceAnOrder are soft-deprecated: "Fully supported until
        2027 ... will be removed from documentation in 2025, and sunset in 2027" (rules §1.2b).
        Their history cannot be moved to the new events, so switch early.

    Bad:
        ttq.track('PlaceAnOrder', {value: 17.2, currency: 'USD'})

    Good:
        ttq.track('Purchase', {value: 17.2, currency: 'USD'})
    """
    name = called_name(event)
    if name is None:
        return
    instead = ctx.profile.deprecated_events.get(name)
    if instead is not None:
        yield Issue(
            message=f"{show(name)} is a deprecated standard event: use {instead}",
            path="event",
            expected=instead,
            received=name,
        )


@rule(
    "EV006",
    "custom-name-too-long",
    severity="error",
    fix="Shorten the custom event name to 50 characters or fewer.",
    per_name=True,
)
def custom_name_too_long(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """A custom event name is longer than 50 characters.

    Why:
        "Custom event name should not exceed 50 characters" (custom-events-spec.md
        "Requirements"; rules §3). Longer names are rejected ("Invalid Event Type for Custom
        Event").

    Bad:
        ttq.track('this_custom_event_name_is_far_too_long_to_be_accepted_ok')

    Good:
        ttq.track('LongNameShortened')
    """
    name = custom_name(event, ctx)
    if name is not None and len(name) > MAX_CUSTOM_NAME:
        yield Issue(
            message=f"custom event name {show(name)} is {len(name)} characters; "
            f"the limit is {MAX_CUSTOM_NAME}",
            path="event",
            expected=f"at most {MAX_CUSTOM_NAME} characters",
            received=name,
        )


@lru_cache(maxsize=4096)
def _bad_characters(name: str) -> tuple[str, ...]:
    """Characters a custom name may not hold, in order of appearance (trailing space: EV009)."""
    body = name.rstrip()
    if _ALLOWED.fullmatch(body):
        return ()
    seen: dict[str, None] = {}
    for char in body:
        if char not in _ASCII_LETTERS and not ("0" <= char <= "9") and char not in "_-":
            seen.setdefault(char, None)
    return tuple(seen)


@rule(
    "EV007",
    "custom-name-invalid-characters",
    severity="error",
    fix="Use only letters, digits, '_' and '-' in custom event names, e.g. 'sign_up'.",
    per_name=True,
)
def custom_name_invalid_characters(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """A custom event name contains characters other than letters, digits, '_' and '-'.

    Why:
        "Only alphabetic letters, Arabic numerals, underscores, and dashes are accepted"
        (custom-events-spec.md "Requirements"; rules §3). Spaces, punctuation and accented
        letters get the event rejected.

    Bad:
        ttq.track('sign up!')

    Good:
        ttq.track('sign_up')
    """
    name = custom_name(event, ctx)
    if name is None:
        return
    bad = _bad_characters(name)
    if bad:
        listed = ", ".join(show(char) for char in bad)
        yield Issue(
            message=f"custom event name {show(name)} contains characters other than letters, "
            f"digits, '_' and '-': {listed}",
            path="event",
            expected="[A-Za-z0-9_-]",
            received=name,
        )


@rule(
    "EV008",
    "custom-name-must-start-with-letter",
    severity="error",
    fix="Start the custom event name with a letter, e.g. 'first_visit' instead of '1st_visit'.",
    per_name=True,
)
def custom_name_must_start_with_letter(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """A custom event name does not start with a letter.

    Why:
        "Custom event name must start with an alphabetic letter" (custom-events-spec.md
        "Special Rule"; rules §3). Names starting with a digit, '_' or '-' are rejected.

    Bad:
        ttq.track('1st_visit')

    Good:
        ttq.track('first_visit')
    """
    name = custom_name(event, ctx)
    if name is not None and name[0] not in _ASCII_LETTERS:
        yield Issue(
            message=f"custom event name {show(name)} starts with {show(name[0])}, not a letter",
            path="event",
            expected="a name starting with a letter",
            received=name,
        )


@rule(
    "EV009",
    "custom-name-trailing-space",
    severity="error",
    fix="Trim the custom event name: no space at the end.",
    per_name=True,
)
def custom_name_trailing_space(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """A custom event name ends with a space.

    Why:
        A custom event name "cannot end with a space" (custom-events-spec.md "Special Rule";
        rules §3). 'Newsletter ' and 'Newsletter' are also two different events in reports.

    Bad:
        ttq.track('Newsletter ')

    Good:
        ttq.track('Newsletter')
    """
    name = custom_name(event, ctx)
    if name is not None and name[-1].isspace():
        yield Issue(
            message=f"custom event name {show(name)} ends with whitespace",
            path="event",
            expected=name.rstrip(),
            received=name,
        )


# Sensitive words: short words must be a whole word of the name (or its plural): 'kid' flags
# 'KidsClub' but not 'skidding'. Words of 5+ letters also match as the start of a word (stems
# such as 'pregnan', 'rehab', 'pharma'); these few are whole-word only, as their prefixes are
# common innocent words ('minority', 'faithful'). Words of 8+ letters (and the multi-word
# entries such as 'mentalhealth', 'creditscore') also match anywhere in the joined name.
_WHOLE_WORD_ONLY = frozenset({"minor", "faith", "teen", "race"})
_SHORT = {w: c for w, c in SENSITIVE_WORDS.items() if len(w) < 5 or w in _WHOLE_WORD_ONLY}
_STEMS = tuple((w, c) for w, c in SENSITIVE_WORDS.items() if w not in _SHORT)
_LONG = tuple((w, c) for w, c in SENSITIVE_WORDS.items() if len(w) >= 8)


@lru_cache(maxsize=4096)
def _sensitive(name: str) -> tuple[str, str] | None:
    """(word found, category) for a name suggestive of sensitive data, else None."""
    words = [w.lower() for w in _WORDS.findall(name)]
    for word in words:
        category = _SHORT.get(word)
        if category is None and word.endswith("s"):
            category = _SHORT.get(word[:-1])
            if category is None and word.endswith("es"):
                category = _SHORT.get(word[:-2])
        if category is not None:
            return word, category
        for stem, category in _STEMS:
            if word.startswith(stem):
                return word, category
    joined = "".join(words)
    for stem, category in _LONG:
        if stem in joined:
            return stem, category
    return None


@rule(
    "EV010",
    "sensitive-custom-name",
    severity="warning",
    fix="Rename the custom event after the action ('ViewArticle'), not after sensitive traits "
    "of the visitor.",
    per_name=True,
)
def sensitive_custom_name(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """A custom event name suggests sensitive information about the visitor.

    Why:
        "Don't use custom event names that are suggestive of sensitive information" (rules §8).
        TikTok prohibits data about children, health and finances; non-compliant names may be
        removed. The word list (tiktok.SENSITIVE_WORDS) is ours and deliberately small.

    Bad:
        ttq.track('ViewDiabetesTest')
        ttq.track('kids_club_signup')

    Good:
        ttq.track('ViewArticle')
        ttq.track('club_signup')
    """
    name = custom_name(event, ctx)
    if name is None:
        return
    found = _sensitive(name)
    if found is not None:
        word, category = found
        yield Issue(
            message=f"custom event name {show(name)} contains {show(word)}, which suggests "
            f"sensitive information about the visitor ({category})",
            path="event",
            expected=f"a name without {category} terms",
            received=name,
        )
