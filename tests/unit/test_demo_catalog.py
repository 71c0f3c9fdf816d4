"""The generated demo catalog (sites/catalog, harness/browser/catalog.py): the pages it renders
from one template, and the mistakes it plants for `ttq-harness audit` to find. Pure."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from harness.browser.catalog import Catalog
from harness.browser.server import default_sites_dir

ORIGIN = "http://127.0.0.1:8000"


def _catalog() -> Catalog:
    catalog = Catalog.load(default_sites_dir() / "catalog")
    assert catalog is not None
    return catalog


def _page(path: str) -> str:
    rendered = _catalog().render(path, ORIGIN)
    assert rendered is not None and rendered[0] == "text/html"
    return rendered[1]


def test_the_sitemap_lists_every_reachable_page_once() -> None:
    catalog = _catalog()
    rendered = catalog.render("sitemap.xml", ORIGIN)
    assert rendered is not None
    root = ET.fromstring(rendered[1])
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert len(locs) == len(set(locs)) == 1 + 10 + 300
    assert locs[0] == ORIGIN + "/catalog/" and locs[-1] == ORIGIN + "/catalog/p/300.html"
    assert all(catalog.render(loc.removeprefix(ORIGIN + "/catalog/"), ORIGIN) for loc in locs)


def test_a_product_page_loads_the_pixel_once_and_views_its_product() -> None:
    page = _page("p/12.html")
    assert page.count("ttq.load('CDEMO00SHOP00PIXEL01')") == 1 and page.count("ttq.page()") == 1
    assert '"content_id": "SKU-12"' in page and "ttq.track('ViewContent'" in page
    assert 'href="/catalog/p/11.html"' in page and 'href="/catalog/p/13.html"' in page


def test_the_planted_mistakes_are_where_catalog_json_says() -> None:
    assert "ttq" not in _page("p/13.html")  # no pixel
    assert _page("p/42.html").count("ttq.page()") == 2  # the base code twice
    assert "ttq.load('CWRONG0000PIXEL00077')" in _page("p/77.html")  # another pixel
    assert 'href="/catalog/account.html?email=jane.doe%40example.com"' in _page("")
    assert 'href="/catalog/p/999.html"' in _page("c/socks.html")  # a dead link
    assert _catalog().render("p/999.html", ORIGIN) is None  # answered by the 404.html file
    assert "ttq.track('CompletePayment'" in (default_sites_dir() / "catalog/404.html").read_text()


def test_paths_it_does_not_generate_are_left_to_the_static_files() -> None:
    catalog = _catalog()
    for path in ("p/0.html", "p/301.html", "c/unknown.html", "page.html", "p/1.htm", "p/x.html"):
        assert catalog.render(path, ORIGIN) is None
