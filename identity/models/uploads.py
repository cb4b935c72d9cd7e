"""Addon uploads: companion tokens and accepted uploads (addon-and-companion spec, UPL-2, UPL-7)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone

from identity.models.people import Player
from identity.models.sync_runs import SyncRun


class UploadToken(models.Model):
    """A per-uploader token of the companion app (UPL-2).

    Only the SHA-256 of the token is stored; `prefix` (its first 16 characters) finds the row.
    A token with uploads is never deleted (the uploads PROTECT it), only revoked.
    """

    name = models.CharField(max_length=100, help_text='Whose computer, e.g. "Trog\'s gaming PC".')
    owner = models.ForeignKey(
        Player, on_delete=models.SET_NULL, null=True, blank=True, related_name="upload_tokens"
    )
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "addon upload token"
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("prefix"), 16), name="uploadtoken_prefix_length_16"
            ),
            models.CheckConstraint(
                condition=Exact(Length("token_hash"), 64), name="uploadtoken_hash_length_64"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class AddonUploadStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    STALE = "stale", "Stale (older than the newest applied upload)"


class AddonUploadMatching(models.TextChoices):
    QUEUED = "queued", "Queued"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (stale upload)"


class AddonUpload(models.Model):
    """One accepted upload of the companion app (UPL-7).

    (token, payload_sha256) is unique: the same body again from the same token is a duplicate;
    idempotency is per token, so another token's identical body is an upload of its own.
    """

    Status = AddonUploadStatus

    Matching = AddonUploadMatching

    token = models.ForeignKey(UploadToken, on_delete=models.PROTECT, related_name="uploads")
    received_at = models.DateTimeField(default=timezone.now)
    payload_sha256 = models.CharField(max_length=64)
    export_time = models.DateTimeField()
    guild_name = models.CharField(max_length=100)
    addon_version = models.CharField(max_length=40, blank=True, default="")
    companion_version = models.CharField(max_length=40, blank=True, default="")
    can_view_officer_notes = models.BooleanField(default=False)
    characters_received = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    unknown = models.PositiveIntegerField(default=0)
    unknown_characters = models.JSONField(default=list, blank=True)
    matching = models.CharField(max_length=8, choices=Matching.choices, default=Matching.QUEUED)
    sync_run = models.ForeignKey(
        SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="addon_uploads"
    )
    payload = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AddonUploadStatus.values), name="addonupload_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(matching__in=AddonUploadMatching.values),
                name="addonupload_matching_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="stale") | Q(matching="skipped"),
                name="addonupload_stale_is_not_matched",
            ),
            models.UniqueConstraint(
                fields=["token", "payload_sha256"], name="addonupload_token_payload_unique"
            ),
        ]
        indexes = [models.Index(fields=["status", "export_time"], name="addonupload_status_export")]

    def __str__(self) -> str:
        return f"Addon upload #{self.pk}"
