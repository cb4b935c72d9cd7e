"""django-q2 schedules, upserted by name and never duplicated (IDN-47).

`SCHEDULES` is the registry: each app appends its `ScheduleSpec`s (e.g. from its
`AppConfig.ready`, through `register_schedule`), and `setup_schedules()` (run by
`manage.py setup_schedules` and after every `migrate`) makes the database match it.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduleSpec:
    """One named schedule: `cron` (UTC) or every `minutes`."""

    name: str
    func: str
    cron: str | None = None
    minutes: int | None = None

    def __post_init__(self):
        if (self.cron is None) == (self.minutes is None):
            raise ValueError(f"Schedule {self.name}: give exactly one of cron or minutes")

    @property
    def fields(self) -> dict:
        from django_q.models import Schedule

        return {
            "func": self.func,
            "hook": None,
            "args": None,
            "kwargs": None,
            "schedule_type": Schedule.CRON if self.cron else Schedule.MINUTES,
            "cron": self.cron,
            "minutes": self.minutes,
            "repeats": -1,
        }

    def first_run(self, now: datetime) -> datetime:
        """A cron schedule waits for its next slot; a minutes schedule may run at once."""
        if self.cron:
            from croniter import croniter

            return croniter(self.cron, now).get_next(datetime)
        return now


SCHEDULES: list[ScheduleSpec] = [
    ScheduleSpec(
        name="identity.blizzard_roster_sync",
        func="identity.tasks.run_blizzard_pipeline",
        cron="0 1,7,13,19 * * *",
    ),
    ScheduleSpec(
        name="identity.discord_member_sync",
        func="identity.tasks.run_discord_pipeline",
        minutes=15,
    ),
    # UPL-7: clear stored upload payloads older than ADDON_UPLOAD_RETENTION_DAYS, daily.
    ScheduleSpec(
        name="addon-upload-cleanup",
        func="identity.tasks.cleanup_addon_uploads",
        cron="30 3 * * *",
    ),
]


def register_schedule(spec: ScheduleSpec) -> None:
    """Add (or replace, by name) a schedule in the registry; other apps call this."""
    SCHEDULES[:] = [existing for existing in SCHEDULES if existing.name != spec.name]
    SCHEDULES.append(spec)


def setup_schedules(specs: list[ScheduleSpec] | None = None, *, using: str = "default") -> dict:
    """Upsert every registered schedule by name (IDN-47); returns {name: outcome}.

    Outcomes: created, updated (a changed definition; its next run is recomputed) or
    unchanged. Extra rows with the same name are deleted, so a name is never duplicated.
    """
    from django_q.models import Schedule

    outcomes = {}
    now = timezone.now()
    for spec in SCHEDULES if specs is None else specs:
        rows = list(Schedule.objects.using(using).filter(name=spec.name).order_by("pk"))
        wanted = spec.fields
        if not rows:
            Schedule.objects.using(using).create(
                name=spec.name, next_run=spec.first_run(now), **wanted
            )
            outcomes[spec.name] = "created"
            continue
        row, extras = rows[0], rows[1:]
        if extras:
            Schedule.objects.using(using).filter(pk__in=[e.pk for e in extras]).delete()
        if all(getattr(row, key) == value for key, value in wanted.items()):
            outcomes[spec.name] = "unchanged"
            continue
        for key, value in wanted.items():
            setattr(row, key, value)
        row.next_run = spec.first_run(now)
        row.save(using=using)
        outcomes[spec.name] = "updated"
    for name, outcome in outcomes.items():
        if outcome != "unchanged":
            log.info("Schedule %s %s", name, outcome)
    return outcomes
