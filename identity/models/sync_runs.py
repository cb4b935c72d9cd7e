"""Sync runs: one row per run of a pipeline (IDN-17, IDN-44, IDN-46)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class SyncSource(models.TextChoices):
    BLIZZARD_ROSTER = "blizzard_roster", "Blizzard roster"
    DISCORD_MEMBERS = "discord_members", "Discord members"
    ADDON_UPLOAD = "addon_upload", "WoW addon upload"
    RECONCILE = "reconcile", "Matching and integrity"
    AUDIT_REPORT = "audit_report", "Audit report"
    # ONB-32 step 6: one row per onboarding checker run (the app writes it; identity only
    # names the source).
    ONBOARDING = "onboarding", "Onboarding checker"


class SyncTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule"
    COMMAND = "command", "Command"
    ADMIN = "admin", "Admin"
    UPLOAD = "upload", "Upload"


class SyncStatus(models.TextChoices):
    # An admin button's run, waiting for a worker; it becomes `running` when the task starts.
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCESS = "success", "Success"
    PARTIAL = "partial", "Partial"
    ERROR = "error", "Error"
    SKIPPED = "skipped", "Skipped"


class SyncRun(models.Model):
    """One run of a pipeline (IDN-17, IDN-44). At most one `queued` or `running` row per
    source."""

    Source = SyncSource

    Trigger = SyncTrigger

    Status = SyncStatus

    source = models.CharField(max_length=20, choices=Source.choices)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    details = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            # One run in progress per source: running, or queued by an admin button (IDN-46).
            models.UniqueConstraint(
                fields=["source"],
                condition=Q(status__in=["queued", "running"]),
                name="syncrun_one_in_progress_per_source",
            ),
            models.CheckConstraint(
                condition=Q(source__in=SyncSource.values),
                name="syncrun_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(trigger__in=SyncTrigger.values),
                name="syncrun_trigger_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SyncStatus.values),
                name="syncrun_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running"]) | Q(finished_at__isnull=False),
                name="syncrun_finished_when_not_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"SyncRun #{self.pk} {self.get_source_display()} {self.status}"
