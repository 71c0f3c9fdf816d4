"""Baselines: masking, stable files, and the check's pass / fail / update / unused / invalid."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from harness.core.baseline import (
    BaselineError,
    baseline_name,
    check_journeys,
    compare,
    dump,
    field_changes,
    load,
    mask_event_id,
    mask_generated,
    mask_url,
    normalise,
)
from harness.core.masking import masked
from harness.core.model import PixelEvent

DATA = Path(__file__).parent.parent / "data" / "baselines"
HASH = "86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d"
P1, P2 = "CDEMO00SHOP00PIXEL01", "CDEMO00SHOP00PIXEL02"
SHOP = "http://127.0.0.1:8000/shop/"
PRODUCT = SHOP + "product.html?id=301"
ITEM = {
    "content_id": "301",
    "content_type": "product",
    "content_name": "Summer Dress",
    "price": 8,
    "quantity": 1,
}


def fixture_events(name: str) -> list[PixelEvent]:
    """Every event of the demo shop's purchase journey, from a real run (raw requests cut)."""
    data = json.loads((DATA / name).read_text(encoding="utf-8"))
    return [PixelEvent.model_validate(item) for item in data]


_counter = iter(range(10_000))


def wire(
    name: str,
    properties: Any = None,
    *,
    pixel: str = P1,
    page: str = PRODUCT,
    event_id: str = "",
    user: dict[str, Any] | None = None,
    **extra: Any,
) -> PixelEvent:
    index = next(_counter)
    return PixelEvent(
        index=index,
        source="wire",
        name=name,
        pixel_code=pixel,
        pixel_codes=[pixel],
        event_id=event_id,
        properties=properties if properties is not None else {},
        user=user or {},
        page_url=page,
        library_name="pixel.js",
        library_version="2.1.33-emulated",
        timestamp=f"2026-11-25T18:41:{index % 60:02d}.000Z",
        **{"endpoint": "pixel", **extra},
    )


def product_page_events(value: Any = 8, currency: str = "USD") -> list[PixelEvent]:
    stamp = 1_795_628_807_645 + next(_counter) * 7919  # a new id on every call
    params = {"contents": [ITEM], "value": value, "currency": currency}
    return [
        wire("Pageview"),
        wire("ViewContent", params, event_id=f"evt-{stamp}-wj7smc"),
        wire("AddToCart", params, event_id=f"evt-{stamp + 1}-o58k95"),
    ]


# --- masking --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("evt-1795628807645-wj7smc", "evt-<id>"),
        ("evt-1795632088478-xelwjd", "evt-<id>"),  # the random tail goes with the timestamp
        ("order-mwwf584f839d", "order-<id>"),
        ("purchase-mwwgzs11ggax", "purchase-<id>"),
        ("1795632085444", "<id>"),
        ("0f8fad5b-d9cb-469f-a165-70867728950e", "<id>"),
        ("abcdefab-cdef-4abc-8def-abcdefabcdef", "<id>"),  # a UUID with no digit outside
        ("wc_order_AbC12dEf9", "wc_order_<id>"),
        ("main.a1b2c3d4.js", "main.<id>.js"),
        # kept: short numbers, words, file names, SKUs with short numbers
        ("301", "301"),
        ("summer-dress", "summer-dress"),
        ("Summer Dress", "Summer Dress"),
        ("product.html", "product.html"),
        ("SKU-12345", "SKU-12345"),
        ("", ""),
    ],
)
def test_generated_id_rule(text: str, masked: str) -> None:
    assert mask_generated(text) == masked


def test_pinned_event_ids_keep_their_leading_word() -> None:
    assert mask_event_id("evt-1795628807645-wj7smc") == "evt-<id>"
    assert mask_event_id("order-mwwf584f839d") == "order-<id>"
    # An order id without a digit is still an id where an event_id is expected.
    assert mask_event_id("order-mwwgzfwqswck") == "order-<id>"
    assert mask_event_id("1795628807645-wj7smc") == "<id>"
    assert mask_event_id("abc") == "abc"
    assert mask_event_id("") == ""


