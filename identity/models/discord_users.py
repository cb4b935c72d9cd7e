"""Discord users: members, present or past, of the guild's Discord server (IDN-7)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from identity.models.ranks import GuildRank, discord_snowflake_validator


class DiscordUser(models.Model):
    """A member (present or past) of the guild's Discord server. Bots are never stored."""

    discord_id = models.CharField(
        "Discord id", max_length=20, unique=True, validators=[discord_snowflake_validator]
    )
    username = models.CharField(max_length=64)
    display_name = models.CharField(max_length=100, blank=True, default="")
    role_ids = models.JSONField(default=list, blank=True)
    highest_guild_role = models.ForeignKey(
        GuildRank,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="discord_users",
        help_text="Highest-level rank whose Discord role this user holds.",
    )
    joined_at = models.DateTimeField(null=True, blank=True)
    is_present = models.BooleanField(default=True)
    left_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["username"]
        verbose_name = "Discord user"
        constraints = [
            models.CheckConstraint(
                condition=Q(discord_id__regex=r"^[0-9]{1,20}$"),
                name="discorduser_discord_id_digits",
            ),
            models.CheckConstraint(
                condition=Q(is_present=False) | Q(left_at__isnull=True),
                name="discorduser_present_has_no_left_at",
            ),
        ]

    def __str__(self) -> str:
        if self.display_name and self.display_name != self.username:
            return f"{self.display_name} (@{self.username})"
        return f"@{self.username}"
