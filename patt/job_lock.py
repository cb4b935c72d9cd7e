"""A lock that keeps a scheduled job from overlapping itself (CMP-31, CMP-43).

    with JobLock(key=0x50A77C4D, name="campaigns:status-checker", ttl=300) as held:
        if not held:
            return "skipped: another run holds the lock"
        ...

On PostgreSQL it is a session-level advisory lock (`pg_try_advisory_lock`), which PostgreSQL
releases with the connection if a worker dies mid-run. Elsewhere (SQLite in development) it is
a cache key that expires by itself after `ttl` seconds; if the cache is unusable (for example
`createcachetable` has not run), an in-process lock stands in, so the job still runs once per
process rather than crashing.
"""

import logging
import threading

from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

_process_locks: dict[str, threading.Lock] = {}
_process_locks_guard = threading.Lock()


def _process_lock(name: str) -> threading.Lock:
    with _process_locks_guard:
        return _process_locks.setdefault(name, threading.Lock())


class JobLock:
    """Try once to take the lock `key`/`name`; `__enter__` returns whether it is held."""

    def __init__(self, *, key: int, name: str, ttl: int) -> None:
        self.key, self.name, self.ttl = key, name, ttl
        self.held = False
        self._mode = ""

    def __enter__(self) -> bool:
        if connection.vendor == "postgresql":
            self._mode = "advisory"
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [self.key])
                self.held = bool(cursor.fetchone()[0])
            return self.held
        try:
            self._mode = "cache"
            self.held = bool(cache.add(self.name, "1", self.ttl))
        except Exception as exc:  # the cache backend itself failed
            logger.warning("Cache unavailable (%s); %s uses an in-process lock", exc, self.name)
            self._mode = "process"
            self.held = _process_lock(self.name).acquire(blocking=False)
        return self.held

    def __exit__(self, *exc) -> None:
        if not self.held:
            return
        if self._mode == "advisory":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [self.key])
        elif self._mode == "process":
            _process_lock(self.name).release()
        else:
            cache.delete(self.name)
        self.held = False
