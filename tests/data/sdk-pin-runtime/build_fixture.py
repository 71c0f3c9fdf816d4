"""Build tests/data/sdk-pin-runtime/: a pinned SDK whose file names are built at run time.

Like TikTok's real events.js (Ekultek phase2/phase2.js, wire-format reference §2a), the
fixture's events.js embeds its pixel's config (`{"info":{…},"plugins":{…},"rules":[…]}`),
picks main.<id>.js from a 16-entry variant table by the plugin flags and builds its URL with
`M + "main.".concat(o.id, ".js")`; main builds the identify chunk's name as TikTok's does,
`({1:"identify"}[e]||e)+"_ce767.js"`. No literal `static/….js` name appears anywhere, so only
running the SDK tells `sdk pull` what to save. main is the emulator with a library version of
its own; events.js records the config it ran with, so tests can read it back.

Run `.venv/bin/python tests/data/sdk-pin-runtime/build_fixture.py` after changing the emulator.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from harness.browser.recorder import emulator_script
from harness.core.sdk import write_manifest

HERE = Path(__file__).parent
PIXEL_CODE = "CRUNTIME0FIXTURE0001"
BUILD = "9e4c1b7a2"
VERSION = "2.1.33-runtime-fixture"
SAVED_AT = "2026-11-25T00:00:00Z"
FLAGS = ("AutoAdvancedMatching", "Shopify", "Monitor", "CompetitorInsight")
#: The Event Builder rule of the saved pixel: a second pixel must not inherit it.
RULES = [{"code": "PIXEL_RULE_1", "event": "ClickButton", "trigger": {"selector": "#buy"}}]
CONFIG = {
    "info": {
        "pixelCode": PIXEL_CODE,
        "name": "runtime fixture shop",
        "status": 1,
        "setupMode": 0,
        "partner": "",
        "advertiserID": "7000000000000000001",
        "is_onsite": False,
        "firstPartyCookieEnabled": True,
    },
    "plugins": {"AutoAdvancedMatching": {"email": True}, "Shopify": False, "Identify": True},
    "rules": RULES,
}


def variant_id(variant: int) -> str:
    """URL-safe base64 of <build hash><variant>, unpadded (the real ids' form)."""
    return base64.urlsafe_b64encode(f"{BUILD}{variant}".encode()).decode().rstrip("=")


def variants() -> list[dict[str, object]]:
    return [
        {"id": variant_id(v), "map": {f: bool(v >> i & 1) for i, f in enumerate(FLAGS)}}
        for v in range(16)
    ]


#: Variant 1: AutoAdvancedMatching on (in both ttq._plugins and the pixel's plugins).
MAIN_ID = variant_id(1)
IDENTIFY_CHUNK = "identify_ce767.js"

EVENTS_JS = """/* ttq-harness test fixture: events.js in the shape of TikTok's, not its code. */
window[window["TiktokAnalyticsObject"]]._plugins = {"AutoAdvancedMatching":true,
  "Shopify":false,"Monitor":false,"CompetitorInsight":false};
!function(){function t(){return window&&window.TiktokAnalyticsObject||"ttq"}
function i(){return window&&window[t()]}
var r=%(variants)s,d=%(config)s,M="https://analytics.tiktok.com/i18n/pixel/static/",p=i();
(window.__ttqRuntimeConfigs=window.__ttqRuntimeConfigs||[]).push({code:d.info.pixelCode,
  name:d.info.name,advertiser:d.info.advertiserID,rules:d.rules});
var n=p._plugins||{},e=d.plugins,o=function(){for(var k=0;k<r.length;k++){var m=r[k].map,ok=!0;
  for(var f in m)if(!(!n[f]||!e[f])!==m[f])ok=!1;if(ok)return r[k]}}()||r[0];
var s=document.createElement("script");s.async=!0;s.src=M+"main.".concat(o.id,".js");
s.setAttribute("data-id",d.info.pixelCode);(document.head||document.documentElement).appendChild(s)}();
"""

IDENTIFY_JS = """/* ttq-harness test fixture: stands in for the SDK's identify chunk. */
(window.__ttqRuntimeModules = window.__ttqRuntimeModules || []).push('identify');
"""

CHUNK_LOADER = """
/* the identify chunk, named at run time as webpack does in TikTok's main */
!function(){var c=1,p="https://analytics.tiktok.com/i18n/pixel/static/";
var u=p+({1:"identify"}[c]||c)+"_ce767.js";if(window.__ttqRuntimeChunk)return;
window.__ttqRuntimeChunk=!0;var s=document.createElement("script");s.src=u;
(document.head||document.documentElement).appendChild(s)}();
"""


def main_js() -> str:
    emulator = emulator_script()
    if "2.1.33-emulated" not in emulator:
        raise SystemExit("the emulator no longer declares its VERSION as expected")
    header = "/* ttq-harness test fixture: the emulator as the SDK's main.<id>.js */\n"
    return header + emulator.replace("2.1.33-emulated", VERSION) + CHUNK_LOADER


def expected_files() -> dict[str, str]:
    events = EVENTS_JS % {
        "variants": json.dumps(variants(), separators=(",", ":")),
        "config": json.dumps(CONFIG, separators=(",", ":")),
    }
    return {
        "i18n/pixel/events.js": events,
        f"i18n/pixel/static/main.{MAIN_ID}.js": main_js(),
        f"i18n/pixel/static/{IDENTIFY_CHUNK}": IDENTIFY_JS,
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
