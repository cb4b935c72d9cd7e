"""The legacy platform's public guild JSON: `/api/v1/guild/ranks` and `/api/v1/guild/roster`
(issue 11 item 15): legacy shapes in the site envelope (ACC-3), public fields only, a constant
number of queries."""

import json

import pytest

from identity.models import GuildRank, WowCharacter
from patt.models import SiteConfig
from tests.factories import PlayerFactory, rank
from tests.roster.public.support import bulk_guild, roster_player

pytestmark = pytest.mark.django_db

URL_RANKS = "/api/v1/guild/ranks"
URL_ROSTER = "/api/v1/guild/roster"

CHARACTER_KEYS = {
    "character_id",
    "character_name",
    "realm_slug",
    "class_name",
    "spec_name",
    "role_name",
    "item_level",
    "armory_url",
}
PLAYER_KEYS = {
    "player_id",
    "display_name",
    "rank_name",
    "rank_level",
    "main_character",
    "characters",
}


# --- /api/v1/guild/ranks ----------------------------------------------------------------------


def test_ranks_legacy_shape_highest_first_public_fields_only(client):
    officer = rank("Officer")
    officer.discord_role_id = "123456789012345678"
    officer.description = "Runs raids"
    officer.save()

    response = client.get(URL_RANKS)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"ok", "data"} and body["ok"] is True
    expected = [
        {"id": r.pk, "name": r.name, "level": r.level, "description": r.description}
        for r in GuildRank.objects.order_by("-level")
    ]
    assert body["data"] == expected
    assert [r["name"] for r in body["data"]][:2] == ["Guild Leader", "Officer"]
    officer_data = {"id": officer.pk, "name": "Officer", "level": officer.level}
    assert {**officer_data, "description": "Runs raids"} in body["data"]
    assert "123456789012345678" not in response.content.decode()  # no Discord role id


def test_ranks_one_query_and_read_only(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert client.get(URL_RANKS).status_code == 200
    response = client.post(URL_RANKS)
    assert response.status_code == 405


# --- /api/v1/guild/roster ---------------------------------------------------------------------


@pytest.fixture
def guild():
    trog = roster_player(
        "Trog",
        ("Trogmoon", "Druid", "Balance"),
        ("Trogbear", "Druid", "Guardian"),
        notes="Private: out next week for surgery",
        discord="trogdiscord",
        guild_rank=rank("Guild Leader"),
    )
    WowCharacter.objects.filter(name="Trogmoon").update(item_level=642, officer_note="secret")
    zed = roster_player("zed", ("Zatañña", "Priest", None))
    zed.guild_rank = None
    zed.save()
    # ROS-1: not on the roster -> not listed
    PlayerFactory(display_name="Outsider")
    return {"trog": trog, "zed": zed}


def test_roster_legacy_shape(client, guild):
    response = client.get(URL_ROSTER)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"ok", "data"} and body["ok"] is True
    assert set(body["data"]) == {"players"}
    players = body["data"]["players"]
    assert [p["display_name"] for p in players] == ["Trog", "zed"]  # by display name
    trog = players[0]
    assert set(trog) == PLAYER_KEYS
    moon = WowCharacter.objects.get(name="Trogmoon")
    bear = WowCharacter.objects.get(name="Trogbear")
    main = {
        "character_id": moon.pk,
        "character_name": "Trogmoon",
        "realm_slug": "senjin",
        "class_name": "Druid",
        "spec_name": "Balance",
        "role_name": "Ranged",
        "item_level": 642,
        "armory_url": "https://worldofwarcraft.blizzard.com/en-us/character/us/senjin/trogmoon",
    }
    leader = rank("Guild Leader")
    assert trog == {
        "player_id": guild["trog"].pk,
        "display_name": "Trog",
        "rank_name": "Guild Leader",
        "rank_level": leader.level,
        "main_character": main,
        "characters": [
            {**main, "is_main": True},
            {
                "character_id": bear.pk,
                "character_name": "Trogbear",
                "realm_slug": "senjin",
                "class_name": "Druid",
                "spec_name": "Guardian",
                "role_name": "Tank",
                "item_level": None,
                "armory_url": (
                    "https://worldofwarcraft.blizzard.com/en-us/character/us/senjin/trogbear"
                ),
                "is_main": False,
            },
        ],
    }


def test_roster_player_without_rank_or_spec_and_accented_names(client, guild):
    zed = client.get(URL_ROSTER).json()["data"]["players"][1]
    assert zed["rank_name"] == "Unknown" and zed["rank_level"] == 0
    assert zed["main_character"]["spec_name"] is None
    assert zed["main_character"]["role_name"] == "Ranged"  # ROS-4 default
    assert zed["main_character"]["armory_url"].endswith("/us/senjin/zata%C3%B1%C3%B1a")


def test_roster_armory_url_follows_the_guild_region(client, guild):
    config = SiteConfig.get()
    config.guild_region = "eu"
    config.save()
    players = client.get(URL_ROSTER).json()["data"]["players"]
    assert "/character/eu/senjin/trogmoon" in players[0]["main_character"]["armory_url"]


def test_roster_has_public_fields_only(client, guild):
    """No Discord ids or names, no notes (raid notes, guild or officer notes), no availability."""
    text = client.get(URL_ROSTER).content.decode()
    trog = guild["trog"]
    assert trog.discord_user.discord_id not in text
    assert "trogdiscord" not in text
    assert "surgery" not in text and "secret" not in text
    body = json.loads(text)
    keys = set()
    for player in body["data"]["players"]:
        keys |= set(player)
        for character in [player["main_character"], *player["characters"]]:
            keys |= set(character)
    assert keys == PLAYER_KEYS | CHARACTER_KEYS | {"is_main"}


def test_roster_empty(client):
    assert client.get(URL_ROSTER).json() == {"ok": True, "data": {"players": []}}


def test_roster_read_only(client):
    assert client.post(URL_ROSTER).status_code == 405


def test_roster_queries_constant(client, django_assert_max_num_queries):
    """roster_entries() (3), ranks, item levels, site configuration: 6 whatever the size."""
    bulk_guild(10)
    with django_assert_max_num_queries(6):
        small = client.get(URL_ROSTER).json()["data"]["players"]
    assert len(small) == 10
    bulk_guild(200, start=10)
    with django_assert_max_num_queries(6):
        large = client.get(URL_ROSTER).json()["data"]["players"]
    assert len(large) == 210
    assert all(len(player["characters"]) == 3 for player in large)
