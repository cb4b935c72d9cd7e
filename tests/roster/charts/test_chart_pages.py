"""Each chart on its page (issue 16 item 2): the visually hidden table and the drawn bars carry
the service's figures, and the chart is labelled for screen readers. A constant number of
queries whatever the roster's size."""

import datetime
import re
from html.parser import HTMLParser

import pytest

from roster.services import planner
from roster.services.composition import composition_summary
from roster.services.population import ROLE_ORDER, roster_entries, weekday_role_counts
from tests.factories import UserFactory
from tests.roster.planner.support import officer
from tests.roster.public.support import bulk_guild, roster_player

pytestmark = pytest.mark.django_db


class _Tables(HTMLParser):
    """The rows of every `data-chart-table` table and the data-* of every SVG shape, by chart."""

    def __init__(self):
        super().__init__()
        self.charts: dict[str, dict] = {}
        self._chart = None
        self._in_table = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure" and "data-chart" in attrs:
            self._chart = self.charts.setdefault(
                attrs["data-chart"],
                {"rows": [], "shapes": [], "labelledby": attrs.get("aria-labelledby")},
            )
        elif tag == "table" and "data-chart-table" in attrs:
            self._in_table = True
        elif self._in_table and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = []
        elif self._chart is not None and tag == "rect" and "data-count" in attrs:
            self._chart["shapes"].append(attrs)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._chart["rows"].append(self._row)
            self._row = None
        elif tag == "table":
            self._in_table = False
        elif tag == "figure":
            self._chart = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def charts_of(response) -> dict:
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.charts


@pytest.fixture
def guild():
    roster_player("Tanky", ("Shieldwall", "Warrior", "Protection"), days=(0, 3))
    roster_player("Heals", ("Lightwell", "Priest", "Holy"), days=(0, 3, 4))
    roster_player("Stabs", ("Backstab", "Rogue", "Subtlety"), days=(3,))
    roster_player("Pew", ("Fireball", "Mage", "Fire"), ("Alty", "Druid", "Guardian"), days=(3, 4))
    roster_player("Zap", ("Lavaburst", "Shaman", "Elemental"), days=())


def test_issue16_availability_chart_numbers_are_the_service_figures(client, guild):
    chart = charts_of(client.get("/roster-view"))["availability-roles"]
    total, by_role = weekday_role_counts()

    header, *rows = chart["rows"]
    assert header == ["Day", "Tanks", "Healers", "Melee", "Ranged", "Available", "Raid size"]
    assert [row[0] for row in rows] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    for row, counts in zip(rows, by_role, strict=True):
        assert [int(n) for n in row[1:5]] == [counts[role] for role in ROLE_ORDER]
        assert int(row[5]) == sum(counts.values())
        assert int(row[6]) == 20  # SiteConfig.raid_size's default
    # The picture: one segment per non-empty role, its data-count the same figure.
    drawn = [(s["data-role"], int(s["data-count"])) for s in chart["shapes"]]
    expected = [(r, day[r]) for day in by_role for r in ROLE_ORDER if day[r]]
    assert drawn == expected
    assert total == 5 and by_role[3] == {"tank": 1, "healer": 1, "melee": 1, "ranged": 1}
    assert chart["labelledby"] == "roles-chart-title"


def test_issue16_role_split_adds_up_to_ros21_counts(client, guild):
    response = client.get("/roster-view")
    counts = [bar.available for bar in response.context["bars"]]
    assert counts == [sum(day.values()) for day in weekday_role_counts()[1]]
    assert counts == [2, 0, 0, 4, 2, 0, 0]


def test_issue16_composition_and_class_charts_are_the_service_figures(client, guild):
    charts = charts_of(client.get("/roster-view", {"view": "composition"}))
    summary = composition_summary(roster_entries())

    header, *rows = charts["composition"]["rows"]
    assert header == ["Role", "Mains", "Target", "State"]
    assert [(r[0], int(r[1]), r[2]) for r in rows] == [
        (role.title, role.count, role.target_text) for role in summary.roles
    ]
    assert [r[3] for r in rows] == [
        "under target: 1 more wanted",  # 1 tank of 2
        "under target: 3 more wanted",  # 1 healer of 4-5
        "under target: 5 more wanted",
        "under target: 4 more wanted",
    ]
    assert [int(s["data-count"]) for s in charts["composition"]["shapes"]] == [
        role.count for role in summary.roles
    ]

    header, *rows = charts["classes"]["rows"]
    assert header == ["Class", "Mains"]
    assert [(r[0], int(r[1])) for r in rows] == [
        (c.playable_class.name, c.count) for c in summary.classes
    ]
    assert len(rows) == 13 and dict(rows)["Druid"] == "0"  # the alt is not counted
    assert [int(s["data-count"]) for s in charts["classes"]["shapes"]] == [
        c.count for c in summary.classes
    ]


def test_issue16_bench_shows_beyond_the_maximum(client):
    for n in range(4):
        roster_player(f"Tank{n}", (f"Wall{'x' * n}", "Warrior", "Protection"))
    html = client.get("/roster-view", {"view": "composition"}).content.decode()
    # 4 tanks against a target of 2, on a scale of 7 (the largest maximum, melee's).
    x, width = re.search(
        r'class="chart-bench" x="([\d.]+)" y="2" width="([\d.]+)"[^>]*data-bench="2"', html
    ).groups()
    assert float(x) == round(100 * 2 / 7, 2)
    assert float(x) + float(width) == pytest.approx(100 * 4 / 7, abs=0.01)
    assert "on target + 2 on bench" in html


def test_issue16_planner_day_cards_carry_each_days_role_counts(client, guild):
    client.force_login(officer())
    html = client.get("/raid-admin").content.decode()
    today = planner.raid_today()
    days = planner.planner_days(roster_entries(), today=today)

    cards = re.findall(r'<a class="day-card.*?</a>', html, re.S)
    assert len(cards) == 7
    for card, day in zip(cards, days, strict=True):
        drawn = {
            role: int(n) for role, n in re.findall(r'data-role="(\w+)" data-count="(\d+)"', card)
        }
        assert drawn == {r: n for r, n in day.role_counts.items() if n}
        words = ", ".join(
            f"{day.role_counts[r]} {p}"
            for r, p in zip(ROLE_ORDER, ("tanks", "healers", "melee", "ranged"), strict=True)
        )
        assert (
            f'<span class="visually-hidden" data-chart-text>{day.weekday_name} {day.short_date}: '
            f"{words} — {day.available_count} of 20</span>" in card
        )
    assert today + datetime.timedelta(days=1) == days[0].date


@pytest.mark.parametrize("view", ["availability", "composition"])
def test_issue16_chart_queries_are_constant(client, view, django_assert_max_num_queries):
    client.force_login(UserFactory())
    bulk_guild(5)
    with django_assert_max_num_queries(20) as small:
        client.get("/roster-view", {"view": view})
    bulk_guild(60, start=5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/roster-view", {"view": view})
    assert response.status_code == 200
