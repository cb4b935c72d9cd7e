"""Legacy JSON endpoints under /api/v1/guild/ (ROS-59 … ROS-62)."""

import json

import pytest
from django.test import Client

from roster.models import PlayerAvailability, RaidPreferences, UpdatedVia
from roster.services.availability import availability_of
from tests.factories import PlayerFactory, UserFactory, rank
from tests.roster.public.support import bulk_guild, roster_player

pytestmark = pytest.mark.django_db

URL_DATA = "/api/v1/guild/roster-data"
URL_AVAILABILITY = "/api/v1/guild/availability"


@pytest.fixture
def roster():
    trog = roster_player(
        "Trog",
        ("Trogmoon", "Druid", "Balance"),
        ("Trogbear", "Druid", None),
        days=(3, 4, 5),
        auto_signup=True,
        discord="trog",
    )
    zed = roster_player("zed", ("Zatañña", "Priest", "Holy"), days=(0,), notes="Out Tuesdays")
    # ROS-1: preferences but no roster character -> not listed
    outsider = PlayerFactory(display_name="Outsider")
    RaidPreferences.objects.create(player=outsider)
    return {"trog": trog, "zed": zed}


def signed_in(rank_name="Member", *, player=None, superuser=False, csrf=False):
    user = UserFactory(is_superuser=superuser)
    if player is not None:
        player.user = user
        player.save()
    elif rank_name:
        PlayerFactory(user=user, guild_rank=rank(rank_name))
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


# --- ROS-59 roster-data ---------------------------------------------------------------------


def test_ros59_roster_data_legacy_shape(client, roster):
    body = client.get(URL_DATA).json()

    assert set(body) == {"success", "availability", "characters", "discordIds", "validationIssues"}
    assert body["success"] is True and body["validationIssues"] == []
    assert body["availability"] == [
        {
            "discord": "trog",
            "monday": False,
            "tuesday": False,
            "wednesday": False,
            "thursday": True,
            "friday": True,
            "saturday": True,
            "sunday": False,
            "notes": "",
            "autoSignup": True,
            "wantsReminders": False,
        },
        {
            "discord": "zed",
            "monday": True,
            "tuesday": False,
            "wednesday": False,
            "thursday": False,
            "friday": False,
            "saturday": False,
            "sunday": False,
            "notes": "Out Tuesdays",
            "autoSignup": False,
            "wantsReminders": False,
        },
    ]
    assert body["characters"] == [
        {
            "discord": "trog",
            "character": "Trogmoon",
            "class": "Druid",
            "spec": "Balance",
            "role": "Ranged",
            "mainAlt": "Main",
        },
        {
            "discord": "trog",
            "character": "Trogbear",
            "class": "Druid",
            "spec": "",
            "role": "Ranged",
            "mainAlt": "Alt",
        },
        {
            "discord": "zed",
            "character": "Zatañña",
            "class": "Priest",
            "spec": "Holy",
            "role": "Healer",
            "mainAlt": "Main",
        },
    ]


def test_ros59_days_without_a_row_are_false(client, roster):
    PlayerAvailability.objects.filter(player=roster["trog"]).delete()

    body = client.get(URL_DATA).json()

    assert not any(body["availability"][0][day] for day in ("thursday", "friday", "saturday"))


def test_ros59_discord_ids_only_for_officers(client, roster):
    trog_id = roster["trog"].discord_user.discord_id

    assert client.get(URL_DATA).json()["discordIds"] == {}
    assert signed_in("Veteran").get(URL_DATA).json()["discordIds"] == {}
    assert signed_in("Officer").get(URL_DATA).json()["discordIds"] == {"trog": trog_id}
    assert signed_in(None, superuser=True).get(URL_DATA).json()["discordIds"] == {"trog": trog_id}


def test_ros59_roster_data_queries_constant(client, django_assert_max_num_queries):
    bulk_guild(10)
    with django_assert_max_num_queries(4):
        small = client.get(URL_DATA).json()
    bulk_guild(200, start=10)
    with django_assert_max_num_queries(4):
        large = client.get(URL_DATA).json()
    assert (len(small["availability"]), len(large["availability"])) == (10, 210)
    assert len(large["characters"]) == 630


# --- ROS-60 GET availability ----------------------------------------------------------------


def test_ros60_get_availability_envelope(client, roster):
    body = client.get(URL_AVAILABILITY).json()

    assert body["ok"] is True
    assert [row["discord"] for row in body["data"]] == ["trog", "zed"]
    assert body["data"][1]["notes"] == "Out Tuesdays"


def test_ros60_get_availability_queries_constant(client, django_assert_max_num_queries):
    bulk_guild(10)
    with django_assert_max_num_queries(4):
        client.get(URL_AVAILABILITY)
    bulk_guild(200, start=10)
    with django_assert_max_num_queries(4):
        assert len(client.get(URL_AVAILABILITY).json()["data"]) == 210


# --- ROS-61 POST availability ---------------------------------------------------------------


def post(client, body, **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL_AVAILABILITY, data, content_type="application/json", **extra)


