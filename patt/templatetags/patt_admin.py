"""Template filters of the admin's own templates (issue 16)."""

from django import template

from patt.admin_columns import utc_html

register = template.Library()


@register.filter
def admin_utc(value, precision: str = ""):
    """`{{ moment|admin_utc }}`: "2026-03-01 21:00 UTC" in a `<time data-local>` the local-time
    script completes; `{{ moment|admin_utc:"s" }}` with seconds; "-" for None."""
    return utc_html(value, seconds=precision == "s")
