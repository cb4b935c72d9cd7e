"""The rank ladder (IDN-4 … IDN-6) and the Discord id validator ranks and Discord users share."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

discord_snowflake_validator = RegexValidator(
    r"^[0-9]{1,20}$", "A Discord id is a string of digits."
)


class GuildRank(models.Model):
    """A rung of the guild ladder; higher `level` = more authority (IDN-4).

    Maps to the in-game rank by `wow_rank_index` and to Discord only by `discord_role_id`
    (IDN-5).
    """

    OFFICER_LEVEL = 4

    name = models.CharField(max_length=64, unique=True)
    level = models.PositiveSmallIntegerField(unique=True)
    wow_rank_index = models.PositiveSmallIntegerField(
        "WoW rank index",
        unique=True,
        null=True,
        blank=True,
        help_text="In-game rank index, 0 = Guild Master.",
    )
    discord_role_name = models.CharField(max_length=100, blank=True, default="")
    discord_role_id = models.CharField(
        "Discord role id",
        max_length=20,
        blank=True,
        default="",
        validators=[discord_snowflake_validator],
    )
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-level"]
        constraints = [
            models.UniqueConstraint(
                fields=["discord_role_id"],
                condition=~Q(discord_role_id=""),
                name="guildrank_discord_role_id_unique_when_set",
            ),
            models.CheckConstraint(condition=Q(level__gte=1), name="guildrank_level_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_officer(self) -> bool:
        return self.level >= self.OFFICER_LEVEL
