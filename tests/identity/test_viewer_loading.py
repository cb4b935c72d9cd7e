"""ACC-36: the request's Viewer and account facts come from one compiled query
(`viewer_and_access`, patt/compiled.py, issue 17) and must load the Player exactly as the ORM
path (`player_for_user`) does: every field, the rank, IDN-15's "left the guild" and the
Officers group membership."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from identity.models import Player
from identity.services.accounts import OFFICERS_GROUP
from identity.services.viewer import player_for_user, viewer_and_access
from tests.factories import DiscordUserFactory, PlayerCharacterFactory, PlayerFactory, rank

pytestmark = pytest.mark.django_db
User = get_user_model()

CASES = {
    "officer in the group, in the guild": ("Officer", True, True),
    "officer who left the guild": ("Officer", True, False),
    "veteran, not in the group": ("Veteran", False, True),
    "no rank": (None, False, None),
}


def member(rank_name, in_group, in_guild):
    user = User.objects.create(username="olga")
    player = PlayerFactory(
        user=user,
        guild_rank=rank(rank_name) if rank_name else None,
        discord_user=DiscordUserFactory(is_present=False),
        notes="Raid lead",
    )
    if in_guild is not None:
        PlayerCharacterFactory(player=player, character__in_guild=in_guild)
    if in_group:
        user.groups.add(Group.objects.get_or_create(name=OFFICERS_GROUP)[0])
    return user


def _fields(player: Player) -> list:
    return [getattr(player, field.attname) for field in Player._meta.concrete_fields]


@pytest.mark.parametrize("case", CASES)
def test_acc36_viewer_player_loads_as_player_for_user(case, django_assert_num_queries):
    rank_name, in_group, in_guild = CASES[case]
    user = member(rank_name, in_group, in_guild)
    expected = player_for_user(user)

    with django_assert_num_queries(1):
        viewer, access = viewer_and_access(user)
        assert viewer.player.guild_rank == expected.guild_rank  # attached, no query

    assert _fields(viewer.player) == _fields(expected)
    # A Discord user on record, not present: left unless a character is in the guild.
    assert viewer.player.has_left_guild is expected.has_left_guild is (in_guild is not True)
    if rank_name:
        assert viewer.player.guild_rank.name == rank_name
    assert access.in_officers_group is in_group
    assert access.officer is (rank_name == "Officer" and in_guild is True)
    assert access.has_player and access.player_active


@pytest.mark.parametrize("in_group", [True, False])
def test_acc36_a_user_without_a_player(in_group, django_assert_num_queries):
    user = User.objects.create(username="webmaster")
    if in_group:
        user.groups.add(Group.objects.get_or_create(name=OFFICERS_GROUP)[0])

    with django_assert_num_queries(2):  # the Player row, then the group membership
        viewer, access = viewer_and_access(user)

    assert viewer.player is None and not access.has_player
    assert access.in_officers_group is in_group and not access.officer
