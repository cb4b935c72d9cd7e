"""The officers' raid planner: day ranking, day details and copy-paste commands (ROS-31 … ROS-37),
and what a raid-day event sends to Raid-Helper (ROS-43, ROS-44).

Everything here works on `roster_entries()` (ROS-1 … ROS-5) and SiteConfig; nothing queries per
player. Dates are calendar dates in the raid timezone (`SiteConfig.raid_timezone`), never
derived from a UTC date.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from patt.models import SiteConfig
from patt.task_queue import enqueue
from roster.models import RaidEvent, RaidEventStatus
from roster.raid_helper import RaidHelperClient, RaidHelperError, api_key_configured, event_url
from roster.services.population import (
    HEALER,
    MELEE,
    RANGED,
    ROLE_LABELS,
    ROLE_ORDER,
    TANK,
    RosterEntry,
    roster_entries,
)

logger = logging.getLogger(__name__)

PLANNER_DAYS = 7
TOP_DAYS = 3
EVENT_ID_PLACEHOLDER = "[EVENT_ID]"  # ROS-35: literal text the officer replaces
NO_SIGNUP_DATA = "No signup commands (no roster data)"
UNKNOWN_CLASS = "Unknown"


# --- dates (ROS-31, ROS-34) -----------------------------------------------------------------


def raid_zone(config: SiteConfig | None = None) -> ZoneInfo:
    return ZoneInfo((config or SiteConfig.get()).raid_timezone)


def raid_today(
    *, config: SiteConfig | None = None, now: datetime.datetime | None = None
) -> datetime.date:
    """Today's calendar date in the raid timezone."""
    return (now or timezone.now()).astimezone(raid_zone(config)).date()


def planner_dates(today: datetime.date) -> list[datetime.date]:
    """ROS-31: the next 7 calendar dates after `today` (today excluded: a weekday that is today
    comes up 7 days later)."""
    return [today + datetime.timedelta(days=offset) for offset in range(1, PLANNER_DAYS + 1)]


def raid_start(day: datetime.date, *, config: SiteConfig | None = None) -> datetime.datetime:
    """The raid's start on `day` as an aware datetime in the raid timezone (DST-aware)."""
    config = config or SiteConfig.get()
    return datetime.datetime.combine(day, config.raid_start_time, tzinfo=raid_zone(config))


def raid_start_label(day: datetime.date, *, config: SiteConfig | None = None) -> str:
    """ROS-33: the preview's "time + timezone", "21:00 EDT (America/New_York)".

    Formatted here, in the raid timezone, rather than by a template filter: Django's `time`
    filter converts an aware datetime to the site's zone (UTC) first, which printed the UTC
    hour next to the raid zone's name ("02:00 EST" for a 21:00 Eastern raid; issue 11 item 11).
    """
    config = config or SiteConfig.get()
    start = raid_start(day, config=config)
    return f"{start:%H:%M} {start.tzname()} ({config.raid_timezone})"


def short_date(day: datetime.date) -> str:
    """ "Mar 19", "Jan 5" (no zero padding)."""
    return f"{day:%b} {day.day}"


def raid_helper_date(day: datetime.date) -> str:
    """ROS-43: D-M-YYYY without zero padding: 5 January 2026 -> "5-1-2026"."""
    return f"{day.day}-{day.month}-{day.year}"


# --- day ranking (ROS-31, ROS-32) -----------------------------------------------------------


