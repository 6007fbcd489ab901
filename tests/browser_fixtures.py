"""A real browser for the tests: Debian's Chromium, headless, driven by Playwright.

Playwright's own browser downloads are never used (no download from outside the package
registries): ``make test`` installs the ``chromium`` apt package and Playwright drives that
executable. Flags keep the browser from calling home. A missing browser fails the test with
the command that installs it; it does not skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ENV = "FAIP_CHROMIUM"
CHROMIUM = "/usr/bin/chromium"
ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync")
# The screen the layout is built for.
VIEWPORT = {"width": 1440, "height": 900}


def chromium_path() -> str:
    path = os.environ.get(CHROMIUM_ENV) or CHROMIUM
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        found = shutil.which("chromium")
        if found is None:
            pytest.fail(f"the browser tests need Chromium at {path}: install it with "
                        "`apt-get install chromium` (make test does), or set "
                        f"{CHROMIUM_ENV}.", pytrace=False)
        path = found
    return path


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright ``Browser``), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=list(ARGS),
                                    headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Actions:
    """What a volunteer does on one passage, counted: each click, key press or drag.

    Every target must already be on the screen: an action that would need scrolling first
    fails the test, so the count is also a proof that nothing had to be scrolled to.
    """

    page: Any
    log: list[str] = field(default_factory=list)

    def _visible(self, box: dict[str, float] | None, what: str) -> None:
        assert box is not None, f"{what} is not on the page"
        height = self.page.viewport_size["height"]
        width = self.page.viewport_size["width"]
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, \
            f"{what} is off the {width}x{height} screen (y={box['y']:.0f}): it needs scrolling"

    def click(self, locator: Any, what: str) -> None:
        self._visible(locator.bounding_box(), what)
        locator.click()
        self.log.append(f"click {what}")

    def drag_over(self, box: dict[str, float], what: str) -> None:
        """Select text by dragging across it, as a mouse does."""
        self._visible(box, what)
        y = box["y"] + box["height"] / 2
        mouse = self.page.mouse
        mouse.move(box["x"] + 1, y)
        mouse.down()
        mouse.move(box["x"] + box["width"] - 1, y, steps=5)
        mouse.up()
        self.log.append(f"drag over {what}")

    @property
    def count(self) -> int:
        return len(self.log)
