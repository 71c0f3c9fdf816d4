"""URLs as an audit counts them: one page however it is linked. Pure."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Query parameters that mark where a visitor came from, not which page it is (dropped from
#: the dedup key unless the audit keeps them). `utm_*` by prefix.
TRACKING_PARAMETERS: frozenset[str] = frozenset(
    {"ttclid", "fbclid", "gclid", "dclid", "msclkid", "twclid", "li_fat_id", "mc_cid", "mc_eid"}
)
TRACKING_PREFIXES: tuple[str, ...] = ("utm_",)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_parameter(name: str, extra: Iterable[str] = ()) -> bool:
    lowered = name.lower()
    return (
        lowered in TRACKING_PARAMETERS
        or lowered.startswith(TRACKING_PREFIXES)
        or lowered in {e.lower() for e in extra}
    )


def normalise(url: str, *, keep_tracking: bool = False, drop: Iterable[str] = ()) -> str:
    """The page a URL names: scheme and host lower-cased, default port and fragment dropped,
    an empty path made `/`, tracking parameters (and `drop`) left out, the rest kept in order.
    ValueError for a URL that is not absolute http(s)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"{url!r}: not an absolute http(s) URL")
    host = parts.hostname.lower().rstrip(".")
    try:
        port = parts.port
    except ValueError as exc:  # a port that is not a number
        raise ValueError(f"{url!r}: {exc}") from None
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):  # IPv6 literal
        netloc = f"[{host}]" + ("" if port in (None, _DEFAULT_PORTS[scheme]) else f":{port}")
    drop = tuple(drop)
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if keep_tracking or not is_tracking_parameter(key, drop)
    ]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


@dataclass(frozen=True)
class Scope:
    """Which URLs an audit may visit: hosts (the start URL's, `--allow-host`), include and
    exclude globs on the whole URL (exclude wins)."""

    hosts: frozenset[str]
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()

    @classmethod
    def of(
        cls,
        start_url: str,
        *,
        allow_hosts: Iterable[str] = (),
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
    ) -> Scope:
        start = urlsplit(normalise(start_url)).hostname or ""
        hosts = {start, *(h.lower().rstrip(".") for h in allow_hosts)}
        return cls(frozenset(hosts), tuple(include), tuple(exclude))

    def with_host(self, host: str) -> Scope:
        """The same scope with another host (where the start URL redirects to)."""
        return Scope(self.hosts | {host.lower().rstrip(".")}, self.include, self.exclude)

    def redirected_out(self, final_url: str) -> str | None:
        """Why a page that landed on `final_url` (after redirects) is not one of the site's,
        or None when it is: "redirected off site" (another host), "redirected out of scope"
        (an --include/--exclude glob). A URL that is no http(s) page is left to the caller."""
        try:
            key = normalise(final_url, keep_tracking=True)
        except ValueError:
            return None
        reason = self.reason_out(key)
        if reason is None:
            return None
        return "redirected off site" if reason == "other host" else "redirected out of scope"

    def reason_out(self, url: str) -> str | None:
        """Why `url` (normalised) is out of scope, or None when it is in."""
        host = urlsplit(url).hostname or ""
        if host not in self.hosts:
            return "other host"
        if any(fnmatch.fnmatchcase(url, pattern) for pattern in self.exclude):
            return "excluded"
        if self.include and not any(fnmatch.fnmatchcase(url, p) for p in self.include):
            return "not included"
        return None
