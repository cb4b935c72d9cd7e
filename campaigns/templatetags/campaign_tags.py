"""Template filters of the campaign pages."""

from datetime import UTC, datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def iso_utc(value) -> str:
    """`2026-03-01T21:00:00Z` for countdown scripts (CMP-37); "" for anything else."""
    if not isinstance(value, datetime):
        return ""
    moment = value.astimezone(UTC) if timezone.is_aware(value) else value.replace(tzinfo=UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")
