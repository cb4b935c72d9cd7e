"""The bridge between players and characters (IDN-11), with its raid-roster fields (ROS-2 … 4)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from identity.models.characters import WowCharacter
from identity.models.people import Player
from identity.models.reference import Role, Specialization


class LinkSource(models.TextChoices):
    EXACT_NAME = "exact_name", "Exact name"
    GUILD_NOTE = "guild_note", "Guild note"
    OFFICER_NOTE = "officer_note", "Officer note"
    FUZZY = "fuzzy", "Fuzzy match"
    ONBOARDING = "onboarding", "Onboarding"
    MANUAL = "manual", "Manual (officer)"
    IMPORT = "import", "Import"
    ROSTER_FORM = "roster_form", "Roster form"


class Confidence(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium (unconfirmed automatic)"
    LOW = "low", "Low (uncertain import)"


class PlayerCharacter(models.Model):
    """The bridge: a character belongs to at most one player (IDN-11)."""

    LinkSource = LinkSource

    Confidence = Confidence

    character = models.OneToOneField(WowCharacter, on_delete=models.CASCADE, related_name="link")
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="character_links")
    link_source = models.CharField(max_length=16, choices=LinkSource.choices)
    confidence = models.CharField(max_length=8, choices=Confidence.choices)
    confirmed = models.BooleanField(default=False)
    linked_at = models.DateTimeField(default=timezone.now)
    linked_by = models.ForeignKey(
        Player,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Blank = linked automatically.",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        Player, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Raid roster fields (roster spec, ROS-2 … ROS-4). The raid spec's class must be the
    # character's class: checked by `clean()` and by the roster services that write it.
    on_raid_roster = models.BooleanField(default=False)
    raid_spec = models.ForeignKey(
        Specialization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    raid_role = models.ForeignKey(
        Role, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["player__display_name", "character__name_key"]
        verbose_name = "character link"
        constraints = [
            models.CheckConstraint(
                condition=Q(link_source__in=LinkSource.values),
                name="playercharacter_link_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(confidence__in=Confidence.values),
                name="playercharacter_confidence_valid",
            ),
            # Manual links are always high and confirmed (IDN-11).
            models.CheckConstraint(
                condition=~Q(link_source="manual") | Q(confidence="high", confirmed=True),
                name="playercharacter_manual_is_high_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.character} → {self.player}"

    def clean(self) -> None:
        """ROS-14: the raid spec must belong to the character's class."""
        spec, character = self.raid_spec, getattr(self, "character", None)
        if (
            spec is not None
            and character is not None
            and character.playable_class_id
            and spec.playable_class_id != character.playable_class_id
        ):
            raise ValidationError(
                {"raid_spec": f"{spec} is not a spec of {character.playable_class}."}
            )
