"""Rate limits of the upload API in the shared cache (UPL-4).

Fixed windows: `ADDON_UPLOAD_RATE_PER_HOUR` POSTs per token per clock hour, and
`ADDON_UPLOAD_AUTH_FAILURES_PER_IP` failed authentications per client IP per 10 minutes. The
cache is the site's shared one (database or Redis), so every web process counts together.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

UPLOAD_WINDOW_S = 3600
AUTH_FAILURE_WINDOW_S = 600


@dataclass(frozen=True)
class Refusal:
    """A limit was hit: retry after this many seconds."""

    retry_after: int


def _window(name: str, key: str, size: int) -> tuple[str, int]:
    now = int(time.time())
    start = now - now % size
    return f"addon-upload:{name}:{key}:{start}", start + size - now


def _count(cache_key: str, ttl: int) -> int:
    cache.add(cache_key, 0, timeout=ttl + 5)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=ttl + 5)
        return 1


def take_upload_slot(token_id: int) -> Refusal | None:
    """UPL-4: count one POST of the token; a Refusal when it is over the hourly limit."""
    cache_key, remaining = _window("token", str(token_id), UPLOAD_WINDOW_S)
    if _count(cache_key, remaining) > settings.ADDON_UPLOAD_RATE_PER_HOUR:
        return Refusal(retry_after=max(remaining, 1))
    return None


def auth_failures_exceeded(ip: str) -> Refusal | None:
    """UPL-4: a Refusal while the IP has used up its failed authentications."""
    cache_key, remaining = _window("authfail", ip, AUTH_FAILURE_WINDOW_S)
    if (cache.get(cache_key) or 0) >= settings.ADDON_UPLOAD_AUTH_FAILURES_PER_IP:
        return Refusal(retry_after=max(remaining, 1))
    return None


def record_auth_failure(ip: str) -> None:
    cache_key, remaining = _window("authfail", ip, AUTH_FAILURE_WINDOW_S)
    _count(cache_key, remaining)
