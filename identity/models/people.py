"""Players: the people of the guild, with their main and off-spec (IDN-10, IDN-12, IDN-13)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from identity.models.characters import WowCharacter
from identity.models.discord_users import DiscordUser
from identity.models.ranks import GuildRank
from identity.models.reference import Role, Specialization


class RankSource(models.TextChoices):
    AUTO = "auto", "Automatic"
    MANUAL = "manual", "Manual (never changed by syncs)"


class Player(models.Model):
    """A person in the guild: one Discord account, one website account, many characters."""

    RankSource = RankSource

    display_name = models.CharField(max_length=100)
    discord_user = models.OneToOneField(
        DiscordUser, on_delete=models.SET_NULL, null=True, blank=True, related_name="player"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="player",
        verbose_name="website account",
    )
    guild_rank = models.ForeignKey(
        GuildRank, on_delete=models.PROTECT, null=True, blank=True, related_name="players"
    )
    rank_source = models.CharField(
        max_length=8, choices=RankSource.choices, default=RankSource.AUTO
    )
    main_character = models.ForeignKey(
        WowCharacter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    main_spec = models.ForeignKey(
        Specialization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    offspec_character = models.ForeignKey(
        WowCharacter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="off-spec character",
    )
    offspec_spec = models.ForeignKey(
        Specialization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="off-spec",
    )
    is_active = models.BooleanField(default=True)
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rank_source__in=RankSource.values), name="player_rank_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(main_spec__isnull=True) | Q(main_character__isnull=False),
                name="player_main_spec_needs_character",
            ),
            models.CheckConstraint(
                condition=Q(offspec_spec__isnull=True) | Q(offspec_character__isnull=False),
                name="player_offspec_spec_needs_character",
            ),
        ]
        indexes = [models.Index(fields=["display_name"], name="player_display_name")]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        validate_main_and_offspec(self)

    @property
    def main_role(self) -> Role | None:
        """The main spec's default role (IDN-13)."""
        return self.main_spec.default_role if self.main_spec_id else None

    @property
    def offspec_role(self) -> Role | None:
        return self.offspec_spec.default_role if self.offspec_spec_id else None


def validate_main_and_offspec(player: Player) -> None:
    """IDN-13: main/off-spec characters are the player's own; a spec fits its character's class.

    Raises a ValidationError keyed by field, for the admin form (`Player.clean`) and for
    services alike. It lives with the model so that models never import services.
    """
    errors: dict[str, str] = {}
    owned: set[int] | None = None
    for label, char_field, spec_field in (
        ("main", "main_character", "main_spec"),
        ("off-spec", "offspec_character", "offspec_spec"),
    ):
        character = getattr(player, char_field)
        spec = getattr(player, spec_field)
        if character is not None:
            if owned is None:
                owned = (
                    set(player.character_links.values_list("character_id", flat=True))
                    if player.pk
                    else set()
                )
            if character.pk not in owned:
                errors[char_field] = (
                    f"The {label} character must be one of this player's characters."
                )
                continue
        if spec is None:
            continue
        if character is None:
            errors[spec_field] = f"Choose the {label} character before its spec."
        elif character.playable_class_id and spec.playable_class_id != character.playable_class_id:
            errors[spec_field] = (
                f"{spec.name} ({spec.playable_class.name}) is not a spec of "
                f"{character.name}'s class ({character.playable_class.name})."
            )
    if errors:
        raise ValidationError(errors)
