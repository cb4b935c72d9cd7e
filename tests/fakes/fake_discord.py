"""A fake Discord REST API on 127.0.0.1 (BOT-30), for tests and the demo.

`FakeDiscord` runs a stdlib `ThreadingHTTPServer` on a random loopback port, in a thread, and
answers the routes the platform uses the way Discord does, including its error bodies and
codes. Tests set up the world through the controller methods and assert on what was sent:

    fake = FakeDiscord().start()              # or the `fake_discord` fixture
    alice = fake.add_member(username="alice")["user"]["id"]
    officer = fake.add_role(name="Officer")
    fake.close_dms(alice)
    fake.script("POST", "/channels/{channel_id}/messages", [Reply.rate_limited(1.5), 503])
    ...
    fake.requests_to("POST", "/users/@me/channels")   # RecordedRequest rows, token stripped
    fake.dm_messages(alice)                           # RecordedMessage rows
    fake.stop()

Routes (relative to `base_url`, which ends in /api/v10):

- `GET /users/@me`, `GET /guilds/{g}`, `GET /channels/{c}`: lookups; unknown ids 404 10004 / 10003
- `POST /interactions/{i}/{token}/callback` and `POST /webhooks/{app}/{token}` (a follow-up, kept
  as a message `interaction_replies(token)` returns): a slash command's answer; no bot token
- `GET /oauth2/applications/@me` (the application, id = the bot's) and `GET /gateway/bot` (its
  `url` is `gateway_url`, e.g. a `tests.fakes.fake_gateway.FakeGateway`'s): what discord.py asks
  at login and before connecting (`manage.py runbot` against the fakes)
- `GET /guilds/{g}/roles`: @everyone (id = server id) and the added roles
- `GET /guilds/{g}/members?limit&after`: sorted by id, `limit` 1-1000 (default 1, else 400 50035),
  exclusive `after`; `GET /guilds/{g}/members/{u}`: unknown 404 10007
- `POST /users/@me/channels {"recipient_id"}`: one stable DM channel per member; a non-member
  404 10013
- `POST /channels/{c}/messages`: recorded; size limits 400 50035, empty 400 50006, a DMs-closed
  recipient 403 50007, a recipient who left 404 10013, a "no permission" channel 403 50013
- `PUT` / `DELETE /guilds/{g}/members/{u}/roles/{r}`: 204 and the member's roles change; unknown
  role 404 10011, a role above the bot's 403 50013
- `GET` / `PUT /applications/{a}/commands` and `/applications/{a}/guilds/{g}/commands`: the slash
  commands, globally or for the server; `PUT` overwrites the list (BOT-12's `--sync-commands`);
  `app_commands(scope)` / `set_app_commands(scope, names)` read and seed them

Every request needs `Authorization: Bot <token>`, else 401 `{"message": "401: Unauthorized",
"code": 0}`. Scripted replies (`script`) are served, in order, before the normal behaviour of a
route: 429s with `retry_after` / `global` / `Retry-After` / `X-RateLimit-*`, 5xx, slow replies.
"""

import itertools
import json
import math
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

API_PREFIX = "/api/v10"
DEFAULT_TOKEN = "fake-bot-token.NEVER-LOG-ME.0123456789"
DEFAULT_GUILD_ID = "900000000000000001"
BOT_USER_ID = "900000000000000002"
# `Reply.html_page()`'s body; a `bytes` body is sent as it is, as text/html.
HTML_ERROR_PAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


# --- scripted replies -----------------------------------------------------------------------


