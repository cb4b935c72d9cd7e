"""A fake Discord gateway (v10) on 127.0.0.1, for `manage.py runbot` end to end (issue 13).

`FakeGateway` is an aiohttp websocket server on a random loopback port, run in a thread with
its own event loop. It speaks as much of the gateway as discord.py 2.7 uses:

- HELLO (op 10) on connect; heartbeats (op 1) are answered with ACK (op 11);
- IDENTIFY (op 2): the token and intents are checked. A wrong token closes with 4004
  ("Authentication failed"), a privileged intent that is not `allowed_intents` with 4014, as
  Discord does; otherwise a new session: READY (`session_id`, `resume_gateway_url` = this server)
  then GUILD_CREATE for the fake's server (`in_guild=False`: READY lists no guild and no
  GUILD_CREATE follows, as for a bot never added to the server);
- dispatches the test pushes (`member_add`, `member_remove`, `member_update`, `dm`,
  `interaction`, or any `dispatch(name, data)`), numbered by `s`; pushed while no connection is
  up, they wait in the session's log;
- RESUME (op 6) of the current session: the dispatches after the given `seq` are replayed, then
  RESUMED; an unknown session gets INVALID_SESSION (op 9, d=false);
- `drop(code)`: the server closes the connection (default 4000, which discord.py resumes).

Frames are sent as text: discord.py asks for `compress=zlib-stream` in the URL, but it reads a
text frame as plain JSON, so the fake never compresses.

    gateway = FakeGateway(fake_discord).start()   # fake_discord.gateway_url now points here
    gateway.wait_until(lambda: gateway.ready_count == 1)
    gateway.member_add(fake_discord.add_member(username="alice"))
    gateway.drop(); gateway.wait_until(lambda: gateway.resume_count == 1)
    gateway.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from aiohttp import WSMsgType, web

from tests.fakes.fake_discord import FakeDiscord, user_json

HELLO, IDENTIFY, RESUME, HEARTBEAT, HEARTBEAT_ACK, DISPATCH, INVALID_SESSION = 10, 2, 6, 1, 11, 0, 9
# Privileged intents (GUILD_PRESENCES, GUILD_MEMBERS, MESSAGE_CONTENT) by bit.
PRIVILEGED = {"presences": 1 << 8, "members": 1 << 1, "message_content": 1 << 15}
AUTHENTICATION_FAILED = 4004
DISALLOWED_INTENTS = 4014


class _Connection:
    def __init__(self, ws: web.WebSocketResponse):
        self.ws = ws
        self.queue: asyncio.Queue[dict | None] = asyncio.Queue()
        self.live = False  # identified or resumed: dispatches flow


class FakeGateway:
    """The fake gateway and its controller (methods are safe to call from any thread)."""

    def __init__(
        self,
        rest: FakeDiscord,
        *,
        allowed_intents: tuple[str, ...] = ("members",),
        heartbeat_interval_ms: int = 41_250,
        token: str | None = None,
        in_guild: bool = True,
    ):
        self.rest = rest
        self.token = token or rest.token  # another `token` than REST's: a 4004 after login
        self.allowed_intents = allowed_intents
        # False: the bot was never added to the server (READY lists no guild, no GUILD_CREATE).
        self.in_guild = in_guild
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.identify_payloads: list[dict] = []
        self.resume_payloads: list[dict] = []
        self.ready_count = 0
        self.resume_count = 0
        self.close_codes: list[int] = []  # the codes this server closed connections with
        self.heartbeats = 0
        self._session_id = ""
        self._sessions = itertools.count(1)
        self._log: list[dict] = []  # the current session's dispatches, in `s` order
        self._seq = 0
        self._connection: _Connection | None = None
        # Cleared by `drop(hold=True)`: a new connection waits for `release()` before HELLO.
        # Made in `start` (on the server's own event loop).
        self._open: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeGateway:
        started = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def serve() -> None:
            self._open = asyncio.Event()
            self._open.set()
            app = web.Application()
            app.router.add_get("/", self._handle)
            self._runner = web.AppRunner(app, handle_signals=False)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())  # type: ignore[union-attr]
            started.set()
            self._loop.run_forever()  # type: ignore[union-attr]

        self._thread = threading.Thread(target=run, name="fake-gateway", daemon=True)
        self._thread.start()
        started.wait(10)
        self.rest.gateway_url = self.url
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        loop = self._loop

        async def shutdown() -> None:
            if self._connection is not None:
                await self._connection.ws.close(code=1001)
            await self._runner.cleanup()  # type: ignore[union-attr]

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)  # type: ignore[union-attr]
        self._loop = None

    def __enter__(self) -> FakeGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    @property
    def connected(self) -> bool:
        connection = self._connection
        return connection is not None and connection.live and not connection.ws.closed

    def wait_until(self, condition: Callable[[], bool], timeout: float = 20) -> None:
        """Poll `condition` (e.g. the fake REST server saw a reply) until true, or fail."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:g} s waiting for {condition}")
            time.sleep(0.02)

    # --- what the test pushes ---------------------------------------------------------------

    def dispatch(self, event: str, data: dict) -> int:
        """Send one dispatch (`t` = `event`) now, or keep it for the resume when disconnected.
        Returns its sequence number."""
        future = asyncio.run_coroutine_threadsafe(self._dispatch(event, data), self._loop)  # type: ignore[arg-type]
        return future.result(10)

    def drop(self, code: int = 4000, *, hold: bool = False) -> None:
        """The server closes the connection (Discord's 4000 "unknown error": resumable). With
        `hold`, the bot's reconnection waits before HELLO until `release()`, so a test can push
        events while the bot is surely away (a fast reconnect may not wait for a poll)."""

        async def close() -> None:
            if hold:
                self._open.clear()  # type: ignore[union-attr]
            connection = self._connection
            if connection is not None:
                connection.live = False
                self.close_codes.append(code)
                await connection.ws.close(code=code)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)  # type: ignore[arg-type]

    def release(self) -> None:
        """Let the connections `drop(hold=True)` held back go on (HELLO, then RESUME)."""
        self._loop.call_soon_threadsafe(self._open.set)  # type: ignore[union-attr,arg-type]

    def member_add(self, member: dict) -> int:
        """GUILD_MEMBER_ADD of a member object (as `FakeDiscord.add_member` returns)."""
        return self.dispatch("GUILD_MEMBER_ADD", self._member(member))

    def member_update(self, member: dict) -> int:
        return self.dispatch("GUILD_MEMBER_UPDATE", self._member(member))

    def member_remove(self, user: dict) -> int:
        return self.dispatch(
            "GUILD_MEMBER_REMOVE", {"guild_id": self.rest.guild_id, "user": user_json(user)}
        )

    def dm(self, user: dict, text: str, *, channel_id: str | None = None) -> int:
        """MESSAGE_CREATE of a DM from `user` to the bot, in their DM channel on the fake REST
        server (opened by the bot's first DM), or `channel_id`."""
        channel = channel_id or self.rest.dm_channel_id(user["id"])
        if channel is None:
            raise ValueError(f"no DM channel with {user['id']} yet")
        return self.dispatch(
            "MESSAGE_CREATE",
            {
                "id": self.rest.new_id(),
                "channel_id": channel,
                "author": user_json(user),
                "content": text,
                "timestamp": _now(),
                "edited_timestamp": None,
                "tts": False,
                "mention_everyone": False,
                "mentions": [],
                "mention_roles": [],
                "attachments": [],
                "embeds": [],
                "pinned": False,
                "type": 0,
            },
        )

    def interaction(
        self, member: dict, name: str, options: list[dict] | None = None, *, channel_id: str = ""
    ) -> str:
        """INTERACTION_CREATE of the slash command `name` used by `member` in the server;
        returns the interaction id (discord.py answers on
        `POST /interactions/{id}/{token}/callback`, a route of the fake REST server)."""
        interaction_id = self.rest.new_id()
        channel = channel_id or self.rest.new_id()
        self.dispatch(
            "INTERACTION_CREATE",
            {
                "id": interaction_id,
                "application_id": self.rest.bot_user["id"],
                "type": 2,
                "token": f"interaction-token-{interaction_id}",
                "version": 1,
                "attachment_size_limit": 10 * 1024 * 1024,
                "context": 0,
                "guild_id": self.rest.guild_id,
                "channel_id": channel,
                "channel": {
                    "id": channel,
                    "type": 0,
                    "guild_id": self.rest.guild_id,
                    "name": "general",
                    "position": 0,
                    "permission_overwrites": [],
                    "nsfw": False,
                    "parent_id": None,
                },
                "member": {**self._member(member), "permissions": "0"},
                "app_permissions": "0",
                "locale": "en-US",
                "guild_locale": "en-US",
                "entitlements": [],
                "authorizing_integration_owners": {},
                "data": {
                    "id": self.rest.new_id(),
                    "name": name,
                    "type": 1,
                    "guild_id": self.rest.guild_id,
                    "options": options or [],
                },
            },
        )
        return interaction_id

    # --- serving (the loop's thread) --------------------------------------------------------

    def _member(self, member: dict) -> dict:
        return {
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "roles": [],
            "nick": None,
            "joined_at": _now(),
            **member,
            "user": user_json(member["user"]),
            "guild_id": self.rest.guild_id,
        }

    async def _dispatch(self, event: str, data: dict) -> int:
        self._seq += 1
        payload = {"op": DISPATCH, "t": event, "s": self._seq, "d": data}
        self._log.append(payload)
        connection = self._connection
        if connection is not None and connection.live:
            connection.queue.put_nowait(payload)
        return self._seq

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await self._open.wait()  # type: ignore[union-attr]
        connection = _Connection(ws)
        writer = asyncio.create_task(self._write(connection))
        await connection.queue.put(
            {"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
        )
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                await self._receive(connection, json.loads(message.data))
        finally:
            connection.live = False
            if self._connection is connection:
                self._connection = None
            await connection.queue.put(None)
            await writer
        return ws

    async def _write(self, connection: _Connection) -> None:
        while (payload := await connection.queue.get()) is not None:
            if connection.ws.closed:
                continue
            with contextlib.suppress(ConnectionError):
                await connection.ws.send_str(json.dumps(payload))

    async def _close(self, connection: _Connection, code: int) -> None:
        self.close_codes.append(code)
        await connection.ws.close(code=code)

    async def _receive(self, connection: _Connection, payload: dict) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == HEARTBEAT:
            self.heartbeats += 1
            await connection.queue.put({"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            self.identify_payloads.append(data)
            if data.get("token") != self.token:
                await self._close(connection, AUTHENTICATION_FAILED)
                return
            intents = int(data.get("intents") or 0)
            if any(
                intents & bit
                for name, bit in PRIVILEGED.items()
                if name not in self.allowed_intents
            ):
                await self._close(connection, DISALLOWED_INTENTS)
                return
            self._session_id = f"fake-session-{next(self._sessions)}"
            self._log, self._seq = [], 0
            self._connection, connection.live = connection, True
            self.ready_count += 1
            await self._dispatch("READY", self._ready())
            if self.in_guild:
                await self._dispatch("GUILD_CREATE", self._guild())
        elif op == RESUME:
            self.resume_payloads.append(data)
            if (
                data.get("token") != self.token
                or data.get("session_id") != self._session_id
                or not self._session_id
            ):
                await connection.queue.put({"op": INVALID_SESSION, "d": False})
                return
            after = data.get("seq") or 0
            for missed in self._log:
                if missed["s"] > after:
                    await connection.queue.put(missed)
            self._connection, connection.live = connection, True
            self.resume_count += 1
            await self._dispatch("RESUMED", {})

    def _ready(self) -> dict:
        return {
            "v": 10,
            "user": user_json(self.rest.bot_user),
            "guilds": [{"id": self.rest.guild_id, "unavailable": True}] if self.in_guild else [],
            "session_id": self._session_id,
            "resume_gateway_url": self.url,
            "application": {"id": self.rest.bot_user["id"], "flags": 1 << 13},
        }

    def _guild(self) -> dict:
        rest = self.rest
        with rest._lock:
            roles = [
                {
                    "color": 0,
                    "hoist": False,
                    "permissions": "0",
                    "mentionable": False,
                    "managed": False,
                    **role,
                }
                for role in rest._roles.values()
            ]
            members = len(rest._members)
        return {
            "id": rest.guild_id,
            "name": rest.guild_name,
            "owner_id": "900000000000000003",
            "unavailable": False,
            "member_count": members,
            "large": False,
            "roles": roles,
            "channels": [],
            "threads": [],
            "members": [],
            "emojis": [],
            "stickers": [],
            "features": [],
            "joined_at": _now(),
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
        }


def _now() -> str:
    return datetime.now(UTC).isoformat()
