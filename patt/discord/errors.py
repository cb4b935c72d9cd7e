"""Typed errors of the Discord REST client (BOT-18).

Each carries the HTTP status, Discord's error code, the method and the route template, never
the token. `transient` tells a caller whether the next run may succeed (rate limits,
outages) or whether the failure is permanent (401, 403, 404) and must not be repeated.
"""

from collections.abc import Sequence


class DiscordError(Exception):
    """A failed Discord call. `transient` errors may succeed on the next run; others never will."""

    transient = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        method: str = "",
        route: str = "",
        resource_id: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.method = method
        self.route = route
        self.resource_id = resource_id

    def __str__(self) -> str:
        details = []
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if self.code is not None:
            details.append(f"code {self.code}")
        if self.route:
            details.append(f"{self.method} {self.route}")
        return f"{self.message} ({', '.join(details)})" if details else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class DiscordNotConfigured(DiscordError):
    """No bot token or no server id: jobs log "Discord not configured" and skip (BOT-14)."""


class DiscordAuthError(DiscordError):
    """401: the token is wrong. Never retried; the job stops its Discord work."""


class DMsClosed(DiscordError):
    """403 / 50007: the user blocks DMs from server members."""


class MissingPermissions(DiscordError):
    """403 / 50013, 50001 (or any other 403): the bot may not do this; `resource_id` says where."""


class DiscordNotFound(DiscordError):
    """404: an unknown id (`resource_id`); the subclasses name the kind."""


class MemberNotFound(DiscordNotFound):
    """404 / 10007, 10013: the user is not a member of the server (or not known at all)."""


class ChannelNotFound(DiscordNotFound):
    """404 / 10003."""


class RoleNotFound(DiscordNotFound):
    """404 / 10011."""


class GuildNotFound(DiscordNotFound):
    """404 / 10004."""


class DiscordBadRequest(DiscordError):
    """400 (50035 and friends); `field_errors` lists "path: message" lines."""

    def __init__(self, message: str, *, field_errors: Sequence[str] = (), **kwargs):
        super().__init__(message, **kwargs)
        self.field_errors = list(field_errors)


class DiscordRateLimited(DiscordError):
    """429 after the retries, or a wait above `DISCORD_MAX_RETRY_AFTER` (BOT-16)."""

    transient = True

    def __init__(self, message: str, *, retry_after: float = 0.0, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class DiscordUnavailable(DiscordError):
    """5xx, connection errors or timeouts after the retries (BOT-17)."""

    transient = True


class DiscordBadResponse(DiscordUnavailable):
    """A 2xx answer whose body is not the JSON Discord sends (an HTML page from a proxy, a
    truncated body): treated like an outage, so the next run may succeed."""


NOT_FOUND_ERRORS = {
    10003: (ChannelNotFound, "channel_id", "Unknown channel"),
    10004: (GuildNotFound, "guild_id", "Unknown server"),
    10007: (MemberNotFound, "user_id", "Unknown member"),
    10011: (RoleNotFound, "role_id", "Unknown role"),
    10013: (MemberNotFound, "user_id", "Unknown user"),
}
