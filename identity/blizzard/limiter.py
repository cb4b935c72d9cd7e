"""A sliding-window rate limiter shared by every request of the process (IDN-20).

Each `acquire()` reserves the earliest send time at which no 1-second window holds more than
`per_second` requests and no 1-hour window more than `per_hour`, then sleeps until it. Slots
are reserved under a lock and slept outside it, so the pool's threads queue up in order.
The window is widened by `margin` seconds: a thread can be scheduled a little late after its
sleep, and the server counts arrivals, not our reservations.
"""

import threading
import time
from collections import deque
from collections.abc import Callable

from identity.blizzard.errors import BlizzardRateLimited

MAX_LIMITER_WAIT = 30.0
WINDOW_MARGIN = 0.05
HOUR = 3600.0


class RateLimiter:
    def __init__(
        self,
        per_second: int,
        per_hour: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = MAX_LIMITER_WAIT,
        margin: float = WINDOW_MARGIN,
    ):
        if per_second < 1 or per_hour < 1:
            raise ValueError("rate limits must be at least 1 request")
        self.per_second = per_second
        self.per_hour = per_hour
        self.max_wait = max_wait
        self.margin = margin
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()  # reserved send times, non-decreasing

    def acquire(self) -> float:
        """Wait for a slot; returns the seconds waited. Raises `BlizzardRateLimited` instead of
        waiting more than `max_wait`."""
        with self._lock:
            now = self._clock()
            while self._sent and self._sent[0] <= now - HOUR - self.margin:
                self._sent.popleft()
            at = max(now, self._sent[-1]) if self._sent else now
            if len(self._sent) >= self.per_second:
                at = max(at, self._sent[-self.per_second] + 1.0 + self.margin)
            if len(self._sent) >= self.per_hour:
                at = max(at, self._sent[-self.per_hour] + HOUR + self.margin)
            wait = at - now
            if wait > self.max_wait:
                raise BlizzardRateLimited(
                    f"Blizzard rate limit: the client limiter would wait {wait:.0f} s "
                    f"(above {self.max_wait:g} s; {self.per_second}/s, {self.per_hour}/h)",
                    status=None,
                )
            self._sent.append(at)
        if wait > 0:
            self._sleep(wait)
        return wait

    def reservations(self) -> list[float]:
        """The send times handed out within the last hour (clock seconds), oldest first."""
        with self._lock:
            return list(self._sent)

    def reset(self) -> None:
        with self._lock:
            self._sent.clear()
