"""The Discord REST client of workers and commands (BOT-14 … BOT-19).

`DiscordRestClient` talks to `settings.DISCORD_API_URL` through the shared
`patt.http.HttpClient` (session, timeouts, the retry loop, JSON decoding, log redaction); tests
point it at the loopback fake (`tests/fakes/fake_discord.py`) and inject `sleep` and `clock`,
so every wait is observable and no test sleeps. This module keeps Discord's routes, its
rate-limit buckets and global pause, and its error codes.

- BOT-16: 429s are waited out (at most 3 times, never longer than `DISCORD_MAX_RETRY_AFTER`);
  a global 429 pauses every request of the client; an exhausted bucket
  (`X-RateLimit-Remaining: 0`) is waited out before its next request.
- BOT-17: connection errors, timeouts and 502/503/504 are retried after 1, 2 and 4 s. A POST is
  never retried after a 500, nor after a read timeout: Discord may have posted it already.
- BOT-18: every failure is a `DiscordError` subclass carrying status, Discord code, method and
  route template. The token is in the session headers only, never in a message or a log line;
  after a 401 the client refuses further requests instead of repeating it (BOT-19).
"""

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from django.conf import settings

import patt
from patt.discord.embeds import check_message
from patt.discord.errors import (
    NOT_FOUND_ERRORS,
    DiscordAuthError,
    DiscordBadRequest,
    DiscordBadResponse,
    DiscordError,
    DiscordNotConfigured,
    DiscordNotFound,
    DiscordRateLimited,
    DiscordUnavailable,
    DMsClosed,
    MissingPermissions,
)
from patt.http import (
    DEFAULT_RETRY_AFTER,
    Attempts,
    Call,
    Failure,
    FailureKind,
    HttpClient,
    RetryPolicy,
    json_or_none,
    seconds_or_none,
)
from patt.models import SiteConfig

logger = logging.getLogger(__name__)

T = TypeVar("T")
RouteKey = tuple[str, str, str]  # method, route template, major parameter

MEMBER_PAGE_SIZE = 1000
MAX_RATE_LIMIT_RETRIES = 3
UNAVAILABLE_BACKOFF = (1.0, 2.0, 4.0)  # BOT-17
RETRIED_STATUSES = frozenset({500, 502, 503, 504})

# BOT-17: outages retried after 1, 2 and 4 s; a POST never after a 500 or a read timeout,
# so nothing is posted twice. 429s are the client's own (BOT-16, `_rate_limit_wait`).
RETRIES = RetryPolicy(
    backoff=UNAVAILABLE_BACKOFF,
    rate_limit_retries=MAX_RATE_LIMIT_RETRIES,
    retried_statuses=RETRIED_STATUSES,
    post_may_repeat=False,
)


# --- configuration (BOT-14) -----------------------------------------------------------------


def configured_guild_id() -> str:
    """The server id: SiteConfig's, else `settings.DISCORD_GUILD_ID` ("" when neither)."""
    return SiteConfig.get().effective_discord_guild_id


def discord_configured() -> bool:
    """True when a client could be built: a bot token and a server id are set."""
    return bool(settings.DISCORD_BOT_TOKEN and configured_guild_id())


def user_agent() -> str:
    return f"DiscordBot ({settings.SITE_URL}, {patt.__version__})"


# --- the client -----------------------------------------------------------------------------


