"""PR: parameters. The shape of `properties`, numbers, currency, content fields, recommended
parameters, and strings the SDK spread into characters (tiktok-pixel-rules.md §4).

At the call, properties are what the page passed; values JSON cannot hold are markers such as
{"__ttq_type__": "undefined"}. An explicit `undefined` counts as absent everywhere.

Why one module over 500 lines: it is one rule family (15 PR rules); each rule is a short
check under its documentation (summary, Why, Bad, Good), which is most of the lines.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from harness.core.jsonvalue import TTQ_TYPE, is_number, js_type, show
from harness.core.model import PixelEvent
from harness.core.rules._registry import Issue, RuleContext, rule
from harness.core.tiktok import CONTENT_ITEM_TYPES, CURRENCIES

_MARKER = TTQ_TYPE
#: What JavaScript's Number() accepts as a plain decimal number ("9.20", " 8 ", "1e3").
_NUMERIC = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")
_TOP_NUMERIC = ("value", "price", "quantity")
_ITEM_NUMERIC = ("price", "quantity")
#: contents item fields PR011 type-checks (price/quantity are PR002/PR003's).
_ITEM_TYPED = tuple(
    (key, types) for key, types in CONTENT_ITEM_TYPES.items() if key not in _ITEM_NUMERIC
)


def _absent(value: Any) -> bool:
    """Not given, or given as an explicit `undefined` (the SDK drops it)."""
    return value is None or (isinstance(value, dict) and value.get(_MARKER) == "undefined")


def _undefined(value: Any) -> bool:
    return isinstance(value, dict) and value.get(_MARKER) == "undefined"


def _object(event: PixelEvent) -> dict[str, Any] | None:
    """The properties when they are a plain object, else None (PR001 reports that)."""
    props = event.properties
    if isinstance(props, dict) and _MARKER not in props:
        return props
    return None


def _items(props: dict[str, Any]) -> list[Any]:
    contents = props.get("contents")
    return contents if isinstance(contents, list) else []


def _numeric_fields(props: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(path, value) of every value/price/quantity given, top level and in contents items."""
    for key in _TOP_NUMERIC:
        if key in props and not _undefined(props[key]):
            yield f"properties.{key}", props[key]
    for position, item in enumerate(_items(props)):
        if isinstance(item, dict):
            for key in _ITEM_NUMERIC:
                if key in item and not _undefined(item[key]):
                    yield f"properties.contents[{position}].{key}", item[key]


def _as_number(text: str) -> float | int:
    number = float(text)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _spread_string(props: dict[str, Any]) -> str | None:
    """The string the SDK spread into {"0": "d", "1": "r", ...}, if that is what props are."""
    count = len(props)
    if not count or "0" not in props:
        return None
    chars = []
    for position in range(count):
        char = props.get(str(position))
        if not isinstance(char, str) or len(char) != 1:
            return None
        chars.append(char)
    text = "".join(chars)
    try:  # characters outside the BMP arrive as UTF-16 halves
        return text.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeError:
        return text


def _missing_currency(value: Any) -> bool:
    return _absent(value) or (isinstance(value, str) and not value.strip())


def _has_id(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list):
        return any(_has_id(v) for v in value)
    return is_number(value)


# --- rules --------------------------------------------------------------------------------


