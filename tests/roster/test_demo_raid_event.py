"""seed_demo's next posted raid (ROS-42), so the landing page's member's week has one to show
(issue 16): the next Tuesday or Thursday raid start in the raid time zone, idempotent while it
is ahead, moved on once it has passed."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from roster.demo.raid_event import DEMO_EVENT_ID, seed_demo_raid_event
from roster.landing import raid_week
from roster.models import RaidEvent, RaidEventStatus
from tests.factories import PlayerFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def raid_clock(settings):
    from patt.models import SiteConfig

    config = SiteConfig.get()
    config.raid_timezone = "America/New_York"
    config.raid_start_time = datetime.time(21, 0)
    config.save()


def test_the_demo_posts_the_next_tuesday_or_thursday_raid_once():
    wednesday = datetime.datetime(2026, 12, 9, 12, 0, tzinfo=NEW_YORK)
    first = seed_demo_raid_event(now=wednesday)
    (event,) = RaidEvent.objects.filter(raid_helper_event_id=DEMO_EVENT_ID)
    assert event.starts_at == datetime.datetime(2026, 12, 10, 21, 0, tzinfo=NEW_YORK)  # Thursday
    assert (event.kind, event.status) == (RaidEvent.RAID, RaidEventStatus.CREATED)
    assert first.changed and "Thu Dec 10 21:00" in first.line

    again = seed_demo_raid_event(now=wednesday + datetime.timedelta(hours=3))
    assert not again.changed
    assert RaidEvent.objects.get(pk=event.pk).starts_at == event.starts_at


def test_a_passed_demo_raid_moves_to_the_next_raid_night():
    seed_demo_raid_event(now=datetime.datetime(2026, 12, 9, 12, 0, tzinfo=NEW_YORK))
    friday = datetime.datetime(2026, 12, 11, 9, 0, tzinfo=NEW_YORK)
    moved = seed_demo_raid_event(now=friday)
    assert moved.changed
    (event,) = RaidEvent.objects.filter(raid_helper_event_id=DEMO_EVENT_ID)
    assert event.starts_at == datetime.datetime(2026, 12, 15, 21, 0, tzinfo=NEW_YORK)  # Tuesday


def test_a_raid_night_already_started_today_is_not_the_next_one():
    thursday_late = datetime.datetime(2026, 12, 10, 21, 30, tzinfo=NEW_YORK)
    result = seed_demo_raid_event(now=thursday_late)
    assert result.starts_at == datetime.datetime(2026, 12, 15, 21, 0, tzinfo=NEW_YORK)


def test_the_members_week_shows_the_demo_raid(rf):
    seed_demo_raid_event()
    request = rf.get("/")
    request.user = UserFactory()
    PlayerFactory(user=request.user)
    week = raid_week(request)
    assert week is not None and week.next_raid is not None
    assert week.next_raid.raid_helper_event_id == DEMO_EVENT_ID
