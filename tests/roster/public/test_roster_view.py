"""`/roster-view`, the public raid roster dashboard (ROS-19 … ROS-29)."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patt.models import SiteConfig
from roster.views_public import band, best_days, percent
from tests.factories import UserFactory
from tests.roster.public.support import bulk_guild, roster_player
from tests.site.test_security import inline_code

pytestmark = pytest.mark.django_db

URL = "/roster-view"


def text(response) -> str:
    """The page's visible text, tags dropped and whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def panel(response) -> str:
    html = response.content.decode()
    start = html.index('id="roster-panel"')
    return html[start : html.index("</section>\n  </div>", start)]


@pytest.fixture
def small_roster():
    # Thursday (3), Friday (4), Saturday (5) are the popular days.
    roster_player("Trog", ("Trogmoon", "Druid", "Balance"), days=(3, 4, 5), discord="trog")
    roster_player("rocket", ("Rocketz", "Warrior", "Protection"), days=(3, 4), notes="Late shift")
    roster_player("Bonk", ("Bonk", "Death Knight", "Blood"), ("Bonkalt", "Mage", "Fire"), days=(3,))
    roster_player("Zed", ("Zatañña", "Priest", "Holy"), days=(3, 5, 6))


# --- ROS-19 / ROS-20 ------------------------------------------------------------------------


def test_ros19_public_header_and_sign_up_link(client, small_roster):
    response = client.get(URL)

    assert response.status_code == 200
    assert "Pull All The Things Raid Roster" in text(response)
    assert 'href="/roster"' in response.content.decode()
    assert "Sign up / update" in text(response)


@pytest.mark.parametrize(
    ("query", "tab"),
    [
        ("", "availability"),
        ("?view=availability", "availability"),
        ("?view=roster", "roster"),
        ("?view=composition", "composition"),
        ("?view=nonsense", "availability"),
        ("?view=", "availability"),
    ],
)
def test_ros19_view_parameter_picks_the_tab(client, small_roster, query, tab):
    response = client.get(URL + query)

    assert response.status_code == 200
    assert response.context["tab"] == tab
    assert f'class="roster-panel roster-panel-{tab}"' in response.content.decode()
    assert re.search(
        rf'class="tab" href="\?view={tab}"[^>]*aria-current="page"',
        response.content.decode(),
    )


def test_ros19_tabs_are_links(client):
    html = client.get(URL).content.decode()

    for tab in ("availability", "roster", "composition"):
        assert f'href="?view={tab}"' in html


def test_ros19_legacy_html_path_reaches_the_same_tab_links(client):
    # ROS-56 redirects /roster-view.html?view=composition here: the view parameter is the API.
    response = client.get(URL, {"view": "composition"})
    assert response.context["tab"] == "composition"


@pytest.mark.parametrize("view", ["availability", "roster", "composition"])
def test_ros20_empty_roster_message_on_every_tab(client, view):
    response = client.get(URL, {"view": view})

    assert response.status_code == 200
    assert "No one has joined the raid roster yet." in text(response)


def test_ros19_only_get_and_head(client):
    assert client.post(URL).status_code == 405


def test_acc54_roster_view_has_no_inline_code(client, small_roster):
    for query in ("", "?view=roster&mains=0", "?view=composition", "?day=thursday"):
        response = client.get(URL + query)
        assert inline_code(response) == [], query


# --- ROS-21 … ROS-23 availability -----------------------------------------------------------


def test_ros21_percent_rounds_half_up_and_bands():
    assert percent(2, 3) == 67
    assert percent(1, 3) == 33
    assert percent(1, 8) == 13  # 12.5 -> 13 (half up, not banker's rounding)
    assert percent(5, 8) == 63  # 62.5 -> 63
    assert percent(0, 0) == 0
    assert [band(p) for p in (100, 80, 79, 60, 59, 0)] == [
        "high",
        "high",
        "medium",
        "medium",
        "low",
        "low",
    ]


def test_ros21_one_bar_per_weekday_with_counts_percent_and_band(client, small_roster):
    response = client.get(URL)
    bars = response.context["bars"]

    assert [b.name for b in bars] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    assert [(b.available, b.total, b.percent, b.band) for b in bars] == [
        (0, 4, 0, "low"),
        (0, 4, 0, "low"),
        (0, 4, 0, "low"),
        (4, 4, 100, "high"),
        (2, 4, 50, "low"),
        (2, 4, 50, "low"),
        (1, 4, 25, "low"),
    ]
    html = response.content.decode()
    assert "4/4" in text(response)
    assert 'class="day-bar band-high" data-day="thursday"' in html
    assert re.search(r'<meter class="day-meter"[^>]*low="60" high="79"[^>]*value="100"', html)