@pytest.mark.parametrize(
    ("url", "base", "masked"),
    [
        (PRODUCT, None, "/shop/product.html?id=301"),
        (PRODUCT, SHOP, "product.html?id=301"),
        (SHOP + "thank-you.html?order=mwwgzfwqswck", None, "/shop/thank-you.html?order=<id>"),
        (SHOP + "thank-you.html?orderId=mwwgzfwqswck", SHOP, "thank-you.html?orderId=<id>"),
        (SHOP + "search.html?q=summer+dress&cb=17", SHOP, "search.html?q=summer dress&cb=<id>"),
        (SHOP + "s.html?ref=abc123def456&page=2", SHOP, "s.html?ref=<id>&page=2"),
        ("https://x.example/checkouts/c/a1b2c3d4e5/thank_you", None, "/checkouts/c/<id>/thank_you"),
        (SHOP + "app/#/deals/301", SHOP, "app/#/deals/301"),
        (SHOP, SHOP, "./"),
        (SHOP + "index.html", "http://127.0.0.1:8000/shop/index.html", "index.html"),
        ("http://127.0.0.1:8000/other/page.html", SHOP, "/other/page.html"),
        ("https://cdn.example/frame.html?v=1", SHOP, "//cdn.example/frame.html?v=1"),
        ("about:blank", SHOP, "about:blank"),
    ],
)
def test_page_urls(url: str, base: str | None, masked: str) -> None:
    assert mask_url(url, base_url=base) == masked


def test_properties_user_and_library_are_normalised() -> None:
    event = wire(
        "CompletePayment",
        {
            "value": 8,
            "order_id": "1001",
            "event_id": "purchase-mwwgzs11ggax",
            "timestamp": 1795632085,
            "sent_at": "2026-11-25T18:41:25.423Z",
            "email": "jane.doe@example.com",
            "url": SHOP + "thank-you.html?order=mwwgzs11ggax",
            "z": {"b": [{"d": 1, "c": 2}], "a": None},
        },
        event_id="purchase-mwwgzs11ggax",
        user={"phone_number": HASH, "email": "jane@example.com", "external_id": ""},
    )
    [record] = normalise([masked(event)])  # as `run` passes them: through the masking step
    assert record == {
        "event": "CompletePayment",
        "pixel": P1,
        "page": "/shop/product.html?id=301",
        "event_id": "<set>",
        "library": "pixel.js",
        "properties": {
            "email": "j***@example.com",  # personal data never reaches a committed file
            "event_id": "<set>",
            "order_id": "<id>",
            "sent_at": "<timestamp>",
            "timestamp": "<timestamp>",
            "url": "/shop/thank-you.html?order=<id>",
            "value": 8,
            "z": {"a": None, "b": [{"c": 2, "d": 1}]},
        },
        "user": {"email": "<plain>", "external_id": "", "phone_number": "<hashed>"},
    }
    assert list(record["properties"]) == sorted(record["properties"])
    [pinned] = normalise([event], pin_event_ids=True, base_url=SHOP)
    assert pinned["event_id"] == pinned["properties"]["event_id"] == "purchase-<id>"
    assert pinned["properties"]["url"] == "thank-you.html?order=<id>"


def test_only_wire_events_the_page_caused_are_compared() -> None:
    events = [
        PixelEvent(index=1, source="call", name="ViewContent", page_url=PRODUCT),
        wire("ViewContent", {"value": 8}),
        wire("Click", endpoint="act", auto=True),
        wire("Metadata", auto=True),
        wire("EnrichAM", user={"email": HASH}),
    ]
    assert [r["event"] for r in normalise(events)] == ["ViewContent"]


# --- stable files ---------------------------------------------------------------------------


def test_two_real_runs_of_a_journey_give_the_same_file() -> None:
    first, second = fixture_events("purchase-run1.json"), fixture_events("purchase-run2.json")
    # Really different runs: ids, order ids, timestamps and arrival order all differ.
    assert {e.event_id for e in first if e.event_id}.isdisjoint(e.event_id for e in second)
    assert [e.page_url for e in first][-1] != [e.page_url for e in second][-1]
    assert [e.name for e in first] != [e.name for e in second]
    text = dump("purchase", normalise(first))
    assert text == dump("purchase", normalise(second))
    # The reviewed file: same bytes (LF, UTF-8).
    assert text.encode() == (DATA / "purchase.yaml").read_bytes()
    assert "evt-" not in text and "mwwg" not in text and "2026-" not in text
    assert "thank-you.html?order=<id>" in text


def test_arrival_order_and_ids_across_two_pixels_do_not_matter() -> None:
    def run(seed: int) -> list[PixelEvent]:
        rng = random.Random(seed)
        events = [
            wire(name, {"value": 8}, pixel=pixel, event_id=f"evt-{rng.randrange(10**12, 10**13)}-x")
            for name in ("Pageview", "ViewContent", "AddToCart")
            for pixel in (P1, P2)
        ]
        rng.shuffle(events)
        return [e.model_copy(update={"index": i}) for i, e in enumerate(events)]

    runs = {dump("product", normalise(run(seed))) for seed in range(5)}
    assert len(runs) == 1


