"""--headed without a display says how to get one (xvfb-run) before any browser starts."""

from __future__ import annotations

import pytest

from harness.browser.launch import check_display
from harness.core.errors import HarnessError


def test_linux_without_a_display_names_xvfb_run() -> None:
    with pytest.raises(HarnessError, match=r"--headed needs a display.*xvfb-run"):
        check_display({}, "linux")


@pytest.mark.parametrize(
    ("environ", "system"),
    [({"DISPLAY": ":0"}, "linux"), ({"WAYLAND_DISPLAY": "wayland-0"}, "linux"), ({}, "darwin")],
)
def test_a_display_or_another_system_is_fine(environ: dict[str, str], system: str) -> None:
    check_display(environ, system)
