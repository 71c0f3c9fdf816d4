"""One copy of each repeated value a capture holds. Pure: values are unchanged, only shared.

Every beacon and every ttq call arrives as fresh JSON text, and parsing it makes new objects
for everything in it: the keys ("properties", "content_id"...), the values that repeat from
one event to the next (the pixel code, the page URL, the user agent, hashed e-mails), and
whole objects that repeat (a beacon's `context` - its user, pixel, page, library, device -
`_inspection` and `signal_diagnostic_labels` are the same on every event of a page). A long
capture would hold each of them once per event. `shared_json` hands back, for each string
and each object or array in a value, the equal one seen recently, so a capture holds one.

Shared objects and arrays are never changed by the harness: captured values are read, never
written (a rule that edits one works on a copy), as the events already share `properties`
with their call's arguments and their body. A test may still edit one in place; a remembered
object or array is handed out again only while it holds what it was remembered for, so such an
edit never reaches a later event, nor a later capture.

The tables are bounded (MAX_STRINGS strings up to MAX_LENGTH characters, MAX_CONTAINERS
objects and arrays) and emptied when full, so they keep little alive after a capture ends; a
value seen again after that is simply shared from then on. Not `sys.intern`: interned strings
are immortal on some Python versions, and a capture's unique values (event ids, timestamps)
must be freed with it.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

#: At most this many strings are remembered (then the table starts again, empty).
MAX_STRINGS = 8192
#: Longer strings are left as they are (rarely repeated, and never worth keeping alive).
MAX_LENGTH = 512
#: At most this many objects and arrays are remembered (then the table starts again).
MAX_CONTAINERS = 4096
#: Larger objects and arrays are not remembered (their items are).
MAX_ITEMS = 64
#: Values nested deeper than this are left as they are (decoded bodies are cut at 33 levels).
MAX_DEPTH = 64

_strings: dict[str, str] = {}
#: an object or array by what it holds: "{" or "[", then its keys and items, each item as
#: itself (a string), (its type, its repr) (a number, true, false, null) or the id of the
#: shared object or array it is (which the entry keeps alive, so the id stays its own)
_containers: dict[tuple[Any, ...], Any] = {}


def shared_str(text: str) -> str:
    """An equal string: the one already held when it was seen recently, else `text`."""
    if len(text) > MAX_LENGTH:
        return text
    found = _strings.get(text)
    if found is not None:
        return found
    if len(_strings) >= MAX_STRINGS:
        _strings.clear()
    _strings[text] = text
    return text


def shared_json(value: Any, *, keep: Collection[int] = (), share_top: bool = False) -> Any:
    """An equal JSON value whose strings (keys included), objects and arrays are the ones
    seen recently. The value itself is a new container unless `share_top` (an event's own
    body, unique, is not worth remembering); objects whose id is in `keep` are taken as
    they are (already shared)."""
    return _share(value, 0 if not share_top else 1, keep)


def _share(value: Any, level: int, keep: Collection[int]) -> Any:
    if isinstance(value, str):
        return shared_str(value)
    if not isinstance(value, dict | list) or level >= MAX_DEPTH or id(value) in keep:
        return value
    # A large object or array is its own (a page's list of 10,000 contents): its items are
    # shared, it is not remembered, which would cost as much as it could save.
    remember = level > 0 and len(value) <= MAX_ITEMS
    copy: dict[Any, Any] | list[Any]
    if isinstance(value, dict):
        copy = {}
        for key, item in value.items():
            if isinstance(key, str):
                key = shared_str(key)
            if isinstance(item, str):  # inline: most items are strings or numbers
                item = shared_str(item)
            elif isinstance(item, dict | list):
                item = _share(item, level + 1, keep)
            copy[key] = item
    else:
        copy = []
        for item in value:
            if isinstance(item, str):
                item = shared_str(item)
            elif isinstance(item, dict | list):
                item = _share(item, level + 1, keep)
            copy.append(item)
    if not remember:
        return copy
    key = _shape(copy)
    found = _containers.setdefault(key, copy)
    if found is not copy and _shape(found) != key:
        # Changed since it was remembered (a test edited an event's properties in place):
        # never hand it out again, or a later event, even of a later capture, would hold
        # values its page never sent.
        _containers[key] = found = copy
    if len(_containers) > MAX_CONTAINERS:
        _containers.clear()
    return found


def _shape(value: dict[Any, Any] | list[Any]) -> tuple[Any, ...]:
    """An object or array's key in _containers: what it holds (read again before a remembered
    one is handed out)."""
    if isinstance(value, dict):
        shape: list[Any] = ["{"]
        for key, item in value.items():
            shape.append(key)
            shape.append(_identity(item))
        return tuple(shape)
    return ("[", *(_identity(item) for item in value))


def _identity(item: Any) -> Any:
    """What tells an item apart from every unequal one (see _containers)."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict | list):
        return id(item)
    if isinstance(item, float):  # -0.0 == 0.0, and 1.0 == 1 == true: not in JSON
        return (float, repr(item))
    return (type(item), item)
