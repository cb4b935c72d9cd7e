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
from patt.discord.events import FollowUp
from patt.registry import BotListener
from tests.bot.support import GUILD_ID, stand_in_dm, stand_in_member

# A pool thread that served an earlier database test keeps its connection, and each unit checks
# it (BOT-9): the database must be reachable here too (as in test_adapters.py).
pytestmark = pytest.mark.django_db


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


# --- the pool's order (issue 13): answers first, joins next, follow-ups last -----------------


def blocked_pool(threads=1, background_threads=1):
    """A `UnitPool` whose threads are all held by a unit until `release` is set."""
    pool = bot_module.UnitPool(threads, background_threads=background_threads)
    release, holding = threading.Event(), threading.Semaphore(0)

    def hold():
        holding.release()
        release.wait(5)

    for _ in range(threads):
        pool.submit_at(bot_module.REPLY, hold)
    for _ in range(threads):
        assert holding.acquire(timeout=5)
    return pool, release


def test_bot_8_the_pool_starts_answers_before_joins_before_follow_ups():
    pool, release = blocked_pool()
    ran = []
    futures = [
        pool.submit_at(priority, ran.append, name)
        for priority, name in [
            (bot_module.FOLLOW_UP, "verify a"),
            (bot_module.MEMBER_EVENT, "join b"),
            (bot_module.REPLY, "answer c"),
            (bot_module.FOLLOW_UP, "verify d"),
            (bot_module.REPLY, "answer e"),
        ]
    ]
    release.set()
    for future in futures:
        future.result(timeout=5)
    assert ran == ["answer c", "answer e", "join b", "verify a", "verify d"]
    pool.shutdown()


def test_bot_8_within_a_priority_the_oldest_event_goes_first():
    """A unit carries its event's arrival (`next_order()` when the event came in): a join's
    second listener, submitted later, still goes before the first listener of a later join."""
    pool, release = blocked_pool()
    first_join, later_join = bot_module.next_order(), bot_module.next_order()
    ran = []
    futures = [
        pool.submit_ordered(bot_module.MEMBER_EVENT, later_join, ran.append, "later join: upsert"),
        pool.submit_ordered(bot_module.MEMBER_EVENT, first_join, ran.append, "first join: DM"),
    ]
    release.set()
    for future in futures:
        future.result(timeout=5)
    assert ran == ["first join: DM", "later join: upsert"]
    pool.shutdown()


def test_bot_8_joins_and_follow_ups_keep_threads_free_for_answers():
    """At most `background_threads` member events and follow-ups run at once; an answer starts
    meanwhile."""
    pool = bot_module.UnitPool(3, background_threads=1)
    first_running, release = threading.Event(), threading.Event()
    running, peak = [0], [0]
    lock = threading.Lock()

    def follow_up():
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        first_running.set()
        release.wait(5)
        with lock:
            running[0] -= 1

    follow_ups = [
        pool.submit_at(priority, follow_up)
        for priority in (bot_module.FOLLOW_UP, bot_module.MEMBER_EVENT, bot_module.FOLLOW_UP)
    ]
    assert first_running.wait(5)
    answer = pool.submit_at(bot_module.REPLY, lambda: "answered")
    assert answer.result(timeout=5) == "answered"  # while the follow-up still holds its thread
    assert not release.is_set()
    release.set()
    for future in follow_ups:
        future.result(timeout=5)
    assert peak[0] == 1
    pool.shutdown()


def test_bot_8_a_unit_error_reaches_its_caller_and_the_pool_goes_on():
    pool = bot_module.UnitPool(1, background_threads=1)

    def boom():
        raise ValueError("no")

    with pytest.raises(ValueError):
        pool.submit_at(bot_module.FOLLOW_UP, boom).result(timeout=5)
    assert pool.submit_at(bot_module.FOLLOW_UP, lambda: 2).result(timeout=5) == 2
    pool.shutdown()
    with pytest.raises(RuntimeError):
        pool.submit(lambda: 3)


def test_bot_8_a_dm_is_answered_before_joins_that_arrived_first(bot, monkeypatch):
    """The bot hands a DM to the pool as an answer (REPLY) and a join as a member event: with
    the pool busy, the DM that arrived last runs first; a FollowUp's second step runs last."""
    pool, release = blocked_pool()
    monkeypatch.setattr(bot_module, "_pool", pool)
    monkeypatch.setattr(bot_module, "handler_pool", lambda: pool)
    ran = []

    def handle(value):
        ran.append(getattr(value, "text", None) or f"join {value.id}")
        if getattr(value, "text", "") == "none":
            return FollowUp((), then=lambda: ran.append("verify"))
        return None

    monkeypatch.setattr(registry, "bot_listeners", lambda event: (BotListener("p", event, handle),))

    async def scenario():
        tasks = [asyncio.ensure_future(bot.on_member_join(stand_in_member(id=n))) for n in (7, 8)]
        tasks.append(asyncio.ensure_future(bot.on_message(stand_in_dm(author_id=1, text="none"))))
        tasks.append(asyncio.ensure_future(bot.on_message(stand_in_dm(author_id=2, text="yes"))))
        await asyncio.sleep(0.2)  # every unit is queued behind the held thread
        release.set()
        await asyncio.gather(*tasks)

    asyncio.run(scenario())
    assert ran == ["none", "yes", "join 7", "join 8", "verify"]
    pool.shutdown()
