"""IDN-20: the process-wide rate limiter and the bounded profile pool."""

import bisect
import threading
import time

import pytest
import requests

from identity.blizzard import BlizzardRateLimited, RateLimiter
from identity.blizzard.client import shared_limiter
from identity.testing.fake_blizzard import generate_guild
from tests.blizzard.helpers import GUILD, REALM, RecordingTime, make_client


def test_idn20_limiter_spaces_requests_to_the_per_second_rate():
    rt = RecordingTime()
    limiter = RateLimiter(5, 1000, clock=rt.clock, sleep=rt.sleep, margin=0)
    waits = [limiter.acquire() for _ in range(12)]
    assert waits[:5] == [0, 0, 0, 0, 0]
    assert waits[5] == pytest.approx(1.0)
    assert waits[10] == pytest.approx(1.0)
    assert rt.now == pytest.approx(1002.0)


def test_idn20_limiter_enforces_the_per_hour_rate_and_refuses_waits_over_30_s():
    rt = RecordingTime()
    limiter = RateLimiter(100, 3, clock=rt.clock, sleep=rt.sleep)
    for _ in range(3):
        limiter.acquire()
    with pytest.raises(BlizzardRateLimited, match="would wait"):
        limiter.acquire()
    rt.now += 3600
    assert limiter.acquire() == pytest.approx(0.05)  # the safety margin


def test_idn20_limiter_is_process_wide_and_follows_settings(settings):
    assert shared_limiter() is shared_limiter()
    settings.BLIZZARD_RATE_PER_SECOND = 7
    assert shared_limiter().per_second == 7


class SendTimes(requests.Session):
    """A session that notes when each request leaves the client (after the limiter)."""

    def __init__(self):
        super().__init__()
        self.sent: list[float] = []
        self._lock = threading.Lock()

    def request(self, method, url, *args, **kwargs):
        with self._lock:
            self.sent.append(time.monotonic())
        return super().request(method, url, *args, **kwargs)


def peak_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    return max(bisect.bisect_right(times, t + 1.0) - i for i, t in enumerate(times))


def test_idn20_limiter_never_exceeds_the_rate_in_any_1_s_window(fake_blizzard, settings):
    settings.BLIZZARD_RATE_PER_SECOND = 20
    fake_blizzard.load(generate_guild(60))
    session = SendTimes()
    started = time.monotonic()
    client = make_client(RecordingTime(), limiter=shared_limiter(), session=session)
    results = client.fetch_profiles(client.get_roster(REALM, GUILD).members)
    assert len(results.profiles) == 60
    # Saturated and never above the rate in the schedule the limiter handed to the pool's
    # threads on the real clock (its lock is what is under test here). Where the requests are
    # seen leaving the client or arriving at the fake, a loaded machine delays and bunches them:
    # a thread woken late sends beside the next second's (27 in one second were seen at the
    # client during a CI run), so those only agree loosely. Without a limiter this guild goes out
    # at several hundred per second.
    assert 15 <= peak_in_one_second(shared_limiter().reservations()) <= 20
    assert peak_in_one_second(session.sent) <= 40
    assert fake_blizzard.peak_requests_per_second() <= 40  # the wire agrees, loosely
    assert time.monotonic() - started >= 2.0  # 62 requests at 20/s


def test_idn20_at_most_max_concurrency_profile_requests_in_flight(fake_blizzard, settings):
    settings.BLIZZARD_MAX_CONCURRENCY = 3
    fake_blizzard.latency = 0.05
    client = make_client(RecordingTime())
    results = client.fetch_profiles(client.get_roster(REALM, GUILD).members)
    assert len(results.profiles) == 29
    assert fake_blizzard.max_concurrent_profiles == 3


def test_idn20_default_pool_is_ten(fake_blizzard):
    fake_blizzard.load(generate_guild(40))
    fake_blizzard.latency = 0.05
    client = make_client(RecordingTime())
    assert client.max_concurrency == 10
    client.fetch_profiles(client.get_roster(REALM, GUILD).members)
    assert fake_blizzard.max_concurrent_profiles == 10
