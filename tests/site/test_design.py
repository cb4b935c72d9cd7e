"""ACC-61: text in the design tokens' colours reads at a contrast of at least 4.5:1.

WCAG 2 relative luminance and contrast ratio, computed from the tokens in static/css/site.css,
so a token edited to an unreadable value fails here.
"""

import re

import pytest
from django.contrib.staticfiles import finders

BACKGROUNDS = ("--bg", "--bg-2", "--card", "--card-2")
TEXT_COLOURS = (
    "--text",
    "--text-muted",
    "--accent",
    "--tank",
    "--healer",
    "--dps",
    "--success",
    "--warning",
    "--danger",
)


def tokens() -> dict[str, str]:
    with open(finders.find("css/site.css"), encoding="utf-8") as css:
        root = re.search(r":root\s*{(.*?)}", css.read(), re.S).group(1)
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6});", root))


def luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("text", TEXT_COLOURS)
@pytest.mark.parametrize("background", BACKGROUNDS)
def test_acc61_token_text_contrast_at_least_4_5(text, background):
    colours = tokens()
    ratio = contrast(colours[text], colours[background])
    assert ratio >= 4.5, f"{text} on {background}: {ratio:.2f}:1"


def test_acc61_primary_button_text_is_readable_on_gold():
    """Primary buttons are gold (--accent) with dark text (--bg)."""
    colours = tokens()
    assert contrast(colours["--bg"], colours["--accent"]) >= 4.5
