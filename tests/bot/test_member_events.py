"""IDN-28 through the bot (issue 13 item 2): join / update / remove events reach identity's
services in the sync thread and change DiscordUser within the event, not at the next sync."""

import asyncio
from types import SimpleNamespace

import pytest

from identity import bot_listeners
from identity.models import DiscordUser
from identity.services.member_events import MemberData
from patt.discord.bot import PattBot
from tests.bot.support import GUILD_ID, JOINED, stand_in_member


@pytest.fixture
def bot():
    return PattBot(guild_id=GUILD_ID)


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # later join listeners (onboarding) may read the database
def test_idn_28_join_calls_record_member_join_with_member_data(bot, monkeypatch):
    calls = []
    monkeypatch.setattr(bot_listeners, "record_member_join", lambda **kw: calls.append(kw))
    asyncio.run(bot.on_member_join(stand_in_member(nick="Burninator", role_ids=(9002, 9100))))
    assert calls == [
        {
            "member": MemberData(
                discord_id="1001",
                username="trogdor",
                global_name="Trog",
                nick="Burninator",
                role_ids=("9002", "9100"),
                joined_at=JOINED,
                bot=False,
            )
        }
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_idn_28_join_update_and_remove_change_the_discord_user_in_real_time(bot):
    member = stand_in_member(nick=None, role_ids=(9002,))
    asyncio.run(bot.on_member_join(member))
    row = DiscordUser.objects.get(discord_id="1001")
    assert (row.username, row.display_name, row.role_ids, row.is_present) == (
        "trogdor",
        "Trog",
        ["9002"],
        True,
    )

    renamed = stand_in_member(nick="Trog the GM", role_ids=(9002, 9005))
    asyncio.run(bot.on_member_update(member, renamed))
    row.refresh_from_db()
    assert (row.display_name, row.role_ids) == ("Trog the GM", ["9002", "9005"])

    asyncio.run(bot.on_raw_member_remove(SimpleNamespace(guild_id=GUILD_ID, user=renamed)))
    row.refresh_from_db()
    assert row.is_present is False and row.left_at is not None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_idn_28_events_of_bots_and_other_servers_write_nothing(bot):
    asyncio.run(bot.on_member_join(stand_in_member(bot=True)))
    asyncio.run(bot.on_member_join(stand_in_member(guild_id=1)))
    assert not DiscordUser.objects.exists()
