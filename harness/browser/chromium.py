"""Find a Chromium to drive, and the launch options that make it behave offline.

Order: an explicit path (option or TTQ_HARNESS_BROWSER) -> Playwright's own Chromium ->
a system Chromium -> a BrowserNotFoundError that says how to get one.
Pure apart from looking at the file system.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from harness.core.endpoints import TIKTOK_DOMAINS
from harness.core.errors import BrowserNotFoundError

ENV_VAR = "TTQ_HARNESS_BROWSER"

SYSTEM_CHROMIUM_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
)
#: Chromium's headless shell (Debian/Ubuntu package chromium-headless-shell): the build
#: Playwright itself launches for headless runs. Preferred to a full Chromium for them: on the
#: demo plan it took half the CPU (5.4 s against 11.5 s for the 10 journeys, 2 cores), the
#: full build's headless mode running most of the browser's UI machinery unseen.
SYSTEM_HEADLESS_SHELL_NAMES = ("chromium-headless-shell",)
SYSTEM_HEADLESS_SHELL_PATHS = ("/usr/bin/chromium-headless-shell",)
SYSTEM_CHROMIUM_PATHS = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
    "/usr/bin/google-chrome",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)

#: Hosts Chromium calls on its own (component and extension updates, Safe Browsing, field
#: trials, optimization hints, autofill, metrics, DNS-over-HTTPS providers). The switches below
#: turn the services off; these hosts are also mapped to "not found" in case one does not
#: (update.googleapis.com was still contacted with --disable-component-update).
CHROMIUM_SERVICE_HOSTS: tuple[str, ...] = (
    "update.googleapis.com",
    "*.gvt1.com",
    "clients*.google.com",
    "clientservices.googleapis.com",
    "safebrowsing.googleapis.com",
    "safebrowsing.google.com",
    "sb-ssl.google.com",
    "optimizationguide-pa.googleapis.com",
    "content-autofill.googleapis.com",
    "accounts.google.com",
    "android.clients.google.com",
    "dns.google",
    "dns.google.com",
    "cloudflare-dns.com",
    "*.cloudflare-dns.com",
    "dns.quad9.net",
    "doh.opendns.com",
    "dns.nextdns.io",
)


def resolver_rules(*, allow_only: Sequence[str] | None = None) -> str:
    """Chromium's --host-resolver-rules: TikTok's domains and Chromium's own services resolve
    to nothing, so whatever escapes interception fails locally instead of leaving (a
    resolver-level backstop: no DNS query is even sent). `allow_only` (--block-third-party):
    every host but these (and loopback) fails to resolve."""
    if allow_only is not None:
        excluded = ", ".join(f"EXCLUDE {host}" for host in ("localhost", *allow_only))
        return f"MAP * ~NOTFOUND, {excluded}"
    patterns = [
        pattern
        for domain in TIKTOK_DOMAINS
        # the domain itself, its subdomains, and both written with a trailing dot
        for pattern in (domain, f"*.{domain}", f"{domain}.", f"*.{domain}.")
    ]
    patterns += [*CHROMIUM_SERVICE_HOSTS, *(f"{host}." for host in CHROMIUM_SERVICE_HOSTS)]
    return ", ".join(f"MAP {pattern} ~NOTFOUND" for pattern in patterns)


def hosts_of(urls: Sequence[str]) -> list[str]:
    """The distinct host names of `urls`, sorted (what --block-third-party lets resolve)."""
    return sorted({urlsplit(url).hostname or "" for url in urls} - {""})


def offline_args(args: Sequence[str], allow_only: Sequence[str] | None = None) -> list[str]:
    """`args` with the harness's offline switches (added when missing), the resolver rules
    narrowed to `allow_only` hosts when given."""
    rules = "--host-resolver-rules="
    kept = [arg for arg in args if not arg.startswith(rules)]
    kept += [flag for flag in QUIET_FLAGS if flag not in kept and not flag.startswith(rules)]
    allowed = None if allow_only is None else tuple(h for h in allow_only if h)
    return [*kept, rules + resolver_rules(allow_only=allowed)]


#: Flags that keep Chromium from calling home: on a closed network these connections fail
#: noisily, and in QA nothing should leave the machine anyway. Each one is in docs/security.md
#: with why; tests/browser/test_network_isolation.py proves the result in a network namespace.
QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-component-extensions-with-background-pages",
    "--disable-client-side-phishing-detection",
    "--disable-domain-reliability",
    "--disable-default-apps",
    "--safebrowsing-disable-auto-update",
    "--metrics-recording-only",
    "--no-pings",
    "--no-first-run",
    "--disable-sync",
    "--host-resolver-rules=" + resolver_rules(),
)

HOW_TO_GET_ONE = (
    "No Chromium found. Get one of:\n"
    "  - Playwright's own:   python -m playwright install chromium\n"
    "  - Debian/Ubuntu:      sudo apt-get install chromium chromium-headless-shell\n"
    "  - or point to one:    --browser-path /path/to/chrome  (or TTQ_HARNESS_BROWSER=/path)"
)

Origin = Literal["explicit", "environment", "playwright", "system"]


@dataclass(frozen=True)
class ResolvedBrowser:
    """Which Chromium to launch. executable_path None means Playwright's own."""

    origin: Origin
    executable_path: str | None
    args: tuple[str, ...] = field(default=())

    def launch_options(self, *, allow_only: Sequence[str] | None = None) -> dict[str, object]:
        """Playwright launch options; `allow_only` (--block-third-party): every host but these
        fails to resolve in the browser."""
        options: dict[str, object] = {"args": offline_args(self.args, allow_only)}
        if self.executable_path:
            options["executable_path"] = self.executable_path
        return options

    def describe(self) -> str:
        where = self.executable_path or "Playwright's bundled Chromium"
        return f"{where} ({self.origin})"


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _flags(system: bool) -> tuple[str, ...]:
    # Chromium refuses to start its sandbox as root; Playwright already disables it for its own
    # build, a system binary needs the flag spelled out.
    return (*QUIET_FLAGS, "--no-sandbox") if system and _as_root() else QUIET_FLAGS


