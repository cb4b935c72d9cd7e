"""Shared set-up for integrity tests: the default ladder with Discord role ids."""

from datetime import UTC, datetime

import pytest

from identity.models import RankSource
from tests.conftest import LADDER_ROLE_IDS
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def member(ladder):
    """A present Discord user holding the ladder role of `role` (None: no ladder role)."""

    def make(role="Member", **kwargs):
        return DiscordUserFactory(
            role_ids=[LADDER_ROLE_IDS[role], "1234"] if role else ["1234"],
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