def test_the_file_is_stable_sorted_and_loads_back(tmp_path: Path) -> None:
    records = normalise(fixture_events("purchase-run1.json"))
    text = dump("purchase", records)
    assert text == dump("purchase", list(reversed(records)))  # dump twice: same bytes
    lines = text.splitlines()
    assert lines[0] == (
        "# ttq-harness baseline v1: journey purchase; update with --update-baseline"
    )
    assert lines[1:4] == ["version: 1", "journey: purchase", "events:"]
    assert lines[4:11] == [
        "- event: InitiateCheckout",
        "  pixel: CDEMO00SHOP00PIXEL01",
        "  page: /shop/cart.html",
        "  event_id: <set>",
        "  library: pixel.js",
        "  properties:",
        "    contents:",
    ]
    keys = [(r["page"], r["event"], r["pixel"]) for r in records]
    assert keys == sorted(keys)
    path = tmp_path / baseline_name("purchase")
    path.write_text(text, encoding="utf-8")
    assert dump("purchase", load(path)) == text


def test_baseline_file_names() -> None:
    assert baseline_name("purchase") == "purchase.yaml"
    assert baseline_name("Product page / SPA") == "product-page-spa.yaml"
    assert baseline_name("Kauf-Prüfung") == "kauf-prufung.yaml"
    assert baseline_name("???") == "journey.yaml"


# --- compare -----------------------------------------------------------------------------


def test_field_changes_are_exact_about_types() -> None:
    assert field_changes({"value": 8}, {"value": 8}) == []
    assert field_changes({"value": 8}, {"value": "8.00"}) == ['value: 8 -> "8.00"']
    assert field_changes({"value": 8}, {"value": 8.0}) == ["value: 8 -> 8.0"]
    assert field_changes({"ok": True}, {"ok": 1}) == ["ok: true -> 1"]
    assert field_changes({"a": [1, 2]}, {"a": [1], "b": None}) == [
        "a[1]: 2 -> (absent)",
        "b: (absent) -> null",
    ]


def test_compare_pins_the_readable_diff_and_summary() -> None:
    baseline = normalise(product_page_events())
    changed = product_page_events(value="8.00")
    actual = normalise(
        [e for e in changed if e.name != "Pageview"]
        + [wire("Purchase", {"value": 8, "currency": "USD"})]
    )
    difference = compare(baseline, actual, journey="product-page", label="baseline p.yaml")
    assert not difference.equal
    assert difference.count == 4
    assert difference.counts() == "2 changed, 1 removed, 1 added"
    assert difference.summary() == [
        "changed: AddToCart on /shop/product.html?id=301 (pixel CDEMO00SHOP00PIXEL01)",
        '  properties.value: 8 -> "8.00"',
        "changed: ViewContent on /shop/product.html?id=301 (pixel CDEMO00SHOP00PIXEL01)",
        '  properties.value: 8 -> "8.00"',
        "removed: Pageview on /shop/product.html?id=301 (pixel CDEMO00SHOP00PIXEL01)",
        "added: Purchase on /shop/product.html?id=301 (pixel CDEMO00SHOP00PIXEL01)",
    ]
    assert difference.diff.splitlines() == [
        "--- baseline p.yaml",
        "+++ actual",
        "@@ -15,14 +15,16 @@",
        "       price: 8",
        "       quantity: 1",
        "     currency: USD",
        "-    value: 8",
        "+    value: '8.00'",
        "   user: {}",
        "-- event: Pageview",
        "+- event: Purchase",
        "   pixel: CDEMO00SHOP00PIXEL01",
        "   page: /shop/product.html?id=301",
        "   event_id: ''",
        "   library: pixel.js",
        "-  properties: {}",
        "+  properties:",
        "+    currency: USD",
        "+    value: 8",
        "   user: {}",
        " - event: ViewContent",
        "   pixel: CDEMO00SHOP00PIXEL01",
        "@@ -37,5 +39,5 @@",
        "       price: 8",
        "       quantity: 1",
        "     currency: USD",
        "-    value: 8",
        "+    value: '8.00'",
        "   user: {}",
    ]
    assert compare(baseline, list(reversed(baseline))).equal


