"""Website invite codes (IDN-16, ACC-27, ACC-30)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone

from identity.models.people import Player

INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def default_invite_expiry():
    return timezone.now() + timedelta(hours=settings.INVITE_CODE_TTL_HOURS)


class InviteDmStatus(models.TextChoices):
    NOT_SENT = "not_sent", "Not sent"
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    DMS_OFF = "dms_off", "DMs off"
    DMS_CLOSED = "dms_closed", "DMs closed"
    FAILED = "failed", "Failed"


class InviteCodeQuerySet(models.QuerySet):
    """Valid / Used / Expired (ACC-30): the one definition, which `InviteCode.status` follows.

    Used = `used_at` is set. Expired = unused and `now >= expires_at`. Valid = neither. `now`
    defaults to the current time; pass it to use one instant across several statements.
    """

    def used(self) -> "InviteCodeQuerySet":
        return self.filter(used_at__isnull=False)

    def expired(self, now=None) -> "InviteCodeQuerySet":
        return self.filter(used_at__isnull=True, expires_at__lte=now or timezone.now())

    def valid(self, now=None) -> "InviteCodeQuerySet":
        return self.filter(used_at__isnull=True, expires_at__gt=now or timezone.now())


class InviteCode(models.Model):
    """A single-use website invite for one player. Created only by `services.invites`."""

    DmStatus = InviteDmStatus

    code = models.CharField(max_length=8, unique=True)
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="invite_codes")
    created_by = models.ForeignKey(
        Player, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=default_invite_expiry)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dm_status = models.CharField(max_length=12, choices=DmStatus.choices, default=DmStatus.NOT_SENT)
    dm_error = models.CharField(max_length=200, blank=True, default="")
    dm_sent_at = models.DateTimeField(null=True, blank=True)

    objects = InviteCodeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("code"), 8), name="invitecode_code_length_8"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gte=F("created_at")),
                name="invitecode_expires_not_before_created",
            ),
            models.CheckConstraint(
                condition=Q(dm_status__in=InviteDmStatus.values),
                name="invitecode_dm_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def status(self) -> str:
        """Valid / Used / Expired, as officers see it (ACC-30); the rule of `InviteCodeQuerySet`."""
        if self.used_at is not None:
            return "Used"
        if timezone.now() >= self.expires_at:
            return "Expired"
        return "Valid"
