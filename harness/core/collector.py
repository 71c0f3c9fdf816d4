"""Python's cyclic garbage collector, paused around work that makes many small objects and no
cycles: its passes over the growing heap made such work grow faster than its input.

Used by plan loading and linting (100,000 journeys: loading took 29 s instead of 9) and by the
rule pass (100,000 events: about a third of the time went to collections). Captures, whose
heap grows while the browser drives them, make full collections rare instead of pausing the
collector (`rare_full_collections`). Pure.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """The collector off for the block (reference counting still frees everything), back on
    after it if it was on; nested uses leave it to the outermost."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: Python's full-collection threshold while a capture is attached: a full collection after
#: 1,000 middle-generation passes instead of the default 10.
RARE_FULL_COLLECTIONS = 1_000


class _FullCollections:
    """Who holds full collections rare, and the threshold to give back when none does."""

    lock = threading.Lock()  # captures of a sync session and of a thread's loop may overlap
    holders = 0
    given_back: tuple[int, int, int] | None = None  # the threshold before the first holder
    set_to: tuple[int, int, int] | None = None  # what the first holder set


def rare_full_collections() -> Callable[[], None]:
    """Make Python's full collections rare until the returned `release` is called.

    Why: a capture keeps every event it records, and Playwright keeps its own objects for
    every request it routed, so the heap grows with the events; each full collection walks all
    of it. With the default threshold a 10,000-event burst spent 5.4 s of its 20 s in 20 full
    collections (measured with gc.callbacks). Young collections still run as usual, so
    short-lived cycles are freed on time; only cycles that survived two young passes wait
    longer. Held by every live capture (counted); the threshold goes back to what it was when
    the last one releases, unless someone else changed it in between."""
    with _FullCollections.lock:
        if _FullCollections.holders == 0:
            young, middle, full = gc.get_threshold()
            _FullCollections.given_back = (young, middle, full)
            _FullCollections.set_to = (young, middle, max(full, RARE_FULL_COLLECTIONS))
            gc.set_threshold(*_FullCollections.set_to)
        _FullCollections.holders += 1
    released = False

    def release() -> None:
        nonlocal released
        with _FullCollections.lock:
            if released:
                return
            released = True
            _FullCollections.holders -= 1
            if _FullCollections.holders == 0:
                if gc.get_threshold() == _FullCollections.set_to and _FullCollections.given_back:
                    gc.set_threshold(*_FullCollections.given_back)
                _FullCollections.given_back = _FullCollections.set_to = None

    return release