def _checked(path: str, origin: Origin) -> ResolvedBrowser:
    candidate = Path(path).expanduser()
    if not candidate.is_file() and shutil.which(path) is None:
        source = "--browser-path" if origin == "explicit" else ENV_VAR
        raise BrowserNotFoundError(f"{source}={path}: no such executable.\n{HOW_TO_GET_ONE}")
    resolved = str(candidate) if candidate.is_file() else str(shutil.which(path))
    return ResolvedBrowser(origin=origin, executable_path=resolved, args=_flags(system=True))


def find_system_chromium(*, headless: bool = False) -> str | None:
    """A system Chromium; for a headless run its headless shell first (a window needs the
    full build)."""
    names: tuple[str, ...] = SYSTEM_CHROMIUM_NAMES
    paths: tuple[str, ...] = SYSTEM_CHROMIUM_PATHS
    if headless:
        names = (*SYSTEM_HEADLESS_SHELL_NAMES, *names)
        paths = (*SYSTEM_HEADLESS_SHELL_PATHS, *paths)
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    for path in paths:
        if Path(path).is_file():
            return path
    return None


def resolve_chromium(
    explicit: str | None = None,
    *,
    playwright_executable: str | None = None,
    environ: dict[str, str] | None = None,
    headless: bool = True,
) -> ResolvedBrowser:
    """Pick the Chromium to launch.

    `playwright_executable` is where Playwright expects its own build
    (`playwright.chromium.executable_path`); it counts only if the file exists (Playwright
    then picks its headless shell for a headless run itself). `headless`: a system headless
    shell may serve.
    """
    env = os.environ if environ is None else environ
    if explicit:
        return _checked(explicit, "explicit")
    if env.get(ENV_VAR):
        return _checked(env[ENV_VAR], "environment")
    if playwright_executable and Path(playwright_executable).is_file():
        return ResolvedBrowser(origin="playwright", executable_path=None, args=_flags(False))
    system = find_system_chromium(headless=headless)
    if system:
        return ResolvedBrowser(origin="system", executable_path=system, args=_flags(True))
    raise BrowserNotFoundError(HOW_TO_GET_ONE)
