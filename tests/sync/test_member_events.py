"""The services behind the bot's member events (IDN-28)."""

import logging
from datetime import UTC, datetime

import pytest

from identity.models import DiscordUser, GuildRank
from identity.services.member_events import MemberData, member_joined, member_left, member_updated
from tests.factories import DiscordUserFactory, PlayerFactory, rank

pytestmark = pytest.mark.django_db

GM_ROLE, OFFICER_ROLE, BOOSTER_ROLE = "700000000000000001", "700000000000000002", "7003"


@pytest.fixture(autouse=True)
def ladder_role_ids():
    GuildRank.objects.filter(name="Guild Leader").update(discord_role_id=GM_ROLE)
    GuildRank.objects.filter(name="Officer").update(discord_role_id=OFFICER_ROLE)


def data(**overrides) -> MemberData:
    values = {
        "discord_id": "555000000000000001",
        "username": "trogdor",
        "global_name": "Trog",
        "nick": None,
        "role_ids": (OFFICER_ROLE,),
        "joined_at": datetime(2024, 2, 3, tzinfo=UTC),
        "bot": False,
    }
    return MemberData(**{**values, **overrides})


def test_idn28_a_join_upserts_as_idn27():
    row = member_joined(data(nick="Burninator"))
    assert row.pk is not None
    row = DiscordUser.objects.get(discord_id="555000000000000001")
    assert row.display_name == "Burninator"
    assert row.highest_guild_role == rank("Officer")
    assert row.joined_at == datetime(2024, 2, 3, tzinfo=UTC)
    assert row.is_present and row.first_seen_at is not None


def test_idn28_a_rejoin_brings_the_row_back_and_keeps_joined_at():
    first = member_joined(data())
    member_left(first.discord_id)
    member_joined(data(joined_at=datetime(2025, 1, 1, tzinfo=UTC)))
    row = DiscordUser.objects.get(pk=first.pk)
    assert row.is_present and row.left_at is None
    assert row.joined_at == datetime(2024, 2, 3, tzinfo=UTC)
    assert DiscordUser.objects.count() == 1


def test_idn28_bots_are_ignored():
    assert member_joined(data(bot=True)) is None
    assert member_updated(data(bot=True)) is None
    assert not DiscordUser.objects.exists()


def test_idn28_a_leave_marks_absent_and_keeps_the_player():
    row = member_joined(data())
    player = PlayerFactory(discord_user=row)
    member_left(row.discord_id)
    row.refresh_from_db()
    assert not row.is_present and row.left_at is not None
    player.refresh_from_db()
    assert player.discord_user == row


def test_idn28_an_unknown_leaver_is_a_no_op():
    assert member_left("999") is None
    assert not DiscordUser.objects.exists()


def test_idn28_an_avatar_only_update_writes_nothing():
    row = member_joined(data())
    DiscordUser.objects.filter(pk=row.pk).update(last_synced_at=None)
    member_updated(data())  # same username, names and roles
    row.refresh_from_db()
    assert row.last_synced_at is None


def test_idn28_a_nick_or_role_change_is_written_logged_and_recomputes_the_rank(caplog):
    row = member_joined(data())
    player = PlayerFactory(display_name="Trogdor", discord_user=row)
    with caplog.at_level(logging.INFO, logger="identity.services.member_events"):
        member_updated(data(nick="Trog GM", role_ids=(GM_ROLE, BOOSTER_ROLE)))
    row.refresh_from_db()
    assert row.display_name == "Trog GM"
    assert row.role_ids == sorted([GM_ROLE, BOOSTER_ROLE], key=int)
    assert row.highest_guild_role == rank("Guild Leader")
    assert "Officer -> Guild Leader" in caplog.text
    player.refresh_from_db()
    assert player.guild_rank == rank("Guild Leader")


def test_idn28_a_global_name_change_hidden_by_a_nick_writes_nothing():
    row = member_joined(data(nick="Trog"))
    DiscordUser.objects.filter(pk=row.pk).update(last_synced_at=None)
    member_updated(data(nick="Trog", global_name="Someone Else"))
    row.refresh_from_db()
    assert row.last_synced_at is None
    assert row.display_name == "Trog"


def test_idn28_an_update_of_a_username_is_written():
    row = DiscordUserFactory(discord_id="555000000000000001", username="old", role_ids=[])
    member_updated(data(username="newname"))
    row.refresh_from_db()
    assert row.username == "newname"
