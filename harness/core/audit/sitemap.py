"""Sitemaps (sitemaps.org 0.9): a page list or an index of more sitemaps, plain or gzip. Pure:
the caller fetches the bytes. Parsed with defusedxml (a sitemap is a stranger's XML: no entity
expansion, no external references); a gzip body is inflated up to a limit, not without end."""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from harness.core.errors import HarnessError

#: The sitemap protocol's own limit is 50 MB uncompressed; a little room, then refuse.
MAX_INFLATED = 64 * 1024 * 1024


class SitemapError(HarnessError):
    """A sitemap that cannot be read: where, and why, in one line."""


@dataclass(frozen=True)
class Sitemap:
    """What one sitemap file lists: pages (`<urlset>`) or more sitemaps (`<sitemapindex>`)."""

    pages: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)


def _inflate(data: bytes, source: str) -> bytes:
    if not data.startswith(b"\x1f\x8b"):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            inflated = stream.read(MAX_INFLATED + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise SitemapError(f"{source}: not a readable gzip file ({exc})") from None
    if len(inflated) > MAX_INFLATED:
        raise SitemapError(f"{source}: more than {MAX_INFLATED // 2**20} MB once inflated")
    return inflated


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _locations(root: Element, entry: str, base: str) -> list[str]:
    found = []
    for child in root:
        if _local(child.tag) != entry:
            continue
        for item in child:
            if _local(item.tag) == "loc" and item.text and item.text.strip():
                found.append(urljoin(base, item.text.strip()))
    return found


def parse_sitemap(data: bytes, source: str) -> Sitemap:
    """The pages or sitemaps `data` lists (relative `<loc>`s resolved against `source`).
    SitemapError names the file and the problem."""
    text = _inflate(data, source)
    try:
        root = fromstring(text)
    except (ParseError, DefusedXmlException) as exc:
        raise SitemapError(f"{source}: not a sitemap ({exc})") from None
    kind = _local(root.tag)
    if kind == "urlset":
        return Sitemap(pages=_locations(root, "url", source))
    if kind == "sitemapindex":
        return Sitemap(sitemaps=_locations(root, "sitemap", source))
    raise SitemapError(f"{source}: <{kind}> is neither <urlset> nor <sitemapindex>")