def test_repeated_events_pair_up_by_page_event_and_pixel() -> None:
    twice = [*product_page_events(), wire("AddToCart", {"value": 8}, event_id="evt-1")]
    once = product_page_events()
    difference = compare(normalise(once), normalise(twice))
    assert difference.summary() == [
        "added: AddToCart on /shop/product.html?id=301 (pixel CDEMO00SHOP00PIXEL01)"
    ]
    other_pixel = [e.model_copy(update={"pixel_code": P2}) for e in once]
    assert compare(normalise(once), normalise(once + other_pixel)).counts() == "3 added"


# --- check_journeys ------------------------------------------------------------------------


def test_update_writes_new_baselines_then_the_same_run_passes(tmp_path: Path) -> None:
    directory = tmp_path / "baselines"
    results = [("purchase", fixture_events("purchase-run1.json"))]
    first = check_journeys(results, directory, update=True, complete_run=True)
    assert first.ok
    assert [(o.journey, o.status, o.events) for o in first.outcomes] == [("purchase", "new", 11)]
    assert first.lines() == [
        f"✓ baseline purchase: new, wrote {directory}/purchase.yaml (11 events)"
    ]
    assert (directory / "purchase.yaml").read_bytes() == (DATA / "purchase.yaml").read_bytes()

    again = [("purchase", fixture_events("purchase-run2.json"))]
    second = check_journeys(again, directory, update=False, complete_run=True)
    assert second.ok
    assert second.lines() == ["✓ baseline purchase: same (11 events)"]
    assert second.headline() == f"baselines in {directory}: 1 same"


def test_a_missing_baseline_fails_and_says_how_to_write_it(tmp_path: Path) -> None:
    report = check_journeys(
        [("purchase", fixture_events("purchase-run1.json"))],
        tmp_path,
        update=False,
        complete_run=True,
    )
    assert not report.ok
    [outcome] = report.outcomes
    assert outcome.status == "missing"
    assert report.lines() == [
        f"✗ baseline purchase: no baseline {tmp_path}/purchase.yaml "
        "(run with --update-baseline to write it)"
    ]
    assert not (tmp_path / "purchase.yaml").exists()


def test_a_difference_fails_with_summary_and_diff_and_update_rewrites(tmp_path: Path) -> None:
    check_journeys(
        [("product-page", product_page_events())], tmp_path, update=True, complete_run=True
    )
    before = (tmp_path / "product-page.yaml").read_bytes()
    broken = [("product-page", product_page_events(value="8.00", currency="XYZ")[1:])]

    failed = check_journeys(broken, tmp_path, update=False, complete_run=True)
    assert not failed.ok
    [outcome] = failed.outcomes
    assert outcome.status == "different"
    assert (tmp_path / "product-page.yaml").read_bytes() == before  # not touched
    lines = failed.lines()
    assert lines[:8] == [
        f"✗ baseline product-page: 3 events differ (2 changed, 1 removed) from "
        f"{tmp_path}/product-page.yaml",
        "    changed: AddToCart on /shop/product.html?id=301 (pixel CDEMO00SHOP00PIXEL01)",
        '      properties.currency: "USD" -> "XYZ"',
        '      properties.value: 8 -> "8.00"',
        "    changed: ViewContent on /shop/product.html?id=301 (pixel CDEMO00SHOP00PIXEL01)",
        '      properties.currency: "USD" -> "XYZ"',
        '      properties.value: 8 -> "8.00"',
        "    removed: Pageview on /shop/product.html?id=301 (pixel CDEMO00SHOP00PIXEL01)",
    ]
    assert lines[8:10] == [f"    --- baseline {tmp_path}/product-page.yaml", "    +++ actual"]
    assert "    -    currency: USD" in lines and "    +    currency: XYZ" in lines
    assert outcome.message == lines[0][2:]
    assert outcome.details.startswith("changed: AddToCart") and "+++ actual" in outcome.details
    short = failed.lines(max_diff_lines=3)
    assert short[-1].startswith("    … ") and short[-1].endswith(" more diff lines")

    updated = check_journeys(broken, tmp_path, update=True, complete_run=True)
    assert updated.ok
    assert updated.lines()[0] == (
        f"✓ baseline product-page: updated {tmp_path}/product-page.yaml "
        "(3 events: 2 changed, 1 removed)"
    )
    assert "+++ actual" not in "\n".join(updated.lines())  # the pull request shows the diff
    after = check_journeys(broken, tmp_path, update=False, complete_run=True)
    assert after.ok and after.outcomes[0].status == "same"


