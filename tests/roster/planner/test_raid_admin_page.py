"""`/raid-admin` (ROS-30 … ROS-42, ROS-47, ROS-48): access, tabs, commands on the page, the POST
actions and the event creation through the django-q2 task against the fake Raid-Helper."""

import datetime
import itertools
import logging
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from django_q.conf import Conf

from patt.models import SiteConfig
from roster.defaults import EVENT_TEMPLATES
from roster.models import EventTemplate, RaidEvent
from roster.services import planner
from tests.factories import PlayerFactory, UserFactory, rank, spec
from tests.roster.planner.support import (
    EVENT_CHANNEL,
    LEADER_ID,
    SERVER_ID,
    SIGNUP_CHANNEL,
    VOICE_CHANNEL,
    bulk_roster,
    configure_raid_helper,
    officer,
    roster_player,
)
from tests.site.test_security import inline_code

pytestmark = pytest.mark.django_db

TABS = ["schedule", "status", "guild-event", "templates", "settings"]
CREATE_ROUTE = "/servers/{server_id}/channels/{channel_id}/event"
SIGNUP_ROUTE = "/events/{event_id}/signups"


@pytest.fixture
def q_sync(monkeypatch):
    """django-q2 reads Q_CLUSTER once, at import, into `Conf`: switch sync mode on there."""
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def officer_client(client):
    client.force_login(officer())
    return client


def days_ahead(n: int) -> datetime.date:
    return planner.raid_today(config=SiteConfig.get()) + datetime.timedelta(days=n)


def text(response) -> str:
    return response.content.decode()


# --- ROS-30 access --------------------------------------------------------------------------


def test_ros30_anonymous_goes_to_sign_in(client):
    response = client.get("/raid-admin")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/raid-admin"


@pytest.mark.parametrize("rank_name", ["Initiate", "Member", "Veteran"])
def test_ros30_non_officer_gets_themed_403(client, rank_name):
    client.force_login(officer(rank_name))
    response = client.get("/raid-admin")
    assert response.status_code == 403
    assert "<html" in text(response) and "Raid planner</h1>" not in text(response)
    assert client.post("/raid-admin", {"action": "reset_templates"}).status_code == 403


def test_ros30_user_without_player_gets_403(client):
    client.force_login(UserFactory())
    assert client.get("/raid-admin").status_code == 403


@pytest.mark.parametrize("rank_name", ["Officer", "Guild Leader"])
def test_ros30_officers_see_all_tabs(client, rank_name):
    client.force_login(officer(rank_name))
    page = text(client.get("/raid-admin"))
    for label in [
        "Schedule raid",
        "Roster status",
        "Create guild event",
        "Event templates",
        "Settings",
    ]:
        assert label in page