class DiscordRestClient(HttpClient):
    """Members, DMs, channel posts and role writes over Discord's REST API (BOT-15).

    Arguments left as None come from settings (and SiteConfig for the server id). `sleep` and
    `clock` (monotonic seconds) are injectable so tests can record waits instead of sleeping.
    Rate-limit state (global pause, buckets) belongs to the client instance.
    """

    service = "Discord"
    logger = logger

    def __init__(
        self,
        *,
        token: str | None = None,
        guild_id: str | None = None,
        base_url: str | None = None,
        timeout: tuple[float, float] | None = None,
        max_retry_after: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        session: requests.Session | None = None,
    ):
        token = settings.DISCORD_BOT_TOKEN if token is None else token
        if not token:
            raise DiscordNotConfigured("Discord not configured: DISCORD_BOT_TOKEN is not set")
        guild_id = configured_guild_id() if guild_id is None else guild_id
        if not guild_id:
            raise DiscordNotConfigured(
                "Discord not configured: no server id (SiteConfig or DISCORD_GUILD_ID)"
            )
        super().__init__(
            base_url=(base_url or settings.DISCORD_API_URL).rstrip("/"),
            timeout=timeout or settings.DISCORD_HTTP_TIMEOUT,
            headers={"Authorization": f"Bot {token}", "User-Agent": user_agent()},
            secrets=(token,),
            session=session,
            sleep=sleep,
            clock=clock,
        )
        self.guild_id = str(guild_id)
        self.max_retry_after: float = (
            settings.DISCORD_MAX_RETRY_AFTER if max_retry_after is None else max_retry_after
        )
        self._dm_channels: dict[str, str] = {}
        self._global_until = 0.0
        self._bucket_of: dict[RouteKey, str] = {}
        self._blocked_until: dict[tuple[str, ...], float] = {}
        self._auth_failed = False

    def __repr__(self) -> str:
        return f"<DiscordRestClient guild={self.guild_id} url={self.base_url}>"

    # --- BOT-15 methods ---------------------------------------------------------------------

    def list_guild_members(self) -> Iterator[dict]:
        """Every member of the server, 1,000 per request; `after` = the last page's highest id."""
        params: dict[str, object] = {"limit": MEMBER_PAGE_SIZE}
        while True:
            page = self._request_json(list, "GET", "/guilds/{guild_id}/members", params=params)
            yield from page
            if len(page) < MEMBER_PAGE_SIZE:
                return
            params = {**params, "after": max((m["user"]["id"] for m in page), key=int)}

    def get_guild_member(self, user_id: str) -> dict:
        """The member, or `MemberNotFound`."""
        return self._request_json(
            dict, "GET", "/guilds/{guild_id}/members/{user_id}", user_id=user_id
        )

    def list_guild_roles(self) -> list[dict]:
        """The server's roles (IDN-26)."""
        return self._request_json(list, "GET", "/guilds/{guild_id}/roles")

    def send_dm(
        self, user_id: str, content: str | None = None, embeds: Sequence[Mapping] | None = None
    ) -> str:
        """DM `user_id`; returns the message id. The DM channel is opened once per user."""
        check_message(content, embeds)
        return self._create_message(self._dm_channel(str(user_id)), content, embeds, None)

    def post_channel_message(
        self,
        channel_id: str,
        content: str | None = None,
        embeds: Sequence[Mapping] | None = None,
        allowed_mentions: Mapping | None = None,
    ) -> str:
        """Post in a channel; returns the message id. Mentions ping no one unless allowed."""
        check_message(content, embeds)
        mentions = {"parse": []} if allowed_mentions is None else dict(allowed_mentions)
        return self._create_message(str(channel_id), content, embeds, mentions)

    def add_member_role(self, user_id: str, role_id: str, reason: str | None = None) -> None:
        """Give a role; `reason` goes to the server's audit log (IDN-29)."""
        self._request(
            "PUT", _MEMBER_ROLE, user_id=user_id, role_id=role_id, audit_log_reason=reason
        )

    def remove_member_role(self, user_id: str, role_id: str, reason: str | None = None) -> None:
        """Take a role away; `reason` goes to the server's audit log (IDN-29)."""
        self._request(
            "DELETE", _MEMBER_ROLE, user_id=user_id, role_id=role_id, audit_log_reason=reason
        )

    def _dm_channel(self, user_id: str) -> str:
        if user_id not in self._dm_channels:
            channel = self._request_json(
                dict, "POST", "/users/@me/channels", json={"recipient_id": user_id}, user_id=user_id
            )
            self._dm_channels[user_id] = channel["id"]
        return self._dm_channels[user_id]

    def _create_message(
        self,
        channel_id: str,
        content: str | None,
        embeds: Sequence[Mapping] | None,
        allowed_mentions: Mapping | None,
    ) -> str:
        payload: dict[str, object] = {}
        if content:
            payload["content"] = content
        if embeds:
            payload["embeds"] = list(embeds)
        if allowed_mentions is not None:
            payload["allowed_mentions"] = allowed_mentions
        route = "/channels/{channel_id}/messages"
        message = self._request_json(dict, "POST", route, json=payload, channel_id=channel_id)
        return message["id"]

    # --- one call, with its retries (BOT-16, BOT-17, BOT-19) --------------------------------

    def _request_json(self, kind: type[T], method: str, route: str, **options: Any) -> T:
        """`_request`, then its body, which must be JSON of `kind` (a list or an object);
        anything else (an HTML page answered with 200) is a `DiscordBadResponse`."""
        return self.send_json(self._call(method, route, **options), kind, RETRIES)

    def _request(self, method: str, route: str, **options: Any) -> requests.Response:
        """Send `method route` (a template such as "/channels/{channel_id}/messages")."""
        return self.send(self._call(method, route, **options), RETRIES)

    def _call(
        self,
        method: str,
        route: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: object = None,
        audit_log_reason: str | None = None,
        **ids: str,
    ) -> Call:
        if self._auth_failed:
            raise DiscordAuthError(
                "Discord refused the bot token earlier; not repeating", method=method, route=route
            )
        headers = {}
        if audit_log_reason:
            # Discord reads the header URL-decoded, so any text (colons, accents) survives.
            headers["X-Audit-Log-Reason"] = quote(audit_log_reason, safe="")
        all_ids = {"guild_id": self.guild_id, **{key: str(value) for key, value in ids.items()}}
        return Call(method, route, ids=all_ids, params=params, json=json, headers=headers)

    def _before_attempt(self, call: Call, attempts: Attempts) -> Mapping[str, str]:
        self._wait_for_limits(call.method, call.route, _route_key(call))
        return {}

    def _after_attempt(self, call: Call, response: requests.Response | None) -> None:
        if response is not None:
            self._note_bucket(_route_key(call), response)

    def _rate_limit_wait(
        self,
        call: Call,
        policy: RetryPolicy,
        attempts: Attempts,
        response: requests.Response,
    ) -> float:
        """BOT-16: the wait is recorded as a pause that the next attempt sleeps out."""
        self._rate_limited(
            call.method, call.route, _route_key(call), response, retries=attempts.rate_limited
        )
        return 0.0

    def _wait_for_limits(self, method: str, route: str, route_key: RouteKey) -> None:
        """Sleep out a global pause or an exhausted bucket; refuse a wait above the cap."""
        until = max(self._global_until, self._blocked_until.get(self._limit_key(route_key), 0.0))
        wait = until - self._clock()
        if wait <= 0:
            return
        if wait > self.max_retry_after:
            raise DiscordRateLimited(
                f"Discord rate limit: {wait:.1f} s to wait is above the "
                f"{self.max_retry_after:g} s cap",
                status=429,
                method=method,
                route=route,
                retry_after=wait,
            )
        self._sleep(wait)

    def _limit_key(self, route_key: RouteKey) -> tuple[str, ...]:
        """Routes Discord reports in one bucket share a limit per major parameter."""
        bucket = self._bucket_of.get(route_key)
        return ("bucket", bucket, route_key[2]) if bucket else ("route", *route_key)

    def _block(self, route_key: RouteKey, seconds: float) -> None:
        key = self._limit_key(route_key)
        self._blocked_until[key] = max(self._blocked_until.get(key, 0.0), self._clock() + seconds)

    def _note_bucket(self, route_key: RouteKey, response: requests.Response) -> None:
        headers = response.headers
        if headers.get("X-RateLimit-Bucket"):
            self._bucket_of[route_key] = headers["X-RateLimit-Bucket"]
        if headers.get("X-RateLimit-Remaining") == "0":
            self._block(route_key, seconds_or_none(headers.get("X-RateLimit-Reset-After")) or 0.0)

    def _rate_limited(
        self,
        method: str,
        route: str,
        route_key: RouteKey,
        response: requests.Response,
        *,
        retries: int,
    ) -> None:
        """Record a 429's wait (the next attempt sleeps it out) or raise `DiscordRateLimited`."""
        body = _json_body(response)
        retry_after = seconds_or_none(body.get("retry_after"))
        if retry_after is None:
            retry_after = seconds_or_none(response.headers.get("Retry-After"))
        if retry_after is None:
            retry_after = DEFAULT_RETRY_AFTER
        is_global = bool(body.get("global")) or (
            response.headers.get("X-RateLimit-Global", "").lower() == "true"
        )
        bucket = response.headers.get("X-RateLimit-Bucket", "")
        logger.warning(
            "Discord rate limit on %s %s: retry_after=%.3f s, bucket=%s, global=%s",
            method,
            route,
            retry_after,
            bucket or "-",
            is_global,
        )
        if is_global:
            self._global_until = max(self._global_until, self._clock() + retry_after)
        else:
            self._block(route_key, retry_after)
        if retry_after > self.max_retry_after or retries >= MAX_RATE_LIMIT_RETRIES:
            reason = (
                f"retry_after {retry_after:g} s is above the {self.max_retry_after:g} s cap"
                if retry_after > self.max_retry_after
                else f"still limited after {MAX_RATE_LIMIT_RETRIES} retries"
            )
            raise DiscordRateLimited(
                f"Discord rate limit: {reason}",
                status=429,
                code=body.get("code"),
                method=method,
                route=route,
                retry_after=retry_after,
            )

    def _error(self, failure: Failure) -> DiscordError:
        """The typed error of a failed call (BOT-17, BOT-18)."""
        call, status = failure.call, failure.status
        common: dict[str, Any] = {"status": status, "method": call.method, "route": call.route}
        match failure.kind:
            case FailureKind.UNAVAILABLE if failure.response is None:
                return DiscordUnavailable(
                    f"Discord unreachable ({failure.reason})", method=call.method, route=call.route
                )
            case FailureKind.UNAVAILABLE:
                return DiscordUnavailable("Discord unavailable", **common)
            case FailureKind.RATE_LIMITED:  # `_rate_limit_wait` raises first; kept for safety
                return DiscordRateLimited("Discord rate limit", **common)
            case FailureKind.BAD_BODY:
                return DiscordBadResponse(
                    f"Discord answered with a body that is not {failure.expected_text} "
                    f"({failure.content_type})",
                    **common,
                )
        assert failure.response is not None
        return self._refusal(call.method, call.route, call.ids, failure.response)

    def _refusal(
        self, method: str, route: str, ids: Mapping[str, str], response: requests.Response
    ) -> DiscordError:
        """The typed error of a 4xx response (BOT-18)."""
        status = response.status_code
        body = _json_body(response)
        code = body.get("code") if isinstance(body.get("code"), int) else None
        said = str(body.get("message") or response.reason or "")
        common: dict[str, Any] = {"status": status, "code": code, "method": method, "route": route}
        if status == 401:
            self._auth_failed = True
            return DiscordAuthError("Discord refused the bot token", **common)
        if status == 403 and code == 50007:
            return DMsClosed("The user does not accept DMs from server members", **common)
        if status == 403:
            kind, resource_id = _target(ids)
            return MissingPermissions(
                f"Missing permissions on {kind} {resource_id}: {said}",
                resource_id=resource_id,
                **common,
            )
        if status == 404:
            error_class, id_name, what = NOT_FOUND_ERRORS.get(
                code or 0, (DiscordNotFound, "", "Not found on Discord")
            )
            not_found_id = ids.get(id_name)
            name = f"{what} {not_found_id}" if not_found_id else what
            return error_class(name, resource_id=not_found_id, **common)
        if status == 400:
            field_errors = list(_flatten_errors(body.get("errors") or {}))
            logger.error(
                "Discord rejected %s %s (HTTP 400, code %s): %s; %s",
                method,
                route,
                code,
                said,
                "; ".join(field_errors) or "no field errors",
            )
            return DiscordBadRequest(
                f"Discord rejected the request: {said}", field_errors=field_errors, **common
            )
        return DiscordError(f"Discord refused the request: {said}", **common)