@dataclass
class PlannerDay:
    """One of the seven candidate dates with who can and cannot come (ROS-31)."""

    date: datetime.date
    available: list[RosterEntry]
    unavailable: list[RosterEntry]
    best_available: int = 0  # the highest available count over the seven days
    rank: int | None = None  # ROS-32: 1-3 for the best days

    @property
    def weekday(self) -> int:
        return self.date.weekday()

    @property
    def iso(self) -> str:
        return self.date.isoformat()

    @property
    def short_weekday(self) -> str:
        return f"{self.date:%a}"

    @property
    def weekday_name(self) -> str:
        return f"{self.date:%A}"

    @property
    def short_date(self) -> str:
        return short_date(self.date)

    @property
    def available_count(self) -> int:
        return len(self.available)

    @property
    def unavailable_count(self) -> int:
        return len(self.unavailable)

    @property
    def bar_max(self) -> int:
        """ROS-32: the bar is available / max(available over the 7 days, 1)."""
        return max(self.best_available, 1)

    @property
    def role_counts(self) -> dict[str, int]:
        """ROS-33: Tank/Healer/Melee/Ranged counts among the available players (effective
        mains), keyed by role key, in role order."""
        counts = dict.fromkeys(ROLE_ORDER, 0)
        for entry in self.available:
            counts[entry.role] += 1
        return counts

    @property
    def role_count_rows(self) -> list[tuple[str, str, int]]:
        return [(key, ROLE_LABELS[key], n) for key, n in self.role_counts.items()]

    @property
    def quick_label(self) -> str:
        """ROS-36: "<rank> <Weekday> <Mon D> (<n>: <t>T/<h>H/<m>M/<r>R)"."""
        c = self.role_counts
        return (
            f"{self.rank} {self.weekday_name} {self.short_date} ({self.available_count}: "
            f"{c[TANK]}T/{c[HEALER]}H/{c[MELEE]}M/{c[RANGED]}R)"
        )


def planner_days(entries: list[RosterEntry], *, today: datetime.date) -> list[PlannerDay]:
    """ROS-31/32: the seven days in date order, each player counted once (effective main); the
    three days with the most available players (ties: earlier date; only n > 0) ranked 1-3."""
    days = []
    for day in planner_dates(today):
        weekday = day.weekday()
        days.append(
            PlannerDay(
                date=day,
                available=[e for e in entries if e.available_on(weekday)],
                unavailable=[e for e in entries if not e.available_on(weekday)],
            )
        )
    best = max((d.available_count for d in days), default=0)
    for d in days:
        d.best_available = best
    ranked = sorted(
        (d for d in days if d.available_count > 0), key=lambda d: (-d.available_count, d.date)
    )
    for position, d in enumerate(ranked[:TOP_DAYS], start=1):
        d.rank = position
    return days


def top_days(days: list[PlannerDay]) -> list[PlannerDay]:
    # Only ranked days are kept, so `rank or 0` never uses the 0: it tells mypy the key is an int.
    return sorted((d for d in days if d.rank), key=lambda d: d.rank or 0)


# --- commands (ROS-34 … ROS-37) -------------------------------------------------------------


def create_command(day: datetime.date, *, config: SiteConfig | None = None) -> str:
    """ROS-34: `/create title:<title> date:<YYYY-MM-DD> time:<HH:MM> duration:<minutes>
    template:<template>`; the date is the selected calendar date in the raid timezone."""
    config = config or SiteConfig.get()
    return (
        f"/create title:{config.raid_default_title} date:{day.isoformat()} "
        f"time:{config.raid_start_time:%H:%M} duration:{int(config.raid_duration_minutes)} "
        f"template:{config.raid_helper_template}"
    )


def wow_class_name(entry: RosterEntry) -> str:
    """ROS-35: the effective main's class name ("Death Knight"), "Unknown" if none."""
    playable_class = entry.playable_class
    return playable_class.name if playable_class is not None else UNKNOWN_CLASS


def _by_name(entries: list[RosterEntry]) -> list[RosterEntry]:
    return sorted(entries, key=lambda e: (e.discord_name.casefold(), e.player.pk))


