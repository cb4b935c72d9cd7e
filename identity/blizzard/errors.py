"""The client's typed errors (IDN-19, IDN-20). Every one is a `BlizzardError`."""


class BlizzardError(Exception):
    """A failed Blizzard call; `status` and the first 200 characters of `body` when known."""

    def __init__(self, message: str, *, status: int | None = None, body: str = ""):
        super().__init__(message)
        self.status = status
        self.body = body[:200]


class BlizzardNotConfigured(BlizzardError):
    """Credentials or region missing or wrong: raised before any HTTP call."""


class BlizzardAuthError(BlizzardError):
    """The token request failed, or the API refused a fresh token as well."""


class NotFound(BlizzardError):
    """404: the guild or character does not exist (or its profile is hidden). Never retried."""


class BlizzardRateLimited(BlizzardError):
    """Still 429 after 3 attempts, or the client-side limiter would wait more than 30 s."""


class BlizzardUnavailable(BlizzardError):
    """5xx, timeouts or connection errors on all 3 attempts."""
