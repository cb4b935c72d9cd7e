"""Checks every page's browser test shares (issue 16): the two widths, no horizontal scroll,
axe-core (WCAG 2.x A/AA) and a screenshot for a person to look at.

Screenshots go under `tests/browser/screenshots/` (ignored by git), named after the test.
"""

from __future__ import annotations

import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

SMALL_PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1366, "height": 768}
WIDTHS = [SMALL_PHONE, LAPTOP]
WIDTH_IDS = ["360px", "1366px"]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SCREENSHOTS = Path(__file__).parent / "screenshots"

_axe = Axe()


def axe_violations(page, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """The axe-core violations of the page at the given impacts, as readable lines."""
    results = _axe.run(page, options=WCAG_AA)
    return [
        f"{violation['id']} ({violation['impact']}): "
        f"{[node['target'] for node in violation['nodes']][:5]}"
        for violation in results.response["violations"]
        if violation.get("impact") in impacts
    ]


def horizontal_overflow(page) -> dict:
    """The page's scroll width against the viewport, and the overflow styles that could hide it."""
    return page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,"
        " overflow: [getComputedStyle(document.documentElement).overflowX,"
        "            getComputedStyle(document.body).overflowX]})"
    )


def assert_fits(page) -> None:
    """No horizontal scroll, and none hidden by clipping the page instead of fixing it."""
    widths = horizontal_overflow(page)
    assert widths["overflow"] == ["visible", "visible"], widths
    assert widths["scroll"] <= widths["inner"], widths


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under tests/browser/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


def settle_animations(page) -> None:
    """Wait until every finite CSS animation has finished: axe-core measures contrast on what
    is painted, and a row still fading in (opacity < 1) would read as too faint."""
    page.wait_for_function(
        "() => document.getAnimations().every(a => a.playState !== 'running'"
        " || a.effect.getComputedTiming().iterations === Infinity)",
        timeout=5_000,
    )


def check_page(page, name: str) -> None:
    """The whole sweep for one page as it is shown now: fits, axe-clean, screenshot saved."""
    settle_animations(page)
    screenshot(page, f"{name}-{page.viewport_size['width']}")
    assert_fits(page)
    violations = axe_violations(page)
    assert violations == [], f"{name}: {violations}"
