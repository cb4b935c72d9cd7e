"""Roster data (roster spec §1).

Availability is seven booleans per player (no row = not available); preferences are one row per
player, and having that row is part of being a *roster player* (ROS-1). Event templates are the
seven seeded Raid-Helper templates (ROS-52); a RaidEvent records one event created through the
Raid-Helper API and what happened to its sign-ups (ROS-42 … ROS-45).
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from identity.models import Player
from patt.validators import discord_id_validator

NOTES_MAX = 500
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class UpdatedVia(models.TextChoices):
    WEBSITE = "website", "Website"
    API = "api", "API"
    ADMIN = "admin", "Admin"
    IMPORT = "import", "Import"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class RaidPreferences(models.Model):
    """ROS-6: auto sign-up, reminders and the public "reason" notes; one row per player."""

    player = models.OneToOneField(Player, on_delete=models.CASCADE, related_name="raid_preferences")
    auto_signup = models.BooleanField(
        default=False,
        help_text="Signed up on the main when a raid is posted on an available day; "
        "otherwise added as Tentative.",
    )
    wants_reminders = models.BooleanField(default=False)
    notes = models.TextField(blank=True, default="", validators=[MaxLengthValidator(NOTES_MAX)])
    updated_via = models.CharField(
        max_length=8, choices=UpdatedVia.choices, default=UpdatedVia.WEBSITE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "raid preferences"
        verbose_name_plural = "raid preferences"
        constraints = [
            models.CheckConstraint(
                condition=Q(updated_via__in=UpdatedVia.values),
                name="raidpreferences_updated_via_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Raid preferences of {self.player}"


class PlayerAvailability(models.Model):
    """ROS-6: whether a player can raid on a weekday (0 = Monday … 6 = Sunday)."""

    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    available = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "player availability"
        ordering = ["player", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["player", "weekday"], name="availability_one_per_day"),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="availability_weekday_0_6"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.player} {Weekday(self.weekday).label}: {self.available}"


class EventTemplate(models.Model):
    """ROS-39, ROS-52: a guild event template (seeded; officers edit title and description)."""

    key = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    icon = models.CharField(max_length=8, blank=True, default="")
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="", validators=[MaxLengthValidator(2000)])
    raid_helper_template = models.CharField(max_length=30, default="wowretail2")
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "key"]

    def __str__(self) -> str:
        return f"{self.icon} {self.name}".strip()


class RaidEventStatus(models.TextChoices):
    PENDING = "pending", "Creating event…"
    CREATED = "created", "Created"
    FAILED = "failed", "Failed"


class RaidEvent(models.Model):
    """ROS-42 … ROS-45: one event created through the Raid-Helper API."""

    RAID = "raid"

    kind = models.CharField(max_length=32, help_text='"raid" or an event template key.')
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="", validators=[MaxLengthValidator(2000)])
    starts_at = models.DateTimeField("starts (UTC)")
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(720)]
    )
    template = models.CharField("Raid-Helper template", max_length=30)
    channel_id = models.CharField(max_length=20, validators=[discord_id_validator])
    status = models.CharField(
        max_length=8, choices=RaidEventStatus.choices, default=RaidEventStatus.PENDING
    )
    raid_helper_event_id = models.CharField(max_length=32, blank=True, default="")
    event_url = models.URLField(blank=True, default="")
    signups_attempted = models.PositiveIntegerField(default=0)
    signups_ok = models.PositiveIntegerField(default=0)
    signup_failures = models.JSONField(default=list, blank=True)
    skipped_no_discord = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RaidEventStatus.values), name="raidevent_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(signups_ok__lte=models.F("signups_attempted")),
                name="raidevent_signups_ok_le_attempted",
            ),
            models.CheckConstraint(
                condition=~Q(status=RaidEventStatus.CREATED) | ~Q(raid_helper_event_id=""),
                name="raidevent_created_has_event_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"