def test_ros21_medium_band_between_60_and_79(client):
    for n in range(5):
        roster_player(f"P{n}", (f"Char{n}", "Mage", "Fire"), days=(0, 1) if n < 3 else (0,))
    bars = client.get(URL).context["bars"]

    assert (bars[0].percent, bars[0].band) == (100, "high")
    assert (bars[1].percent, bars[1].band) == (60, "medium")


def test_ros21_legend_and_raid_time_window(client, small_roster):
    page = text(client.get(URL))

    assert "80%+ available" in page
    assert "60-79%" in page
    assert "<60%" in page
    assert "9:00 pm - 11:00 pm Eastern" in page


def test_ros21_raid_window_follows_site_config(client, small_roster):
    import datetime

    config = SiteConfig.get()
    config.raid_start_time = datetime.time(19, 30)
    config.raid_duration_minutes = 180
    config.raid_timezone = "America/Los_Angeles"
    config.save()

    assert "7:30 pm - 10:30 pm Pacific" in text(client.get(URL))


def test_ros22_day_parameter_shows_whos_out_with_notes(client, small_roster):
    response = client.get(URL, {"view": "availability", "day": "friday"})
    page = text(response)

    assert "Friday — Who's out?" in page
    out = [(p.display_name, reason) for p, reason in response.context["players_out"]]
    assert out == [("Bonk", "No reason given"), ("Zed", "No reason given")]
    assert "Bonk No reason given" in page


def test_ros22_notes_are_the_reason(client, small_roster):
    response = client.get(URL, {"day": "Saturday"})

    assert ("rocket", "Late shift") in [
        (p.display_name, reason) for p, reason in response.context["players_out"]
    ]
    assert "rocket Late shift" in text(response)


def test_ros22_everyone_available(client, small_roster):
    page = text(client.get(URL, {"day": "thursday"}))

    assert "Thursday — Who's out?" in page
    assert "Everyone is available!" in page


def test_ros22_clicking_the_open_day_again_hides_it(client, small_roster):
    response = client.get(URL, {"day": "thursday"})
    html = response.content.decode()
    thursday = response.context["bars"][3]
    friday = response.context["bars"][4]

    assert thursday.selected and thursday.url == "?view=availability"
    assert friday.url == "?view=availability&day=friday"
    assert 'href="?view=availability" data-roster-link aria-expanded="true"' in html
    assert "Who's out?" not in text(client.get(URL))


def test_ros22_unknown_day_is_ignored(client, small_roster):
    response = client.get(URL, {"day": "funday"})

    assert response.status_code == 200
    assert "Who's out?" not in text(response)


def test_ros23_best_days_top_three_ties_monday_first():
    assert best_days([0, 0, 0, 4, 2, 2, 1]) == [3, 4, 5]
    assert best_days([1, 1, 1, 1, 0, 0, 0]) == [0, 1, 2]
    assert best_days([0, 0, 0, 0, 0, 0, 3]) == [6]
    assert best_days([0] * 7) == []


def test_ros23_best_days_sentence(client, small_roster):
    page = text(client.get(URL))

    assert "Based on current signups, your best options are: Thursday, Friday, Saturday" in page


def test_ros23_nobody_marked_any_day(client):
    roster_player("Trog", ("Trogmoon", "Druid", "Balance"), days=())

    assert "Nobody has marked any day yet." in text(client.get(URL))


# --- ROS-24 full roster ---------------------------------------------------------------------


def _rows(response):
    return [
        (r.display_name, r.character.character.name, r.character.class_spec_label)
        for r in response.context["rows"]
    ]


def test_ros24_mains_only_by_default_ordered_by_display_name(client, small_roster):
    response = client.get(URL, {"view": "roster"})

    assert _rows(response) == [
        ("Bonk", "Bonk", "Death Knight - Blood"),
        ("rocket", "Rocketz", "Warrior - Protection"),
        ("Trog", "Trogmoon", "Druid - Balance"),
        ("Zed", "Zatañña", "Priest - Holy"),
    ]
    assert "Mains only" in text(response)


def test_ros24_mains_0_shows_alts_after_the_main(client, small_roster):
    response = client.get(URL, {"view": "roster", "mains": "0"})

    assert _rows(response)[:2] == [
        ("Bonk", "Bonk", "Death Knight - Blood"),
        ("Bonk", "Bonkalt", "Mage - Fire"),
    ]
    assert len(_rows(response)) == 5