@dataclass
class Reply:
    """One scripted answer. `passthrough` answers as the route normally would, after `delay`
    seconds and with `headers` added; otherwise `status`, `body` (JSON; `bytes` are sent as
    they are, as text/html) and `headers` are sent."""

    status: int = 200
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    passthrough: bool = False

    @classmethod
    def error(cls, status: int, code: int = 0, message: str | None = None) -> "Reply":
        """A Discord-style error body, e.g. `Reply.error(503)` or `Reply.error(403, 50001)`."""
        text = message or f"{status}: {HTTPStatus(status).phrase}"
        return cls(status, {"message": text, "code": code})

    @classmethod
    def rate_limited(
        cls,
        retry_after: float = 1.0,
        *,
        is_global: bool = False,
        bucket: str = "fake-bucket",
        in_body: bool = True,
    ) -> "Reply":
        """A 429. `in_body=False` leaves `retry_after` out of the body: only `Retry-After` says."""
        body = {"message": "You are being rate limited.", "global": is_global}
        if in_body:
            body["retry_after"] = retry_after
        headers = {
            "Retry-After": str(math.ceil(retry_after)),
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers["X-RateLimit-Bucket"] = bucket
        return cls(429, body, headers)

    @classmethod
    def normal(cls, *, delay: float = 0.0, headers: dict[str, str] | None = None) -> "Reply":
        """The route's usual answer, `delay` seconds late, with extra `headers`."""
        return cls(delay=delay, headers=dict(headers or {}), passthrough=True)

    @classmethod
    def html_page(cls, status: int = 200) -> "Reply":
        """An HTML error page (as a proxy in front of the API sends), by default with 200."""
        return cls(status, HTML_ERROR_PAGE)

    @classmethod
    def slow(cls, seconds: float) -> "Reply":
        return cls.normal(delay=seconds)

    @classmethod
    def bucket_exhausted(cls, bucket: str, reset_after: float) -> "Reply":
        """A normal answer saying the bucket is used up for `reset_after` seconds."""
        return cls.normal(
            headers={
                "X-RateLimit-Bucket": bucket,
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": f"{reset_after:g}",
            }
        )


# --- what the fake saw ----------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """A request as received; `headers` never include `Authorization` (the token)."""

    method: str
    path: str  # below /api/v10, without the query
    route: str  # the matched template, e.g. "/channels/{channel_id}/messages"; "" if none
    query: dict[str, str]
    json: object
    headers: dict[str, str]
    authorized: bool

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    @property
    def audit_log_reason(self) -> str | None:
        """The `X-Audit-Log-Reason` header, URL-decoded as Discord reads it."""
        raw = self.header("X-Audit-Log-Reason")
        return None if raw is None else unquote(raw)


@dataclass(frozen=True)
class RecordedMessage:
    id: str
    channel_id: str
    content: str
    embeds: list
    allowed_mentions: dict | None
    recipient_id: str | None  # set for a DM
    # `time.monotonic()` when the fake received it (bench/onboarding.py's reply latency).
    received_at: float = field(default_factory=time.monotonic, compare=False)


class _Refusal(Exception):
    """A Discord error answer raised inside a route handler."""

    def __init__(self, status: int, code: int, message: str, errors: dict | None = None):
        super().__init__(message)
        self.status, self.body = status, {"message": message, "code": code}
        if errors:
            self.body["errors"] = errors


def _invalid_form(path: str, message: str) -> _Refusal:
    errors: dict = {"_errors": [{"code": "BASE_TYPE_INVALID", "message": message}]}
    for part in reversed(path.split(".")):
        errors = {part: errors}
    return _Refusal(400, 50035, "Invalid Form Body", errors)


# --- the fake -------------------------------------------------------------------------------


class FakeDiscord:
    """The fake server and its controller. Thread-safe: the handler threads share one lock."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        guild_id: str = DEFAULT_GUILD_ID,
        guild_name: str = "Pull All The Things",
    ):
        self.token = token
        self.guild_id = guild_id
        self.guild_name = guild_name
        self.bot_user = {
            "id": BOT_USER_ID,
            "username": "PATT-Bot",
            "global_name": None,
            "discriminator": "0",
            "avatar": None,
            "bot": True,
        }
        # What `GET /gateway/bot` answers: point it at a fake gateway (tests/fakes/fake_gateway).
        self.gateway_url = "ws://127.0.0.1:9/"
        self._lock = threading.RLock()
        self._posted = threading.Condition(self._lock)  # notified on every message
        self._ids = itertools.count(910_000_000_000_000_000)
        self._members: dict[str, dict] = {}
        self._roles: dict[str, dict] = {
            guild_id: {"id": guild_id, "name": "@everyone", "position": 0, "managed": False}
        }
        self._roles_above_bot: set[str] = set()
        self._channels: dict[str, dict] = {}
        self._no_permission: set[str] = set()
        self._dms_closed: set[str] = set()
        self._dm_channels: dict[str, str] = {}  # recipient id -> channel id
        # BOT-12: the registered slash commands, "global" or a server id -> command objects.
        self._app_commands: dict[str, list[dict]] = {}
        self._scripts: dict[tuple[str, str], deque[Reply]] = defaultdict(deque)
        self._requests: list[RecordedRequest] = []
        self._interaction_callbacks: list[tuple[str, str, int | None]] = []
        self._messages: list[RecordedMessage] = []
        # DMs by recipient, each with a condition of its own (on the same lock): a member waiting
        # for a reply is woken by its own DMs only, in O(1) (bench/onboarding.py's 50 members).
        self._dms: dict[str, list[RecordedMessage]] = {}
        self._dm_posted: dict[str, threading.Condition] = {}
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> "FakeDiscord":
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            # A short poll keeps `stop` (which waits for one poll) fast.
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="fake-discord",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # ends slow replies early
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> "FakeDiscord":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{API_PREFIX}"

    # --- the world --------------------------------------------------------------------------

    def new_id(self) -> str:
        """A fresh snowflake, larger than every earlier one."""
        with self._lock:
            return str(next(self._ids))

    def add_member(
        self,
        user_id: str | None = None,
        username: str | None = None,
        *,
        global_name: str | None = None,
        nick: str | None = None,
        roles: Iterable[str] = (),
        joined_at: datetime | None = None,
        bot: bool = False,
    ) -> dict:
        """Add (or replace) a server member; returns its member object."""
        user_id = str(user_id or self.new_id())
        member = {
            "user": {
                "id": user_id,
                "username": username or f"user{user_id[-6:]}",
                "global_name": global_name,
                "bot": bot,
            },
            "nick": nick,
            "roles": [str(role) for role in roles],
            "joined_at": (joined_at or datetime(2024, 1, 1, tzinfo=UTC)).isoformat(),
        }
        with self._lock:
            self._members[user_id] = member
        return json.loads(json.dumps(member))

    def add_members(self, count: int, *, prefix: str = "member") -> list[dict]:
        """`count` members named prefix0, prefix1, … with increasing ids."""
        return [self.add_member(username=f"{prefix}{n}") for n in range(count)]

    def remove_member(self, user_id: str) -> None:
        """The user leaves the server (their DM channel stays, as on Discord)."""
        with self._lock:
            self._members.pop(str(user_id), None)

    def member(self, user_id: str) -> dict | None:
        """The member's current state (roles included), or None."""
        with self._lock:
            member = self._members.get(str(user_id))
            return json.loads(json.dumps(member)) if member else None

    def add_role(
        self, role_id: str | None = None, name: str = "Role", *, above_bot: bool = False
    ) -> str:
        """A server role; `above_bot` roles cannot be given or taken by the bot (403 50013)."""
        role_id = str(role_id or self.new_id())
        with self._lock:
            position = len(self._roles) + (100 if above_bot else 0)
            self._roles[role_id] = {
                "id": role_id,
                "name": name,
                "position": position,
                "managed": False,
            }
            if above_bot:
                self._roles_above_bot.add(role_id)
        return role_id

    def add_channel(
        self, channel_id: str | None = None, name: str = "general", *, no_permission: bool = False
    ) -> str:
        """A server text channel; in a `no_permission` one the bot may not post (403 50013)."""
        channel_id = str(channel_id or self.new_id())
        with self._lock:
            self._channels[channel_id] = {
                "id": channel_id,
                "type": 0,
                "name": name,
                "guild_id": self.guild_id,
            }
            if no_permission:
                self._no_permission.add(channel_id)
        return channel_id

    def close_dms(self, user_id: str, closed: bool = True) -> None:
        """The user blocks (or, `closed=False`, allows again) DMs from server members."""
        with self._lock:
            (self._dms_closed.add if closed else self._dms_closed.discard)(str(user_id))

    def script(self, method: str, route: str, replies: Iterable[Reply | int]) -> None:
        """Serve `replies` (a `Reply` or a bare status) to the next requests of one route.

        `route` is a template as listed in the module docstring; parameter names do not matter
        ("/channels/{c}/messages" works). Scripts are consumed in order, then the route behaves
        normally again.
        """
        key = (method.upper(), _shape(route))
        if key not in {(m, _shape(t)) for m, t, _ in _ROUTES}:
            raise ValueError(f"The fake has no route {method} {route}")
        with self._lock:
            self._scripts[key].extend(
                reply if isinstance(reply, Reply) else Reply.error(reply) for reply in replies
            )

    # --- what happened ----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, method: str, route: str | None = None) -> list[RecordedRequest]:
        """The requests of one method, and of one route template when given."""
        shape = _shape(route) if route else None
        return [
            request
            for request in self.requests
            if request.method == method.upper()
            and (shape is None or _shape(request.route) == shape)
        ]

    @property
    def messages(self) -> list[RecordedMessage]:
        with self._lock:
            return list(self._messages)

    def channel_messages(self, channel_id: str) -> list[RecordedMessage]:
        return [m for m in self.messages if m.channel_id == str(channel_id)]

    def dm_messages(self, user_id: str) -> list[RecordedMessage]:
        with self._lock:
            return list(self._dms.get(str(user_id), ()))

    def _dm_condition(self, user_id: str) -> threading.Condition:
        """The condition notified on each DM to `user_id` (the caller holds the lock)."""
        condition = self._dm_posted.get(user_id)
        if condition is None:
            condition = self._dm_posted[user_id] = threading.Condition(self._lock)
        return condition

    def wait_for_dms(self, user_id: str, count: int, timeout: float) -> bool:
        """Block until `user_id` has received at least `count` DMs (True) or `timeout` seconds
        passed (False), without polling."""
        user_id = str(user_id)
        with self._lock:
            return self._dm_condition(user_id).wait_for(
                lambda: len(self._dms.get(user_id, ())) >= count, timeout
            )

    def app_commands(self, scope: str = "global") -> list[dict]:
        """The slash commands registered globally ("global") or for a server id (BOT-12)."""
        with self._lock:
            return list(self._app_commands.get(str(scope), []))

    def set_app_commands(self, scope: str, names: Iterable[str]) -> None:
        """Pretend these commands are registered already (globally or for a server)."""
        with self._lock:
            self._app_commands[str(scope)] = [
                self._app_command(scope, {"name": name, "description": name}) for name in names
            ]

    def dm_channel_id(self, user_id: str) -> str | None:
        with self._lock:
            return self._dm_channels.get(str(user_id))

    def interaction_replies(self, interaction_token: str) -> list[RecordedMessage]:
        """The follow-up messages of one interaction (its webhook), e.g. `/verify`'s answer."""
        return [m for m in self.messages if m.channel_id == f"webhook:{interaction_token}"]

    def clear_log(self) -> None:
        """Forget recorded requests and messages (the world stays)."""
        with self._lock:
            self._requests.clear()
            self._messages.clear()
            self._dms.clear()

    # --- serving (called from handler threads) ----------------------------------------------

    def _serve(self, method: str, raw_path: str, headers: dict[str, str], raw_body: bytes):
        """Answer one request: (status, JSON body or None, extra headers)."""
        split = urlsplit(raw_path)
        path = split.path.removeprefix(API_PREFIX)
        query = {key: values[0] for key, values in parse_qs(split.query).items()}
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            body = None
        route, handler, params = _match(method, path)
        authorized = headers.get("Authorization") == f"Bot {self.token}"
        visible = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        with self._lock:
            self._requests.append(
                RecordedRequest(method, path, route, query, body, visible, authorized)
            )
        if not authorized and route not in _TOKEN_ROUTES:
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        if handler is None:
            status = 405 if route else 404
            return status, {"message": f"{status}: {HTTPStatus(status).phrase}", "code": 0}, {}
        with self._lock:
            scripted = self._scripts[(method, _shape(route))]
            reply = scripted.popleft() if scripted else None
        if reply is not None and reply.delay:
            self._stopping.wait(reply.delay)
        if reply is not None and not reply.passthrough:
            return reply.status, reply.body, reply.headers
        try:
            with self._lock:
                status, answer = handler(self, body, query, **params)
        except _Refusal as refusal:
            status, answer = refusal.status, refusal.body
        return status, answer, reply.headers if reply else {}

    # --- route handlers (hold the lock) -----------------------------------------------------

    def _guild(self, guild_id: str) -> None:
        if guild_id != self.guild_id:
            raise _Refusal(404, 10004, "Unknown Guild")

    def _existing_member(self, user_id: str) -> dict:
        if user_id not in self._members:
            raise _Refusal(404, 10007, "Unknown Member")
        return self._members[user_id]

    def _get_me(self, body, query):
        return 200, self.bot_user

    def _get_application(self, body, query):
        return 200, {
            "id": self.bot_user["id"],
            "name": "PATT",
            "description": "",
            "icon": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": {**self.bot_user, "id": "900000000000000003", "username": "owner"},
            "verify_key": "0" * 64,
            "flags": 1 << 13,  # the Server Members Intent is switched on
        }

    def _get_gateway(self, body, query):
        return 200, {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": 1,
            },
        }

    # Interaction answers authenticate by the interaction's token in the path, not the bot's.
    def _interaction_callback(self, body, query, interaction_id, token):
        kind = (body or {}).get("type")
        self._interaction_callbacks.append((interaction_id, token, kind))
        data = (body or {}).get("data") or {}
        return 200, {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(int(data.get("flags", 0)) & 64),
            },
            "resource": {"type": kind},
        }

    def _followup(self, body, query, application_id, token):
        body = body or {}
        content, embeds = body.get("content") or "", body.get("embeds") or []
        _check_message_size(content, embeds)
        channel = f"webhook:{token}"
        message = RecordedMessage(
            str(next(self._ids)), channel, content, embeds, body.get("allowed_mentions"), None
        )
        self._messages.append(message)
        self._posted.notify_all()
        return 200, {
            "id": message.id,
            "channel_id": self.new_id(),
            "content": content,
            "embeds": embeds,
            "type": 0,
            "flags": int(body.get("flags") or 0),
            "timestamp": datetime.now(UTC).isoformat(),
            "author": user_json(self.bot_user),
            "webhook_id": application_id,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
        }

    def _get_guild(self, body, query, guild_id):
        self._guild(guild_id)
        return 200, {"id": self.guild_id, "name": self.guild_name}

    def _get_roles(self, body, query, guild_id):
        self._guild(guild_id)
        return 200, sorted(self._roles.values(), key=lambda role: role["position"])

    def _list_members(self, body, query, guild_id):
        self._guild(guild_id)
        try:
            limit = int(query.get("limit", "1"))
            after = int(query.get("after", "0"))
        except ValueError:
            raise _invalid_form("limit", "Value is not int.") from None
        if not 1 <= limit <= 1000:
            raise _invalid_form("limit", "int value should be between 1 and 1000.")
        ids = sorted(int(user_id) for user_id in self._members)
        page = [self._members[str(i)] for i in ids if i > after][:limit]
        return 200, page

    def _get_member(self, body, query, guild_id, user_id):
        self._guild(guild_id)
        return 200, self._existing_member(user_id)

    def _get_channel(self, body, query, channel_id):
        if channel_id in self._channels:
            return 200, self._channels[channel_id]
        for recipient, dm_channel in self._dm_channels.items():
            if dm_channel == channel_id:
                return 200, {"id": channel_id, "type": 1, "recipients": [{"id": recipient}]}
        raise _Refusal(404, 10003, "Unknown Channel")

    def _open_dm(self, body, query):
        recipient = str((body or {}).get("recipient_id", ""))
        if recipient not in self._members:
            raise _Refusal(404, 10013, "Unknown User")
        if recipient not in self._dm_channels:
            self._dm_channels[recipient] = str(next(self._ids))
        channel = {"id": self._dm_channels[recipient], "type": 1}
        channel["recipients"] = [user_json(self._members[recipient]["user"])]
        return 200, channel

    def _post_message(self, body, query, channel_id):
        recipient = next((r for r, c in self._dm_channels.items() if c == channel_id), None)
        if recipient is None and channel_id not in self._channels:
            raise _Refusal(404, 10003, "Unknown Channel")
        if recipient is not None and recipient not in self._members:
            raise _Refusal(404, 10013, "Unknown User")
        if recipient in self._dms_closed:
            raise _Refusal(403, 50007, "Cannot send messages to this user")
        if channel_id in self._no_permission:
            raise _Refusal(403, 50013, "Missing Permissions")
        body = body or {}
        content, embeds = body.get("content") or "", body.get("embeds") or []
        _check_message_size(content, embeds)
        message = RecordedMessage(
            str(next(self._ids)),
            channel_id,
            content,
            embeds,
            body.get("allowed_mentions"),
            recipient,
        )
        self._messages.append(message)
        if recipient is not None:
            self._dms.setdefault(str(recipient), []).append(message)
            self._dm_condition(str(recipient)).notify_all()
        self._posted.notify_all()
        answer = {"id": message.id, "channel_id": channel_id, "content": content, "type": 0}
        answer |= {"timestamp": datetime.now(UTC).isoformat(), "tts": False, "pinned": False}
        answer |= {"mentions": [], "mention_roles": [], "attachments": []}
        return 200, {**answer, "embeds": embeds, "author": self.bot_user}

    def _role_change(self, guild_id, user_id, role_id):
        self._guild(guild_id)
        member = self._existing_member(user_id)
        if role_id not in self._roles:
            raise _Refusal(404, 10011, "Unknown Role")
        if role_id in self._roles_above_bot:
            raise _Refusal(403, 50013, "Missing Permissions")
        return member

    def _add_role(self, body, query, guild_id, user_id, role_id):
        member = self._role_change(guild_id, user_id, role_id)
        if role_id not in member["roles"]:
            member["roles"].append(role_id)
        return 204, None

    def _remove_role(self, body, query, guild_id, user_id, role_id):
        member = self._role_change(guild_id, user_id, role_id)
        if role_id in member["roles"]:
            member["roles"].remove(role_id)
        return 204, None

    # --- application commands (BOT-12) --------------------------------------------------------

    def _app_command(self, scope: str, command: dict) -> dict:
        return {
            "type": 1,
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            **command,
            "id": self.new_id(),
            "application_id": self.bot_user["id"],
            "version": self.new_id(),
            **({"guild_id": scope} if scope != "global" else {}),
        }

    def _application(self, application_id: str) -> None:
        if application_id != self.bot_user["id"]:
            raise _Refusal(404, 10002, "Unknown Application")

    def _get_global_commands(self, body, query, application_id):
        self._application(application_id)
        return 200, self._app_commands.get("global", [])

    def _put_global_commands(self, body, query, application_id):
        """Bulk overwrite: the list replaces every global command of the app."""
        self._application(application_id)
        self._app_commands["global"] = [self._app_command("global", c) for c in body or []]
        return 200, self._app_commands["global"]

    def _get_guild_commands(self, body, query, application_id, guild_id):
        self._application(application_id)
        self._guild(guild_id)
        return 200, self._app_commands.get(guild_id, [])

    def _put_guild_commands(self, body, query, application_id, guild_id):
        """Bulk overwrite of the server's commands."""
        self._application(application_id)
        self._guild(guild_id)
        self._app_commands[guild_id] = [self._app_command(guild_id, c) for c in body or []]
        return 200, self._app_commands[guild_id]


