"""One palette (issue 16 item 3): the role colours of static/css/site.css and the class colours
of /theme.css reach 4.5:1 (WCAG AA, normal text) on the dark cards, computed here with the
WCAG 2.x formula, independently of the code that tints them."""

import re
from pathlib import Path

import pytest

from identity.contributions import readable_colour
from identity.models import PlayableClass

SITE_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "site.css"
CARD_SURFACES = ("--card", "--card-2", "--bg-2")  # every surface names and chips sit on


def luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def ratio(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def tokens() -> dict[str, str]:
    """Every `--name: value` of site.css, `var(--other)` resolved (the last definition wins)."""
    found = dict(re.findall(r"(--[\w-]+):\s*([^;]+);", SITE_CSS.read_text()))
    resolved = {}
    for name, value in found.items():
        while (match := re.fullmatch(r"var\((--[\w-]+)\)", value.strip())) is not None:
            value = found[match.group(1)]
        resolved[name] = value.strip()
    return resolved


def test_issue16_formula_matches_known_ratios():
    assert ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert ratio("#C41E3A", "#1a1a1d") == pytest.approx(3.0, abs=0.05)  # the issue's DK chip
    assert ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(
    "role", ["--tank", "--healer", "--melee", "--ranged", "--under", "--on-target", "--bench"]
)
def test_issue16_role_and_state_colours_reach_4_5_on_cards(role):
    palette = tokens()
    for surface in CARD_SURFACES:
        assert ratio(palette[role], palette[surface]) >= 4.5, (role, surface)


def test_issue16_melee_and_ranged_are_one_colour_each_everywhere():
    """The planner and the roster view used to differ (ranged red on one, purple on the other):
    role colours are now defined in site.css only."""
    palette = tokens()
    assert len({palette[r] for r in ("--tank", "--healer", "--melee", "--ranged")}) == 4
    roster_css = SITE_CSS.parents[2] / "roster" / "static" / "roster"
    for sheet in roster_css.glob("*.css"):
        text = sheet.read_text()
        assert not re.search(r"\.role-(tank|healer|melee|ranged)\s*[,{]", text), sheet.name
        assert "--dps" not in text, sheet.name


@pytest.mark.django_db
def test_issue16_theme_class_colours_reach_4_5_on_cards(client):
    palette = tokens()
    body = client.get("/theme.css").content.decode()
    colours = dict(re.findall(r"^\.class-([\w-]+)\{color:(#[0-9a-fA-F]{6})\}$", body, re.M))

    assert len(colours) == PlayableClass.objects.count() == 13
    for slug, colour in colours.items():
        for surface in CARD_SURFACES:
            assert ratio(colour, palette[surface]) >= 4.5, (slug, colour, surface)
    # Blizzard's readable colours are kept as they are; the dark ones are lightened.
    assert colours["warlock"] == "#8788EE" and colours["death-knight"] != "#C41E3A"


def test_issue16_tint_is_the_smallest_that_reaches_the_ratio():
    tinted = readable_colour("#C41E3A")
    assert ratio(tinted, "#1e1e22") >= 4.5
    # One 2 % step less would not do.
    red, green, blue = 0xC4, 0x1E, 0x3A
    steps = next(
        s
        for s in range(51)
        if readable_colour("#C41E3A")
        == "#" + "".join(f"{round(c + (255 - c) * s / 50):02x}" for c in (red, green, blue))
    )
    previous = "#" + "".join(
        f"{round(c + (255 - c) * (steps - 1) / 50):02x}" for c in (red, green, blue)
    )
    assert ratio(previous, "#1e1e22") < 4.5
