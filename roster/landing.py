"""The roster's part of the landing page: the Recruiting block (ACC-47 #5, ROS-28).

The lines use the same role rules (ROS-3, ROS-4) and role cards as the Composition tab of
`/roster-view`, so the page and the landing block never disagree; the landing page reads the
mains as plain values (`main_role_counts`), which stays fast for a guild of any size. Constant
queries: the roster links (one; specs and roles add two when anyone is on the roster);
SiteConfig is cached per process.

Also the roster's part of the signed-in member's week (issue 16 item 2): the next posted raid,
the member's availability for the coming seven days and whether they are signed up (ROS-6,
ROS-44); two queries.
"""

import datetime
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from identity.services.viewer import viewer_player
from patt.memo import memo
from roster.models import PlayerAvailability, RaidEvent, RaidEventStatus, RaidPreferences
from roster.services.composition import recruiting_needs, role_targets
from roster.services.planner import raid_today, raid_zone
from roster.services.population import main_role_counts


@memo(
    cleared_by=(
        "identity.PlayerCharacter",
        "identity.Player",
        "identity.WowCharacter",
        "identity.Specialization",
        "identity.Role",
        "roster.RaidPreferences",
        "patt.SiteConfig",
    )
)
def recruiting_needs_lines() -> list[str]:
    """ROS-28: the roles below their minimum, e.g. "Healers — we have 3, want 4-5".

    While nobody has joined the raid roster the counts say nothing about the guild (every
    role would read "we have 0"), so the block keeps its friendly fallback line instead.
    The same lines for every visitor: kept per process for 30 s and dropped when this process
    writes a model they are read from (`patt.memo`; a roster sync's bulk writes show within
    the 30 s).
    """
    counts = main_role_counts()
    if not any(counts.values()):
        return []
    return recruiting_needs(role_targets(counts))


# --- the member's week (issue 16 item 2) ----------------------------------------------------

WEEK_DAYS = 7
RAIDS_LOOKED_AT = 8  # the next raid and the raid nights of the coming week, one query

SIGNED_UP = "signed_up"
TENTATIVE = "tentative"
ABSENT = "absent"
UNSET = "unset"
NO_RAID = "no_raid"


@dataclass(frozen=True)
class WeekDay:
    """One day of the member's coming week: their availability and whether a raid is posted."""

    date: datetime.date
    available: bool
    raid: bool

    @property
    def short(self) -> str:
        return f"{self.date:%a}"

    @property
    def long(self) -> str:
        return f"{self.date:%A} {self.date:%b} {self.date.day}"

    @property
    def words(self) -> str:
        """The day read aloud: "Thursday Mar 5: available, raid night"."""
        parts = ["available" if self.available else "not available"]
        if self.raid:
            parts.append("raid night")
        return f"{self.long}: {', '.join(parts)}"


@dataclass(frozen=True)
class RaidWeek:
    """The roster's part of the landing page's "your week" strip (issue 16 item 2).

    `next_raid` is the next posted raid (a created `RaidEvent` of kind "raid"); `days` are the
    seven dates from today in the raid timezone with the member's availability (ROS-6) and the
    posted raids; `signup` is what Raid-Helper makes of the member for the next raid (ROS-44):
    available with auto sign-up -> signed up, available without -> tentative, not available ->
    absent; no availability saved at all -> unset.
    """

    next_raid: RaidEvent | None
    days: list[WeekDay]
    signup: str
    auto_signup: bool
    has_availability: bool

    @property
    def available_count(self) -> int:
        return sum(1 for day in self.days if day.available)

    @property
    def raid_count(self) -> int:
        return sum(1 for day in self.days if day.raid)

    @property
    def signed_up(self) -> bool:
        return self.signup == SIGNED_UP

    @property
    def next_raid_day(self) -> str:
        if self.next_raid is None:
            return ""
        local = self.next_raid.starts_at.astimezone(raid_zone())
        return f"{local:%A}"

    @property
    def next_raid_local(self) -> str:
        """The next raid in the raid timezone, the guild's own clock: "Wednesday Dec 9, 21:00
        EST" (the UTC time and the viewer's own follow it on the page, ACC-4)."""
        if self.next_raid is None:
            return ""
        local = self.next_raid.starts_at.astimezone(raid_zone())
        return f"{local:%A} {local:%b} {local.day}, {local:%H:%M} {local.tzname()}"

    @property
    def signup_text(self) -> str:
        day = self.next_raid_day
        if self.signup == UNSET:
            return "You haven't set your raid availability yet."
        if self.signup == NO_RAID:
            return (
                f"You're available {self.available_count} of the next {WEEK_DAYS} days; "
                "no raid is posted yet."
            )
        if self.signup == SIGNED_UP:
            return f"You're signed up for {day}'s raid."
        if self.signup == TENTATIVE:
            return f"You're tentative for {day}'s raid (auto sign-up is off)."
        return f"You're marked unavailable on {day}."

    @property
    def chart_title(self) -> str:
        return (
            f"Your next {WEEK_DAYS} days: available on {self.available_count}, "
            f"{self.raid_count} raid night{'' if self.raid_count == 1 else 's'} posted"
        )


def _signup_status(*, raid: RaidEvent | None, week: list[bool], auto: bool, saved: bool) -> str:
    """ROS-44's sign-up of the member for `raid` from their availability (ROS-6)."""
    if not saved:
        return UNSET
    if raid is None:
        return NO_RAID
    weekday = raid.starts_at.astimezone(raid_zone()).weekday()
    if not week[weekday]:
        return ABSENT
    return SIGNED_UP if auto else TENTATIVE


def raid_week(request) -> RaidWeek | None:
    """The member's week for the landing strip; None for a visitor or a user with no Player.

    Constant queries: the next posted raids (one, at most `RAIDS_LOOKED_AT` rows) and the
    member's seven availability rows with their auto sign-up preference (one). The Player is the
    request's cached one (ACC-1).
    """
    player = viewer_player(request)
    if player is None:
        return None
    now = timezone.now()
    today = raid_today(now=now)
    raids = list(
        RaidEvent.objects.filter(
            kind=RaidEvent.RAID, status=RaidEventStatus.CREATED, starts_at__gte=now
        ).order_by("starts_at", "pk")[:RAIDS_LOOKED_AT]
    )
    zone = raid_zone()
    raid_dates = {raid.starts_at.astimezone(zone).date() for raid in raids}
    week = [False] * WEEK_DAYS
    saved = False
    auto = False
    rows = PlayerAvailability.objects.filter(player=player).annotate(
        auto=Subquery(
            RaidPreferences.objects.filter(player=OuterRef("player")).values("auto_signup")[:1]
        )
    )
    for weekday, available, auto_signup in rows.values_list("weekday", "available", "auto"):
        saved = True
        auto = bool(auto_signup)
        if 0 <= weekday < WEEK_DAYS:
            week[weekday] = available
    dates = [today + datetime.timedelta(days=offset) for offset in range(WEEK_DAYS)]
    next_raid = raids[0] if raids else None
    return RaidWeek(
        next_raid=next_raid,
        days=[WeekDay(date=d, available=week[d.weekday()], raid=d in raid_dates) for d in dates],
        signup=_signup_status(raid=next_raid, week=week, auto=auto, saved=saved),
        auto_signup=auto,
        has_availability=saved,
    )