def test_ros24_cells_class_colour_role_badge_main_alt(client, small_roster):
    html = panel(client.get(URL, {"view": "roster", "mains": "0"}))

    assert '<span class="character-name class-death-knight">Bonk</span>' in html
    # Issue 16: the badge carries the role's icon (decorative) before its word.
    for key, label in (("tank", "Tank"), ("healer", "Healer"), ("ranged", "Ranged")):
        assert re.search(
            rf'<span class="badge role-badge role-{key}"><svg class="role-icon"[^>]*'
            rf'aria-hidden="true"[^>]*>.*?</svg>{label}</span>',
            html,
        ), key
    assert '<span class="badge main-alt is-main">Main</span>' in html
    assert '<span class="badge main-alt">Alt</span>' in html


def test_ros24_class_only_when_no_spec(client):
    roster_player("Nospec", ("Plain", "Warlock", None))

    assert _rows(client.get(URL, {"view": "roster"})) == [("Nospec", "Plain", "Warlock")]


def test_ros24_no_rows(client):
    assert "No characters registered yet" in text(client.get(URL, {"view": "roster"}))


# --- ROS-25 … ROS-29 composition ------------------------------------------------------------


def test_ros25_role_cards_with_need_and_state(client, small_roster):
    html = panel(client.get(URL, {"view": "composition"}))
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))

    assert "Tanks 2 Need: 2 on target" in page
    assert "Healers 1 Need: 4-5 short" in page
    assert "Melee 0 Need: 6-7 short" in page
    assert "Ranged 1 Need: 6-7 short" in page
    assert 'class="card role-card role-tank state-on_target"' in html
    assert 'class="card role-card role-healer state-short"' in html


def test_ros25_over_state(client):
    for n in range(3):
        roster_player(f"T{n}", (f"Tank{n}", "Warrior", "Protection"))

    assert 'class="card role-card role-tank state-over"' in panel(
        client.get(URL, {"view": "composition"})
    )


def test_ros26_class_distribution_dims_zero_classes(client, small_roster):
    html = panel(client.get(URL, {"view": "composition"}))

    assert html.count('class="class-chip ') == 13
    assert re.search(r'class="class-chip class-druid">.*?Druid.*?>1<', html)
    assert 'class="class-chip class-mage is-zero"' in html  # the alt is not counted


def test_ros27_gaps_shown_and_hidden(client, small_roster):
    page = text(client.get(URL, {"view": "composition"}))

    assert "Potential gaps" in page
    assert "Missing classes: Demon Hunter, Evoker, Hunter, Mage, Monk, Paladin, Rogue" in page
    assert "Need more healers (3 more)" in page
    assert "Could use more DPS (12 more for a full roster)" in page
    assert "Need more tanks" not in page


def test_ros29_wowhead_link_summary_and_not_exportable(client, small_roster):
    roster_player("Dev", ("Devvy", "Demon Hunter", "Devourer"))
    response = client.get(URL, {"view": "composition"})
    html = panel(response)

    url = "https://www.wowhead.com/raid-composition#0smBn;Bonk;Rocketz;Zata%C3%B1%C3%B1a;Trogmoon"
    assert f'href="{url}" target="_blank" rel="noopener"' in html
    page = text(response)
    assert "Ready to export 4 mains: 2T / 1H / 0M / 1R" in page
    assert "Could not export: Devourer Demon Hunter (Devvy) — add them manually on Wowhead." in page


def test_ros29_no_mains_to_export(client):
    response = client.get(URL, {"view": "composition"})

    assert "No mains to export yet" in text(response)
    assert "wowhead.com" not in response.content.decode()


# --- constant queries -----------------------------------------------------------------------


QUERIES = ["", "?day=monday", "?view=roster", "?view=roster&mains=0", "?view=composition"]


def _query_counts(client) -> dict[str, int]:
    client.get(URL)  # SiteConfig is cached per process after the first request (ACC-5)
    counts = {}
    for query in QUERIES:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL + query)
        assert response.status_code == 200
        counts[query] = len(captured)
    return counts


def test_ros19_constant_queries_10_vs_1000_players(
    client, django_assert_max_num_queries, monkeypatch
):
    # SiteConfig's per-process cache expires after 30 s; building 1,000 players on a busy
    # machine can take longer, which would add its query to one side only.
    monkeypatch.setattr("patt.models._LOCAL_TTL_SECONDS", 3600.0)
    bulk_guild(10)
    small = _query_counts(client)
    bulk_guild(990, start=10)  # 1,000 roster players, 3,000 roster characters
    large = _query_counts(client)

    assert small == large
    assert max(large.values()) <= 6
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"view": "roster", "mains": "0"})
    assert len(response.context["rows"]) == 3000


def test_ros19_constant_queries_signed_in(client, django_assert_max_num_queries):
    bulk_guild(20)
    client.force_login(UserFactory())

    with django_assert_max_num_queries(10):
        assert client.get(URL, {"view": "roster"}).status_code == 200
