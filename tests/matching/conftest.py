"""Shared set-up for matching tests: the default ladder with Discord role ids."""

import pytest

from identity.models import GuildRank
from tests.factories import DiscordUserFactory

ROLE_IDS = {"Initiate": "9001", "Member": "9002", "Veteran": "9003", "Officer": "9004"}
ROLE_IDS["Guild Leader"] = "9005"


@pytest.fixture
def ladder(db):
    for name, role_id in ROLE_IDS.items():
        GuildRank.objects.filter(name=name).update(discord_role_id=role_id)
    return {rank.name: rank for rank in GuildRank.objects.all()}


@pytest.fixture
def member(ladder):
    """A present Discord user holding a ladder role (a matching candidate, IDN-33)."""

    def make(username, display_name=None, role="Member", **kwargs):
        return DiscordUserFactory(
            username=username,
            display_name=display_name if display_name is not None else username,
            role_ids=[ROLE_IDS[role]],
            highest_guild_role=ladder[role],
            **kwargs,
        )

    return make
