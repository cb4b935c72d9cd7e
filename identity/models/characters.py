"""WoW characters and the history of their names (IDN-8, IDN-9)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from identity.models.ranks import GuildRank
from identity.models.reference import PlayableClass, Specialization


class WowCharacterQuerySet(models.QuerySet):
    def by_name(self, name: str, realm_slug: str) -> "WowCharacterQuerySet":
        """Look a character up by name (case-folded, accents count) and realm slug."""
        return self.filter(name_key=name.casefold(), realm_slug=realm_slug)


class WowCharacter(models.Model):
    """A WoW character, in the guild or not. Syncs never delete characters (IDN-8)."""

    blizzard_id = models.BigIntegerField(unique=True, null=True, blank=True)
    name = models.CharField(max_length=64)
    name_key = models.CharField(
        max_length=96, editable=False, help_text="name.casefold(); '#<pk>' marks a released name."
    )
    realm_slug = models.SlugField(max_length=64)
    realm_name = models.CharField(max_length=64, blank=True, default="")
    playable_class = models.ForeignKey(
        PlayableClass, on_delete=models.PROTECT, null=True, blank=True, related_name="characters"
    )
    active_spec = models.ForeignKey(
        Specialization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    item_level = models.PositiveSmallIntegerField(null=True, blank=True)
    race = models.CharField(max_length=64, blank=True, default="")
    guild_rank_index = models.PositiveSmallIntegerField(null=True, blank=True)
    guild_rank = models.ForeignKey(
        GuildRank, on_delete=models.PROTECT, null=True, blank=True, related_name="characters"
    )
    guild_note = models.CharField(max_length=255, blank=True, default="")
    officer_note = models.CharField(max_length=255, blank=True, default="")
    last_login_at = models.DateTimeField(null=True, blank=True)
    in_guild = models.BooleanField(default=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    left_guild_at = models.DateTimeField(null=True, blank=True)
    last_blizzard_sync_at = models.DateTimeField(null=True, blank=True)
    last_addon_sync_at = models.DateTimeField(null=True, blank=True)
    automatch_blocked = models.BooleanField(
        default=False, help_text="Set when an officer unlinks: matching will not link it again."
    )

    # Everything a Blizzard or addon sync writes (IDN-8, IDN-23): officers never edit these.
    SYNCED_FIELDS = (
        "blizzard_id",
        "name",
        "realm_slug",
        "realm_name",
        "playable_class",
        "active_spec",
        "level",
        "item_level",
        "race",
        "guild_rank_index",
        "guild_rank",
        "guild_note",
        "officer_note",
        "last_login_at",
        "in_guild",
        "first_seen_at",
        "left_guild_at",
        "last_blizzard_sync_at",
        "last_addon_sync_at",
    )

    objects = WowCharacterQuerySet.as_manager()

    class Meta:
        ordering = ["name_key", "realm_slug"]
        verbose_name = "WoW character"
        constraints = [
            models.UniqueConstraint(
                fields=["name_key", "realm_slug"], name="wowcharacter_unique_name_realm"
            ),
            models.CheckConstraint(
                condition=~Q(name="") & ~Q(name_key="") & ~Q(realm_slug=""),
                name="wowcharacter_name_and_realm_required",
            ),
            models.CheckConstraint(
                condition=Q(in_guild=False) | Q(left_guild_at__isnull=True),
                name="wowcharacter_in_guild_has_no_left_at",
            ),
        ]
        indexes = [models.Index(fields=["in_guild", "name_key"], name="wowchar_in_guild_name")]

    def __str__(self) -> str:
        return f"{self.name}-{self.realm_name or self.realm_slug}"

    def save(self, *args, **kwargs):
        # A released name (IDN-23 step 3) keeps its "#<pk>" key until a sync renames the row.
        if not self.name_released:
            self.name_key = self.name.casefold()
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key"}
        super().save(*args, **kwargs)

    @property
    def name_released(self) -> bool:
        return "#" in self.name_key


class NameChangeReason(models.TextChoices):
    RENAME = "rename", "Rename or transfer"
    NAME_RELEASED = "name_released", "Name released"


class CharacterNameHistory(models.Model):
    """Every name or realm change a sync makes to a character (IDN-9)."""

    Reason = NameChangeReason

    character = models.ForeignKey(
        WowCharacter, on_delete=models.CASCADE, related_name="name_history"
    )
    old_name = models.CharField(max_length=64)
    old_realm_slug = models.SlugField(max_length=64)
    new_name = models.CharField(max_length=64)
    new_realm_slug = models.SlugField(max_length=64)
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=16, choices=Reason.choices)

    class Meta:
        ordering = ["-changed_at"]
        verbose_name_plural = "character name history"
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=NameChangeReason.values),
                name="namehistory_reason_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.old_name}-{self.old_realm_slug} → {self.new_name}-{self.new_realm_slug}"
