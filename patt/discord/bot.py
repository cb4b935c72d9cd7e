"""The gateway bot of `manage.py runbot` (BOT-1 … BOT-13).

One discord.py client for the server `DISCORD_GUILD_ID`, with exactly the intents of BOT-6.
The bot owns no rule: each event is filtered (other servers, bots), copied into a frozen
dataclass (patt.discord.events), and handed to the sync handlers the apps contribute
(patt.registry `BotListener`), each through `sync_to_async` inside a `bot_unit` (fresh database
connections before and after, BOT-9). What a handler returns is sent to the event's user, and how
that went is reported back (BOT-8). A handler may answer in two steps (`FollowUp`: messages now,
then a second unit in the same user turn whose messages follow), so a member hears the first
reply before slower work such as verification runs (ONB-25). No ORM call runs on the event loop.

Where this departs from BOT-8's letter (`thread_sensitive=True`, one sync thread for all): the
units run on a pool of `BOT_HANDLER_THREADS` threads (default 8), so fifty members answering at
once do not queue behind each other (bench/onboarding.py). What the one thread guaranteed is kept
where it matters: the events of one Discord user are handled one at a time, in the order they
arrived (`PattBot.user_turn`, an asyncio lock per user), and every service locks its session row
(`select_for_update`). The pool starts the most urgent unit waiting: a DM's answer (and slash
commands and the lease) before member events such as joins, and those before the second step of
a `FollowUp` (verification after "Got it - thanks!"); joins and follow-ups run on at most a
quarter of the threads at once (`UnitPool`). `BOT_HANDLER_THREADS=0` restores the single thread,
where units run in arrival order.

Every event gets one INFO line on `patt.bot`; an exception is logged with an error id and never
stops the client (BOT-10).

patt imports no app: identity contributes the member listeners, onboarding the DM and slash
command ones; the bot only asks the registry.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import heapq
import itertools
import logging
import secrets
import signal
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import discord
import discord.gateway
import discord.http
import yarl
from asgiref.sync import sync_to_async
from discord import app_commands
from django.conf import settings
from django.db import close_old_connections, connections

from patt import registry
from patt.discord import lease
from patt.discord.events import (
    DM,
    DM_LOG_CHARS,
    DMS_CLOSED,
    FAILED,
    MEMBER_JOIN,
    MEMBER_REMOVE,
    MEMBER_UPDATE,
    SENT,
    Delivery,
    DmIn,
    FollowUp,
    MemberInfo,
    OutMessage,
    handler_messages,
)
from patt.http import RedactingFilter, register_secret

log = logging.getLogger("patt.bot")

T = TypeVar("T")

DISCORD_API_BASE = "https://discord.com/api/v10"  # discord.py's own Route.BASE
DRAIN_SECONDS = 10.0  # BOT-4: how long in-flight handlers may finish on shutdown
DMS_CLOSED_CODE = 50007
GATEWAY_AUTHENTICATION_FAILED = 4004  # the gateway's close code for a bad token
MISSING_ACCESS_CODE = 50001
INSTALL_PERMISSIONS = 268520448  # View Channels, Send/Embed/Read History, Manage Roles (BOT-12)

# BOT-2: the start-up failures, one stderr line each.
TOKEN_UNSET = "DISCORD_BOT_TOKEN is not set; the bot is disabled."
TOKEN_REJECTED = "Discord rejected the bot token (check DISCORD_BOT_TOKEN)."
MEMBERS_INTENT_OFF = "Enable the Server Members Intent in the Developer Portal."
COMMANDS_OUT_OF_DATE = "slash commands out of date - run `manage.py runbot --sync-commands`"


class StartupFailure(Exception):
    """The bot cannot start: `message` goes to stderr as one line, `code` is the exit code."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def bot_intents() -> discord.Intents:
    """BOT-6: exactly guilds, members and dm_messages; no message_content (DM content is
    always delivered to the app, and the bot reads no server channel)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    intents.dm_messages = True
    return intents


def install_url(application_id: int | str) -> str:
    """BOT-12: the URL that adds the bot to a server with the permissions it needs."""
    return (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        f"&scope=bot+applications.commands&permissions={INSTALL_PERMISSIONS}"
    )


# --- logging (BOT-11) ------------------------------------------------------------------------

_HANDLER_FILTER = RedactingFilter()


def redact_every_handler(token: str) -> None:
    """BOT-11: the token (and any `Bot …` credential) never reaches a log line. A filter on a
    logger misses its children's records, so the filter goes on every handler: the root's
    (where discord.py's records end up, as `start()` installs no handler of its own) and any
    logger's own."""
    register_secret(token)
    loggers: list[logging.Logger] = [logging.getLogger()]
    loggers += [
        item
        for item in logging.Logger.manager.loggerDict.values()
        if isinstance(item, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if _HANDLER_FILTER not in handler.filters:
                handler.addFilter(_HANDLER_FILTER)


def new_error_id() -> str:
    return secrets.token_hex(4)


# --- the sync side (BOT-9) -------------------------------------------------------------------


def bot_unit(fn: Callable[..., T]) -> Callable[..., T]:
    """Run `fn` as one unit of bot work in the sync thread: stale or broken database connections
    are dropped before and after (the bot lives for days; CONN_MAX_AGE and health checks apply
    only around requests otherwise)."""

    @functools.wraps(fn)
    def unit(*args: Any, **kwargs: Any) -> T:
        close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            close_old_connections()

    return unit


# What a unit is for, most urgent first: the pool starts the most urgent unit waiting (in
# arrival order within one kind).
REPLY = 0  # a member waits for it: a DM's answer, a slash command, the lease
MEMBER_EVENT = 1  # joins (with their opening DM), leaves, renames
FOLLOW_UP = 2  # the second step of a `FollowUp` (verification after "Got it - thanks!")
BACKGROUND = MEMBER_EVENT  # from here on a unit counts against the pool's background limit

# Within one priority, units start oldest first: by when their event arrived (`next_order()`),
# so a join's second listener goes before the first listener of a later join.
_ORDER = itertools.count()


def next_order() -> int:
    return next(_ORDER)


@dataclass(order=True)
class _Unit:
    priority: int
    order: int
    future: Future[Any] = field(compare=False)
    call: Callable[[], Any] = field(compare=False)


class UnitPool(Executor):
    """The bot's pool of sync threads: `threads` workers that start the most urgent unit waiting
    (`submit_at`'s priority, then arrival order). Units below `REPLY` (member events and
    follow-ups) run on at most `background_threads` of them at once, so threads (and the one
    interpreter lock they all share) stay free for the answers members wait for while fifty
    joins or verifications queue."""

    def __init__(self, threads: int, *, background_threads: int) -> None:
        self._ready = threading.Condition()
        self._queue: list[_Unit] = []
        self._background_limit = max(1, background_threads)
        self._background_running = 0
        self._closed = False
        self._workers = [
            threading.Thread(target=self._work, name=f"patt-bot-unit_{n}", daemon=True)
            for n in range(threads)
        ]
        for worker in self._workers:
            worker.start()

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        return self.submit_at(REPLY, fn, *args, **kwargs)

    def submit_at(
        self, priority: int, fn: Callable[..., T], /, *args: Any, **kwargs: Any
    ) -> Future[T]:
        return self.submit_ordered(priority, next_order(), fn, *args, **kwargs)

    def submit_ordered(
        self, priority: int, order: int, fn: Callable[..., T], /, *args: Any, **kwargs: Any
    ) -> Future[T]:
        """`fn(*args, **kwargs)` at `priority`, ordered by `order` (`next_order()`) among
        units of the same priority."""
        future: Future[T] = Future()
        with self._ready:
            if self._closed:
                raise RuntimeError("The bot's unit pool is shut down.")
            call = functools.partial(fn, *args, **kwargs)
            heapq.heappush(self._queue, _Unit(priority, order, future, call))
            self._ready.notify()
        return future

    def at(self, priority: int, order: int | None = None) -> _PoolAt:
        """An executor that submits to this pool at `priority` (for `sync_to_async`), ordered
        by `order` (default: when each unit is submitted)."""
        return _PoolAt(self, priority, order)

    def _take(self) -> _Unit | None:
        """The next unit to start, or None (nothing waits, or only background units at their
        limit: the queue is ordered by priority, so then no answer waits)."""
        if not self._queue:
            return None
        if self._queue[0].priority >= BACKGROUND:
            if self._background_running >= self._background_limit:
                return None
            self._background_running += 1
        return heapq.heappop(self._queue)

    def _work(self) -> None:
        while True:
            with self._ready:
                item = self._take()
                while item is None:
                    if self._closed and not self._queue:
                        return
                    self._ready.wait()
                    item = self._take()
            try:
                if item.future.set_running_or_notify_cancel():
                    try:
                        result = item.call()
                    except BaseException as exc:
                        item.future.set_exception(exc)
                    else:
                        item.future.set_result(result)
            finally:
                if item.priority >= BACKGROUND:
                    with self._ready:
                        self._background_running -= 1
                        self._ready.notify_all()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._ready:
            self._closed = True
            if cancel_futures:
                for unit in self._queue:
                    unit.future.cancel()
                self._queue.clear()
            self._ready.notify_all()
        if wait:
            for worker in self._workers:
                worker.join()


class _PoolAt(Executor):
    """`UnitPool.submit_ordered` with a fixed priority (and order), as an executor."""

    def __init__(self, pool: UnitPool, priority: int, order: int | None) -> None:
        self.pool, self.priority, self.order = pool, priority, order

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        order = next_order() if self.order is None else self.order
        return self.pool.submit_ordered(self.priority, order, fn, *args, **kwargs)


_pool: UnitPool | None = None
_pool_lock = threading.Lock()


def handler_pool() -> UnitPool | None:
    """The bot's pool of sync threads (`BOT_HANDLER_THREADS`, a quarter of them at most for
    member events and follow-ups); None for the one shared sync thread of
    `thread_sensitive=True` (BOT_HANDLER_THREADS=0)."""
    global _pool
    threads = int(getattr(settings, "BOT_HANDLER_THREADS", 0))
    if threads <= 0:
        return None
    with _pool_lock:
        if _pool is None:
            _pool = UnitPool(threads, background_threads=threads // 4)
        return _pool


def run_unit(fn: Callable[..., T], *args: Any, **kwargs: Any) -> Awaitable[T]:
    """`fn(*args, **kwargs)` as a `bot_unit`, off the event loop (BOT-8 step 3), on the bot's
    thread pool (see the module docstring for why not the one thread-sensitive thread), as a
    `REPLY` (urgent) unit."""
    return run_unit_at(REPLY, fn, *args, **kwargs)


def run_unit_at(priority: int, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Awaitable[T]:
    """`run_unit` at `priority` (`REPLY`, `MEMBER_EVENT`, `FOLLOW_UP`): the pool starts the
    most urgent unit waiting. With the one sync thread, units run in arrival order."""
    return run_event_unit(priority, None, fn, *args, **kwargs)


def run_event_unit(
    priority: int, order: int | None, fn: Callable[..., T], *args: Any, **kwargs: Any
) -> Awaitable[T]:
    """`run_unit_at` for a unit of an event that arrived at `order` (`next_order()`): it goes
    before the units of later events of the same priority."""
    pool = handler_pool()
    if pool is None:
        return sync_to_async(bot_unit(fn), thread_sensitive=True)(*args, **kwargs)
    # asgiref hands the executor to `loop.run_in_executor`, which only calls `submit`; its
    # annotation names ThreadPoolExecutor.
    executor = cast(ThreadPoolExecutor, pool.at(priority, order))
    return sync_to_async(bot_unit(fn), thread_sensitive=False, executor=executor)(*args, **kwargs)


# --- discord.py objects to plain values (BOT-8 step 2) ---------------------------------------


def member_info(member: Any) -> MemberInfo:
    """A `discord.Member` (or a `discord.User` when the member is not cached) as `MemberInfo`.
    The @everyone role (id = the server's id) is no role of the member."""
    guild = getattr(member, "guild", None)
    everyone = getattr(guild, "id", None)
    roles = getattr(member, "roles", None) or ()
    return MemberInfo(
        id=str(member.id),
        username=member.name,
        global_name=getattr(member, "global_name", None),
        nick=getattr(member, "nick", None),
        display_name=getattr(member, "display_name", "") or member.name,
        bot=bool(member.bot),
        joined_at=getattr(member, "joined_at", None),
        role_ids=tuple(str(role.id) for role in roles if role.id != everyone),
    )


def allowed_mentions(value: Mapping[str, Any] | None) -> discord.AllowedMentions:
    """Discord's JSON `allowed_mentions` as discord.py's; none by default, as the REST client."""
    if not value:
        return discord.AllowedMentions.none()
    parse = set(value.get("parse") or ())
    users: bool | list[discord.Object] = "users" in parse or [
        discord.Object(int(uid)) for uid in value.get("users") or ()
    ]
    roles: bool | list[discord.Object] = "roles" in parse or [
        discord.Object(int(rid)) for rid in value.get("roles") or ()
    ]
    return discord.AllowedMentions(
        everyone="everyone" in parse,
        users=users,
        roles=roles,
        replied_user=bool(value.get("replied_user", False)),
    )


# --- the client ------------------------------------------------------------------------------


class PattBot(discord.Client):
    """The one gateway client of the site (BOT-1). `instance_id` is the lease this process
    holds (blank for `--sync-only`, which holds none)."""

    def __init__(
        self,
        *,
        guild_id: int,
        instance_id: str = "",
        sync_commands: bool = False,
        heartbeat_seconds: float = lease.HEARTBEAT_EVERY.total_seconds(),
        drain_seconds: float = DRAIN_SECONDS,
    ) -> None:
        # No message cache: the bot reads each DM once and never looks a message up again.
        super().__init__(intents=bot_intents(), chunk_guilds_at_startup=False, max_messages=None)
        self.guild_id = guild_id
        self.instance_id = instance_id
        self.sync_commands = sync_commands
        self.heartbeat_seconds = heartbeat_seconds
        self.drain_seconds = drain_seconds
        self.tree = app_commands.CommandTree(self)
        self.stop_requested = asyncio.Event()
        self.in_flight: set[asyncio.Task[Any]] = set()
        self.draining = False
        self.lease_lost = False
        self.commands_synced: bool | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._shut_down = False
        # One lock per Discord user with events in flight (user_turn), and how many wait on it.
        self._user_locks: dict[str, tuple[asyncio.Lock, int]] = {}
        # Lease calls (renew, release) never overlap: the handlers' thread pool would otherwise
        # let a renewal read the row the shutdown has just released.
        self._lease_lock = asyncio.Lock()

    @property
    def guild_object(self) -> discord.Object:
        return discord.Object(self.guild_id)

    # --- one-time setup (BOT-5: never in on_ready, which repeats on every reconnect) ---------

    async def setup_hook(self) -> None:
        self.add_contributed_commands(registry.bot_commands())
        if self.sync_commands:
            self.commands_synced = await self.sync_slash_commands()
        else:
            await self.warn_if_commands_out_of_date()
        self._see_uncached_member_updates()
        # What is loaded by now lives as long as the process: the cyclic garbage collector
        # stops walking it, so a full collection no longer stalls every handler for tens of ms.
        gc.freeze()
        if self.instance_id:
            self._heartbeat = asyncio.create_task(self.heartbeat_loop(), name="patt-bot-heartbeat")

    def add_contributed_commands(self, contributions: Iterable[registry.BotCommands]) -> None:
        for contribution in contributions:
            for command in contribution.build():
                self.tree.add_command(command, guild=self.guild_object, override=True)

    async def sync_slash_commands(self) -> bool:
        """BOT-12: the tree becomes the server's commands, and this app's global commands are
        deleted (they would show every command twice)."""
        try:
            synced = await self.tree.sync(guild=self.guild_object)
            self.tree.clear_commands(guild=None)
            await self.tree.sync()
        except discord.Forbidden as exc:
            if exc.code == MISSING_ACCESS_CODE:
                log.error(
                    "Cannot register slash commands: the bot is not in server %s. Add it with %s "
                    "and move the bot's role above every rank role.",
                    self.guild_id,
                    install_url(self.application_id or ""),
                    extra={"event": "sync_commands", "outcome": "missing_access"},
                )
            else:
                log.error(
                    "Cannot register slash commands: %s", exc, extra={"event": "sync_commands"}
                )
            return False
        log.info(
            "Registered %d slash commands for server %s",
            len(synced),
            self.guild_id,
            extra={"event": "sync_commands", "outcome": "ok"},
        )
        return True

    async def warn_if_commands_out_of_date(self) -> None:
        """BOT-12: each start compares the registered names with the tree's."""
        wanted = {command.name for command in self.tree.get_commands(guild=self.guild_object)}
        try:
            registered = {c.name for c in await self.tree.fetch_commands(guild=self.guild_object)}
        except discord.HTTPException as exc:
            log.warning("Could not read the registered slash commands: %s", exc)
            return
        if registered != wanted:
            log.warning(COMMANDS_OUT_OF_DATE, extra={"event": "sync_commands", "outcome": "stale"})

    def _see_uncached_member_updates(self) -> None:
        """discord.py drops GUILD_MEMBER_UPDATE for a member it has not cached (it only caches
        it), and without chunking (BOT-6) most members are uncached, so a first rename or role
        change would wait for the 15-minute sync. After discord.py's own parser, a member that
        was unknown is dispatched as `member_update(member, member)`."""
        state = self._connection
        original = state.parsers["GUILD_MEMBER_UPDATE"]

        def parse(data: Any) -> None:
            guild = state._get_guild(int(data["guild_id"]))
            user_id = int(data["user"]["id"])
            known = guild is not None and guild.get_member(user_id) is not None
            original(data)
            if guild is not None and not known:
                member = guild.get_member(user_id)
                if member is not None:
                    self.dispatch("member_update", member, member)

        state.parsers["GUILD_MEMBER_UPDATE"] = parse

    # --- the lease (BOT-3) ------------------------------------------------------------------

    async def heartbeat_loop(self) -> None:
        """BOT-3: renew the lease every `heartbeat_seconds` (30 s); a lost lease ends the loop
        (and `beat` has asked the bot to stop)."""
        while not self.lease_lost:
            await asyncio.sleep(self.heartbeat_seconds)
            await self.beat()

    async def beat(self, connected: bool | None = None) -> bool:
        """Renew the lease; losing it (another instance started with --force) stops this bot."""
        if not self.instance_id:
            return True
        if connected is None:
            connected = self.is_ready() and not self.is_closed()
        try:
            async with self._lease_lock:
                if self._shut_down:
                    return True  # the shutdown releases the lease; nothing to renew
                held = await run_unit(
                    lease.renew_lease, instance_id=self.instance_id, connected=connected
                )
        except Exception:
            log.exception(
                "The heartbeat failed", extra={"event": "heartbeat", "error_id": new_error_id()}
            )
            return True  # the database is down: keep serving, the next beat retries
        if not held:
            self.lease_lost = True
            log.error(
                "Another bot instance took over the lease; stopping this one.",
                extra={"event": "heartbeat", "outcome": "lease_lost"},
            )
            self.stop_requested.set()
        return held

    # --- gateway events ---------------------------------------------------------------------

    async def on_ready(self) -> None:
        await self.beat(connected=True)
        if self.get_guild(self.guild_id) is None:
            # BOT-2: not a member of the server: say how to fix it, keep running.
            log.error(
                "The bot is not a member of server %s. Add it with %s",
                self.guild_id,
                install_url(self.application_id or ""),
                extra={"event": "ready", "outcome": "not_in_guild"},
            )
        else:
            log.info(
                "The bot is connected to server %s",
                self.guild_id,
                extra={"event": "ready", "outcome": "ok"},
            )

    async def on_resumed(self) -> None:
        await self.beat(connected=True)

    async def on_disconnect(self) -> None:
        if not self._shut_down:
            await self.beat(connected=False)

    async def on_member_join(self, member: discord.Member) -> None:
        if self._ours(member):
            await self.dispatch_to_listeners(
                MEMBER_JOIN, member_info(member), str(member.id), member
            )

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        # The raw event: the plain one fires only for cached members (and nothing is chunked).
        if payload.guild_id != self.guild_id or payload.user.bot:
            return
        await self.dispatch_to_listeners(
            MEMBER_REMOVE, member_info(payload.user), str(payload.user.id), None
        )

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        """Names and roles (IDN-28). discord.py dispatches `on_user_update` only together with
        this event (or for presences, an intent the bot does not have), so this one handler
        covers both; the service writes only when something it tracks changed."""
        if self._ours(after):
            await self.dispatch_to_listeners(MEMBER_UPDATE, member_info(after), str(after.id), None)

    async def on_message(self, message: discord.Message) -> None:
        if message.guild is not None or message.author.bot:
            return  # the bot reads DMs only; its own messages are a bot's
        dm = DmIn(
            author_id=str(message.author.id), message_id=str(message.id), text=message.content
        )
        log.debug("DM from %s: %s", dm.author_id, dm.text[:DM_LOG_CHARS])
        await self.dispatch_to_listeners(DM, dm, dm.author_id, message.channel)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception(
            "Error in %s",
            event_method,
            extra={"event": event_method, "error_id": new_error_id(), "outcome": "error"},
        )

    def _ours(self, member: Any) -> bool:
        """BOT-7: events of other servers and of bots are ignored."""
        return getattr(member.guild, "id", None) == self.guild_id and not member.bot

    # --- the adapter (BOT-8, BOT-10) --------------------------------------------------------

    @contextlib.asynccontextmanager
    async def user_turn(self, user_id: str) -> AsyncIterator[None]:
        """One event of `user_id` at a time, in arrival order (asyncio's locks are fair, FIFO):
        a member's second DM is handled after the first one's reply was sent, whatever thread
        the units run on. Locks of users with nothing in flight are dropped."""
        lock, waiting = self._user_locks.get(user_id, (asyncio.Lock(), 0))
        self._user_locks[user_id] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._user_locks[user_id]
            if waiting <= 1:
                del self._user_locks[user_id]
            else:
                self._user_locks[user_id] = (lock, waiting - 1)

    async def dispatch_to_listeners(
        self, event: str, value: Any, user_id: str, destination: discord.abc.Messageable | None
    ) -> str:
        """Hand `value` to each listener of `event` in order, send what it returns to
        `destination`, report the delivery. Returns the outcome of the event's INFO line."""
        if self.draining:
            log.info(
                "%s ignored: shutting down", event, extra={"event": event, "outcome": "ignored"}
            )
            return "ignored"
        task = asyncio.current_task()
        if task is not None:
            self.in_flight.add(task)
        started, order = time.monotonic(), next_order()
        outcome, error_id = "ok", None
        try:
            async with self.user_turn(user_id):
                # A DM is answered before joins and other member events are handled; within
                # a priority the oldest event goes first.
                priority = REPLY if event == DM else MEMBER_EVENT
                for listener in registry.bot_listeners(event):
                    try:
                        result = await run_event_unit(priority, order, listener.handle, value)
                        delivery = await self._deliver(event, listener, result, destination)
                        if isinstance(result, FollowUp) and result.then is not None:
                            # The second step runs whatever the first send did (its work is
                            # the service's); its messages go out unless the first send failed.
                            later = await run_event_unit(FOLLOW_UP, order, result.then)
                            if delivery is None or delivery.ok:
                                delivery = (
                                    await self._deliver(event, listener, later, destination)
                                    or delivery
                                )
                        if delivery is None:
                            continue
                        outcome = delivery.outcome
                        if listener.report is not None:
                            await run_event_unit(priority, order, listener.report, value, delivery)
                    except Exception:
                        outcome, error_id = "error", new_error_id()
                        log.exception(
                            "Handler %s failed on %s (error %s)",
                            listener.name,
                            event,
                            error_id,
                            extra={
                                "event": event,
                                "discord_user_id": user_id,
                                "error_id": error_id,
                            },
                        )
        finally:
            if task is not None:
                self.in_flight.discard(task)
            log.info(
                "%s from %s: %s",
                event,
                user_id,
                outcome,
                extra={
                    "event": event,
                    "discord_user_id": user_id,
                    "outcome": outcome,
                    "duration_ms": round((time.monotonic() - started) * 1000),
                    "error_id": error_id,
                },
            )
        return outcome

    async def _deliver(
        self,
        event: str,
        listener: registry.BotListener,
        result: object,
        destination: discord.abc.Messageable | None,
    ) -> Delivery | None:
        """Send what a handler returned to `destination`; None when there was nothing to send
        (or no one to send it to)."""
        messages = handler_messages(result)
        if not messages:
            return None
        if destination is None:
            log.warning(
                "%s: %s returned messages but there is no one to send them to",
                event,
                listener.name,
            )
            return None
        return await self.send_messages(destination, messages)

    async def send_messages(
        self, destination: discord.abc.Messageable, messages: Sequence[OutMessage]
    ) -> Delivery:
        sent: list[str] = []
        for message in messages:
            try:
                posted = await destination.send(
                    content=message.content or None,
                    embeds=[discord.Embed.from_dict(dict(embed)) for embed in message.embeds],
                    allowed_mentions=allowed_mentions(message.allowed_mentions),
                )
            except discord.Forbidden as exc:
                outcome = DMS_CLOSED if exc.code == DMS_CLOSED_CODE else FAILED
                return Delivery(outcome, len(sent), str(exc), tuple(sent))
            except discord.HTTPException as exc:
                return Delivery(FAILED, len(sent), str(exc), tuple(sent))
            sent.append(str(getattr(posted, "id", "")))
        return Delivery(SENT, len(sent), "", tuple(sent))

    # --- shutdown (BOT-4) -------------------------------------------------------------------

    async def shutdown(self) -> None:
        """Stop taking events, give in-flight handlers `drain_seconds`, close the gateway,
        release the lease (marked disconnected) and close the database connections."""
        if self._shut_down:
            return
        self._shut_down = True
        self.draining = True
        current = asyncio.current_task()
        pending = {task for task in self.in_flight if task is not current and not task.done()}
        if pending:
            _, late = await asyncio.wait(pending, timeout=self.drain_seconds)
            if late:
                log.warning(
                    "%d bot handlers did not finish in time", len(late), extra={"event": "shutdown"}
                )
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        await self.close()
        if self.instance_id and not self.lease_lost:
            try:
                async with self._lease_lock:
                    await run_unit(lease.release_lease, instance_id=self.instance_id)
            except Exception:
                log.exception("Could not release the bot lease", extra={"event": "shutdown"})
        await sync_to_async(connections.close_all, thread_sensitive=True)()
        log.info("The bot stopped", extra={"event": "shutdown", "outcome": "ok"})


# --- running it ------------------------------------------------------------------------------


async def _login_and_connect(bot: PattBot, token: str, *, sync_only: bool) -> None:
    try:
        await bot.login(token)  # runs setup_hook
    except discord.LoginFailure:
        raise StartupFailure(2, TOKEN_REJECTED) from None
    if sync_only:
        if bot.commands_synced is False:
            raise StartupFailure(1, "Slash commands were not registered; see the log above.")
        return
    if discord.http.Route.BASE != DISCORD_API_BASE:
        # A loopback Discord (tests, the bench): its gateway is where its `GET /gateway/bot`
        # says; discord.py would connect to the real one (it asks only when sharded).
        _, url, _ = await bot.http.get_bot_gateway()
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    try:
        await bot.connect(reconnect=True)  # BOT-5: discord.py reconnects and resumes
    except discord.PrivilegedIntentsRequired:
        raise StartupFailure(2, MEMBERS_INTENT_OFF) from None
    except discord.ConnectionClosed as closed:
        if closed.code == GATEWAY_AUTHENTICATION_FAILED:  # REST took the token, the gateway not
            raise StartupFailure(2, TOKEN_REJECTED) from None
        raise


async def serve(bot: PattBot, token: str, *, sync_only: bool = False) -> None:
    """Run `bot` until it stops or SIGTERM/SIGINT arrives, then shut it down (BOT-4). Start-up
    failures are raised as `StartupFailure` after the shutdown (the lease is released)."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, bot.stop_requested.set)
    work = asyncio.create_task(_login_and_connect(bot, token, sync_only=sync_only))
    stop = asyncio.create_task(bot.stop_requested.wait())
    try:
        await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        await bot.shutdown()
        if not work.done():
            work.cancel()
        stopped_on_request = bot.stop_requested.is_set()
        try:
            await work  # raises a StartupFailure, or whatever else stopped the client
        except asyncio.CancelledError:
            pass
        except Exception:
            if not stopped_on_request:
                raise
            # Asked to stop while logging in or connecting: the closed session ends the call.
            log.debug("Login or connect ended by the shutdown", exc_info=True)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
