"""BOT-3: the single-instance lease in BotStatus, and what the admin says about the bot."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from patt.discord.lease import (
    STALE_AFTER,
    LeaseHeld,
    acquire_lease,
    bot_presence,
    release_lease,
    renew_lease,
)
from patt.models import BotStatus

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def take(instance_id="a", *, now=NOW, force=False, hostname="host-a"):
    return acquire_lease(instance_id=instance_id, hostname=hostname, pid=42, force=force, now=now)


def test_bot_3_a_free_lease_is_taken_and_records_who_holds_it():
    row = take()
    assert (row.instance_id, row.hostname, row.pid) == ("a", "host-a", 42)
    assert row.started_at == row.heartbeat_at == NOW
    assert row.connected is False


def test_bot_3_a_live_lease_is_refused_with_the_holders_host():
    take()
    with pytest.raises(LeaseHeld) as refused:
        take("b", now=NOW + timedelta(seconds=30), hostname="host-b")
    assert str(refused.value).startswith("Another bot instance is running on host-a (pid 42")
    assert BotStatus.objects.get().instance_id == "a"


def test_bot_3_a_stale_lease_is_taken_over():
    take()
    take("b", now=NOW + STALE_AFTER + timedelta(seconds=1))
    assert BotStatus.objects.get().instance_id == "b"


def test_bot_3_force_takes_a_live_lease_and_the_old_holder_loses_its_heartbeat():
    take()
    take("b", now=NOW + timedelta(seconds=5), force=True)
    assert renew_lease(instance_id="a", now=NOW + timedelta(seconds=30)) is False
    assert renew_lease(instance_id="b", connected=True, now=NOW + timedelta(seconds=30)) is True
    row = BotStatus.objects.get()
    assert (row.instance_id, row.connected) == ("b", True)


def test_bot_3_the_heartbeat_keeps_the_lease_fresh():
    take()
    renew_lease(instance_id="a", now=NOW + timedelta(seconds=80))
    with pytest.raises(LeaseHeld):
        take("b", now=NOW + timedelta(seconds=160))


def test_bot_4_release_frees_the_lease_and_marks_the_bot_disconnected():
    take()
    renew_lease(instance_id="a", connected=True, now=NOW)
    assert release_lease(instance_id="b") is False  # only the holder releases it
    assert release_lease(instance_id="a", now=NOW + timedelta(seconds=10)) is True
    row = BotStatus.objects.get()
    assert (row.instance_id, row.connected) == ("", False)
    take("b", now=NOW + timedelta(seconds=11))  # free at once, no 90 s wait


def test_bot_3_presence_online_only_when_connected_with_a_fresh_heartbeat():
    assert bot_presence(now=NOW).label == "Bot offline (never started)"
    take()
    assert bot_presence(now=NOW).label == "Bot offline since 2025-06-01 12:00 UTC"  # not connected
    renew_lease(instance_id="a", connected=True, now=NOW)
    assert bot_presence(now=NOW + timedelta(seconds=60)).label == "Bot online"
    stale = NOW + STALE_AFTER + timedelta(seconds=1)
    assert bot_presence(now=stale).label == "Bot offline since 2025-06-01 12:00 UTC"
    release_lease(instance_id="a", now=NOW + timedelta(minutes=5))
    assert bot_presence(now=stale).label == "Bot offline since 2025-06-01 12:05 UTC"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bot_3_two_concurrent_acquirers_get_exactly_one_lease():
    BotStatus.objects.create(pk=1)  # both race on the conditional update, not on the insert
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def start(instance_id):
        try:
            barrier.wait()
            take(instance_id, hostname=f"host-{instance_id}")
            results[instance_id] = "lease"
        except LeaseHeld:
            results[instance_id] = "held"
        finally:
            connection.close()

    for _ in range(5):  # several rounds: the race must never let both in
        BotStatus.objects.filter(pk=1).update(instance_id="")
        results.clear()
        threads = [threading.Thread(target=start, args=(name,)) for name in ("x", "y")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results.values()) == ["held", "lease"]
        assert BotStatus.objects.get().instance_id == next(
            k for k, v in results.items() if v == "lease"
        )