def test_unused_baselines_are_reported_for_complete_runs_only_and_never_deleted(
    tmp_path: Path,
) -> None:
    results = [("product-page", product_page_events())]
    check_journeys(results, tmp_path, update=True, complete_run=True)
    (tmp_path / "old-journey.yaml").write_text("version: 1\nevents: []\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("not a baseline\n", encoding="utf-8")

    for update in (False, True):
        report = check_journeys(results, tmp_path, update=update, complete_run=True)
        assert report.ok  # unused files do not fail the run
        assert report.unused == [tmp_path / "old-journey.yaml"]
        assert report.lines()[-1] == (
            f"! baseline {tmp_path}/old-journey.yaml is no longer used by any journey "
            "(not deleted: delete it if its journey is gone)"
        )
        assert report.headline() == f"baselines in {tmp_path}: 1 same; 1 unused"
        assert (tmp_path / "old-journey.yaml").exists()

    partial = check_journeys(results, tmp_path, update=True, complete_run=False)
    assert partial.unused == []
    assert not any(line.startswith("!") for line in partial.lines())


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("version: 1\nevents: [\n", "{path}:3:1: not valid YAML: expected the node content, but "
         "found '<stream end>'"),
        ("version: 2\nevents: []\n", "{path}: baseline version 2 is not supported (this "
         "ttq-harness reads version 1); rewrite it with --update-baseline"),
        ("- just\n- a list\n", "{path}: not a ttq-harness baseline (expected a mapping with "
         "version, journey and events)"),
        ("", "{path}: not a ttq-harness baseline (expected a mapping with version, journey and "
         "events)"),
        ("version: 1\nevents: {}\n", "{path}: 'events' must be a list of events"),
        ("version: 1\nevents: [1]\n", "{path}: event 1 is not a mapping of fields"),
        ("version: 1\nevents: !!python/object:os.system {}\n", "{path}:2:9: not valid YAML: "
         "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object:"
         "os.system'"),
    ],
)  # fmt: skip
def test_invalid_baseline_files_are_one_line_problems(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "purchase.yaml"
    path.write_text(content, encoding="utf-8")
    expected = problem.format(path=path)
    with pytest.raises(BaselineError) as raised:
        load(path)
    assert str(raised.value) == expected

    results = [("purchase", fixture_events("purchase-run1.json"))]
    report = check_journeys(results, tmp_path, update=False, complete_run=True)
    assert not report.ok
    assert report.outcomes[0].status == "invalid"
    assert report.lines() == [f"✗ baseline purchase: {expected}"]
    assert path.read_text(encoding="utf-8") == content

    rewritten = check_journeys(results, tmp_path, update=True, complete_run=True)
    assert rewritten.ok
    assert rewritten.lines() == [f"✓ baseline purchase: rewrote invalid {path} (11 events)"]
    assert path.read_bytes() == (DATA / "purchase.yaml").read_bytes()


def test_unreadable_files_and_name_clashes_are_problems_not_tracebacks(tmp_path: Path) -> None:
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00version")
    with pytest.raises(BaselineError, match=r"binary\.yaml: not UTF-8 text$"):
        load(tmp_path / "binary.yaml")
    (tmp_path / "folder.yaml").mkdir()
    with pytest.raises(BaselineError, match=r"folder\.yaml: cannot read: "):
        load(tmp_path / "folder.yaml")

    events = product_page_events()
    report = check_journeys(
        [("Purchase", events), ("purchase", events)], tmp_path, update=True, complete_run=False
    )
    assert [o.status for o in report.outcomes] == ["new", "invalid"]
    assert report.lines()[1] == (
        f"✗ baseline purchase: journeys 'Purchase' and 'purchase' would share baseline "
        f"{tmp_path}/purchase.yaml; rename one"
    )

    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("x", encoding="utf-8")
    report = check_journeys(
        [("p", events)], not_a_directory / "baselines", update=True, complete_run=True
    )
    assert not report.ok
    assert report.outcomes[0].status == "invalid"
    problem = report.outcomes[0].problem
    assert problem.startswith(f"{not_a_directory}/baselines/p.yaml: cannot write: ")


def test_base_urls_make_twins_comparable(tmp_path: Path) -> None:
    shop = product_page_events()
    twin = [
        e.model_copy(update={"page_url": e.page_url.replace("/shop/", "/broken-shop/")})
        for e in product_page_events()
        if e.page_url
    ]
    check_journeys([("p", shop, SHOP)], tmp_path, update=True, complete_run=True)
    base = "http://127.0.0.1:8000/broken-shop/"
    report = check_journeys([("p", twin, base)], tmp_path, update=False, complete_run=True)
    assert report.ok, report.lines()
    without_base = check_journeys([("p", twin)], tmp_path, update=False, complete_run=True)
    assert not without_base.ok
