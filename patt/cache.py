"""A Redis cache that degrades instead of failing (issue 17 item 3).

With `REDIS_URL` set, the cache (rate limits, job locks, the bot's small memos, worker
presence) lives in Redis. Django's own `RedisCache` raises when Redis is unreachable, which
would turn every page that touches the cache into a 500. `ResilientRedisCache` catches Redis's
connection and timeout errors and answers as an empty cache would: `get` the default,
`get_many` nothing, `add` True (the key was absent: allauth's rate-limit lock and the job
locks go ahead instead of waiting for a lock nobody holds), `set` / `delete` / `touch` /
`has_key` False, `incr` the `ValueError` of a missing key. Pages keep working (without rate
limits while Redis is away: a failing limiter must not lock every member out; on PostgreSQL
the scheduled jobs' locks are advisory locks and do not depend on the cache), a WARNING says
so once per outage, and
after `RETRY_SECONDS` (default 5, OPTIONS `RETRY_SECONDS`) the next call tries Redis again,
so the cache comes back by itself. Until then no call waits on a dead server; the connection
and socket timeouts (OPTIONS `socket_connect_timeout` / `socket_timeout`, 1 s by default)
bound the first one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_RETRY_SECONDS = 5.0
DEFAULT_SOCKET_TIMEOUT = 1.0


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, answering as an empty cache while Redis is unreachable."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params}
        options = {**params.get("OPTIONS", {})}
        self.retry_seconds = float(options.pop("RETRY_SECONDS", DEFAULT_RETRY_SECONDS))
        options.setdefault("socket_connect_timeout", DEFAULT_SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", DEFAULT_SOCKET_TIMEOUT)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._down_until = 0.0
        self._guard = threading.Lock()
        self._errors = _redis_errors()

    @property
    def available(self) -> bool:
        """False while a recent failure keeps calls away from Redis."""
        return time.monotonic() >= self._down_until

    def _call(self, operation: Callable[[], T], fallback: T) -> T:
        if not self.available:
            return fallback
        try:
            result = operation()
        except self._errors as exc:
            with self._guard:
                first = self.available
                self._down_until = time.monotonic() + self.retry_seconds
            if first:
                logger.warning(
                    "Cache unavailable (%s): pages go on without it; retrying in %.1f s",
                    type(exc).__name__,
                    self.retry_seconds,
                )
            return fallback
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), True
        )

    def get(self, key, default=None, version=None):
        return self._call(
            lambda: super(ResilientRedisCache, self).get(key, default, version), default
        )

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False
        )

    def delete(self, key, version=None):
        return self._call(lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def get_many(self, keys, version=None):
        return self._call(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._call(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._call(
            lambda: super(ResilientRedisCache, self).incr(key, delta, version), missing
        )
        if value is missing:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), list(data)
        )

    def delete_many(self, keys, version=None):
        return self._call(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def clear(self) -> Any:
        clear: Callable[[], Any] = super().clear
        return self._call(clear, None)
