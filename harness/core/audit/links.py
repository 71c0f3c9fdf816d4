"""The links of a page as served (its HTML, before any script runs). Pure.

A sharded audit finds links this way on every page, its own and the other shards', so every
shard walks the same pages in the same order without a browser for the pages it does not
audit (a browser's links can depend on scripts, timing and consent, and would differ).
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

#: Beyond this many links a page is a link farm: the rest are not followed.
MAX_LINKS = 5000


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if href is None:
            return
        if tag == "base" and self.base is None:
            self.base = href.strip()
        elif tag in ("a", "area") and len(self.hrefs) < MAX_LINKS:
            self.hrefs.append(href.strip())


def html_links(html: str, page_url: str) -> list[str]:
    """The absolute targets of the page's `<a href>` and `<area href>`, in document order,
    resolved against its `<base href>` (first one) or its URL, as a browser resolves them."""
    parser = _Links()
    parser.feed(html)
    parser.close()
    try:
        base = urljoin(page_url, parser.base) if parser.base else page_url
    except ValueError:  # a <base href> urljoin cannot parse: the page's own URL, as browsers do
        base = page_url
    links = []
    for href in filter(None, parser.hrefs):
        try:
            links.append(urljoin(base, href))
        except ValueError:  # e.g. "http://[oops/": not a link a browser could follow
            continue
    return links
