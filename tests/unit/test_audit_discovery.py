"""Which pages a site audit visits (harness/core/audit): URL normalisation, sitemaps,
robots.txt and the breadth-first frontier. Pure, no network."""

from __future__ import annotations

import gzip

import pytest

from harness.core.audit.frontier import Frontier, robots_from
from harness.core.audit.sitemap import MAX_INFLATED, SitemapError, parse_sitemap
from harness.core.audit.urls import Scope, normalise

SITE = "https://shop.example"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("HTTPS://Shop.Example:443/p?id=1#reviews", "https://shop.example/p?id=1"),
        ("https://shop.example", "https://shop.example/"),
        ("http://shop.example:80/", "http://shop.example/"),
        ("http://shop.example:8000/a", "http://shop.example:8000/a"),
        ("https://shop.example./a", "https://shop.example/a"),
        (
            "https://shop.example/p?utm_source=tt&id=1&ttclid=x&UTM_medium=y&fbclid=z",
            "https://shop.example/p?id=1",
        ),
        ("https://shop.example/p?b=2&a=1", "https://shop.example/p?b=2&a=1"),  # order kept
    ],
)
def test_one_page_however_it_is_linked(url: str, key: str) -> None:
    assert normalise(url) == key


def test_tracking_parameters_can_be_kept_or_extended() -> None:
    url = "https://shop.example/p?utm_source=tt&ref=ad&id=1"
    assert normalise(url, keep_tracking=True) == url
    assert normalise(url, drop=["ref"]) == "https://shop.example/p?id=1"


@pytest.mark.parametrize("url", ["mailto:a@b.c", "/relative", "ftp://x/y", "javascript:void(0)"])
def test_only_absolute_http_urls_are_pages(url: str) -> None:
    with pytest.raises(ValueError, match="not an absolute http"):
        normalise(url)


def test_scope_hosts_and_globs() -> None:
    scope = Scope.of(SITE + "/", allow_hosts=["cdn.shop.example"], exclude=["*/admin/*"])
    assert scope.reason_out("https://shop.example/p") is None
    assert scope.reason_out("https://cdn.shop.example/p") is None
    assert scope.reason_out("https://other.example/p") == "other host"
    assert scope.reason_out("https://shop.example/admin/x") == "excluded"
    only = Scope.of(SITE, include=["*/products/*"])
    assert only.reason_out("https://shop.example/products/1") is None
    assert only.reason_out("https://shop.example/blog/1") == "not included"


URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://shop.example/</loc><lastmod>2026-01-01</lastmod></url>
  <url><loc> https://shop.example/p/1 </loc></url>
  <url><loc>/p/2</loc></url>
</urlset>"""

INDEX = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://shop.example/sitemap-products.xml.gz</loc></sitemap>
  <sitemap><loc>https://shop.example/sitemap-blog.xml</loc></sitemap>
</sitemapindex>"""


def test_a_urlset_lists_pages_relative_ones_resolved() -> None:
    found = parse_sitemap(URLSET, "https://shop.example/sitemap.xml")
    assert found.pages == [
        "https://shop.example/",
        "https://shop.example/p/1",
        "https://shop.example/p/2",
    ]
    assert found.sitemaps == []


def test_an_index_lists_sitemaps_and_gzip_is_read() -> None:
    assert parse_sitemap(gzip.compress(INDEX), "s.xml.gz").sitemaps == [
        "https://shop.example/sitemap-products.xml.gz",
        "https://shop.example/sitemap-blog.xml",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><body>404</body></html>", "<html> is neither <urlset> nor <sitemapindex>"),
        (b"not xml at all", "not a sitemap"),
        (b"\x1f\x8b\x08garbage", "not a readable gzip file"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><urlset>&a;</urlset>',
            "not a sitemap",  # entities refused: no billion laughs
        ),
    ],
)
def test_a_bad_sitemap_is_a_one_line_error_naming_it(data: bytes, message: str) -> None:
    with pytest.raises(SitemapError, match=message) as raised:
        parse_sitemap(data, "https://shop.example/sitemap.xml")
    assert str(raised.value).startswith("https://shop.example/sitemap.xml: ")
    assert "\n" not in str(raised.value)


def test_a_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b" " * (MAX_INFLATED + 10))
    with pytest.raises(SitemapError, match="MB once inflated"):
        parse_sitemap(bomb, "big.xml.gz")


def test_the_frontier_visits_each_page_once_breadth_first_within_its_bounds() -> None:
    frontier = Frontier(Scope.of(SITE, exclude=["*/cart*"]), max_pages=4, max_depth=1)
    assert frontier.add(SITE + "/", depth=0, found_on="start") is None
    home = frontier.next()
    assert home is not None and home.url == "https://shop.example/"
    frontier.add_links(
        home,
        [
            SITE + "/p/1",
            SITE + "/p/1#top",  # the same page
            SITE + "/p/1?utm_source=x",  # the same page
            SITE + "/cart",  # excluded
            "https://elsewhere.example/",  # another host
            "mailto:hi@shop.example",
            SITE + "/p/2",
            SITE + "/p/3",
            SITE + "/p/4",  # over the page limit (home + 3)
        ],
    )
    visited = []
    while (page := frontier.next()) is not None:
        visited.append((page.url, page.depth, page.found_on))
        frontier.add_links(page, [SITE + "/deeper"])  # depth 2 > max_depth 1
    assert visited == [
        ("https://shop.example/p/1", 1, "https://shop.example/"),
        ("https://shop.example/p/2", 1, "https://shop.example/"),
        ("https://shop.example/p/3", 1, "https://shop.example/"),
    ]
    assert frontier.skipped == {
        "excluded": 1,
        "other host": 1,
        "not http(s)": 1,
        "page limit": 1,
        "too deep": 3,
    }


def test_robots_txt_is_honoured_for_its_host() -> None:
    robots = robots_from(
        "User-agent: *\nDisallow: /private/\n\nUser-agent: ttq-harness\nDisallow: /no-audit/\n"
    )
    frontier = Frontier(Scope.of(SITE), robots={"shop.example": robots})
    assert frontier.add(SITE + "/private/x", depth=0, found_on="start") is None  # not for us
    assert frontier.add(SITE + "/no-audit/x", depth=0, found_on="start") == "robots.txt"
    assert frontier.add(SITE + "/ok", depth=0, found_on="start") is None
    assert frontier.seen == 2 and frontier.queued == 2