def test_ros30_superuser_counts_as_officer(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get("/raid-admin").status_code == 200


def test_ros30_inactive_officer_player_is_refused(client):
    user = UserFactory()
    PlayerFactory(user=user, guild_rank=rank("Officer"), is_active=False)
    client.force_login(user)
    assert client.get("/raid-admin").status_code in (302, 403)


# --- ROS-31 … ROS-37 on the schedule tab ----------------------------------------------------


def test_ros32_ros33_day_cards_and_selected_day(officer_client):
    target = days_ahead(2)
    roster_player("amy", "Death Knight", "Blood", days=(target.weekday(),), auto_signup=True)
    roster_player("bob", "Mage", "Fire", notes="Night shift")
    page = text(officer_client.get(f"/raid-admin?day={target.isoformat()}"))
    assert len(re.findall(r"<a class=\"day-card[ \"]", page)) == 7
    assert f'data-day="{target.isoformat()}"' in page
    assert '<span class="day-card-count">1 available</span>' in page
    assert 'data-rank="1"' in page and 'data-rank="2"' not in page
    assert "<strong data-available-count>1</strong>" in page
    assert "Night shift" in page  # ROS-33 reason
    assert ">Auto<" in page


def test_ros33_empty_tables_texts(officer_client):
    roster_player("amy", days=(0, 1, 2, 3, 4, 5, 6))
    page = text(officer_client.get("/raid-admin"))
    assert "Everyone available!" in page
    roster_player("bob", days=())
    page = text(officer_client.get(f"/raid-admin?day={days_ahead(1).isoformat()}"))
    assert "Everyone available!" not in page and "Not available" in page


def test_ros33_nobody_available_text_and_no_discord_links(officer_client):
    bonk = roster_player("bonk", discord=False)
    page = text(officer_client.get("/raid-admin"))
    assert "No one available" in page
    assert "0 of 0 available players have a Discord link (they will be signed up)" in page
    assert f'href="/admin/identity/player/{bonk.pk}/change/"' in page


def test_ros33_preview_channels_not_set_and_none(officer_client):
    page = text(officer_client.get("/raid-admin"))
    assert "<dt>Signup channel</dt><dd>Not set</dd>" in page
    assert "<dt>Voice channel</dt><dd>(none)</dd>" in page


@pytest.mark.parametrize("ahead", [1, 4])
def test_ros33_preview_time_is_the_raid_start_in_the_raid_timezone(officer_client, ahead):
    """Issue 11 item 11: "02:00 EST (America/New_York)" was shown for a 21:00 Eastern raid."""
    target = days_ahead(ahead)
    zone_name = datetime.datetime.combine(
        target, datetime.time(21, 0), tzinfo=ZoneInfo("America/New_York")
    ).tzname()
    page = text(officer_client.get(f"/raid-admin?day={target.isoformat()}"))
    assert f"<dt>Time</dt><dd>21:00 {zone_name} (America/New_York)</dd>" in page


def test_ros33_bad_day_parameter_gets_a_message_not_a_500(officer_client):
    response = officer_client.get("/raid-admin?day=2001-01-01")
    assert response.status_code == 200 and "Pick one of the next 7 days." in text(response)
    assert officer_client.get("/raid-admin?day=garbage&tab=nope").status_code == 200


def test_ros34_ros37_commands_in_copyable_boxes(officer_client):
    target = days_ahead(3)
    roster_player("amy", days=(target.weekday(),), auto_signup=True, wants_reminders=True)
    page = text(officer_client.get(f"/raid-admin?day={target.isoformat()}"))
    create = (
        f"/create title:Heroic Raid date:{target.isoformat()} time:21:00 duration:120 "
        "template:wowretail2"
    )
    assert (
        f'<pre class="command-text" id="cmd-create" tabindex="0" data-command>{create}</pre>'
        in page
    )
    assert 'data-copy-target="cmd-create"' in page
    assert "/adduser [EVENT_ID] @amy class:Druid spec:Ranged" in page
    assert "# Wants 5pm reminder (1): amy" in page
    assert re.search(r'id="cmd-mentions"[^>]*>&lt;@\d+&gt;</pre>', page)
    assert "1 " + f"{target:%A}" in page  # ROS-36 quick label starts with the rank


def test_ros35_no_roster_data_text(officer_client):
    assert "No signup commands (no roster data)" in text(officer_client.get("/raid-admin"))


# --- ROS-38 ---------------------------------------------------------------------------------


def test_ros38_roster_status_table(officer_client):
    roster_player("Zed", "Paladin", "Protection", auto_signup=True, rank_name="Veteran")
    roster_player("amy", discord=False)
    page = text(officer_client.get("/raid-admin?tab=status"))
    assert page.index(">Amy<") < page.index(">Zed<")  # sorted by Discord name
    assert '<td data-label="Class">Paladin</td>' in page  # issue 16: labelled for phone cards
    assert '<td data-label="Rank">Veteran</td>' in page
    assert re.search(r'role-tank"><svg class="role-icon".*?</svg>Tank<', page)


# --- ROS-41 / ROS-42 creating a raid-day event ----------------------------------------------


def test_ros41_button_disabled_with_missing_names_only(officer_client, settings):
    settings.RAID_HELPER_API_KEY = ""
    page = text(officer_client.get("/raid-admin"))
    assert (
        '<button type="submit" class="btn btn-primary" disabled>Configure: API key, server id, '
        "leader id, signup channel</button>" in page
    )
    configure_raid_helper()
    settings.RAID_HELPER_API_KEY = "k-secret-value"
    page = text(officer_client.get("/raid-admin"))
    assert "Create event in Discord</button>" in page and "Configure:" not in page
    assert "k-secret-value" not in page
    settings.RAID_HELPER_API_KEY = ""
    page = text(officer_client.get("/raid-admin?tab=guild-event"))
    assert (
        '<button type="submit" class="btn btn-primary" disabled>Configure: API key</button>' in page
    )


def test_ros41_post_refused_while_not_configured(officer_client, settings):
    settings.RAID_HELPER_API_KEY = ""
    response = officer_client.post(
        "/raid-admin",
        {"action": "create_raid_event", "day": days_ahead(1).isoformat(), "title": "Heroic Raid"},
    )
    assert response.status_code == 400
    assert "Configure: API key, server id, leader id, signup channel" in text(response)
    assert RaidEvent.objects.count() == 0


def post_raid(client, day, title="Heroic Raid", description="Roster auto-generated. 3 available."):
    return client.post(
        "/raid-admin",
        {
            "action": "create_raid_event",
            "day": day.isoformat(),
            "title": title,
            "description": description,
        },
    )


def test_ros42_ros43_ros44_create_raid_event_end_to_end(
    officer_client, fake_raid_helper, q_sync, django_capture_on_commit_callbacks
):
    configure_raid_helper(raid_channel_voice=VOICE_CHANNEL)
    target = days_ahead(2)
    wd = target.weekday()
    amy = roster_player("amy", "Paladin", "Holy", days=(wd,), auto_signup=True)
    bob = roster_player("bob", "Mage", "Frost", days=(wd,))
    cat = roster_player("cat", days=())
    roster_player("nolink", days=(wd,), discord=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_raid(officer_client, target)
    event = RaidEvent.objects.get()
    assert response.status_code == 302
    assert (
        response["Location"]
        == f"/raid-admin?tab=schedule&day={target.isoformat()}&event={event.pk}"
    )

    (create,) = fake_raid_helper.requests_to("POST", CREATE_ROUTE)
    assert create.path == f"/api/v4/servers/{SERVER_ID}/channels/{SIGNUP_CHANNEL}/event"
    assert create.body == {
        "leaderId": LEADER_ID,
        "templateId": "wowretail2",
        "date": f"{target.day}-{target.month}-{target.year}",
        "time": "21:00",
        "title": "Heroic Raid",
        "description": "Roster auto-generated. 3 available.",
        "duration": 120,
        "advancedSettings": {"voice_channel": VOICE_CHANNEL},
    }
    signups = fake_raid_helper.requests_to("POST", SIGNUP_ROUTE)
    assert [r.body for r in signups] == [
        {"userId": amy.discord_user.discord_id, "className": "Healer", "specName": "Holy1"},
        {"userId": bob.discord_user.discord_id, "className": "Tentative"},
        {"userId": cat.discord_user.discord_id, "className": "Absence"},
    ]
    assert all(b.at - a.at >= 0.2 for a, b in itertools.pairwise(signups))

    event.refresh_from_db()
    assert event.status == "created" and event.kind == "raid"
    assert event.event_url == (
        f"https://discord.com/channels/{SERVER_ID}/{SIGNUP_CHANNEL}/{event.raid_helper_event_id}"
    )
    assert (event.signups_ok, event.signups_attempted) == (3, 3)
    assert event.skipped_no_discord == ["Nolink"]
    local = event.starts_at.astimezone(planner.raid_zone())
    assert (local.date(), local.strftime("%H:%M")) == (target, "21:00")

    page = text(officer_client.get(response["Location"]))
    assert f'Event created: <a href="{event.event_url}"' in page
    assert "Added 3/3 signups." in page
    assert "skipped (no Discord link): Nolink" in page


def test_ros45_a_failed_signup_is_recorded_and_the_others_continue(
    officer_client, fake_raid_helper, q_sync, django_capture_on_commit_callbacks
):
    configure_raid_helper()
    holy = spec("Paladin", "Holy")
    holy.raid_helper_spec_name = "Bogus"
    holy.save()
    target = days_ahead(1)
    roster_player("amy", "Paladin", "Holy", days=(target.weekday(),), auto_signup=True)
    roster_player("bob", days=())
    with django_capture_on_commit_callbacks(execute=True):
        post_raid(officer_client, target)
    event = RaidEvent.objects.get()
    assert (event.status, event.signups_ok, event.signups_attempted) == ("created", 1, 2)
    assert event.signup_failures == [
        {"player": "amy", "className": "Healer", "status": 400, "error": "invalid specName"}
    ]
    page = text(officer_client.get(f"/raid-admin?event={event.pk}"))
    assert "Added 1/2 signups." in page and "amy (Healer): invalid specName" in page


def test_ros42_failed_create_shows_the_error(
    officer_client, fake_raid_helper, q_sync, django_capture_on_commit_callbacks, settings
):
    configure_raid_helper()
    settings.RAID_HELPER_API_KEY = "Bearer " + fake_raid_helper.api_key
    with django_capture_on_commit_callbacks(execute=True):
        post_raid(officer_client, days_ahead(1))
    event = RaidEvent.objects.get()
    assert (event.status, event.error) == (
        "failed",
        "Raid-Helper rejected the API key or server id.",
    )
    assert fake_raid_helper.requests_to("POST", SIGNUP_ROUTE) == []
    page = text(officer_client.get(f"/raid-admin?event={event.pk}"))
    assert "Raid-Helper rejected the API key or server id." in page


def test_ros43_missing_event_id_fails_the_event(
    officer_client, fake_raid_helper, q_sync, django_capture_on_commit_callbacks
):
    from tests.fakes.fake_raid_helper import Reply

    configure_raid_helper()
    fake_raid_helper.script("POST", CREATE_ROUTE, [Reply(200, {"ok": True})])
    with django_capture_on_commit_callbacks(execute=True):
        post_raid(officer_client, days_ahead(1))
    assert RaidEvent.objects.get().error == "Raid-Helper did not return an event id."


def test_ros42_pending_status_and_polling_partial(officer_client, fake_raid_helper):
    configure_raid_helper()
    response = post_raid(officer_client, days_ahead(1))  # on_commit not run: stays pending
    event = RaidEvent.objects.get()
    assert event.status == "pending"
    page = text(officer_client.get(response["Location"]))
    assert "Creating event..." in page and "data-event-status" in page
    partial = officer_client.get(f"/raid-admin?partial=event-status&event={event.pk}")
    assert partial.status_code == 200 and "Creating event..." in text(partial)
    assert "<html" not in text(partial)
    assert officer_client.get("/raid-admin?partial=event-status&event=999").status_code == 404
    huge = "9" * 30
    assert officer_client.get(f"/raid-admin?partial=event-status&event={huge}").status_code == 404
    assert officer_client.get(f"/raid-admin?event={huge}").status_code == 200


def test_ros42_second_create_refused_while_pending_or_just_created(
    officer_client, fake_raid_helper
):
    configure_raid_helper()
    target = days_ahead(1)
    post_raid(officer_client, target)
    response = post_raid(officer_client, target, title="heroic raid")
    assert response.status_code == 400
    assert "An event for this day was just created -- check Discord." in text(response)
    assert RaidEvent.objects.count() == 1
    event = RaidEvent.objects.get()
    RaidEvent.objects.filter(pk=event.pk).update(status="created", raid_helper_event_id="1")
    assert post_raid(officer_client, target).status_code == 400
    # created more than 2 minutes ago, or failed: allowed again
    RaidEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=3)
    )
    assert post_raid(officer_client, target).status_code == 302
    RaidEvent.objects.filter(status="pending").update(status="failed")
    assert post_raid(officer_client, target).status_code == 302
    # another title on the same day is another event
    assert post_raid(officer_client, target, title="Alt Raid").status_code == 302


