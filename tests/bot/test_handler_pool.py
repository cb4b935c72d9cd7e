"""BOT-8 as built: the handlers run on a thread pool (BOT_HANDLER_THREADS), so members do not wait
for each other, while the events of one member are handled one at a time in arrival order; the
lease calls never overlap, so a renewal cannot read a lease the shutdown just released."""

import asyncio
import threading
import time

import pytest

from patt import registry
from patt.discord import bot as bot_module
from patt.discord.bot import PattBot
from patt.registry import BotListener
from tests.bot.support import GUILD_ID, stand_in_dm


@pytest.fixture
def bot():
    return PattBot(guild_id=GUILD_ID)


def test_bot_8_two_members_are_handled_at_once_and_one_members_dms_in_order(
    bot, monkeypatch, settings
):
    settings.BOT_HANDLER_THREADS = 4
    b_started = threading.Event()
    spans: dict[str, list[float]] = {}
    overlap_seen = []

    def handle(value):
        key = f"{value.author_id}:{value.text}"
        spans[key] = [time.monotonic()]
        if key == "1:first":
            # Another member's DM runs while this one is still in its handler: a pool, not one
            # thread (with one thread this waits the whole 5 s and records False).
            overlap_seen.append(b_started.wait(timeout=5))
        if value.author_id == "2":
            b_started.set()
        time.sleep(0.05)
        spans[key].append(time.monotonic())

    monkeypatch.setattr(registry, "bot_listeners", lambda event: (BotListener("p", event, handle),))

    async def scenario():
        await asyncio.gather(
            bot.on_message(stand_in_dm(author_id=1, text="first", message_id=11)),
            bot.on_message(stand_in_dm(author_id=1, text="second", message_id=12)),
            bot.on_message(stand_in_dm(author_id=2, text="other", message_id=21)),
        )

    asyncio.run(scenario())
    assert overlap_seen == [True]
    # The same member's second DM started only after the first one's handler had finished.
    assert spans["1:second"][0] >= spans["1:first"][1]
    assert bot._user_locks == {}  # no lock kept for members with nothing in flight


def test_bot_8_with_no_pool_every_unit_runs_on_the_one_sync_thread(bot, monkeypatch, settings):
    settings.BOT_HANDLER_THREADS = 0
    threads = []
    monkeypatch.setattr(
        registry,
        "bot_listeners",
        lambda event: (BotListener("p", event, lambda v: threads.append(threading.get_ident())),),
    )

    async def scenario():
        await asyncio.gather(
            *(bot.on_message(stand_in_dm(author_id=n, message_id=n)) for n in range(1, 6))
        )

    asyncio.run(scenario())
    assert len(threads) == 5 and len(set(threads)) == 1
    assert threads[0] != threading.get_ident()  # still off the event loop's thread


def test_bot_3_a_renewal_after_the_shutdown_released_the_lease_is_no_lost_lease(monkeypatch):
    """The gateway closing at start-up (4004) dispatches a disconnect, whose renewal used to race
    the shutdown's release: the renewal found the lease free and reported "another instance took
    over", turning a start-up failure (exit 2) into a clean stop (exit 0)."""
    calls = []

    def renew_lease(*, instance_id, connected=None):
        calls.append("renew")
        return False  # the row was released

    def release_lease(*, instance_id, now=None):
        calls.append("release")
        return True

    monkeypatch.setattr(bot_module.lease, "renew_lease", renew_lease)
    monkeypatch.setattr(bot_module.lease, "release_lease", release_lease)
    monkeypatch.setattr(bot_module, "connections", type("C", (), {"close_all": lambda: None}))
    bot = PattBot(guild_id=GUILD_ID, instance_id="me")

    async def scenario():
        await bot.shutdown()
        return await bot.beat(connected=False)

    assert asyncio.run(scenario()) is True
    assert calls == ["release"]
    assert not bot.lease_lost and not bot.stop_requested.is_set()
