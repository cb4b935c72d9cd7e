"""Legacy pages and `/patt-config.json` (ROS-56 … ROS-58)."""

import datetime

import pytest

from patt.models import SiteConfig

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/roster.html", "/roster"),
        ("/roster-view.html", "/roster-view"),
        ("/raid-admin.html", "/raid-admin"),
        ("/mitos-corner.html", "/mitos-corner"),
    ],
)
def test_ros56_legacy_pages_redirect_permanently(client, old, new):
    response = client.get(old)

    assert response.status_code == 301
    assert response["Location"] == new


def test_ros56_query_string_is_kept(client):
    response = client.get("/roster-view.html?view=composition&mains=0")

    assert response.status_code == 301
    assert response["Location"] == "/roster-view?view=composition&mains=0"
    assert client.get(response["Location"]).status_code == 200


def test_ros57_patt_config_values_and_cache(client, settings):
    settings.ALLOWED_HOSTS = ["patt.example"]
    config = SiteConfig.get()
    config.raid_default_title = "Heroic Raid"
    config.raid_start_time = datetime.time(20, 30)
    config.raid_duration_minutes = 150
    config.raid_channel_signup = "111111111111111111"
    config.raid_channel_voice = "222222222222222222"
    config.raid_helper_server_id = "333333333333333333"
    config.save()

    response = client.get("/patt-config.json", HTTP_HOST="patt.example")

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"
    assert response.json() == {
        "scriptUrl": "http://patt.example/api/v1/guild/roster-data",
        "raidDefaults": {
            "title": "Heroic Raid",
            "time": "20:30",
            "duration": 150,
            "template": "wowretail2",
        },
        "channels": {
            "signup": "111111111111111111",
            "eventSignup": "",
            "voice": "222222222222222222",
            "announcement": "",
            "pug": "",
            "notification": "",
        },
        "serverId": "333333333333333333",
        "leaderId": "",
    }


def test_ros57_script_url_follows_https(client, settings):
    settings.ALLOWED_HOSTS = ["patt.example"]

    body = client.get("/patt-config.json", HTTP_HOST="patt.example", secure=True).json()

    assert body["scriptUrl"] == "https://patt.example/api/v1/guild/roster-data"
    path = body["scriptUrl"].removeprefix("https://patt.example")
    assert client.get(path, HTTP_HOST="patt.example", secure=True).status_code == 200


def test_ros58_patt_config_has_exact_keys_and_no_secret(client, settings):
    settings.RAID_HELPER_API_KEY = "sekrit-raid-helper-key-123"

    response = client.get("/patt-config.json")
    body = response.json()

    assert set(body) == {"scriptUrl", "raidDefaults", "channels", "serverId", "leaderId"}
    assert set(body["raidDefaults"]) == {"title", "time", "duration", "template"}
    assert set(body["channels"]) == {
        "signup",
        "eventSignup",
        "voice",
        "announcement",
        "pug",
        "notification",
    }
    assert "sekrit-raid-helper-key-123" not in response.content.decode()
    assert settings.SECRET_KEY not in response.content.decode()
