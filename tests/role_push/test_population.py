"""Who the role push touches (IDN-29): everyone else is never written, with writes on."""

import pytest

from identity.models import GuildRank
from identity.services.role_push import push_roles
from tests.conftest import LADDER_ROLE_IDS as R

pytestmark = pytest.mark.django_db


def pushed_ids(result):
    return [change["discord_id"] for change in result.changes]


def test_idn29_pushes_an_auto_rank_with_a_confirmed_link(
    server, discord_client, guildie, writes_on
):
    player = guildie("Member", ["Initiate"], link="confirmed")
    result = push_roles(client=discord_client)
    assert pushed_ids(result) == [player.discord_user.discord_id]


def test_idn29_pushes_a_manual_rank_without_any_link(server, discord_client, guildie, writes_on):
    player = guildie("Veteran", ["Member"], link=None, manual=True)
    result = push_roles(client=discord_client)
    assert pushed_ids(result) == [player.discord_user.discord_id]
    assert server.member(player.discord_user.discord_id)["roles"] == [R["Veteran"]]


def test_idn29_auto_rank_without_a_confirmed_link_is_untouched(
    server, discord_client, guildie, writes_on
):
    guildie("Member", ["Initiate"], link=None)
    guildie("Member", ["Initiate"], link="unconfirmed")
    result = push_roles(client=discord_client)
    assert server.requests == []
    assert result.changes == []


def test_idn29_inactive_player_is_untouched(server, discord_client, guildie, writes_on):
    guildie("Member", ["Initiate"], is_active=False)
    push_roles(client=discord_client)
    assert server.requests == []


def test_idn29_discord_user_not_present_is_untouched(server, discord_client, guildie, writes_on):
    guildie("Member", ["Initiate"], user={"is_present": False})
    push_roles(client=discord_client)
    assert server.requests == []


def test_idn29_player_without_rank_is_untouched(server, discord_client, guildie, writes_on):
    guildie(None, ["Initiate"], manual=True)
    push_roles(client=discord_client)
    assert server.requests == []


def test_idn29_rank_without_a_discord_role_id_is_untouched(
    server, discord_client, guildie, writes_on
):
    GuildRank.objects.filter(name="Veteran").update(discord_role_id="")
    guildie("Veteran", ["Member"])
    push_roles(client=discord_client)
    assert server.requests == []


def test_idn29_player_without_discord_user_is_untouched(server, discord_client, guildie, writes_on):
    from tests.factories import PlayerCharacterFactory, PlayerFactory

    PlayerCharacterFactory(player=PlayerFactory(guild_rank=GuildRank.objects.get(name="Member")))
    result = push_roles(client=discord_client)
    assert server.requests == []
    assert result.changes == []
