"""What a custom event name means: the standard event it stands in for, if any.

Custom events are reporting-only (custom-events-spec.md, "Requirements" 1): a conversion sent
as `OrderComplete` cannot optimize a campaign. The vocabulary is data,
harness/core/data/standard-event-meanings.yaml (its header explains the matching); this module only
splits names into word stems and applies it. Pure and cached: names repeat across a capture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from harness.core.tiktok import Profile

#: camelCase humps, acronyms, lower-case runs; digits, '_', '-', spaces separate words
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+")
_VOWELS = frozenset("aeiou")


def stem(word: str) -> str:
    """A crude stem, the same for a word's common inflections: add/added/adds, sign/signing,
    complete/completed, submit/submitted, purchase/purchased."""
    word = word.lower()
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    if len(word) > 2 and word[-1] == word[-2] and word[-1] not in _VOWELS:
        word = word[:-1]
    return word


def words(name: str) -> tuple[str, ...]:
    """The stems of a name's words: 'AddedToCart', 'add_to_cart' -> ('ad', 'to', 'cart')."""
    return tuple(stem(word) for word in _WORDS.findall(name))


@dataclass(frozen=True)
class _Concept:
    name: str
    events: tuple[str, ...]
    phrases: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class _Vocabulary:
    filler: frozenset[str]
    concepts: tuple[_Concept, ...]


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    text = resources.files("harness.core").joinpath("data", "standard-event-meanings.yaml")
    data = yaml.safe_load(text.read_text(encoding="utf-8"))
    return _Vocabulary(
        filler=frozenset(stem(word) for word in data["filler"]),
        concepts=tuple(
            _Concept(
                name=name,
                events=tuple(entry["events"]),
                phrases=tuple(frozenset(words(phrase)) for phrase in entry["phrases"]),
            )
            for name, entry in data["concepts"].items()
        ),
    )


def standard_meaning(name: str, profile: Profile) -> str | None:
    """The standard event (in `profile`) a custom event name stands in for, or None.

    A phrase matches when all its word stems are in the name and every other word of the name
    is filler; the phrase covering the most words wins.
    """
    return _meaning(name, profile.standard_events)


@lru_cache(maxsize=4096)
def _meaning(name: str, standard_events: frozenset[str]) -> str | None:
    vocabulary = _vocabulary()
    stems = set(words(name))
    if not stems:
        return None
    best: tuple[int, str] | None = None
    for concept in vocabulary.concepts:
        target = next((e for e in concept.events if e in standard_events), None)
        if target is None:
            continue
        for phrase in concept.phrases:
            fits = phrase <= stems and stems - phrase <= vocabulary.filler
            if fits and (best is None or len(phrase) > best[0]):
                best = (len(phrase), target)
    return best[1] if best else None
