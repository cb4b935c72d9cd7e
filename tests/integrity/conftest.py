"""Shared set-up for integrity tests: the default ladder with Discord role ids."""

from datetime import UTC, datetime

import pytest

from identity.models import GuildRank, RankSource
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
)

ROLE_IDS = {
    "Initiate": "9001",
    "Member": "9002",
    "Veteran": "9003",
    "Officer": "9004",
    "Guild Leader": "9005",
}
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def ladder(db):
    for name, role_id in ROLE_IDS.items():
        GuildRank.objects.filter(name=name).update(discord_role_id=role_id)
    return {rank.name: rank for rank in GuildRank.objects.all()}


@pytest.fixture
def member(ladder):
    """A present Discord user holding the ladder role of `role` (None: no ladder role)."""

    def make(role="Member", **kwargs):
        return DiscordUserFactory(
            role_ids=[ROLE_IDS[role], "1234"] if role else ["1234"],
            highest_guild_role=ladder[role] if role else None,
            **kwargs,
        )

    return make


@pytest.fixture
def guildie(ladder, member):
    """An active player of rank `rank` with an in-guild character and a Discord user holding
    `role` (None: no ladder role)."""

    def make(rank="Member", role="Member", *, manual=False, characters=1, **kwargs):
        player = PlayerFactory(
            discord_user=member(role),
            guild_rank=ladder[rank] if rank else None,
            rank_source=RankSource.MANUAL if manual else RankSource.AUTO,
            **kwargs,
        )
        for _ in range(characters):
            PlayerCharacterFactory(
                player=player, character=WowCharacterFactory(guild_rank=ladder[rank or "Member"])
            )
        return player

    return make
