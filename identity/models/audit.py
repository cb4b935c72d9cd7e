"""Audit issues: what an officer should look at, one open issue per key (IDN-17)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from identity.models.characters import WowCharacter
from identity.models.discord_users import DiscordUser
from identity.models.people import Player


class IssueType(models.TextChoices):
    ROLE_MISMATCH = "role_mismatch", "Role mismatch"
    NO_GUILD_ROLE = "no_guild_role", "No guild role"
    ORPHAN_WOW = "orphan_wow", "WoW character without a player"
    ORPHAN_DISCORD = "orphan_discord", "Discord member without characters"
    AUTO_LINK_SUGGESTION = "auto_link_suggestion", "Suggested link"
    STALE_CHARACTER = "stale_character", "Inactive character"
    # IDN-15: an officer who left the guild (no in-guild character, no present Discord user)
    # keeps the rank for history but loses staff access; this issue says why.
    STAFF_ACCESS_WITHDRAWN = "staff_access_withdrawn", "Staff access withdrawn"


class IssueSeverity(models.IntegerChoices):
    INFO = 10, "Info"
    WARNING = 20, "Warning"
    CRITICAL = 30, "Critical"


class AuditIssue(models.Model):
    """Something an officer should look at. One open issue per `dedup_key` (IDN-17)."""

    IssueType = IssueType

    Severity = IssueSeverity

    issue_type = models.CharField(max_length=32, choices=IssueType.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    character = models.ForeignKey(
        WowCharacter, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_issues"
    )
    discord_user = models.ForeignKey(
        DiscordUser, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_issues"
    )
    player = models.ForeignKey(
        Player, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_issues"
    )
    dedup_key = models.CharField(max_length=128)
    summary = models.CharField(max_length=300)
    details = models.JSONField(default=dict, blank=True)
    first_detected_at = models.DateTimeField(default=timezone.now)
    last_detected_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        Player, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        Player,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Blank on a resolved issue = resolved automatically.",
    )
    resolution_note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-severity", "first_detected_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=Q(resolved_at__isnull=True),
                name="auditissue_one_open_per_key",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=IssueSeverity.values), name="auditissue_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(issue_type__in=IssueType.values),
                name="auditissue_type_valid",
            ),
        ]
        indexes = [models.Index(fields=["issue_type", "resolved_at"], name="auditissue_type_open")]

    def __str__(self) -> str:
        return self.summary

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
