"""BOT-7 … BOT-10: the bot's listener coroutines called directly with stand-ins (BOT-32).

They filter other servers and bots, copy the event into a frozen dataclass, hand it to the
contributed listeners in the sync thread, send what comes back, report the delivery, log one
INFO line, and survive a failing listener.
"""

import asyncio
import dataclasses
import logging
from types import SimpleNamespace

import pytest

from patt import registry
from patt.discord.bot import PattBot, bot_intents
from patt.discord.events import (
    DM,
    DMS_CLOSED,
    MEMBER_JOIN,
    MEMBER_REMOVE,
    MEMBER_UPDATE,
    SENT,
    DmIn,
    FollowUp,
    MemberInfo,
    OutMessage,
)
from patt.registry import BotListener
from tests.bot.support import (
    GUILD_ID,
    JOINED,
    OTHER_GUILD_ID,
    forbidden,
    stand_in_dm,
    stand_in_member,
)

# The sync thread's connection is checked before and after each unit (BOT-9), so the database
# must be reachable even when the stand-in listeners never query it.
pytestmark = pytest.mark.django_db


@pytest.fixture
def bot():
    return PattBot(guild_id=GUILD_ID)


@pytest.fixture
def listen():
    """Register extra listeners for one test; they are removed afterwards."""
    added = []

    def add(event, handle, *, order=100, report=None, name=None):
        listener = BotListener(name or f"test.{event}.{len(added)}", event, handle, order, report)
        registry.registry.add(listener)
        added.append(listener)
        return listener

    yield add
    for listener in added:
        registry.registry.remove(BotListener, listener.key)


def run(coro):
    return asyncio.run(coro)


def test_bot_6_intents_are_exactly_guilds_members_and_dm_messages(bot):
    enabled = {name for name, on in bot_intents() if on}
    assert enabled == {"guilds", "members", "dm_messages"}
    assert bot.intents.message_content is False
    assert bot._connection._chunk_guilds is False  # chunk_guilds_at_startup=False


