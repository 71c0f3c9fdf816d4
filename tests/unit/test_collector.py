"""The collector settings captures hold: full collections rare while any capture is live, and
the threshold given back as it was."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from harness.core.collector import RARE_FULL_COLLECTIONS, no_cyclic_gc, rare_full_collections


@pytest.fixture(autouse=True)
def known_threshold() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield (700, 10, 10)
    gc.set_threshold(*before)


def test_full_collections_are_rare_until_released() -> None:
    release = rare_full_collections()
    assert gc.get_threshold() == (700, 10, RARE_FULL_COLLECTIONS)
    release()
    assert gc.get_threshold() == (700, 10, 10)


def test_the_last_holder_gives_the_threshold_back() -> None:
    first, second = rare_full_collections(), rare_full_collections()
    first()
    assert gc.get_threshold() == (700, 10, RARE_FULL_COLLECTIONS)  # the second still holds
    first()  # releasing twice counts once
    assert gc.get_threshold() == (700, 10, RARE_FULL_COLLECTIONS)
    second()
    assert gc.get_threshold() == (700, 10, 10)


def test_a_threshold_someone_else_set_meanwhile_is_kept() -> None:
    release = rare_full_collections()
    gc.set_threshold(5_000, 10, 10)
    release()
    assert gc.get_threshold() == (5_000, 10, 10)


def test_a_higher_threshold_already_set_is_not_lowered() -> None:
    gc.set_threshold(700, 10, RARE_FULL_COLLECTIONS * 5)
    release = rare_full_collections()
    assert gc.get_threshold() == (700, 10, RARE_FULL_COLLECTIONS * 5)
    release()
    assert gc.get_threshold() == (700, 10, RARE_FULL_COLLECTIONS * 5)


def test_no_cyclic_gc_pauses_and_restores() -> None:
    assert gc.isenabled()
    with no_cyclic_gc():
        assert not gc.isenabled()
        with no_cyclic_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outermost block decides
    assert gc.isenabled()
