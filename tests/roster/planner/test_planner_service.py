"""Day ranking, day details, commands and Raid-Helper payloads (ROS-31 … ROS-37, ROS-40,
ROS-43, ROS-44)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from patt.models import SiteConfig
from roster.services import planner
from roster.services.population import roster_entries
from tests.factories import spec
from tests.roster.planner.support import roster_player

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# Thursday 2026-03-19 02:30 UTC is still Wednesday 2026-03-18 22:30 in New York (EDT).
WEDNESDAY_NIGHT_UTC = datetime.datetime(2026, 3, 19, 2, 30, tzinfo=UTC)


def test_ros31_today_is_the_raid_timezone_date_not_the_utc_date():
    assert planner.raid_today(config=SiteConfig.get(), now=WEDNESDAY_NIGHT_UTC) == datetime.date(
        2026, 3, 18
    )


def test_ros31_next_seven_dates_exclude_today():
    dates = planner.planner_dates(datetime.date(2026, 3, 18))  # a Wednesday
    assert dates[0] == datetime.date(2026, 3, 19)
    assert dates[-1] == datetime.date(2026, 3, 25)  # Wednesday again: +7 days
    assert len(dates) == 7


def test_ros31_ros32_counts_ranks_ties_and_bars():
    roster_player("a", days=(3, 4))  # Thu, Fri
    roster_player("b", days=(3, 4))
    roster_player("c", days=(5,))  # Sat
    days = planner.planner_days(roster_entries(), today=datetime.date(2026, 3, 18))
    by_name = {d.short_weekday: d for d in days}
    assert [d.short_weekday for d in days] == ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    assert by_name["Thu"].short_date == "Mar 19"
    assert (by_name["Thu"].available_count, by_name["Thu"].unavailable_count) == (2, 1)
    # ties: the earlier date wins; only days with n > 0 are ranked
    assert [(d.short_weekday, d.rank) for d in days if d.rank] == [
        ("Thu", 1),
        ("Fri", 2),
        ("Sat", 3),
    ]
    assert by_name["Sun"].rank is None
    assert by_name["Thu"].bar_max == 2 and by_name["Sat"].available_count == 1


def test_ros32_no_one_available_no_ranks_and_bar_max_one():
    roster_player("a")
    days = planner.planner_days(roster_entries(), today=datetime.date(2026, 3, 18))
    assert all(d.rank is None and d.bar_max == 1 for d in days)


def test_ros33_role_counts_among_available_mains():
    roster_player("tank", "Death Knight", "Blood", days=(3,))
    roster_player("heal", "Priest", "Holy", days=(3,))
    roster_player("melee", "Rogue", "Outlaw", days=(3,))
    roster_player("ranged", "Mage", "Frost", days=(3,))
    roster_player("dk", "Death Knight", "Frost", days=(3,))
    roster_player("away", "Mage", "Fire", days=())
    (thursday,) = [
        d
        for d in planner.planner_days(roster_entries(), today=datetime.date(2026, 3, 18))
        if d.weekday == 3
    ]
    assert thursday.role_counts == {"tank": 1, "healer": 1, "melee": 2, "ranged": 1}


def test_ros34_create_line_exact_format():
    config = SiteConfig.get()
    assert planner.create_command(datetime.date(2026, 3, 19), config=config) == (
        "/create title:Heroic Raid date:2026-03-19 time:21:00 duration:120 template:wowretail2"
    )
    config.raid_start_time = datetime.time(8, 5)
    config.raid_duration_minutes = 90
    assert planner.create_command(datetime.date(2026, 1, 5), config=config) == (
        "/create title:Heroic Raid date:2026-01-05 time:08:05 duration:90 template:wowretail2"
    )


def test_ros35_signup_block_exact_text():
    roster_player("Zed", "Paladin", "Protection", days=(3,), auto_signup=True, wants_reminders=True)
    roster_player("amy", "Death Knight", "Unholy", days=(3,), auto_signup=True)
    roster_player("bob", "Priest", "Holy", days=(3,), wants_reminders=True)
    roster_player("cat", "Mage", "Fire", days=(4,), notes="Work")
    roster_player("nospec", "Warrior", None, days=(3,))
    expected = (
        "# Auto-signed up (2):\n"
        "/adduser [EVENT_ID] @amy class:Death Knight spec:Melee\n"
        "/adduser [EVENT_ID] @Zed class:Paladin spec:Tank\n"
        "\n"
        "# Tentative (2):\n"
        "/adduser [EVENT_ID] @bob class:Priest spec:Tentative\n"
        "/adduser [EVENT_ID] @nospec class:Warrior spec:Tentative\n"
        "\n"
        "# Marked absent (1):\n"
        "/adduser [EVENT_ID] @cat status:Absence\n"
        "\n"
        "# Wants 5pm reminder (2): bob, Zed\n"
    )
    assert planner.signup_block(roster_entries(), weekday=3) == expected


def test_ros35_sections_omitted_when_empty_and_no_roster_text():
    assert planner.signup_block([], weekday=3) == "No signup commands (no roster data)"
    roster_player("amy", days=())
    assert planner.signup_block(roster_entries(), weekday=3) == (
        "# Marked absent (1):\n/adduser [EVENT_ID] @amy status:Absence\n"
    )


def test_ros35_unknown_class_and_display_name_without_discord():
    roster_player("solo", discord=False, days=(3,))
    entries = roster_entries()
    entries[0].main.character.playable_class = None
    assert "@Solo class:Unknown spec:Tentative" in planner.signup_block(entries, weekday=3)


def test_ros36_quick_commands_for_the_top_three_days():
    roster_player("t", "Warrior", "Protection", days=(3, 4))
    roster_player("h", "Druid", "Restoration", days=(3,))
    roster_player("r", "Mage", "Arcane", days=(3, 5))
    days = planner.planner_days(roster_entries(), today=datetime.date(2026, 3, 18))
    quick = planner.quick_commands(days, config=SiteConfig.get())
    assert [q.label for q in quick] == [
        "1 Thursday Mar 19 (3: 1T/1H/0M/1R)",
        "2 Friday Mar 20 (1: 1T/0H/0M/0R)",
        "3 Saturday Mar 21 (1: 0T/0H/0M/1R)",
    ]
    assert quick[0].command.startswith("/create title:Heroic Raid date:2026-03-19 ")


def test_ros37_reminder_mentions_only_with_discord_id():
    a = roster_player("a", days=(3,), wants_reminders=True)
    roster_player("b", days=(3,), wants_reminders=True, discord=False)
    roster_player("c", days=(4,), wants_reminders=True)
    assert (
        planner.reminder_mentions(roster_entries(), weekday=3) == f"<@{a.discord_user.discord_id}>"
    )


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (datetime.date(2026, 1, 15), "21:00 EST (America/New_York)"),
        (datetime.date(2026, 7, 15), "21:00 EDT (America/New_York)"),
        (datetime.date(2026, 3, 8), "21:00 EDT (America/New_York)"),  # the day clocks go forward
        (datetime.date(2026, 11, 1), "21:00 EST (America/New_York)"),  # the day they go back
    ],
)
def test_ros33_preview_time_is_the_raid_start_in_the_raid_timezone(day, label):
    """Issue 11 item 11: the preview showed the UTC hour with the raid zone's name."""
    assert planner.raid_start_label(day, config=SiteConfig.get()) == label