def signup_block(entries: list[RosterEntry], *, weekday: int) -> str:
    """ROS-35: the signup commands for a day, sections in order (auto-signed up, tentative,
    marked absent, reminder line), each omitted when empty, members ordered by Discord name
    (case-insensitive), each section followed by a blank line."""
    if not entries:
        return NO_SIGNUP_DATA
    available = _by_name([e for e in entries if e.available_on(weekday)])
    unavailable = _by_name([e for e in entries if not e.available_on(weekday)])
    auto = [e for e in available if e.auto_signup]
    tentative = [e for e in available if not e.auto_signup]
    reminders = [e for e in available if e.wants_reminders]

    lines: list[str] = []
    if auto:
        lines.append(f"# Auto-signed up ({len(auto)}):")
        lines += [
            f"/adduser {EVENT_ID_PLACEHOLDER} @{e.discord_name} class:{wow_class_name(e)} "
            f"spec:{e.role_label}"
            for e in auto
        ]
        lines.append("")
    if tentative:
        lines.append(f"# Tentative ({len(tentative)}):")
        lines += [
            f"/adduser {EVENT_ID_PLACEHOLDER} @{e.discord_name} class:{wow_class_name(e)} "
            "spec:Tentative"
            for e in tentative
        ]
        lines.append("")
    if unavailable:
        lines.append(f"# Marked absent ({len(unavailable)}):")
        lines += [
            f"/adduser {EVENT_ID_PLACEHOLDER} @{e.discord_name} status:Absence" for e in unavailable
        ]
        lines.append("")
    if reminders:
        names = ", ".join(e.discord_name for e in reminders)
        lines.append(f"# Wants 5pm reminder ({len(reminders)}): {names}")
        lines.append("")
    return "\n".join(lines)


def reminder_mentions(entries: list[RosterEntry], *, weekday: int) -> str:
    """ROS-37: the reminder list as Discord mentions, for those with a Discord id."""
    return " ".join(
        f"<@{e.discord_id}>"
        for e in _by_name(entries)
        if e.available_on(weekday) and e.wants_reminders and e.discord_id
    )


@dataclass
class QuickCommand:
    """ROS-36: one of the top-3 days with its create line."""

    day: PlannerDay
    label: str
    command: str


def quick_commands(
    days: list[PlannerDay], *, config: SiteConfig | None = None
) -> list[QuickCommand]:
    config = config or SiteConfig.get()
    return [
        QuickCommand(d, d.quick_label, create_command(d.date, config=config))
        for d in top_days(days)
    ]


# --- Raid-Helper payloads (ROS-43, ROS-44) --------------------------------------------------


def raid_day_description(available_count: int) -> str:
    """ROS-43: the default description of a raid-day event."""
    return f"Roster auto-generated. {available_count} available."


def create_payload(
    *,
    starts_at: datetime.datetime,
    title: str,
    description: str,
    duration_minutes: int,
    template: str,
    config: SiteConfig | None = None,
) -> dict:
    """ROS-43: the create call's body; date and time in the raid timezone (DST-aware)."""
    config = config or SiteConfig.get()
    local = starts_at.astimezone(raid_zone(config))
    payload = {
        "leaderId": config.raid_helper_leader_id,
        "templateId": template,
        "date": raid_helper_date(local.date()),
        "time": f"{local:%H:%M}",
        "title": title,
        "description": description,
        "duration": int(duration_minutes),
    }
    if config.raid_channel_voice:
        payload["advancedSettings"] = {"voice_channel": config.raid_channel_voice}
    return payload


@dataclass
class PlannedSignup:
    entry: RosterEntry
    payload: dict = field(default_factory=dict)

    @property
    def class_name(self) -> str:
        return self.payload["className"]


def signup_payload(entry: RosterEntry, *, weekday: int) -> dict:
    """ROS-44: available + auto-signup -> the main's role slot and Raid-Helper spec name (no
    spec name known -> Tentative); available without auto-signup -> Tentative; unavailable ->
    Absence. Status slots carry no specName."""
    if not entry.available_on(weekday):
        return {"userId": entry.discord_id, "className": "Absence"}
    spec = entry.main.spec
    spec_name = (getattr(spec, "raid_helper_spec_name", "") or "").strip() if spec else ""
    if entry.auto_signup and spec_name:
        return {"userId": entry.discord_id, "className": entry.role_label, "specName": spec_name}
    return {"userId": entry.discord_id, "className": "Tentative"}


def planned_signups(
    entries: list[RosterEntry], *, weekday: int
) -> tuple[list[PlannedSignup], list[RosterEntry]]:
    """ROS-44: one sign-up per roster player with a Discord id (ordered by Discord name), and
    the players skipped for having none."""
    signups, skipped = [], []
    for entry in _by_name(entries):
        if entry.discord_id:
            signups.append(PlannedSignup(entry, signup_payload(entry, weekday=weekday)))
        else:
            skipped.append(entry)
    return signups, skipped