def test_ros61_anonymous_gets_401(client):
    response = post(client, {"notes": "hi"})

    assert response.status_code == 401
    assert response.json() == {"ok": False, "error": "Sign in required."}


def test_ros61_csrf_header_required(roster):
    client = signed_in(player=roster["trog"], csrf=True)

    refused = post(client, {"notes": "hi"})
    assert refused.status_code == 403 and refused.json()["ok"] is False
    assert RaidPreferences.objects.get(player=roster["trog"]).notes == ""

    client.get("/roster-view")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = post(client, {"notes": "hi"}, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200, accepted.content


def test_ros61_own_availability_replaces_all_days_and_sets_api(roster):
    client = signed_in(player=roster["trog"])

    response = post(
        client, {"availability": {"Monday": True, "TUESDAY": True, "friday": False}, "notes": " x "}
    )

    assert response.status_code == 200
    assert response.json() == {"ok": True, "message": "Availability updated."}
    days, prefs = availability_of(roster["trog"])
    assert days == [True, True, False, False, False, False, False]
    assert (prefs.notes, prefs.auto_signup, prefs.updated_via) == ("x", True, UpdatedVia.API)


def test_ros61_only_keys_present_change(roster):
    client = signed_in(player=roster["trog"])

    post(client, {"wantsReminders": True})

    days, prefs = availability_of(roster["trog"])
    assert days == [False, False, False, True, True, True, False]
    assert (prefs.auto_signup, prefs.wants_reminders) == (True, True)


def test_ros61_own_discord_name_any_case(roster):
    client = signed_in(player=roster["trog"])

    assert post(client, {"discordName": "TROG", "autoSignup": False}).status_code == 200
    assert RaidPreferences.objects.get(player=roster["trog"]).auto_signup is False


def test_ros61_creates_preferences_when_missing():
    player = PlayerFactory(display_name="Newcomer", guild_rank=rank("Member"))
    client = signed_in(player=player)

    assert post(client, {"availability": {"sunday": True}}).status_code == 200
    days, prefs = availability_of(player)
    assert days[6] is True and prefs.updated_via == UpdatedVia.API


def test_ros61_someone_else_needs_an_officer(roster):
    member = signed_in("Member")

    response = post(member, {"discordName": "zed", "notes": "hacked"})

    assert response.status_code == 403
    assert response.json()["error"] == "You can only update your own availability."
    assert RaidPreferences.objects.get(player=roster["zed"]).notes == "Out Tuesdays"


def test_ros61_officer_updates_another_member(roster):
    officer = signed_in("Officer")

    response = post(officer, {"discordName": "Zed", "availability": {"thursday": True}})

    assert response.status_code == 200
    assert availability_of(roster["zed"])[0] == [False, False, False, True, False, False, False]


def test_ros61_unknown_member_is_404(roster):
    response = post(signed_in("Officer"), {"discordName": "nobody"})

    assert response.status_code == 404
    assert response.json() == {"ok": False, "error": "Member 'nobody' not found"}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"availability": {"funday": True}}, "Unknown day 'funday'"),
        ({"availability": {"thursday": "yes"}}, "'thursday' must be true or false"),
        ({"availability": {"Thursday": 1}}, "'thursday' must be true or false"),
        ({"autoSignup": "true"}, "'autoSignup' must be true or false"),
        ({"notes": "x" * 501}, "Notes can be at most 500 characters."),
        ({"notes": 5}, "'notes' must be a string."),
        ({"availability": ["monday"]}, None),
        ("not json", "Request body must be a JSON object."),
        ([1, 2], "Request body must be a JSON object."),
    ],
)
def test_ros61_bad_input_is_400_and_all_or_nothing(roster, body, error):
    client = signed_in(player=roster["trog"])
    before = availability_of(roster["trog"])
    if isinstance(body, dict):
        body = {"availability": {"monday": True}, "autoSignup": False, **body}

    response = post(client, body)

    assert response.status_code == 400
    assert response.json()["ok"] is False
    if error:
        assert response.json()["error"] == error
    days, prefs = availability_of(roster["trog"])
    assert days == before[0] and prefs.auto_signup is True and prefs.updated_via == "website"


def test_ros61_signed_in_without_player_is_refused():
    client = signed_in(None)

    response = post(client, {"notes": "hi"})

    assert response.status_code == 403
    assert response.json()["ok"] is False


# --- ROS-62 retired endpoints ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "page"),
    [
        ("post", "/api/v1/guild/roster-submit", "/roster"),
        ("get", "/api/v1/guild/roster-submit", "/roster"),
        ("get", "/api/v1/guild/mito", "/mitos-corner"),
        ("get", "/api/v1/guild/mitoQuotes", "/mitos-corner"),
        ("post", "/api/v1/guild/mito-quotes/add", "/mitos-corner"),
        ("delete", "/api/v1/guild/mitoTitles/3", "/mitos-corner"),
    ],
)
def test_ros62_retired_endpoints_answer_410(method, path, page):
    client = Client(enforce_csrf_checks=True)

    response = getattr(client, method)(path)

    assert response.status_code == 410
    assert response.json() == {"ok": False, "error": f"This endpoint was retired; use {page}."}