def test_ros42_task_runs_once_per_event(fake_raid_helper):
    configure_raid_helper()
    from roster.tasks import create_raid_helper_event

    event = planner.queue_raid_event(
        kind="social",
        title="Social Night",
        description="",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        duration_minutes=60,
        template="wowretail2",
        channel_id=SIGNUP_CHANNEL,
    )
    assert "created" in create_raid_helper_event(event.pk)
    create_raid_helper_event(event.pk)
    assert len(fake_raid_helper.requests_to("POST", CREATE_ROUTE)) == 1
    assert fake_raid_helper.requests_to("POST", SIGNUP_ROUTE) == []  # ROS-44: raid days only
    assert create_raid_helper_event(99999) == "Raid event #99999 not found"


@pytest.mark.parametrize(
    ("title", "description", "day", "error"),
    [
        ("", "", 1, "Give the event a title."),
        ("x" * 101, "", 1, "Titles can be at most 100 characters."),
        ("T", "x" * 2001, 1, "Descriptions can be at most 2000 characters."),
        ("T", "", 30, "Pick one of the next 7 days."),
    ],
)
def test_ros42_invalid_raid_form_shows_errors_and_writes_nothing(
    officer_client, fake_raid_helper, title, description, day, error
):
    configure_raid_helper()
    response = post_raid(officer_client, days_ahead(day), title=title, description=description)
    assert response.status_code == 400 and error in text(response)
    assert RaidEvent.objects.count() == 0


