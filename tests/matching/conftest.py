"""Shared set-up for matching tests: the default ladder with Discord role ids."""

import pytest

from tests.conftest import LADDER_ROLE_IDS
from tests.factories import DiscordUserFactory


@pytest.fixture
def member(ladder):
    """A present Discord user holding a ladder role (a matching candidate, IDN-33)."""

    def make(username, display_name=None, role="Member", **kwargs):
        return DiscordUserFactory(
            username=username,
            display_name=display_name if display_name is not None else username,
            role_ids=[LADDER_ROLE_IDS[role]],
            highest_guild_role=ladder[role],
            **kwargs,
        )

    return make
