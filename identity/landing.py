"""Identity's part of the landing page: the officers block (ACC-47 #7, ACC-48).

A constant number of queries, however large the guild is.
"""

from django.db.models.functions import Lower

from identity.models import GuildRank, Player
from patt.memo import memo


@memo(
    cleared_by=(
        "identity.Player",
        "identity.GuildRank",
        "identity.WowCharacter",
        "identity.PlayableClass",
    )
)
def officers() -> list[Player]:
    """ACC-47 #7: active Players with rank level ≥ 4, level descending then display name.

    One query: rank, main character and its class come joined (`select_related`). Kept per
    process for 30 s, dropped when this process writes one of those models (`patt.memo`):
    every visitor of the landing page sees the same list.
    Display names sort case-insensitively so "alice" does not trail "Zed"; the pk breaks ties.
    """
    return list(
        Player.objects.filter(is_active=True, guild_rank__level__gte=GuildRank.OFFICER_LEVEL)
        .select_related("guild_rank", "main_character__playable_class")
        .order_by("-guild_rank__level", Lower("display_name"), "display_name", "pk")
    )