# --- ROS-40 guild events ---------------------------------------------------------------------


def post_guild(client, **fields):
    data = {
        "action": "create_guild_event",
        "template": "pvp",
        "title": "PvP Night",
        "description": "Battlegrounds!",
        "date": days_ahead(3).isoformat(),
        "time": "18:00",
        "timezone": "America/Los_Angeles",
        "duration": "180",
        **fields,
    }
    return client.post("/raid-admin", data)


def test_ros40_guild_event_converted_and_created_without_signups(
    officer_client, fake_raid_helper, q_sync, django_capture_on_commit_callbacks
):
    configure_raid_helper(raid_channel_event_signup=EVENT_CHANNEL)
    roster_player("amy", days=(0, 1, 2, 3, 4, 5, 6), auto_signup=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_guild(officer_client)
    assert response.status_code == 302
    event = RaidEvent.objects.get()
    day = days_ahead(3)
    expected_start = datetime.datetime.combine(
        day, datetime.time(18), tzinfo=planner.ZoneInfo("America/Los_Angeles")
    )
    assert event.starts_at == expected_start
    assert (event.kind, event.duration_minutes, event.channel_id) == ("pvp", 180, EVENT_CHANNEL)
    (create,) = fake_raid_helper.requests_to("POST", CREATE_ROUTE)
    eastern = expected_start.astimezone(planner.ZoneInfo("America/New_York"))
    assert create.body["time"] == f"{eastern:%H:%M}" == "21:00"
    assert create.body["date"] == f"{eastern.day}-{eastern.month}-{eastern.year}"
    assert create.body["duration"] == 180 and create.body["title"] == "PvP Night"
    assert fake_raid_helper.requests_to("POST", SIGNUP_ROUTE) == []
    assert event.status == "created" or RaidEvent.objects.get().status == "created"
    page = text(officer_client.get(response["Location"]))
    assert "Event created:" in page and "signups" not in page.split("Event created:")[1][:200]


def test_ros40_past_start_is_refused(officer_client, fake_raid_helper):
    configure_raid_helper()
    response = post_guild(
        officer_client, date=(days_ahead(0) - datetime.timedelta(days=2)).isoformat()
    )
    assert response.status_code == 400 and "Pick a date and time in the future." in text(response)
    assert RaidEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"duration": "90"}, "Pick a duration of 1 to 4 hours."),
        ({"timezone": "Europe/Paris"}, "Pick a timezone."),
        ({"date": "19/03/2026"}, "Enter a date like 2026-03-19."),
        ({"time": "9pm"}, "Enter a time like 20:00."),
        ({"template": "nope"}, "Pick a template."),
        ({"date": "9999-12-31"}, "Pick a date within the next 12 months."),
        ({"title": "  "}, "Give the event a title."),
    ],
)
def test_ros40_guild_event_validation(officer_client, fake_raid_helper, fields, error):
    configure_raid_helper()
    response = post_guild(officer_client, **fields)
    assert response.status_code == 400 and error in text(response)
    assert RaidEvent.objects.count() == 0