# --- creating events in Raid-Helper (ROS-40 … ROS-48) ---------------------------------------

DUPLICATE_EVENT = "An event for this day was just created -- check Discord."
DUPLICATE_WINDOW = datetime.timedelta(minutes=2)
PAST_START = "Pick a date and time in the future."
TASK = "roster.tasks.create_raid_helper_event"
IN_PROGRESS = "(in progress)"  # claim marker of a pending event whose task is running
GUILD_EVENT_TIMEZONES = [  # ROS-40: zone -> label
    ("America/New_York", "Eastern"),
    ("America/Chicago", "Central"),
    ("America/Denver", "Mountain"),
    ("America/Los_Angeles", "Pacific"),
]
GUILD_EVENT_DURATIONS = [(60, "1 hour"), (120, "2 hours"), (180, "3 hours"), (240, "4 hours")]


def missing_configuration(config: SiteConfig | None = None) -> list[str]:
    """ROS-41: the names (never the values) of what must be set before events can be created."""
    config = config or SiteConfig.get()
    missing = []
    if not api_key_configured():
        missing.append("API key")
    if not config.raid_helper_server_id:
        missing.append("server id")
    if not config.raid_helper_leader_id:
        missing.append("leader id")
    if not config.raid_channel_signup:
        missing.append("signup channel")
    return missing


def configure_message(missing: list[str]) -> str:
    """ROS-41: "Configure: API key, server id" ("" when nothing is missing)."""
    return f"Configure: {', '.join(missing)}" if missing else ""


def guild_event_channel(config: SiteConfig) -> str:
    """Guild events go to the event sign-up channel when one is set, else the raid one."""
    return config.raid_channel_event_signup or config.raid_channel_signup


def local_start(day: datetime.date, *, at: datetime.time, zone_name: str) -> datetime.datetime:
    """ROS-40: a wall-clock start in a zone as an aware datetime (zoneinfo, DST-aware).

    A time that does not exist that day (the hour skipped when clocks go forward) is refused
    rather than silently moved.
    """
    zone = ZoneInfo(zone_name)
    start = datetime.datetime.combine(day, at, tzinfo=zone)
    round_trip = start.astimezone(datetime.UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != start.replace(tzinfo=None):
        raise ValidationError(
            {"time": f"{at:%H:%M} doesn't exist on {short_date(day)} (clocks go forward)."}
        )
    return start


def queue_raid_event(
    *,
    kind: str,
    title: str,
    description: str,
    starts_at: datetime.datetime,
    duration_minutes: int,
    template: str,
    channel_id: str,
    created_by: User | None = None,
    now: datetime.datetime | None = None,
) -> RaidEvent:
    """ROS-42: record a pending RaidEvent and enqueue `roster.tasks.create_raid_helper_event`.

    Refused with a ValidationError, nothing written, when the start is in the past (ROS-40) or
    when an event with the same date (raid timezone) and title (case-insensitive) is pending or
    was created in the last 2 minutes. The task is enqueued once the transaction commits.
    """
    now = now or timezone.now()
    if starts_at <= now:
        raise ValidationError({"date": PAST_START})
    config = SiteConfig.get()
    zone = raid_zone(config)
    day = starts_at.astimezone(zone).date()
    day_start = datetime.datetime.combine(day, datetime.time(0), tzinfo=zone)
    day_end = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone
    )
    title = title.strip()
    with transaction.atomic():
        # Concurrent creates queue up on the one SiteConfig row (a row lock on PostgreSQL).
        list(SiteConfig.objects.select_for_update().filter(pk=config.pk).values_list("pk"))
        duplicate = RaidEvent.objects.filter(
            Q(status=RaidEventStatus.PENDING)
            | Q(status=RaidEventStatus.CREATED, created_at__gte=now - DUPLICATE_WINDOW),
            title__iexact=title,
            starts_at__gte=day_start,
            starts_at__lt=day_end,
        ).exists()
        if duplicate:
            raise ValidationError({"__all__": DUPLICATE_EVENT})
        event = RaidEvent.objects.create(
            kind=kind,
            title=title,
            description=description.strip(),
            starts_at=starts_at.astimezone(datetime.UTC),
            duration_minutes=duration_minutes,
            template=template,
            channel_id=channel_id,
            created_by=created_by,
        )
        transaction.on_commit(lambda: _queue_raid_event(event.pk))
    return event


