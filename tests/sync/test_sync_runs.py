"""SyncRun bookkeeping: one running row per source, abandoned rows, errors (IDN-17, IDN-46)."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from identity.models import SyncRun, SyncSource, SyncStatus, SyncTrigger
from identity.services.sync_runs import pipeline_run, start_run

DISCORD = SyncSource.DISCORD_MEMBERS
BLIZZARD = SyncSource.BLIZZARD_ROSTER
COMMAND = SyncTrigger.COMMAND


def running_row(source, minutes_ago):
    return SyncRun.objects.create(
        source=source, trigger=COMMAND, started_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


@pytest.mark.django_db
def test_idn46_a_start_inserts_a_running_row():
    run = start_run(DISCORD, COMMAND)
    assert run.status == SyncStatus.RUNNING
    assert SyncRun.objects.get(pk=run.pk).status == SyncStatus.RUNNING


@pytest.mark.django_db
def test_idn46_a_start_while_running_is_recorded_as_skipped_already_running():
    first = start_run(DISCORD, COMMAND)
    second = start_run(DISCORD, SyncTrigger.SCHEDULE)
    assert second.status == SyncStatus.SKIPPED
    assert second.error == "already running"
    assert second.details["running_run"] == first.pk
    assert second.finished_at is not None
    assert SyncRun.objects.filter(source=DISCORD, status=SyncStatus.RUNNING).count() == 1


@pytest.mark.django_db
def test_idn46_other_sources_run_independently():
    start_run(DISCORD, COMMAND)
    assert start_run(BLIZZARD, COMMAND).status == SyncStatus.RUNNING


@pytest.mark.django_db
def test_idn46_running_row_older_than_10_minutes_is_abandoned_then_the_run_starts():
    stale = running_row(DISCORD, minutes_ago=11)
    run = start_run(DISCORD, COMMAND)
    stale.refresh_from_db()
    assert stale.status == SyncStatus.ERROR
    assert stale.error == "abandoned: worker stopped"
    assert stale.finished_at is not None and stale.duration_seconds >= 11 * 60
    assert run.status == SyncStatus.RUNNING


@pytest.mark.django_db
def test_idn46_blizzard_runs_may_stay_running_for_30_minutes():
    recent = running_row(BLIZZARD, minutes_ago=20)
    assert start_run(BLIZZARD, COMMAND).status == SyncStatus.SKIPPED
    recent.refresh_from_db()
    assert recent.status == SyncStatus.RUNNING

    recent.started_at = timezone.now() - timedelta(minutes=31)
    recent.save()
    assert start_run(BLIZZARD, COMMAND).status == SyncStatus.RUNNING
    recent.refresh_from_db()
    assert recent.error == "abandoned: worker stopped"


@pytest.mark.django_db
def test_idn17_finishing_a_run_stores_status_counts_details_and_duration():
    with pipeline_run(DISCORD, COMMAND) as run:
        run.counts["found"] = 3
        run.warn("No unique Discord role named 'GM' for rank Guild Leader")
    record = SyncRun.objects.get(pk=run.record.pk)
    assert record.status == SyncStatus.SUCCESS
    assert record.counts == {"found": 3}
    assert record.details == {
        "warnings": ["No unique Discord role named 'GM' for rank Guild Leader"]
    }
    assert record.finished_at >= record.started_at
    assert record.duration_seconds is not None


@pytest.mark.django_db
def test_idn17_an_exception_sets_error_and_is_re_raised():
    with pytest.raises(RuntimeError, match="boom"), pipeline_run(DISCORD, COMMAND) as run:
        run.counts["found"] = 1
        raise RuntimeError("boom")
    record = SyncRun.objects.get(pk=run.record.pk)
    assert record.status == SyncStatus.ERROR
    assert record.error == "boom"
    assert record.counts == {"found": 1}
    # The source is free again.
    assert start_run(DISCORD, COMMAND).status == SyncStatus.RUNNING


@pytest.mark.django_db
def test_idn46_a_skipped_pipeline_run_leaves_the_running_row_alone():
    first = start_run(DISCORD, COMMAND)
    with pipeline_run(DISCORD, COMMAND) as run:
        assert run.skipped
    first.refresh_from_db()
    assert first.status == SyncStatus.RUNNING
    assert run.record.status == SyncStatus.SKIPPED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_idn46_two_concurrent_starts_give_one_running_and_one_skipped():
    barrier = threading.Barrier(2)
    results, failures = [], []

    def start():
        try:
            barrier.wait(timeout=30)
            results.append(start_run(DISCORD, COMMAND).status)
        except Exception as exc:  # reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert sorted(results) == [SyncStatus.RUNNING, SyncStatus.SKIPPED]
    statuses = sorted(SyncRun.objects.filter(source=DISCORD).values_list("status", flat=True))
    assert statuses == [SyncStatus.RUNNING, SyncStatus.SKIPPED]