def test_ros40_form_defaults_and_template_prefill(officer_client):
    page = text(officer_client.get("/raid-admin?tab=guild-event&template=mythic_plus"))
    assert 'value="Mythic+ Night"' in page
    assert '<option value="America/New_York" selected>Eastern</option>' in page
    assert 'data-title="PvP Night"' in page
    assert '<option value="120" selected>2 hours</option>' in page


# --- ROS-39 templates -----------------------------------------------------------------------


def test_ros39_edit_and_reset_templates(officer_client):
    response = officer_client.post(
        "/raid-admin",
        {
            "action": "save_template",
            "key": "pvp",
            "pvp-key": "pvp",
            "pvp-title": "Arena!",
            "pvp-description": "Bring snacks",
        },
    )
    assert response.status_code == 302
    assert EventTemplate.objects.get(key="pvp").title == "Arena!"
    page = text(officer_client.get("/raid-admin?tab=templates"))
    assert 'data-confirm="Reset all event templates to defaults?"' in page
    assert page.count('name="action" value="save_template"') == 7
    officer_client.post("/raid-admin", {"action": "reset_templates"})
    defaults = {key: (title, description) for key, _, _, title, description in EVENT_TEMPLATES}
    for template in EventTemplate.objects.all():
        assert (template.title, template.description) == defaults[template.key]


