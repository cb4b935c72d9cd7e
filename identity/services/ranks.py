"""Player ranks derived from characters and Discord roles (IDN-6, IDN-9, IDN-14, IDN-15).

The rules live here once; syncs, matching, member events, link changes, ladder edits and the
admin all call these functions. Each runs a fixed number of queries whatever the guild's size.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import Case, F, Max, Q, When

from identity.models import DiscordUser, GuildRank, LinkSource, Player, RankSource, WowCharacter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RankChange:
    """One player's rank change, as recorded in `SyncRun.details.rank_changes` (IDN-15)."""

    player: str
    old: str | None
    new: str
    basis: str  # "character" | "discord"
    player_id: int

    def as_details(self) -> dict:
        data = asdict(self)
        del data["player_id"]
        return data


# A character a member added to their own roster (ROS-14) is only their claim until an officer
# confirms it: it never lends its rank, or a member could claim an officer's unlinked alt and
# gain officer rank and admin access through the staff rule (IDN-15).
UNVERIFIED_CLAIM = Q(
    character_links__link_source=LinkSource.ROSTER_FORM, character_links__confirmed=False
)


def recompute_player_ranks(
    *, player_ids: Iterable[int] | None = None, run_details: dict | None = None
) -> list[RankChange]:
    """Recompute the rank of every `auto` player (or only `player_ids`) (IDN-14).

    1. The highest-level rank among the player's in-guild linked characters (a self-added
       roster character counts once an officer confirms the link);
    2. else the rank of the present Discord user's highest guild role;
    3. else unchanged.
    `manual` ranks are never touched. Changes are logged and, when `run_details` is given
    (inside a pipeline), appended to its `rank_changes`. The staff rule follows (IDN-15).
    """
    players = Player.objects.filter(rank_source=RankSource.AUTO)
    if player_ids is not None:
        player_ids = list(player_ids)
        players = players.filter(pk__in=player_ids)
    rows = players.annotate(
        character_level=Max(
            "character_links__character__guild_rank__level",
            filter=Q(character_links__character__in_guild=True) & ~UNVERIFIED_CLAIM,
        ),
        discord_level=Case(
            When(discord_user__is_present=True, then=F("discord_user__highest_guild_role__level")),
            default=None,
        ),
    ).values_list("pk", "display_name", "guild_rank_id", "character_level", "discord_level")

    ladder = {rank.level: rank for rank in GuildRank.objects.all()}
    names_by_id = {rank.pk: rank.name for rank in ladder.values()}
    changes: list[RankChange] = []
    moves: dict[int, list[int]] = defaultdict(list)
    for pk, name, current_id, character_level, discord_level in rows:
        if character_level is not None:
            new, basis = ladder[character_level], "character"
        elif discord_level is not None:
            new, basis = ladder[discord_level], "discord"
        else:
            continue
        if new.pk == current_id:
            continue
        moves[new.pk].append(pk)
        changes.append(
            RankChange(
                player=name,
                old=names_by_id.get(current_id),
                new=new.name,
                basis=basis,
                player_id=pk,
            )
        )
    with transaction.atomic():
        for rank_id, pks in moves.items():
            Player.objects.filter(pk__in=pks).update(guild_rank_id=rank_id)
        for change in changes:
            log.info(
                "Rank of %s: %s -> %s (basis: %s)",
                change.player,
                change.old or "no rank",
                change.new,
                change.basis,
            )
        if run_details is not None:
            run_details.setdefault("rank_changes", []).extend(c.as_details() for c in changes)
        from identity.services.accounts import sync_officer_access_for_players

        sync_officer_access_for_players(player_ids=player_ids)
    return changes


def set_manual_rank(*, player: Player, rank: GuildRank | None) -> Player:
    """An officer sets the rank by hand: it becomes `manual` and no sync changes it (IDN-14)."""
    from identity.services.accounts import sync_officer_access_for_players

    with transaction.atomic():
        player.guild_rank = rank
        player.rank_source = RankSource.MANUAL
        player.save(update_fields=["guild_rank", "rank_source", "updated_at"])
        sync_officer_access_for_players(player_ids=[player.pk])
    return player


def return_ranks_to_automatic(*, player_ids: Iterable[int]) -> list[RankChange]:
    """Admin action "Return rank to automatic": `auto`, then recompute (IDN-14)."""
    player_ids = list(player_ids)
    with transaction.atomic():
        Player.objects.filter(pk__in=player_ids).update(rank_source=RankSource.AUTO)
        return recompute_player_ranks(player_ids=player_ids)


def highest_guild_role(role_ids: Iterable[str], *, ladder: Iterable[GuildRank]) -> GuildRank | None:
    """The highest-level rank whose Discord role id is among `role_ids` (IDN-7, IDN-28)."""
    held = {str(role_id) for role_id in role_ids}
    matching = [rank for rank in ladder if rank.discord_role_id and rank.discord_role_id in held]
    return max(matching, key=lambda rank: rank.level, default=None)


def resolve_ladder() -> list[RankChange]:
    """Re-resolve ranks after the ladder changed (IDN-6, IDN-9).

    Every character's `guild_rank` follows its `guild_rank_index`, every Discord user's
    `highest_guild_role` follows its `role_ids`, then player ranks are recomputed.
    """
    ladder = list(GuildRank.objects.all())
    with transaction.atomic():
        indexed = {
            rank.wow_rank_index: rank.pk for rank in ladder if rank.wow_rank_index is not None
        }
        for index, rank_id in indexed.items():
            WowCharacter.objects.filter(guild_rank_index=index).exclude(
                guild_rank_id=rank_id
            ).update(guild_rank_id=rank_id)
        WowCharacter.objects.exclude(guild_rank_index__in=indexed).exclude(
            guild_rank__isnull=True
        ).update(guild_rank=None)

        changed = []
        for discord_user in DiscordUser.objects.only("pk", "role_ids", "highest_guild_role_id"):
            best = highest_guild_role(discord_user.role_ids or [], ladder=ladder)
            best_id = best.pk if best else None
            if best_id != discord_user.highest_guild_role_id:
                discord_user.highest_guild_role_id = best_id
                changed.append(discord_user)
        DiscordUser.objects.bulk_update(changed, ["highest_guild_role"], batch_size=500)
        return recompute_player_ranks()


def rank_usage(rank: GuildRank) -> tuple[int, int]:
    """How many players and characters use `rank` (IDN-6 delete refusal)."""
    return rank.players.count(), rank.characters.count()
