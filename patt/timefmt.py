"""Times as the site writes them (ACC-4, CMP-41, UPL-1): ISO 8601 in UTC, seconds precision,
a `Z` suffix.

Ground floor: imports no app. Pages (`<time datetime=…>`, countdown scripts), the campaigns
API and the upload API all format through `iso_utc`, so the three never drift apart.
"""

from datetime import UTC, datetime

from django.utils import timezone


def as_utc(value: datetime) -> datetime:
    """`value` in UTC. A naive datetime is taken as UTC already (TIME_ZONE is UTC, ACC-4)."""
    if timezone.is_aware(value):
        return value.astimezone(UTC)
    return value.replace(tzinfo=UTC)


def iso_utc(value: datetime) -> str:
    """`2026-03-01T21:00:00Z`: ISO 8601 in UTC, microseconds dropped, `Z` for `+00:00`."""
    return as_utc(value).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def iso_utc_or_none(value: datetime | None) -> str | None:
    """`iso_utc`, with None kept as None (JSON `null`)."""
    return None if value is None else iso_utc(value)
