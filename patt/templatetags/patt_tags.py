"""Template filters of the site (ACC-4)."""

from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from patt.timefmt import as_utc, iso_utc

register = template.Library()

# English month abbreviations, independent of the server locale (ACC-4: "Mar 1, 2026").
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def utc_text(value: datetime) -> str:
    """'Mar 1, 2026 21:00 UTC' for a datetime, converted to UTC first (ACC-4)."""
    moment = value.astimezone(UTC) if timezone.is_aware(value) else value
    return f"{_MONTHS[moment.month - 1]} {moment.day}, {moment.year} {moment:%H:%M} UTC"


@register.filter(is_safe=True)
def utc_time(value):
    """ACC-4: `<time datetime="<ISO 8601 UTC>">Mar 1, 2026 21:00 UTC</time>`.

    The static script appends the viewer's local time; without JS the UTC text stays. A naive
    datetime is taken as UTC (TIME_ZONE is UTC); anything that is not a datetime renders empty.
    """
    if not isinstance(value, datetime):
        return ""
    moment = as_utc(value)
    return format_html('<time datetime="{}">{}</time>', iso_utc(moment), utc_text(moment))
