"""The signed-in member's week on the landing page (issue 16 item 2; ACC-47, ACC-48, ROS-6,
ROS-44): the next posted raid, the coming seven days' availability as an SVG chart with its
words, the sign-up for the next raid and the votes waiting."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patt.memo import clear_memos
from roster.models import RaidEvent, RaidEventStatus
from roster.services.availability import save_availability
from roster.services.planner import raid_start, raid_today, raid_zone
from tests.campaigns.factories import live_campaign
from tests.campaigns.pages.support import vote
from tests.factories import PlayerFactory, UserFactory, rank

pytestmark = pytest.mark.django_db


def _member(rank_name="Veteran"):
    user = UserFactory()
    player = PlayerFactory(display_name="Rocket", user=user, guild_rank=rank(rank_name))
    return user, player


def _raid(days_ahead: int, *, status=RaidEventStatus.CREATED, kind=RaidEvent.RAID, title="Heroic"):
    day = raid_today() + datetime.timedelta(days=days_ahead)
    return RaidEvent.objects.create(
        kind=kind,
        title=title,
        starts_at=raid_start(day),
        duration_minutes=180,
        template="wowretail2",
        channel_id="123456789012345678",
        status=status,
        raid_helper_event_id="42" if status == RaidEventStatus.CREATED else "",
        event_url="https://discord.com/channels/1/2/42",
    )


def _available(player, days, *, auto=True):
    save_availability(
        player, days=days, auto_signup=auto, wants_reminders=False, notes="", via="website"
    )


def _week(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.context["raid_week"], response.content.decode()


def _strip(html: str) -> str:
    match = re.search(r'<section class="card member-week wide".*?</section>', html, re.S)
    assert match, "the member's week is on the page"
    return match[0]


def test_issue16_visitor_sees_no_week_strip(client):
    _raid(2)
    response = client.get("/")

    assert response.context["raid_week"] is None
    assert response.context["votes_waiting"] == []
    assert "member-week" not in response.content.decode()


def test_issue16_ros44_available_with_auto_signup_is_signed_up_for_the_next_raid(client):
    user, player = _member()
    raid = _raid(2, title="Heroic Liberation")
    _raid(1, status=RaidEventStatus.FAILED)  # never posted: not the next raid
    _raid(1, kind="mythic-plus")  # a guild event, not a raid
    local_weekday = (raid_today() + datetime.timedelta(days=2)).weekday()
    _available(player, [local_weekday, (local_weekday + 3) % 7], auto=True)

    week, html = _week(client, user)

    assert week.next_raid == raid
    assert week.signup == "signed_up"
    strip = _strip(html)
    assert "Heroic Liberation" in strip
    weekday_name = f"{raid_today() + datetime.timedelta(days=2):%A}"
    assert f"You&#x27;re signed up for {weekday_name}&#x27;s raid." in strip
    assert 'data-signup="signed_up"' in strip
    assert "UTC" in re.search(r'<p class="week-raid-time muted">(.*?)</p>', strip, re.S)[1]
    local = raid.starts_at.astimezone(raid_zone())
    assert (
        f'<p class="week-raid-local">{weekday_name} {local:%b} {local.day}, 21:00 '
        f"{local.tzname()}</p>" in strip
    )


def test_issue16_week_chart_numbers_match_the_service(client):
    """The SVG's available days and raid nights, its title and its word list are the service's
    figures (the chart's text alternative)."""
    user, player = _member()
    _raid(1)
    _raid(4)
    _raid(9)  # beyond the seven days: not marked
    today = raid_today()
    picked = sorted({(today + datetime.timedelta(days=n)).weekday() for n in (0, 1, 5)})
    _available(player, picked)

    week, html = _week(client, user)
    strip = _strip(html)

    assert [day.date for day in week.days] == [today + datetime.timedelta(days=n) for n in range(7)]
    assert week.available_count == 3
    assert week.raid_count == 2
    assert [day.raid for day in week.days] == [n in (1, 4) for n in range(7)]
    assert [day.available for day in week.days] == [n in (0, 1, 5) for n in range(7)]
    chart = re.search(r'<svg class="week-chart".*?</svg>', strip, re.S)[0]
    assert chart.count("week-day is-available") == week.available_count
    assert chart.count('class="week-day-raid"') == week.raid_count
    assert chart.count("<g class=") == 7
    title = re.search(r"<title id=\"week-chart-title\">(.*?)</title>", chart)[1]
    assert title == "Your next 7 days: available on 3, 2 raid nights posted"
    assert 'aria-labelledby="week-chart-title"' in chart
    words = re.findall(r"<li>(.*?)</li>", re.search(r"data-week-days>(.*?)</ul>", strip, re.S)[1])
    assert words == [day.words for day in week.days]
    first = today
    assert words[0] == f"{first:%A} {first:%b} {first.day}: available"
    assert words[1].endswith(": available, raid night")
    assert words[4].endswith(": not available, raid night")


@pytest.mark.parametrize(
    ("available_on_raid_day", "auto", "expected", "text"),
    [
        (True, False, "tentative", "tentative for"),
        (False, True, "absent", "marked unavailable on"),
    ],
)
def test_issue16_ros44_tentative_and_absent(client, available_on_raid_day, auto, expected, text):
    user, player = _member()
    raid = _raid(3)
    raid_weekday = (raid_today() + datetime.timedelta(days=3)).weekday()
    other = (raid_weekday + 1) % 7
    _available(player, [raid_weekday] if available_on_raid_day else [other], auto=auto)

    week, html = _week(client, user)

    assert week.next_raid == raid
    assert week.signup == expected
    assert text in _strip(html)


def test_issue16_no_availability_saved_asks_to_set_it(client):
    user, _ = _member()
    _raid(2)

    week, html = _week(client, user)
    strip = _strip(html)

    assert week.signup == "unset"
    assert "You haven&#x27;t set your raid availability yet." in strip
    assert 'href="/roster#availability">Set your availability</a>' in strip
    assert "week-chart" not in strip


def test_issue16_no_raid_posted(client):
    user, player = _member()
    _available(player, [0, 2])
    _raid(-1)  # yesterday's raid is over

    week, html = _week(client, user)
    strip = _strip(html)

    assert week.next_raid is None
    assert week.signup == "no_raid"
    assert "No raid posted yet." in strip
    assert "You&#x27;re available 2 of the next 7 days; no raid is posted yet." in strip


def test_issue16_votes_waiting_are_live_campaigns_the_member_may_vote_in_and_has_not(client):
    user, player = _member("Veteran")
    waiting = live_campaign(title="Portrait contest")
    voted = live_campaign(title="Transmog contest", early_close_if_all_voted=False)
    vote(voted, player, "A", "B", "C")
    live_campaign(title="Officers only", min_rank_to_vote=rank("Officer"))

    client.force_login(user)
    response = client.get("/")
    strip = _strip(response.content.decode())

    assert [card.campaign for card in response.context["votes_waiting"]] == [waiting]
    assert '<span class="votes-waiting-number">1</span> vote waiting for you' in strip
    assert f'<a href="/vote/{waiting.pk}">Portrait contest</a>' in strip
    assert "Transmog contest" not in strip


def test_issue16_no_vote_waiting(client):
    user, _ = _member()

    client.force_login(user)
    strip = _strip(client.get("/").content.decode())

    assert "You're all caught up — no vote is waiting for you." in strip


def test_issue16_acc48_week_strip_queries_do_not_grow(client):
    user, player = _member()
    _available(player, [1, 3])
    _raid(1)
    live_campaign(title="One")
    client.force_login(user)
    client.get("/")
    clear_memos()  # both measurements read the kept page data afresh (patt.memo)
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for n in range(2, 9):
        _raid(n)
    for title in ("Two", "Three", "Four"):
        live_campaign(title=title)
    clear_memos()
    with CaptureQueriesContext(connection) as many:
        response = client.get("/")

    assert len(response.context["votes_waiting"]) == 4
    assert len(many.captured_queries) == len(few.captured_queries)