def test_ros33_preview_time_follows_another_raid_timezone():
    config = SiteConfig.get()
    config.raid_timezone = "Europe/Berlin"
    config.raid_start_time = datetime.time(20, 30)
    assert planner.raid_start_label(datetime.date(2026, 7, 15), config=config) == (
        "20:30 CEST (Europe/Berlin)"
    )
    assert planner.raid_start_label(datetime.date(2026, 1, 15), config=config) == (
        "20:30 CET (Europe/Berlin)"
    )


@pytest.mark.parametrize(
    ("starts_at", "date", "time"),
    [
        (datetime.datetime(2026, 1, 6, 2, 0, tzinfo=UTC), "5-1-2026", "21:00"),  # EST
        (datetime.datetime(2026, 7, 6, 1, 0, tzinfo=UTC), "5-7-2026", "21:00"),  # EDT
        (datetime.datetime(2026, 11, 12, 2, 0, tzinfo=UTC), "11-11-2026", "21:00"),
    ],
)
def test_ros43_payload_date_d_m_yyyy_and_time_in_the_raid_timezone(starts_at, date, time):
    payload = planner.create_payload(
        starts_at=starts_at,
        title="Heroic Raid",
        description="d",
        duration_minutes=120,
        template="wowretail2",
        config=SiteConfig.get(),
    )
    assert (payload["date"], payload["time"], payload["duration"]) == (date, time, 120)
    assert "advancedSettings" not in payload


