"""Campaigns and their entries (CMP-1, CMP-2), editable only while a draft (CMP-10).

Editability is enforced here, in `save`/`delete`, so no code path — admin, shell or service —
can change a campaign that has left draft. Only the lifecycle code
(`campaigns.services.lifecycle`) changes status and the close snapshot, through
`Campaign.objects.filter(pk=…).update(…)` or `save(lifecycle=True)`.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from identity.models import GuildRank, Player

DRAFT_ONLY_CAMPAIGN = "Campaign can only be edited while in draft."
DRAFT_ONLY_ENTRIES = "Entries can only be changed while the campaign is in draft."
DRAFT_ONLY_DELETE = "Only draft campaigns can be deleted; archive closed ones instead."
DUPLICATE_ENTRY_NAME = "This campaign already has an entry with this name."

channel_id_validator = RegexValidator(
    r"^[0-9]{17,20}$", "Enter a Discord channel id (17–20 digits) or leave it blank."
)


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    LIVE = "live", "Live"
    CLOSED = "closed", "Closed"
    ARCHIVED = "archived", "Archived"


class CloseReason(models.TextChoices):
    TIME = "time", "End time reached"
    ALL_VOTED = "all_voted", "Everyone voted"
    MANUAL = "manual", "Closed by the officers"


class Chattiness(models.TextChoices):
    QUIET = "quiet", "Quiet — launch & results only"
    NORMAL = "normal", "Normal — + milestones & time warnings"
    HYPE = "hype", "Hype — everything, including lead changes"


class Campaign(models.Model):
    """CMP-1: one ranked-choice vote."""

    Status = CampaignStatus
    CloseReason = CloseReason
    Chattiness = Chattiness

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    picks_per_voter = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    min_rank_to_vote = models.ForeignKey(
        GuildRank,
        to_field="level",
        db_column="min_rank_to_vote",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="minimum rank to vote",
    )
    min_rank_to_view = models.ForeignKey(
        GuildRank,
        to_field="level",
        db_column="min_rank_to_view",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="minimum rank to view",
        help_text="Blank: public (anyone).",
    )
    start_at = models.DateTimeField("start (UTC)")
    duration_hours = models.PositiveIntegerField(
        default=168, validators=[MinValueValidator(1), MaxValueValidator(8760)]
    )
    end_at = models.DateTimeField("end (UTC)", editable=False)
    status = models.CharField(
        max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    early_close_if_all_voted = models.BooleanField("close early when everyone voted", default=True)
    secret_ballot = models.BooleanField(default=False)
    discord_channel_id = models.CharField(
        "Discord channel id",
        max_length=20,
        blank=True,
        default="",
        validators=[channel_id_validator],
        help_text="Blank posts to the site's announcement channel.",
    )
    agent_enabled = models.BooleanField("contest agent on", default=True)
    agent_chattiness = models.CharField(
        "agent chattiness", max_length=6, choices=Chattiness.choices, default=Chattiness.NORMAL
    )
    created_by = models.ForeignKey(
        Player, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    close_reason = models.CharField(
        max_length=10, choices=CloseReason.choices, blank=True, default="", editable=False
    )
    eligible_at_close = models.PositiveIntegerField(null=True, blank=True, editable=False)
    voted_at_close = models.PositiveIntegerField(null=True, blank=True, editable=False)
    agent_last_leader = models.ForeignKey(
        "CampaignEntry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_at", "pk"]
        indexes = [models.Index(fields=["status", "end_at"], name="campaign_status_end")]
        constraints = [
            models.CheckConstraint(
                condition=Q(picks_per_voter__gte=1, picks_per_voter__lte=10),
                name="campaign_picks_1_10",
            ),
            models.CheckConstraint(
                condition=Q(duration_hours__gte=1, duration_hours__lte=8760),
                name="campaign_duration_1_8760",
            ),
            models.CheckConstraint(
                condition=Q(status__in=CampaignStatus.values), name="campaign_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(agent_chattiness__in=Chattiness.values),
                name="campaign_chattiness_valid",
            ),
            models.CheckConstraint(
                condition=Q(close_reason="") | Q(close_reason__in=CloseReason.values),
                name="campaign_close_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(end_at__gt=models.F("start_at")), name="campaign_ends_after_start"
            ),
            # Closed and archived campaigns carry their close time and reason; drafts and live
            # ones carry neither (CMP-8).
            models.CheckConstraint(
                condition=(
                    Q(status__in=[CampaignStatus.DRAFT, CampaignStatus.LIVE])
                    & Q(closed_at__isnull=True, close_reason="")
                )
                | (
                    Q(status__in=[CampaignStatus.CLOSED, CampaignStatus.ARCHIVED])
                    & Q(closed_at__isnull=False)
                    & ~Q(close_reason="")
                ),
                name="campaign_close_fields_match_status",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, lifecycle: bool = False, **kwargs):
        """CMP-10: outside draft only the lifecycle code may save (`lifecycle=True`)."""
        if not lifecycle and self.pk is not None and not self._stored_is_draft():
            raise ValidationError(DRAFT_ONLY_CAMPAIGN)
        self.compute_end()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not self._stored_is_draft():
            raise ValidationError(DRAFT_ONLY_DELETE)
        return super().delete(*args, **kwargs)

    @property
    def vote_level(self) -> int:
        return self.min_rank_to_vote_id

    @property
    def view_level(self) -> int | None:
        return self.min_rank_to_view_id

    @property
    def is_draft(self) -> bool:
        return self.status == CampaignStatus.DRAFT

    @property
    def is_finished(self) -> bool:
        """Closed or archived: final results exist (CMP-4)."""
        return self.status in (CampaignStatus.CLOSED, CampaignStatus.ARCHIVED)

    def points(self) -> list[int]:
        """CMP-23: points per rank, e.g. [3, 2, 1]."""
        return list(range(self.picks_per_voter, 0, -1))

    def compute_end(self) -> None:
        if self.start_at is not None and self.duration_hours is not None:
            self.end_at = self.start_at + timedelta(hours=self.duration_hours)

    def clean(self) -> None:
        """CMP-10 and CMP-12's cross-field rule (single-field ranges are validators)."""
        if self.pk is not None and not self._stored_is_draft():
            raise ValidationError(DRAFT_ONLY_CAMPAIGN)
        vote, view = self.min_rank_to_vote_id, self.min_rank_to_view_id
        if vote is not None and view is not None and view > vote:
            raise ValidationError(
                {
                    "min_rank_to_view": "The minimum rank to view can't be higher than the "
                    "minimum rank to vote."
                }
            )

    def _stored_is_draft(self) -> bool:
        stored = Campaign.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        return stored is None or stored == CampaignStatus.DRAFT


