"""Query functions of the landing page (ACC-47, ACC-48).

Each read issues a constant number of queries, however large the guild is.
"""

from django.db.models.functions import Lower

from identity.models import GuildRank, Player
from patt.models import SiteConfig


def officers() -> list[Player]:
    """ACC-47 #7: active Players with rank level ≥ 4, level descending then display name.

    One query: rank, main character and its class come joined (`select_related`).
    Display names sort case-insensitively so "alice" does not trail "Zed"; the pk breaks ties.
    """
    return list(
        Player.objects.filter(is_active=True, guild_rank__level__gte=GuildRank.OFFICER_LEVEL)
        .select_related("guild_rank", "main_character__playable_class")
        .order_by("-guild_rank__level", Lower("display_name"), "display_name", "pk")
    )


def hero_image_src(config: SiteConfig) -> str:
    """ACC-47 #1: the uploaded hero image wins over `hero_image_url`; blank when neither."""
    if config.hero_image:
        return config.hero_image.url
    return config.hero_image_url
