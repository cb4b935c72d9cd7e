from django.apps import AppConfig


class RosterConfig(AppConfig):
    """Availability, raid preferences, event templates and Raid-Helper events (roster spec)."""

    name = "roster"
    verbose_name = "Raid roster"
    default_auto_field = "django.db.models.BigAutoField"