def test_ros39_invalid_template_edit_keeps_values(officer_client):
    response = officer_client.post(
        "/raid-admin",
        {
            "action": "save_template",
            "key": "pvp",
            "pvp-key": "pvp",
            "pvp-title": "",
            "pvp-description": "kept text",
        },
    )
    assert response.status_code == 400
    assert "Give the event a title." in text(response) and "kept text" in text(response)
    assert EventTemplate.objects.get(key="pvp").title == "PvP Night"
    unknown = officer_client.post("/raid-admin", {"action": "save_template", "key": "zzz"})
    assert unknown.status_code == 400
    assert officer_client.post("/raid-admin", {"action": "frobnicate"}).status_code == 400


# --- ROS-48 / ROS-49 settings ---------------------------------------------------------------


def test_ros48_test_connection_ok_and_error(officer_client, fake_raid_helper, settings):
    configure_raid_helper()
    fake_raid_helper.add_event()
    response = officer_client.post("/raid-admin", {"action": "test_connection"}, follow=True)
    assert "Connection OK (1 posted events)" in text(response)
    settings.RAID_HELPER_API_KEY = "wrong"
    response = officer_client.post("/raid-admin", {"action": "test_connection"}, follow=True)
    assert "Raid-Helper rejected the API key or server id." in text(response)


def test_ros48_test_connection_when_nothing_configured(officer_client, settings):
    settings.RAID_HELPER_API_KEY = ""
    response = officer_client.post("/raid-admin", {"action": "test_connection"}, follow=True)
    assert "Configure: API key, server id" in text(response)


