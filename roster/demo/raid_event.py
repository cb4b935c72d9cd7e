"""The demo's next posted raid for `manage.py seed_demo` (ROS-42), so the signed-in landing
page's "member's week" (issue 16) has a raid to show: the next Tuesday or Thursday at the
guild's raid start time, in the raid time zone, marked created in Raid-Helper.

One row, found by its fixed demo event id. A second run while it is still ahead changes
nothing; once it has passed, the next run moves it to the next raid night.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from patt.models import SiteConfig
from roster.defaults import RAID_HELPER_TEMPLATE
from roster.models import RaidEvent, RaidEventStatus
from roster.services.planner import raid_zone

DEMO_EVENT_ID = "demo-next-raid"
DEMO_CHANNEL_ID = "100000000000000042"
RAID_WEEKDAYS = (1, 3)  # Tuesday and Thursday, the demo's busiest nights


@dataclass(frozen=True)
class RaidEventSeedResult:
    starts_at: datetime.datetime
    changed: bool

    @property
    def line(self) -> str:
        when = self.starts_at.astimezone(raid_zone()).strftime("%a %b %d %H:%M %Z")
        if not self.changed:
            return f"Demo raid event: the next raid ({when}) is posted already."
        return f"Demo raid event: the next raid is posted for {when}."


def next_raid_night(*, now: datetime.datetime, config: SiteConfig) -> datetime.datetime:
    """The first Tuesday or Thursday raid start after `now`, in the raid time zone."""
    zone = raid_zone(config)
    local = now.astimezone(zone)
    for offset in range(8):
        day = local.date() + datetime.timedelta(days=offset)
        if day.weekday() not in RAID_WEEKDAYS:
            continue
        start = datetime.datetime.combine(day, config.raid_start_time, tzinfo=zone)
        if start > now:
            return start
    raise AssertionError("a Tuesday or Thursday comes within 8 days")  # pragma: no cover


def seed_demo_raid_event(*, now: datetime.datetime | None = None) -> RaidEventSeedResult:
    now = now or timezone.now()
    existing = RaidEvent.objects.filter(raid_helper_event_id=DEMO_EVENT_ID).first()
    if existing is not None and existing.starts_at > now:
        return RaidEventSeedResult(existing.starts_at, changed=False)
    config = SiteConfig.get()
    starts_at = next_raid_night(now=now, config=config)
    fields = {
        "kind": RaidEvent.RAID,
        "title": f"{config.guild_name} raid night",
        "description": "Normal progression; bring flasks and food.",
        "starts_at": starts_at,
        "duration_minutes": 180,
        "template": RAID_HELPER_TEMPLATE,
        "channel_id": DEMO_CHANNEL_ID,
        "status": RaidEventStatus.CREATED,
        "event_url": f"https://raid-helper.dev/event/{DEMO_EVENT_ID}",
    }
    RaidEvent.objects.update_or_create(raid_helper_event_id=DEMO_EVENT_ID, defaults=fields)
    return RaidEventSeedResult(starts_at, changed=True)