@rule(
    "PR001",
    "properties-not-object",
    severity="error",
    fix="Pass the parameters as an object: ttq.track('Search', {query: 'dress'}).",
)
def properties_not_object(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """The event's properties (second argument of ttq.track) are not an object.

    Why:
        Parameters must be an object of named fields (rules §4.1). The SDK spreads a string
        into {"0": "d", "1": "r", ...} and drops numbers, arrays and booleans, so TikTok gets
        none of the parameters the page meant to send.

    Bad:
        ttq.track('Search', 'dress')
        ttq.track('AddToCart', [{content_id: '301'}])

    Good:
        ttq.track('Search', {query: 'dress'})
    """
    props = event.properties
    if isinstance(props, dict):
        kind = props.get(_MARKER)
        if kind is None or kind == "undefined":
            return
        shown = f"a {kind}"
    elif isinstance(props, list):
        shown = f"an array {show(props)}"
    elif props is None:
        shown = "null"
    else:
        shown = f"the {js_type(props)} {show(props)}"
    yield Issue(
        message=f"properties is {shown}, not an object",
        path="properties",
        expected="an object",
        received=props,
    )


@rule(
    "PR002",
    "numeric-string",
    severity="error",
    fix="Send value, price and quantity as numbers: value: 9.2, not value: '9.20' "
    "(use Number(...) or parseFloat(...)).",
)
def numeric_string(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """value, price or quantity is a string holding a number, such as "9.20".

    Why:
        TikTok needs these as numbers: "值类型必须是数字" (must be a number), and value is
        required for ROAS and value-based optimisation (rules §4.1). A common cause is
        price.toFixed(2), which returns a string.

    Bad:
        ttq.track('ViewContent', {value: '8.00', currency: 'USD'})

    Good:
        ttq.track('ViewContent', {value: 8, currency: 'USD'})
    """
    props = _object(event)
    if not props:
        return
    for path, value in _numeric_fields(props):
        if isinstance(value, str) and _NUMERIC.fullmatch(value):
            yield Issue(
                message=f"{path} is the numeric string {show(value)}; TikTok needs a number",
                path=path,
                expected=_as_number(value),
                received=value,
            )


@rule(
    "PR003",
    "not-a-number",
    severity="error",
    fix="Send value, price and quantity as plain numbers (9.2), without currency signs or units.",
)
def not_a_number(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """value, price or quantity is neither a number nor a numeric string.

    Why:
        These parameters must be numbers (rules §4.1). "Must be a number. e.g. 101.99 and not
        "101.99 USD"". TikTok cannot read a value from "8 USD", true, null or an object.

    Bad:
        ttq.track('AddToCart', {value: '8 USD', currency: 'USD'})

    Good:
        ttq.track('AddToCart', {value: 8, currency: 'USD'})
    """
    props = _object(event)
    if not props:
        return
    for path, value in _numeric_fields(props):
        if is_number(value):
            continue
        if isinstance(value, str) and _NUMERIC.fullmatch(value):
            continue  # PR002
        if isinstance(value, dict) and value.get(_MARKER) == "number":
            continue  # NaN or Infinity: PR004
        yield Issue(
            message=f"{path} is {show(value)} ({js_type(value)}), not a number",
            path=path,
            expected="a number",
            received=value,
        )


@rule(
    "PR004",
    "negative-or-non-finite",
    severity="error",
    fix="Send a finite, non-negative number; check the arithmetic that produced it.",
)
def negative_or_non_finite(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """value, price or quantity is negative, NaN or Infinity.

    Why:
        A value, price or quantity below zero, or NaN from a failed calculation, is never a
        real order amount; it corrupts ROAS and value optimisation (rules §4.1). NaN and
        Infinity are not even valid JSON and arrive as null.

    Bad:
        ttq.track('CompletePayment', {value: NaN, currency: 'USD'})   // parseFloat('')
        ttq.track('CompletePayment', {value: -5, currency: 'USD'})

    Good:
        ttq.track('CompletePayment', {value: 17.2, currency: 'USD'})
    """
    props = _object(event)
    if not props:
        return
    for path, value in _numeric_fields(props):
        if is_number(value):
            if not _is_finite(value):
                shown = (
                    show(value)  # an int too large for a double: Infinity in JavaScript
                    if isinstance(value, int)
                    else str(value).replace("inf", "Infinity").replace("nan", "NaN")
                )
                yield Issue(
                    message=f"{path} is {shown}, not a finite number",
                    path=path,
                    expected="a finite number >= 0",
                    received=shown,
                )
            elif value < 0:
                yield Issue(
                    message=f"{path} is {show(value)}, a negative number",
                    path=path,
                    expected="a number >= 0",
                    received=value,
                )
        elif isinstance(value, dict) and value.get(_MARKER) == "number":
            shown = str(value.get("value", "NaN"))
            yield Issue(
                message=f"{path} is {shown}, not a finite number",
                path=path,
                expected="a finite number >= 0",
                received=shown,
            )


@rule(
    "PR005",
    "currency-missing",
    severity="error",
    fix="Send currency with every value: {value: 17.2, currency: 'USD'}.",
)
def currency_missing(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """The event has a value but no currency.

    Why:
        A value without currency cannot be converted or counted: currency is "required for
        ROAS" (rules §4.1, §4.2).

    Bad:
        ttq.track('CompletePayment', {value: 17.2})

    Good:
        ttq.track('CompletePayment', {value: 17.2, currency: 'USD'})
    """
    props = _object(event)
    if not props or "value" not in props or _undefined(props["value"]):
        return
    currency = props.get("currency")
    if _missing_currency(currency):
        yield Issue(
            message=f"properties.value is {show(props['value'])} but properties.currency is "
            + (
                "missing"
                if "currency" not in props
                else "undefined"
                if _undefined(currency)
                else show(currency)
            ),
            path="properties.currency",
            expected="an ISO 4217 code such as 'USD'",
            received=None if _undefined(currency) else currency,
        )


@rule(
    "PR006",
    "currency-not-uppercase",
    severity="warning",
    fix="Send the currency in upper case: 'USD', not 'usd'.",
)
def currency_not_uppercase(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """currency is a valid code written in lower or mixed case.

    Why:
        Currency codes are upper-case ISO 4217 (rules §4.3). The pixel upper-cases it before
        sending, so the browser beacon is right, but the same value copied to the Events API
        or a server-side tag is not fixed and can be rejected or deduplicated inconsistently.

    Bad:
        ttq.track('ViewContent', {value: 8, currency: 'usd'})

    Good:
        ttq.track('ViewContent', {value: 8, currency: 'USD'})
    """
    props = _object(event)
    if not props:
        return
    currency = props.get("currency")
    if isinstance(currency, str) and currency != currency.upper():
        upper = currency.upper()
        if upper in CURRENCIES:
            yield Issue(
                message=f"properties.currency is {show(currency)}, not upper case; the pixel "
                f"sends {show(upper)}, but Events API or server-side copies are not fixed",
                path="properties.currency",
                expected=upper,
                received=currency,
            )


@rule(
    "PR007",
    "currency-unknown",
    severity="error",
    fix="Use one of the 62 ISO 4217 codes TikTok accepts, e.g. 'USD', 'EUR', 'GBP'.",
)
def currency_unknown(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """currency is not one of the currency codes TikTok accepts.

    Why:
        TikTok accepts 62 ISO 4217 codes ("About Parameters", April 2025; rules §4.3). A symbol
        ('$'), a name ('US Dollar') or a made-up code makes the value unusable for ROAS.

    Bad:
        ttq.track('AddToCart', {value: 8, currency: 'XYZ'})
        ttq.track('AddToCart', {value: 8, currency: '$'})

    Good:
        ttq.track('AddToCart', {value: 8, currency: 'USD'})
    """
    props = _object(event)
    if not props or "currency" not in props:
        return
    currency = props["currency"]
    if _missing_currency(currency):
        return  # PR005 when a value needs it
    if isinstance(currency, str):
        if currency.upper() in CURRENCIES:
            return
        message = f"properties.currency is {show(currency)}, which is not a currency TikTok accepts"
    else:
        message = f"properties.currency is {show(currency)} ({js_type(currency)}), not a string"
    yield Issue(
        message=message,
        path="properties.currency",
        expected="one of the 62 ISO 4217 codes TikTok accepts",
        received=currency,
    )


@rule(
    "PR008",
    "content-type-invalid",
    severity="warning",
    fix="Set content_type to 'product' (for SKU ids) or 'product_group' (for item group ids).",
)
def content_type_invalid(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """content_type is not one of the values TikTok documents.

    Why:
        "Value must be set to "product" or "product_group"" (About Parameters; rules §4.1).
        It is required for Video Shopping Ads; another value breaks catalogue matching.

    Bad:
        ttq.track('ViewContent', {content_type: 'dress', content_id: '301'})

    Good:
        ttq.track('ViewContent', {content_type: 'product', content_id: '301'})
    """
    props = _object(event)
    if not props:
        return
    allowed = ctx.profile.content_types
    expected = " or ".join(sorted(allowed))
    if "content_type" in props and not _undefined(props["content_type"]):
        value = props["content_type"]
        if not (isinstance(value, str) and value in allowed):
            yield Issue(
                message=f"properties.content_type is {show(value)}, not {expected}",
                path="properties.content_type",
                expected=sorted(allowed),
                received=value,
            )
    for position, item in enumerate(_items(props)):
        if isinstance(item, dict):
            value = item.get("content_type")
            if isinstance(value, str) and value not in allowed:  # other types: PR011
                path = f"properties.contents[{position}].content_type"
                yield Issue(
                    message=f"{path} is {show(value)}, not {expected}",
                    path=path,
                    expected=sorted(allowed),
                    received=value,
                )


@rule(
    "PR009",
    "contents-not-array-of-objects",
    severity="error",
    fix="Send contents as an array of objects: contents: [{content_id: '301', price: 8, "
    "quantity: 1}].",
)
def contents_not_array_of_objects(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """contents is not an array, or holds something other than objects.

    Why:
        "The value must be an array of objects" (About Parameters; rules §4.1). A single
        object, a list of ids or a JSON string gives TikTok no readable products.

    Bad:
        ttq.track('AddToCart', {contents: {content_id: '301'}})
        ttq.track('AddToCart', {contents: ['301', '401']})

    Good:
        ttq.track('AddToCart', {contents: [{content_id: '301'}, {content_id: '401'}]})
    """
    props = _object(event)
    if not props or "contents" not in props:
        return
    contents = props["contents"]
    if _undefined(contents):
        return
    if not isinstance(contents, list):
        yield Issue(
            message=f"properties.contents is {show(contents)} ({js_type(contents)}), "
            "not an array of objects",
            path="properties.contents",
            expected="an array of objects",
            received=contents,
        )
        return
    for position, item in enumerate(contents):
        if not isinstance(item, dict) or _MARKER in item:
            path = f"properties.contents[{position}]"
            yield Issue(
                message=f"{path} is {show(item)} ({js_type(item)}), not an object",
                path=path,
                expected="an object",
                received=item,
            )


@rule(
    "PR010",
    "content-item-missing-content-id",
    severity="warning",
    fix="Give every contents item the product's content_id (the catalogue SKU id).",
)
def content_item_missing_content_id(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """A contents item has no content_id.

    Why:
        content_id ties the event to a catalogue product; it is required for Video Shopping
        Ads, and the pixel itself warns "Missing 'content_id' paramter" (rules §4.1, §4.5).

    Bad:
        ttq.track('AddToCart', {contents: [{content_name: 'Summer Dress', price: 8}]})

    Good:
        ttq.track('AddToCart', {contents: [{content_id: '301', content_name: 'Summer Dress',
                                            price: 8}]})
    """
    props = _object(event)
    if not props:
        return
    for position, item in enumerate(_items(props)):
        if not isinstance(item, dict) or _MARKER in item:
            continue  # PR009
        value = item.get("content_id")
        if _absent(value) or (isinstance(value, str) and not value.strip()):
            path = f"properties.contents[{position}].content_id"
            yield Issue(
                message=f"{path} is "
                + ("missing" if "content_id" not in item else f"empty ({show(value)})"),
                path=path,
                expected="a content id such as '301'",
                received=None if _undefined(value) else value,
            )


def _type_ok(value: Any, types: tuple[type, ...]) -> bool:
    return isinstance(value, types) and not isinstance(value, bool)


@rule(
    "PR011",
    "content-item-field-type",
    severity="error",
    fix="Send content_id as a string (or number) and content_type, content_name, "
    "content_category and brand as strings.",
)
def content_item_field_type(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """A contents item field has the wrong JSON type.

    Why:
        Item fields have fixed types: content_id a string, content_type, content_name,
        content_category and brand strings (About Parameters; Events API PixelContent; rules
        §4.1). An array or object in their place cannot be matched to the catalogue.
        (price and quantity: see PR002 and PR003.)

    Bad:
        ttq.track('AddToCart', {contents: [{content_id: ['301'], content_name: {en: 'Dress'}}]})

    Good:
        ttq.track('AddToCart', {contents: [{content_id: '301', content_name: 'Summer Dress'}]})
    """
    props = _object(event)
    if not props:
        return
    for position, item in enumerate(_items(props)):
        if not isinstance(item, dict) or _MARKER in item:
            continue
        for key, types in _ITEM_TYPED:
            if key not in item:
                continue
            value = item[key]
            if _undefined(value) or (key == "content_id" and value is None):
                continue  # absent; an empty content_id is PR010's
            if not _type_ok(value, types):
                path = f"properties.contents[{position}].{key}"
                wanted = "a string or number" if key == "content_id" else "a string"
                yield Issue(
                    message=f"{path} is {show(value)} ({js_type(value)}), not {wanted}",
                    path=path,
                    expected=wanted,
                    received=value,
                )


def _is_finite(number: float) -> bool:
    """math.isfinite, with ints beyond a double's range (Infinity in JavaScript) not finite."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def _finite(value: Any) -> float | None:
    """value as a float when it is a finite number (not a boolean), else None."""
    return float(value) if is_number(value) and _is_finite(value) else None


def _cents_apart(a: float, b: float) -> float:
    """|a - b|, both rounded to cents first (exact for prices; no overflow near 1e308)."""
    scaled_a, scaled_b = a * 100, b * 100
    if math.isfinite(scaled_a) and math.isfinite(scaled_b):
        return abs(round(scaled_a) - round(scaled_b)) / 100
    return abs(a - b)


def _contents_total(props: dict[str, Any]) -> float | None:
    """sum(price * quantity) over contents when every item has a numeric price, else None."""
    items = _items(props)
    if not items:
        return None
    total = 0.0
    for item in items:
        if not isinstance(item, dict):
            return None
        price = _finite(item.get("price"))
        raw_quantity = item.get("quantity", 1)
        quantity = 1.0 if _undefined(raw_quantity) else _finite(raw_quantity)
        if price is None or quantity is None:
            return None
        total += price * quantity
    return total if math.isfinite(total) else None


@rule(
    "PR012",
    "value-mismatch-contents",
    severity="warning",
    fix="Set value to the sum of price * quantity over contents (or fix the item prices).",
)
def value_mismatch_contents(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """value differs from the sum of price * quantity over contents.

    Why:
        "price … for a single item, and value is the total price of the order" (rules §4.1).
        A value that does not add up usually means a stale cart total, a unit price sent as
        the value, or a missing quantity, and skews ROAS. Differences within the configured
        tolerance (value_tolerance, default 0.01) are rounding.

    Bad:
        ttq.track('AddToCart', {contents: [{content_id: '301', price: 8, quantity: 2}],
                                value: 8, currency: 'USD'})

    Good:
        ttq.track('AddToCart', {contents: [{content_id: '301', price: 8, quantity: 2}],
                                value: 16, currency: 'USD'})
    """
    props = _object(event)
    if not props:
        return
    raw = props.get("value")
    value = _finite(raw)
    if value is None:
        return
    total = _contents_total(props)
    if total is None:
        return
    difference = _cents_apart(value, total)
    if difference > ctx.value_tolerance + 1e-9:
        shown_total = round(total, 2)
        yield Issue(
            message=f"properties.value is {show(raw)} but contents add up to "
            f"{show(int(shown_total) if shown_total.is_integer() else shown_total)} "
            "(sum of price * quantity)",
            path="properties.value",
            expected=shown_total,
            received=raw,
        )


@rule(
    "PR013",
    "missing-recommended-parameters",
    severity="info",
    fix="Send value, currency and content ids (contents with content_id, or content_ids) with "
    "this event.",
)
def missing_recommended_parameters(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """A purchase-funnel event lacks value, currency or content ids.

    Why:
        For ViewContent, AddToCart, checkout and purchase events TikTok recommends value,
        currency and content ids: value and currency are required for ROAS and value-based
        optimisation, content ids for Video Shopping Ads (rules §4.2). Reserved names count as
        the standard event they map to.

    Bad:
        ttq.track('AddToCart')

    Good:
        ttq.track('AddToCart', {contents: [{content_id: '301', price: 8, quantity: 1}],
                                value: 8, currency: 'USD'})
    """
    profile = ctx.profile
    name = event.name
    if name not in profile.value_events:
        mapped = profile.reserved_events.get(name)
        if mapped is None or mapped not in profile.value_events:
            return
    props = _object(event)
    if props is None:
        return  # PR001
    if event.source == "wire" and _spread_string(props) is not None:
        return  # PR015
    missing = []
    if _absent(props.get("value")):
        missing.append("value")
    if _missing_currency(props.get("currency")):
        missing.append("currency")
    if not (
        _has_id(props.get("content_id"))
        or _has_id(props.get("content_ids"))
        or any(isinstance(i, dict) and _has_id(i.get("content_id")) for i in _items(props))
    ):
        missing.append("content ids")
    if missing:
        yield Issue(
            message=f"{show(name)} is missing recommended parameters: {', '.join(missing)}",
            path="properties",
            expected=["value", "currency", "content ids"],
            received=missing,
        )


@rule(
    "PR014",
    "search-query-missing",
    severity="info",
    fix="Send the search term with Search: ttq.track('Search', {query: 'dress'}).",
)
def search_query_missing(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """A Search event carries no search term.

    Why:
        Search is recommended with the term the visitor typed: `query` (older docs, the SDK,
        TikTok's GTM templates) or `search_string` (April 2025 parameters page); both are
        accepted (rules §4.1, §4.2).

    Bad:
        ttq.track('Search', {contents: [...]})

    Good:
        ttq.track('Search', {query: 'dress', contents: [...]})
    """
    if event.name != "Search":
        return
    props = _object(event)
    if props is None:
        return  # PR001
    if event.source == "wire" and _spread_string(props) is not None:
        return  # PR015
    keys = ctx.profile.search_parameters
    for key in keys:
        value = props.get(key)
        if not _absent(value) and not (isinstance(value, str) and not value.strip()):
            return
    yield Issue(
        message=f"Search has no search term ({' or '.join(f'properties.{k}' for k in keys)})",
        path=f"properties.{keys[0]}" if keys else "properties",
        expected=list(keys),
        received=None,
    )


@rule(
    "PR015",
    "properties-spread-on-wire",
    severity="error",
    fix="Pass an object, not a string, as the second argument: ttq.track('Search', "
    "{query: 'dress'}).",
)
def properties_spread_on_wire(event: PixelEvent, ctx: RuleContext) -> Iterator[Issue]:
    """The beacon's properties are a string spread into characters ({"0": "d", "1": "r"...}).

    Why:
        When ttq.track gets a string as its second argument, the SDK copies it into an object
        character by character (seen with pixel.js 2.1.33: ttq.track('Search', 'dress') sent
        {"0":"d","1":"r","2":"e","3":"s","4":"s"}). TikTok receives no parameters. Reported
        for beacons no recorded call explains; at the call PR001 reports the string.

    Bad:
        ttq.track('Search', 'dress')

    Good:
        ttq.track('Search', {query: 'dress'})
    """
    if event.source != "wire":
        return
    props = _object(event)
    if not props:
        return
    text = _spread_string(props)
    if text is not None:
        yield Issue(
            message=f"properties are the string {show(text)} spread into characters by the "
            "SDK: ttq.track got a string instead of an object",
            path="properties",
            expected="an object",
            received=props,
        )