def test_bot_8_a_join_becomes_member_info_for_the_listener(bot, listen, monkeypatch):
    seen = []
    monkeypatch.setattr(
        registry,
        "bot_listeners",
        lambda event: (BotListener("probe", event, seen.append),) if event == MEMBER_JOIN else (),
    )
    run(bot.on_member_join(stand_in_member(nick="Burninator")))
    assert seen == [
        MemberInfo(
            id="1001",
            username="trogdor",
            global_name="Trog",
            nick="Burninator",
            display_name="Burninator",
            bot=False,
            joined_at=JOINED,
            role_ids=("9002",),  # @everyone (the server's id) is no role of the member
        )
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        seen[0].nick = "x"


@pytest.mark.parametrize(
    "member",
    [stand_in_member(guild_id=OTHER_GUILD_ID), stand_in_member(bot=True)],
    ids=["other-server", "bot"],
)
def test_bot_7_other_servers_and_bots_are_ignored(bot, monkeypatch, member):
    seen = []
    monkeypatch.setattr(
        registry, "bot_listeners", lambda event: (BotListener("p", event, seen.append),)
    )
    run(bot.on_member_join(member))
    run(bot.on_member_update(member, member))
    run(bot.on_raw_member_remove(SimpleNamespace(guild_id=member.guild.id, user=member)))
    assert seen == []


def test_bot_7_remove_and_update_reach_their_listeners(bot, monkeypatch):
    seen = []
    monkeypatch.setattr(
        registry,
        "bot_listeners",
        lambda event: (BotListener("p", event, lambda value: seen.append((event, value.id))),),
    )
    member = stand_in_member()
    run(bot.on_member_update(member, member))
    run(bot.on_raw_member_remove(SimpleNamespace(guild_id=GUILD_ID, user=member)))
    assert seen == [(MEMBER_UPDATE, "1001"), (MEMBER_REMOVE, "1001")]


def test_bot_8_a_dm_becomes_dm_in_and_the_returned_messages_are_sent(bot, monkeypatch):
    seen, reports = [], []

    def handle(dm):
        seen.append(dm)
        return [OutMessage(content="Hello!"), OutMessage(embeds=({"title": "Welcome"},))]

    monkeypatch.setattr(
        registry,
        "bot_listeners",
        lambda event: (
            (BotListener("dm", event, handle, report=lambda v, d: reports.append(d)),)
            if event == DM
            else ()
        ),
    )
    message = stand_in_dm(text="yes I have")
    run(bot.on_message(message))
    assert seen == [DmIn(author_id="1001", message_id="9000001", text="yes I have")]
    sends = message.channel.send.await_args_list
    assert [call.kwargs["content"] for call in sends] == ["Hello!", None]
    assert sends[1].kwargs["embeds"][0].title == "Welcome"
    assert sends[0].kwargs["allowed_mentions"].everyone is False
    assert [(d.outcome, d.sent) for d in reports] == [(SENT, 2)]


def test_bot_7_server_messages_and_bot_dms_are_not_read(bot, monkeypatch):
    seen = []
    monkeypatch.setattr(
        registry, "bot_listeners", lambda event: (BotListener("p", event, seen.append),)
    )
    in_server = stand_in_dm()
    in_server.guild = SimpleNamespace(id=GUILD_ID)
    run(bot.on_message(in_server))
    run(bot.on_message(stand_in_dm(bot=True)))
    assert seen == []


def test_bot_8_a_refused_dm_is_reported_as_dms_closed(bot, monkeypatch):
    reports = []
    monkeypatch.setattr(
        registry,
        "bot_listeners",
        lambda event: (
            BotListener(
                "join",
                event,
                lambda m: OutMessage(content="Welcome"),
                report=lambda v, d: reports.append((v.id, d.outcome)),
            ),
        ),
    )
    member = stand_in_member()
    member.send.side_effect = forbidden(50007)
    run(bot.on_member_join(member))
    member.send.assert_awaited_once()
    assert reports == [("1001", DMS_CLOSED)]


def answer_dms_with_follow_up(monkeypatch, then, reports) -> None:
    """One DM listener answering "Got it" at once and `then()` as the second step; each
    delivery goes to `reports` as (outcome, messages sent)."""
    monkeypatch.setattr(
        registry,
        "bot_listeners",
        lambda event: (
            BotListener(
                "dm",
                event,
                lambda dm: FollowUp((OutMessage(content="Got it"),), then=then),
                report=lambda v, d: reports.append((d.outcome, d.sent)),
            ),
        ),
    )


def test_bot_8_a_follow_up_sends_its_first_messages_before_the_second_step_runs(bot, monkeypatch):
    """ONB-25 (issue 13): a handler's `FollowUp` has its messages sent at once; the second step
    runs after them, in the same user turn, and its messages follow; the report sees both."""
    message = stand_in_dm(text="none")
    order, reports = [], []
    message.channel.send.side_effect = lambda **kw: (
        order.append(("sent", kw["content"])) or (SimpleNamespace(id=len(order)))
    )

    def then():
        order.append(("then", None))
        return [OutMessage(content="Matched!")]

    answer_dms_with_follow_up(monkeypatch, then, reports)
    run(bot.on_message(message))
    assert order == [("sent", "Got it"), ("then", None), ("sent", "Matched!")]
    assert reports == [(SENT, 1)]


def test_bot_8_a_follow_up_still_runs_when_the_first_send_failed(bot, monkeypatch):
    """The second step's work is the service's (verification): it runs even when the first
    send failed, and its messages are not sent after a failed one."""
    message = stand_in_dm(text="none")
    message.channel.send.side_effect = forbidden(50007)
    ran, reports = [], []
    answer_dms_with_follow_up(
        monkeypatch, lambda: ran.append(1) or [OutMessage(content="Matched!")], reports
    )
    run(bot.on_message(message))
    assert ran == [1]
    message.channel.send.assert_awaited_once()
    assert [outcome for outcome, _ in reports] == [DMS_CLOSED]


def test_bot_10_a_failing_listener_is_logged_with_an_error_id_and_the_next_runs(
    bot, monkeypatch, caplog
):
    ran = []

    def broken(member):
        raise RuntimeError("boom")

    monkeypatch.setattr(
        registry,
        "bot_listeners",
        lambda event: (
            BotListener("broken", event, broken, order=1),
            BotListener("after", event, ran.append, order=2),
        ),
    )
    with caplog.at_level(logging.INFO, logger="patt.bot"):
        outcome = run(bot.dispatch_to_listeners(MEMBER_JOIN, "value", "1001", None))
    assert outcome == "error" and ran == ["value"]
    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert failure.error_id and failure.error_id in failure.getMessage()
    info = [r for r in caplog.records if r.levelno == logging.INFO]
    assert len(info) == 1  # BOT-10: one INFO line per event, with BOT-11's fields
    assert (info[0].event, info[0].discord_user_id, info[0].outcome) == (
        MEMBER_JOIN,
        "1001",
        "error",
    )
    assert info[0].error_id == failure.error_id and isinstance(info[0].duration_ms, int)


def test_bot_9_listeners_run_off_the_event_loop(bot, monkeypatch):
    loops = []

    def handle(value):
        try:
            asyncio.get_running_loop()
            loops.append("on the loop")
        except RuntimeError:
            loops.append("sync thread")

    monkeypatch.setattr(registry, "bot_listeners", lambda event: (BotListener("p", event, handle),))
    run(bot.on_member_join(stand_in_member()))
    assert loops == ["sync thread"]


def test_registry_bot_listeners_come_by_event_in_order(listen):
    listen(MEMBER_JOIN, print, order=99, name="test.late")
    listen(MEMBER_JOIN, print, order=15, name="test.between")
    listen(DM, print, name="test.dm")
    names = [listener.name for listener in registry.bot_listeners(MEMBER_JOIN)]
    assert names[:1] == ["identity.member_join"]  # identity's upsert first (ONB-8 comes after)
    assert names.index("test.between") < names.index("test.late")
    assert "test.dm" not in names
    # onboarding's DM listener (ONB-12) is there too once the app is installed.
    assert "test.dm" in [listener.name for listener in registry.bot_listeners(DM)]