_MEMBER_ROLE = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"


def _route_key(call: Call) -> RouteKey:
    return (call.method, call.route, _major_parameter(call.route, call.ids))


def _major_parameter(route: str, ids: Mapping[str, str]) -> str:
    """Discord keys a bucket by its top-level resource: the channel, else the server."""
    if route.startswith("/channels/"):
        return ids.get("channel_id", "")
    if route.startswith("/guilds/"):
        return ids.get("guild_id", "")
    return ""


def _target(ids: Mapping[str, str]) -> tuple[str, str]:
    """What a 403 was about: the role or channel of the route, else the server."""
    for name, kind in (("role_id", "role"), ("channel_id", "channel")):
        if ids.get(name):
            return kind, ids[name]
    return "server", ids["guild_id"]


def _json_body(response: requests.Response) -> dict[str, Any]:
    body = json_or_none(response)
    return body if isinstance(body, dict) else {}


def _flatten_errors(errors: Mapping, path: str = "") -> Iterator[str]:
    """Discord's nested `errors` object as "embeds.0.title: message" lines."""
    for key, value in errors.items():
        if key == "_errors":
            for error in value:
                yield f"{path or '(body)'}: {error.get('message', error.get('code', '?'))}"
        elif isinstance(value, Mapping):
            yield from _flatten_errors(value, f"{path}.{key}" if path else str(key))
