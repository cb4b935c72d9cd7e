"""Template filters of the campaign pages."""

from datetime import datetime

from django import template

from patt import timefmt

register = template.Library()


@register.filter
def iso_utc(value: object) -> str:
    """`2026-03-01T21:00:00Z` for countdown scripts (CMP-37); "" for anything else."""
    if not isinstance(value, datetime):
        return ""
    return timefmt.iso_utc(value)