class CampaignEntry(models.Model):
    """CMP-2: something to vote for. Changeable only while its campaign is a draft (CMP-10)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="entries")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    image_url = models.URLField("image URL", blank=True, default="", max_length=500)
    image = models.ImageField(upload_to="campaigns/entries/", blank=True, default="")
    sort_order = models.IntegerField(default=0)
    player = models.ForeignKey(
        Player,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaign_entries",
        verbose_name="associated player",
    )

    class Meta:
        verbose_name_plural = "campaign entries"
        ordering = ["sort_order", "name"]
        constraints = [
            # CMP-2: "Trog" and "trog" are the same entry (issue 11 item 20). Lower() is
            # ASCII-only on SQLite and follows the collation on PostgreSQL; the admin formset
            # compares with Python's str.lower(), which is at least as strict.
            models.UniqueConstraint(
                "campaign",
                Lower("name"),
                name="campaign_entry_name_ci_unique",
                violation_error_message=DUPLICATE_ENTRY_NAME,
            ),
            models.CheckConstraint(
                condition=Q(image_url="") | Q(image_url__startswith="https://"),
                name="campaign_entry_image_url_https",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self._campaign_is_draft():
            raise ValidationError(DRAFT_ONLY_ENTRIES)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not self._campaign_is_draft():
            raise ValidationError(DRAFT_ONLY_ENTRIES)
        return super().delete(*args, **kwargs)

    @property
    def display_image(self) -> str:
        """CMP-2: the uploaded image, else the URL, else "" (the template draws a placeholder)."""
        if self.image:
            return self.image.url
        return self.image_url

    def _campaign_is_draft(self) -> bool:
        status = (
            Campaign.objects.filter(pk=self.campaign_id).values_list("status", flat=True).first()
        )
        return status is None or status == CampaignStatus.DRAFT