def test_ros49_settings_tab_summary_links_to_admin(officer_client, settings):
    settings.RAID_HELPER_API_KEY = "top-secret-key-123"
    page = text(officer_client.get("/raid-admin?tab=settings"))
    assert "America/New_York" in page and "Heroic Raid" in page
    assert 'href="/admin/patt/siteconfig/1/change/"' in page
    assert "set (RAID_HELPER_API_KEY)" in page
    assert "top-secret-key-123" not in page


# --- ROS-47 the key never reaches a browser -------------------------------------------------


def test_ros47_key_never_in_any_response_or_log(
    officer_client, fake_raid_helper, q_sync, django_capture_on_commit_callbacks, caplog
):
    from tests.fakes.fake_raid_helper import Reply

    caplog.set_level(logging.DEBUG)
    key = fake_raid_helper.api_key
    configure_raid_helper()
    roster_player("amy", days=(0, 1, 2, 3, 4, 5, 6), auto_signup=True)
    fake_raid_helper.script("POST", SIGNUP_ROUTE, [Reply(500, {"error": key})] * 3)
    responses = [officer_client.get(f"/raid-admin?tab={tab}") for tab in TABS]
    with django_capture_on_commit_callbacks(execute=True):
        responses.append(post_raid(officer_client, days_ahead(1)))
    event = RaidEvent.objects.get()
    responses += [
        officer_client.get(f"/raid-admin?event={event.pk}"),
        officer_client.get(f"/raid-admin?partial=event-status&event={event.pk}"),
        officer_client.post("/raid-admin", {"action": "test_connection"}, follow=True),
        officer_client.get("/patt-config.json"),
        officer_client.get("/static/roster/raid-admin.js"),
        Client().get("/raid-admin"),
    ]
    fake_raid_helper.script("POST", CREATE_ROUTE, [Reply(400, {"error": "bad"})])
    with django_capture_on_commit_callbacks(execute=True):
        responses.append(post_raid(officer_client, days_ahead(2), title="Another"))
    for response in responses:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert key.encode() not in body
        assert all(key not in str(value) for value in response.headers.values())
    assert key not in caplog.text
    assert key not in str(list(RaidEvent.objects.values()))


# --- queries, CSP, CSRF ---------------------------------------------------------------------


@pytest.mark.parametrize("tab", TABS)
def test_raid_admin_queries_are_constant_10_vs_1000_players(
    client, tab, django_assert_max_num_queries
):
    client.force_login(officer())
    configure_raid_helper()
    bulk_roster(10, prefix="small")
    client.get("/raid-admin")  # the first request grants the officer staff access (ACC-36)
    with django_assert_max_num_queries(14) as small:
        assert client.get(f"/raid-admin?tab={tab}").status_code == 200
    bulk_roster(1000, prefix="large", first_id=10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(f"/raid-admin?tab={tab}")
    assert response.status_code == 200
    if tab == "schedule":
        assert "1010 available" in text(response)


@pytest.mark.parametrize("tab", TABS)
def test_raid_admin_has_no_inline_code(officer_client, tab, fake_raid_helper):
    configure_raid_helper()
    roster_player("amy", days=(0, 3), auto_signup=True, wants_reminders=True)
    post_raid(officer_client, days_ahead(1))
    assert inline_code(officer_client.get(f"/raid-admin?tab={tab}")) == []
    assert inline_code(officer_client.get("/raid-admin?partial=event-status&event=1")) == []


def test_raid_admin_posts_need_csrf():
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(officer())
    response = csrf_client.post("/raid-admin", {"action": "reset_templates"})
    assert response.status_code == 403
    page = text(csrf_client.get("/raid-admin?tab=templates"))
    forms = re.findall(r'<form method="post" action="/raid-admin".*?</form>', page, re.S)
    assert len(forms) == 8  # 7 template forms + reset
    assert all('name="csrfmiddlewaretoken"' in form for form in forms)
