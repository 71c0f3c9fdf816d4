"""The generated demo catalog: hundreds of pages from one template, for `ttq-harness audit`.

A served folder holding `catalog.json`, `page.html` and `base-code.html` (the bundled
`sites/catalog/`) is a generated site: its index, category and product pages and its
`sitemap.xml` are rendered on request, none stored. `catalog.json` says how many pages there are
and which are deliberately broken (no pixel, the base code pasted twice, another pixel's code,
an e-mail address in a link); its `404.html` is a real file and fires CompletePayment.
Rendering is pure (text in, text out); `server.py` calls it.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any
from xml.sax.saxutils import escape

CATALOG_FILE = "catalog.json"
_PRODUCT = re.compile(r"p/(\d+)\.html")
_CATEGORY = re.compile(r"c/([a-z0-9-]+)\.html")


@dataclass(frozen=True)
class Catalog:
    folder: Path
    title: str
    pixel: str
    categories: tuple[str, ...]
    per_category: int
    no_pixel: frozenset[int] = frozenset()
    double_base_code: frozenset[int] = frozenset()
    wrong_pixel: dict[int, str] = field(default_factory=dict)
    pii_link: str | None = None
    dead_link: str | None = None

    @classmethod
    def load(cls, folder: Path) -> Catalog | None:
        """The catalog a folder describes, or None when it has no `catalog.json`."""
        spec_file = folder / CATALOG_FILE
        if not spec_file.is_file():
            return None
        spec: dict[str, Any] = json.loads(spec_file.read_text(encoding="utf-8"))
        broken: dict[str, Any] = spec.get("broken", {})
        return cls(
            folder=folder,
            title=str(spec.get("title", "Catalog")),
            pixel=str(spec["pixel"]),
            categories=tuple(spec["categories"]),
            per_category=int(spec["per_category"]),
            no_pixel=frozenset(broken.get("no_pixel", ())),
            double_base_code=frozenset(broken.get("double_base_code", ())),
            wrong_pixel={int(k): str(v) for k, v in broken.get("wrong_pixel", {}).items()},
            pii_link=broken.get("pii_link"),
            dead_link=broken.get("dead_link"),
        )

    @property
    def products(self) -> int:
        return len(self.categories) * self.per_category

    def paths(self) -> list[str]:
        """Every page a visitor can reach from the index (relative to the catalog folder),
        but the dead link and the page with an e-mail in its URL (the sitemap's list)."""
        return [
            "",
            *(f"c/{name}.html" for name in self.categories),
            *(f"p/{n}.html" for n in range(1, self.products + 1)),
        ]

    def render(self, path: str, origin: str) -> tuple[str, str] | None:
        """(content type, body) of a generated page, or None when `path` names none."""
        if path == "sitemap.xml":
            return "application/xml", self._sitemap(origin)
        if path in ("", "index.html"):
            return "text/html", self._index()
        if path == "account.html":
            return "text/html", self._page("Your account", "<p>Signed in.</p>", [self._load()])
        if (match := _CATEGORY.fullmatch(path)) and match[1] in self.categories:
            return "text/html", self._category(self.categories.index(match[1]))
        if match := _PRODUCT.fullmatch(path):
            number = int(match[1])
            if 1 <= number <= self.products:
                return "text/html", self._product(number)
        return None

    # -- pages ---------------------------------------------------------------------------------

    def _template(self, name: str) -> Template:
        return Template((self.folder / name).read_text(encoding="utf-8"))

    def _page(self, title: str, main: str, calls: list[str] | None) -> str:
        """The page template; `calls` the base code's `ttq` lines (None: no pixel at all)."""
        pixel = ""
        if calls is not None:
            pixel = self._template("base-code.html").substitute(calls="\n".join(calls))
        return self._template("page.html").substitute(
            title=html.escape(title), pixel=pixel, main=main
        )

    def _load(self, code: str | None = None) -> str:
        return f"  ttq.load('{code or self.pixel}');\n  ttq.page();"

    def _index(self) -> str:
        links = [f'<li><a href="/catalog/c/{c}.html">{c.title()}</a></li>' for c in self.categories]
        if self.pii_link:  # deliberately broken: an e-mail address in a URL (AU004)
            links.append(f'<li><a href="/catalog/{html.escape(self.pii_link)}">My account</a></li>')
        return self._page(self.title, "<ul>" + "".join(links) + "</ul>", [self._load()])

    def _category(self, index: int) -> str:
        name = self.categories[index]
        first = index * self.per_category + 1
        items = [
            f'<li><a href="/catalog/p/{n}.html">{name.title()} no. {n}</a></li>'
            for n in range(first, first + self.per_category)
        ]
        if self.dead_link and index == len(self.categories) - 1:  # a page removed long ago
            items.append(f'<li><a href="/catalog/{html.escape(self.dead_link)}">Archive</a></li>')
        return self._page(name.title(), "<ul>" + "".join(items) + "</ul>", [self._load()])

    def _product(self, number: int) -> str:
        category = self.categories[(number - 1) // self.per_category]
        price = 10 + number % 90
        view = {
            "contents": [
                {
                    "content_id": f"SKU-{number}",
                    "content_type": "product",
                    "content_name": f"{category.title()} no. {number}",
                    "price": price,
                    "quantity": 1,
                }
            ],
            "value": price,
            "currency": "USD",
        }
        calls = [self._load(self.wrong_pixel.get(number))]
        if number in self.double_base_code:  # deliberately broken: the base code twice
            calls.append(self._load())
        calls.append(f"  ttq.track('ViewContent', {json.dumps(view)});")
        related = [n for n in (number - 1, number + 1) if 1 <= n <= self.products]
        main = (
            f"<p>${price}.00</p><p>"
            + " ".join(f'<a href="/catalog/p/{n}.html">Also: no. {n}</a>' for n in related)
            + f' <a href="/catalog/c/{category}.html">More {category}</a></p>'
        )
        title = f"{category.title()} no. {number}"
        return self._page(title, main, None if number in self.no_pixel else calls)

    def _sitemap(self, origin: str) -> str:
        urls = "".join(
            f"<url><loc>{escape(f'{origin}/catalog/{path}')}</loc></url>" for path in self.paths()
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'
        )