def test_ros43_voice_channel_adds_advanced_settings():
    config = SiteConfig.get()
    config.raid_channel_voice = "300000000000000002"
    config.raid_helper_leader_id = "195547238959677441"
    payload = planner.create_payload(
        starts_at=datetime.datetime(2026, 1, 6, 2, 0, tzinfo=UTC),
        title="T",
        description="",
        duration_minutes=60,
        template="wowretail2",
        config=config,
    )
    assert payload["advancedSettings"] == {"voice_channel": "300000000000000002"}
    assert payload["leaderId"] == "195547238959677441" and payload["templateId"] == "wowretail2"


def test_ros43_raid_day_description():
    assert planner.raid_day_description(12) == "Roster auto-generated. 12 available."


def test_ros44_signup_payloads():
    roster_player("auto", "Paladin", "Holy", days=(3,), auto_signup=True)
    roster_player("tent", "Mage", "Frost", days=(3,))
    roster_player("away", "Mage", "Frost", days=(4,), auto_signup=True)
    roster_player("nospec", "Warrior", None, days=(3,), auto_signup=True)
    roster_player("nolink", days=(3,), discord=False)
    signups, skipped = planner.planned_signups(roster_entries(), weekday=3)
    by_name = {s.entry.discord_name: s.payload for s in signups}
    ids = {s.entry.discord_name: s.entry.discord_id for s in signups}
    assert by_name["auto"] == {"userId": ids["auto"], "className": "Healer", "specName": "Holy1"}
    assert by_name["tent"] == {"userId": ids["tent"], "className": "Tentative"}
    assert by_name["away"] == {"userId": ids["away"], "className": "Absence"}
    assert by_name["nospec"] == {"userId": ids["nospec"], "className": "Tentative"}
    assert [e.discord_name for e in skipped] == ["Nolink"]


def test_ros44_blank_raid_helper_spec_name_falls_back_to_tentative():
    holy = spec("Paladin", "Holy")
    holy.raid_helper_spec_name = ""
    holy.save()
    roster_player("auto", "Paladin", "Holy", days=(3,), auto_signup=True)
    (signup,), _ = planner.planned_signups(roster_entries(), weekday=3)
    assert signup.payload["className"] == "Tentative" and "specName" not in signup.payload


@pytest.mark.parametrize(
    ("zone", "day", "at", "utc"),
    [
        ("America/Los_Angeles", datetime.date(2026, 3, 7), datetime.time(18), "2026-03-08T02:00"),
        ("America/Los_Angeles", datetime.date(2026, 3, 9), datetime.time(18), "2026-03-10T01:00"),
        ("America/Chicago", datetime.date(2026, 11, 1), datetime.time(1, 30), "2026-11-01T06:30"),
        ("America/Denver", datetime.date(2026, 7, 4), datetime.time(20), "2026-07-05T02:00"),
    ],
)
def test_ros40_wall_clock_start_converts_dst_aware(zone, day, at, utc):
    start = planner.local_start(day, at=at, zone_name=zone)
    assert start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") == utc


def test_ros40_a_time_skipped_by_the_clock_change_is_refused():
    with pytest.raises(ValidationError) as raised:
        planner.local_start(
            datetime.date(2026, 3, 8), at=datetime.time(2, 30), zone_name="America/New_York"
        )
    assert "doesn't exist" in raised.value.message_dict["time"][0]


def test_ros40_pacific_start_goes_to_raid_helper_in_eastern():
    start = planner.local_start(
        datetime.date(2026, 3, 9), at=datetime.time(18), zone_name="America/Los_Angeles"
    )
    payload = planner.create_payload(
        starts_at=start,
        title="PvP Night",
        description="",
        duration_minutes=60,
        template="wowretail2",
        config=SiteConfig.get(),
    )
    assert (payload["date"], payload["time"]) == ("9-3-2026", "21:00")
    assert start.astimezone(ZoneInfo("America/New_York")).hour == 21


def test_ros41_configure_names_only():
    config = SiteConfig.get()
    assert planner.configure_message(planner.missing_configuration(config)) == (
        "Configure: API key, server id, leader id, signup channel"
    )
    assert planner.configure_message([]) == ""