# --- routing --------------------------------------------------------------------------------

_MEMBER_ROLE = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"
_GUILD_COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"
_INTERACTION_CALLBACK = "/interactions/{interaction_id}/{token}/callback"
_FOLLOWUP = "/webhooks/{application_id}/{token}"
_TOKEN_ROUTES = {_INTERACTION_CALLBACK, _FOLLOWUP}
_ROUTES = [
    ("POST", _INTERACTION_CALLBACK, FakeDiscord._interaction_callback),
    ("POST", _FOLLOWUP, FakeDiscord._followup),
    ("GET", "/users/@me", FakeDiscord._get_me),
    ("GET", "/oauth2/applications/@me", FakeDiscord._get_application),
    ("GET", "/gateway/bot", FakeDiscord._get_gateway),
    ("GET", "/guilds/{guild_id}", FakeDiscord._get_guild),
    ("GET", "/guilds/{guild_id}/roles", FakeDiscord._get_roles),
    ("GET", "/guilds/{guild_id}/members", FakeDiscord._list_members),
    ("GET", "/guilds/{guild_id}/members/{user_id}", FakeDiscord._get_member),
    ("PUT", _MEMBER_ROLE, FakeDiscord._add_role),
    ("DELETE", _MEMBER_ROLE, FakeDiscord._remove_role),
    ("GET", "/channels/{channel_id}", FakeDiscord._get_channel),
    ("POST", "/users/@me/channels", FakeDiscord._open_dm),
    ("POST", "/channels/{channel_id}/messages", FakeDiscord._post_message),
    ("GET", "/applications/{application_id}/commands", FakeDiscord._get_global_commands),
    ("PUT", "/applications/{application_id}/commands", FakeDiscord._put_global_commands),
    ("GET", _GUILD_COMMANDS, FakeDiscord._get_guild_commands),
    ("PUT", _GUILD_COMMANDS, FakeDiscord._put_guild_commands),
]
_PARAM = re.compile(r"\{(\w+)\}")