NOT_QUEUED = "Could not be queued (the task queue is unreachable); create the event again."


def _queue_raid_event(event_id: int) -> None:
    """Queue the Raid-Helper task; a broker that cannot be reached (Redis away, issue 17) marks
    the event failed with a message instead of a 500 after the commit."""

    def not_queued() -> None:
        RaidEvent.objects.filter(pk=event_id, status=RaidEventStatus.PENDING).update(
            status=RaidEventStatus.FAILED, error=NOT_QUEUED
        )

    enqueue(
        TASK,
        event_id,
        what=f"Raid-Helper event #{event_id}",
        on_unreachable=not_queued,
        q_options={"task_name": f"Raid-Helper #{event_id}"},
    )


def run_raid_event(event_id: int) -> RaidEvent | None:
    """ROS-43 … ROS-45: create the event in Raid-Helper, then (raid days only) sign up every
    roster player with a Discord id, one after the other; record the outcome on the RaidEvent.

    Runs once per pending event: the run claims it first, so a second run of the same task
    (or an event already created or failed) never posts a second event.
    """
    claimed = (
        RaidEvent.objects.filter(pk=event_id, status=RaidEventStatus.PENDING)
        .exclude(error=IN_PROGRESS)
        .update(error=IN_PROGRESS)
    )
    event = RaidEvent.objects.filter(pk=event_id).first()
    if not claimed or event is None:
        return event
    config = SiteConfig.get()
    client = None
    try:
        client = RaidHelperClient()
        payload = create_payload(
            starts_at=event.starts_at,
            title=event.title,
            description=event.description,
            duration_minutes=event.duration_minutes,
            template=event.template,
            config=config,
        )
        posted_id = client.create_event(
            server_id=config.raid_helper_server_id, channel_id=event.channel_id, payload=payload
        )
    except RaidHelperError as exc:
        event.status = RaidEventStatus.FAILED
        event.error = exc.message
        event.save(update_fields=["status", "error"])
        if client is not None:
            client.close()
        return event

    try:
        event.status = RaidEventStatus.CREATED
        event.raid_helper_event_id = posted_id
        event.event_url = event_url(config.raid_helper_server_id, event.channel_id, posted_id)
        event.error = ""
        event.save(update_fields=["status", "raid_helper_event_id", "event_url", "error"])
        if event.kind == RaidEvent.RAID:
            _sign_up_roster(client, event, config)
    finally:
        client.close()
    return event


def _sign_up_roster(client: RaidHelperClient, event: RaidEvent, config: SiteConfig) -> None:
    """ROS-44/45: sequential sign-ups; a failure is recorded and the others continue."""
    weekday = event.starts_at.astimezone(raid_zone(config)).weekday()
    signups, skipped = planned_signups(roster_entries(), weekday=weekday)
    failures = []
    ok = 0
    for signup in signups:
        try:
            client.add_signup(event.raid_helper_event_id, signup.payload)
            ok += 1
        except RaidHelperError as exc:
            failures.append(
                {
                    "player": signup.entry.discord_name,
                    "className": signup.class_name,
                    "status": exc.status,
                    "error": exc.message,
                }
            )
    event.signups_attempted = len(signups)
    event.signups_ok = ok
    event.signup_failures = failures
    event.skipped_no_discord = [entry.discord_name for entry in skipped]
    event.save(
        update_fields=["signups_attempted", "signups_ok", "signup_failures", "skipped_no_discord"]
    )


def check_connection() -> tuple[bool, str]:
    """ROS-48: `GET /servers/{id}/events` -> "Connection OK (<n> posted events)", else the
    ROS-46 message (or what to configure)."""
    config = SiteConfig.get()
    missing = [name for name in missing_configuration(config) if name in ("API key", "server id")]
    if missing:
        return False, configure_message(missing)
    try:
        with RaidHelperClient() as client:
            count = client.posted_events_count(config.raid_helper_server_id)
    except RaidHelperError as exc:
        return False, exc.message
    return True, f"Connection OK ({count} posted events)"
