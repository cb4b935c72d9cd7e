"""The sortable Full roster (issue 16 item 6): `?sort=<column>` / `?sort=-<column>` on the
server, header links that work without JS, aria-sort on the sorted column; ties keep ROS-24's
order."""

import re

import pytest

from roster.views_public import parse_sort
from tests.roster.public.support import roster_player

pytestmark = pytest.mark.django_db
URL = "/roster-view"


@pytest.fixture
def roster():
    roster_player("amy", ("Zulu", "Priest", "Holy"), ("Alpha", "Mage", "Fire"))
    roster_player("Bob", ("Mike", "Warrior", "Protection"))
    roster_player("cat", ("Kilo", "Rogue", "Subtlety"))


def characters(response) -> list[str]:
    return [row.character.character.name for row in response.context["rows"]]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["Zulu", "Alpha", "Mike", "Kilo"]),  # ROS-24: player, main first, alts by name
        ("player", ["Zulu", "Alpha", "Mike", "Kilo"]),
        ("-player", ["Kilo", "Mike", "Zulu", "Alpha"]),  # ties keep ROS-24's order
        ("character", ["Alpha", "Kilo", "Mike", "Zulu"]),
        ("-character", ["Zulu", "Mike", "Kilo", "Alpha"]),
        ("class", ["Alpha", "Zulu", "Kilo", "Mike"]),  # Mage, Priest, Rogue, Warrior
        ("role", ["Mike", "Zulu", "Kilo", "Alpha"]),  # tank, healer, melee, ranged
        ("-main", ["Alpha", "Zulu", "Mike", "Kilo"]),  # alts first
        ("nonsense", ["Zulu", "Alpha", "Mike", "Kilo"]),
        ("-", ["Zulu", "Alpha", "Mike", "Kilo"]),
    ],
)
def test_issue16_sort_on_the_server(client, roster, sort, expected):
    params = {"view": "roster", "mains": "0"}
    if sort is not None:
        params["sort"] = sort
    response = client.get(URL, params)
    assert response.status_code == 200
    assert characters(response) == expected


def test_issue16_headers_are_links_with_aria_sort(client, roster):
    html = client.get(URL, {"view": "roster", "sort": "character"}).content.decode()

    headers = re.findall(r"<th scope=\"col\"([^>]*)><a class=\"sort-link\" href=\"([^\"]+)\"", html)
    assert [attrs for attrs, _ in headers] == ["", ' aria-sort="ascending"', "", "", ""]
    links = [href.replace("&amp;", "&") for _, href in headers]
    assert links == [
        "?view=roster",  # the default order needs no parameter
        "?view=roster&sort=-character",  # the sorted column again: the other way
        "?view=roster&sort=class",
        "?view=roster&sort=role",
        "?view=roster&sort=main",
    ]
    assert "sorted by Character ascending" in html


def test_issue16_descending_header_and_mains_toggle_keep_each_other(client, roster):
    html = client.get(URL, {"view": "roster", "mains": "0", "sort": "-role"}).content.decode()

    assert (
        '<th scope="col" aria-sort="descending"><a class="sort-link" '
        'href="?view=roster&amp;mains=0&amp;sort=role"' in html
    )
    assert 'href="?view=roster&amp;sort=-role" data-roster-link>Mains only</a>' in html


def test_issue16_parse_sort():
    assert parse_sort("-class") == ("class", True)
    assert parse_sort(" role ") == ("role", False)
    assert parse_sort("") == parse_sort(None) == parse_sort("--role") == ("player", False)