def user_json(user: dict) -> dict:
    """A user object as Discord sends it: discord.py requires `discriminator` and `avatar`."""
    return {"discriminator": "0", "avatar": None, "global_name": None, "bot": False, **user}


def _shape(route: str) -> str:
    return _PARAM.sub("{}", route)


def _pattern(route: str) -> re.Pattern:
    return re.compile("^" + _PARAM.sub(r"(?P<\1>[^/]+)", route) + "$")


_COMPILED = [(method, route, _pattern(route), handler) for method, route, handler in _ROUTES]


def _match(method: str, path: str):
    """(route template, handler or None, path parameters); ("", None, {}) for no route."""
    found = ""
    for route_method, route, pattern, handler in _COMPILED:
        matched = pattern.match(path)
        if matched:
            if route_method == method:
                return route, handler, matched.groupdict()
            found = route
    return found, None, {}


# Discord's message limits, written out independently of `patt.discord.embeds`: the fake is the
# referee the client's own check is tested against.
_EMBED_TEXT_LIMITS = (("title", 256), ("description", 4096))


def _check_message_size(content: str, embeds: list) -> None:
    if not content and not embeds:
        raise _Refusal(400, 50006, "Cannot send an empty message")
    if len(content) > 2000:
        raise _invalid_form("content", "Must be 2000 or fewer in length.")
    if len(embeds) > 10:
        raise _invalid_form("embeds", "Must be 10 or fewer in length.")
    total = 0
    for index, embed in enumerate(embeds):
        texts = [(name, embed.get(name) or "", limit) for name, limit in _EMBED_TEXT_LIMITS]
        texts.append(("footer.text", (embed.get("footer") or {}).get("text") or "", 2048))
        texts.append(("author.name", (embed.get("author") or {}).get("name") or "", 256))
        fields = embed.get("fields") or []
        if len(fields) > 25:
            raise _invalid_form(f"embeds.{index}.fields", "Must be 25 or fewer in length.")
        for number, item in enumerate(fields):
            texts.append((f"fields.{number}.name", item.get("name") or "", 256))
            texts.append((f"fields.{number}.value", item.get("value") or "", 1024))
        for name, text, limit in texts:
            if len(text) > limit:
                raise _invalid_form(
                    f"embeds.{index}.{name}", f"Must be {limit} or fewer in length."
                )
            total += len(text)
    if total > 6000:
        raise _invalid_form("embeds", "Embed size exceeds maximum size of 6000")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeDiscord

    def handle_error(self, request, client_address):
        """A client that gave up (a timeout test) is not an error worth a traceback."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        status, body, headers = self.server.fake._serve(
            self.command, self.path, dict(self.headers.items()), raw_body
        )
        html = isinstance(body, bytes)
        payload = body if html else b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if payload:
            self.send_header("Content-Type", "text/html" if html else "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

    def log_message(self, format, *args):  # keep test output clean
        pass


class FakeTime:
    """An injectable `sleep` and `clock` for the REST client: sleeping records the wait and
    moves the clock on, so waits are asserted without a test ever sleeping (BOT-31)."""

    def __init__(self, start: float = 1_000.0):
        self.now = start
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
