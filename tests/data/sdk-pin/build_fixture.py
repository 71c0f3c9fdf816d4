"""Build tests/data/sdk-pin/: a stand-in with the *layout* of a pinned TikTok SDK folder.

We have no copy of TikTok's SDK. Like TikTok's events.js, the fixture's events.js embeds the
pixel config it was saved for ("pixelCode") and loads static/main.<id>.js, the identify module
and config.js from the pixel host. Its main.<id>.js is the harness's emulator with a library
version of its own, so a test can tell the pinned files (not the built-in emulator) ran.

Run `.venv/bin/python tests/data/sdk-pin/build_fixture.py` after changing the emulator;
tests/unit/test_sdk_fixture.py fails while the fixture is stale.
"""

from __future__ import annotations

from pathlib import Path

from harness.browser.recorder import emulator_script
from harness.core.sdk import write_manifest

HERE = Path(__file__).parent
PIXEL_CODE = "CPINNED0FIXTURE00001"
MAIN_ID = "7f3c2a91d0"
IDENTIFY_HASH = "5b1e0c4d"
VERSION = "2.1.33-pinned-fixture"
SAVED_AT = "2026-11-25T00:00:00Z"

EVENTS_JS = """/* ttq-harness test fixture: the layout of TikTok's events.js, not its code. */
(function () {
  var config = {"pixelCode":"%(code)s","name":"pinned fixture","status":"Active"};
  var script = document.currentScript;
  var src = new URL(script && script.src ? script.src : 'https://analytics.tiktok.com/i18n/pixel/events.js');
  var lib = src.searchParams.get('lib') || 'ttq';
  // Which pixel code each events.js run embedded: the tests read it back.
  (window.__ttqPinnedConfigs = window.__ttqPinnedConfigs || []).push(config.pixelCode);
  function load(path) {
    var s = document.createElement('script');
    s.src = src.origin + '/i18n/pixel/' + path;
    (document.head || document.documentElement).appendChild(s);
  }
  load('static/main.%(main)s.js?sdkid=' + encodeURIComponent(config.pixelCode) + '&lib=' + lib);
  load('static/identify_%(identify)s.js');
  load('config.js');
})();
"""

IDENTIFY_JS = """/* ttq-harness test fixture: stands in for the SDK's identify module. */
(window.__ttqPinnedModules = window.__ttqPinnedModules || []).push('identify');
"""

CONFIG_JS = """/* ttq-harness test fixture: stands in for the SDK's config.js. */
(window.__ttqPinnedModules = window.__ttqPinnedModules || []).push('config');
"""


def main_js() -> str:
    emulator = emulator_script()
    if "2.1.33-emulated" not in emulator:
        raise SystemExit("the emulator no longer declares its VERSION as expected")
    header = "/* ttq-harness test fixture: the emulator as the SDK's main.<id>.js */\n"
    return header + emulator.replace("2.1.33-emulated", VERSION)


def expected_files() -> dict[str, str]:
    return {
        "i18n/pixel/events.js": EVENTS_JS
        % {"code": PIXEL_CODE, "main": MAIN_ID, "identify": IDENTIFY_HASH},
        f"i18n/pixel/static/main.{MAIN_ID}.js": main_js(),
        f"i18n/pixel/static/identify_{IDENTIFY_HASH}.js": IDENTIFY_JS,
        "i18n/pixel/config.js": CONFIG_JS,
    }


def build(folder: Path = HERE) -> None:
    for path, text in expected_files().items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    write_manifest(
        folder,
        pixel_code=PIXEL_CODE,
        origin="https://analytics.tiktok.com",
        library_version=VERSION,
        saved_at=SAVED_AT,
    )


if __name__ == "__main__":
    build()
