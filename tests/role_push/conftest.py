"""Shared set-up of the role push tests: the ladder's roles on the fake Discord server and
guild members that exist both there and in the database with the same roles."""

import pytest

from identity.models import RankSource
from patt.models import SiteConfig
from tests.conftest import LADDER_ROLE_IDS
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
)

BOOSTER = "1234"  # a non-ladder role


@pytest.fixture
def server(fake_discord, ladder):
    """The fake server has every ladder role (same ids as the ranks) and a Booster role."""
    for name, role_id in LADDER_ROLE_IDS.items():
        fake_discord.add_role(role_id, name=name)
    fake_discord.add_role(BOOSTER, name="Booster")
    return fake_discord


@pytest.fixture
def writes_on(db):
    config = SiteConfig.get()
    config.discord_role_writes_enabled = True
    config.save()
    return config


@pytest.fixture
def guildie(ladder, server):
    """A player of `rank` whose Discord user (in the database and on the fake server) holds
    the roles named in `roles` (ladder rank names, or raw ids such as BOOSTER).

    `link` is "confirmed" (default), "unconfirmed" or None (no character link).
    """

    def make(rank="Member", roles=(), *, link="confirmed", manual=False, on_server=True, **kw):
        role_ids = [LADDER_ROLE_IDS.get(role, role) for role in roles]
        user = DiscordUserFactory(role_ids=sorted(role_ids, key=int), **kw.pop("user", {}))
        if on_server:
            server.add_member(user.discord_id, username=user.username, roles=role_ids)
        player = PlayerFactory(
            discord_user=user,
            guild_rank=ladder[rank] if rank else None,
            rank_source=RankSource.MANUAL if manual else RankSource.AUTO,
            **kw,
        )
        if link == "confirmed":
            PlayerCharacterFactory(player=player)
        elif link == "unconfirmed":
            PlayerCharacterFactory(
                player=player,
                character=WowCharacterFactory(),
                link_source="fuzzy",
                confidence="medium",
                confirmed=False,
            )
        return player

    return make
