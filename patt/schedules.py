"""django-q2 schedules, upserted by name and never duplicated (IDN-47).

Each app contributes its `ScheduleSpec`s to the registry (patt/registry.py, from its
`contributions()`), and `setup_schedules()` (run by `manage.py setup_schedules` and after
every `migrate`) makes the database match them.
"""

import logging
from collections.abc import Iterable

from django.utils import timezone

from patt.registry import ScheduleSpec, registry, schedules

log = logging.getLogger(__name__)


def register_schedule(spec: ScheduleSpec) -> None:
    """Add (or replace, by name) a schedule in the registry, outside an app's contributions."""
    registry.add(spec)


def setup_schedules(specs: Iterable[ScheduleSpec] | None = None, *, using: str = "default") -> dict:
    """Upsert every registered schedule by name (IDN-47); returns {name: outcome}.

    Outcomes: created, updated (a changed definition; its next run is recomputed) or
    unchanged. Extra rows with the same name are deleted, so a name is never duplicated.
    """
    from django_q.models import Schedule

    outcomes = {}
    now = timezone.now()
    for spec in schedules() if specs is None else specs:
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
