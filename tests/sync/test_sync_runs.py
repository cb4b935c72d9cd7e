"""SyncRun bookkeeping: one running row per source, abandoned rows, errors (IDN-17, IDN-46)."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from identity.models import SyncRun, SyncSource, SyncStatus, SyncTrigger
from identity.services.sync_runs import (
    NEVER_STARTED,
    abandon_stale_runs,
    pipeline_run,
    queue_run,
    record_skipped,
    run_in_progress,
    start_run,
)

DISCORD = SyncSource.DISCORD_MEMBERS
BLIZZARD = SyncSource.BLIZZARD_ROSTER
COMMAND = SyncTrigger.COMMAND


def concurrently(work, threads=2) -> list:
    """Run `work` in `threads` threads released together; their results (any failure fails)."""
    barrier = threading.Barrier(threads)
    results, failures = [], []

    def one():
        try:
            barrier.wait(timeout=30)
            results.append(work())
        except Exception as exc:  # reported below
            failures.append(exc)
        finally:
            connections.close_all()

    started = [threading.Thread(target=one) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=60)
    assert failures == []
    return results


def running_row(source, minutes_ago):
    return SyncRun.objects.create(
        source=source, trigger=COMMAND, started_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


@pytest.mark.django_db
def test_idn46_a_start_inserts_a_running_row():
    run = start_run(source=DISCORD, trigger=COMMAND)
    assert run.status == SyncStatus.RUNNING
    assert SyncRun.objects.get(pk=run.pk).status == SyncStatus.RUNNING


@pytest.mark.django_db
def test_idn46_a_start_while_running_is_recorded_as_skipped_already_running():
    first = start_run(source=DISCORD, trigger=COMMAND)
    second = start_run(source=DISCORD, trigger=SyncTrigger.SCHEDULE)
    assert second.status == SyncStatus.SKIPPED
    assert second.error == "already running"
    assert second.details["running_run"] == first.pk
    assert second.finished_at is not None
    assert SyncRun.objects.filter(source=DISCORD, status=SyncStatus.RUNNING).count() == 1


@pytest.mark.django_db
def test_idn46_other_sources_run_independently():
    start_run(source=DISCORD, trigger=COMMAND)
    assert start_run(source=BLIZZARD, trigger=COMMAND).status == SyncStatus.RUNNING


@pytest.mark.django_db
def test_idn46_running_row_older_than_10_minutes_is_abandoned_then_the_run_starts():
    stale = running_row(DISCORD, minutes_ago=11)
    run = start_run(source=DISCORD, trigger=COMMAND)
    stale.refresh_from_db()
    assert stale.status == SyncStatus.ERROR
    assert stale.error == "abandoned: worker stopped"
    assert stale.finished_at is not None and stale.duration_seconds >= 11 * 60
    assert run.status == SyncStatus.RUNNING


@pytest.mark.django_db
def test_idn46_blizzard_runs_may_stay_running_for_30_minutes():
    recent = running_row(BLIZZARD, minutes_ago=20)
    assert start_run(source=BLIZZARD, trigger=COMMAND).status == SyncStatus.SKIPPED
    recent.refresh_from_db()
    assert recent.status == SyncStatus.RUNNING

    recent.started_at = timezone.now() - timedelta(minutes=31)
    recent.save()
    assert start_run(source=BLIZZARD, trigger=COMMAND).status == SyncStatus.RUNNING
    recent.refresh_from_db()
    assert recent.error == "abandoned: worker stopped"


@pytest.mark.django_db
def test_idn17_finishing_a_run_stores_status_counts_details_and_duration():
    with pipeline_run(source=DISCORD, trigger=COMMAND) as run:
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
    with (
        pytest.raises(RuntimeError, match="boom"),
        pipeline_run(source=DISCORD, trigger=COMMAND) as run,
    ):
        run.counts["found"] = 1
        raise RuntimeError("boom")
    record = SyncRun.objects.get(pk=run.record.pk)
    assert record.status == SyncStatus.ERROR
    assert record.error == "boom"
    assert record.counts == {"found": 1}
    # The source is free again.
    assert start_run(source=DISCORD, trigger=COMMAND).status == SyncStatus.RUNNING


@pytest.mark.django_db
def test_idn46_a_skipped_pipeline_run_leaves_the_running_row_alone():
    first = start_run(source=DISCORD, trigger=COMMAND)
    with pipeline_run(source=DISCORD, trigger=COMMAND) as run:
        assert run.skipped
    first.refresh_from_db()
    assert first.status == SyncStatus.RUNNING
    assert run.record.status == SyncStatus.SKIPPED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_idn46_two_concurrent_starts_give_one_running_and_one_skipped():
    results = concurrently(lambda: start_run(source=DISCORD, trigger=COMMAND).status)

    assert sorted(results) == [SyncStatus.RUNNING, SyncStatus.SKIPPED]
    statuses = sorted(SyncRun.objects.filter(source=DISCORD).values_list("status", flat=True))
    assert statuses == [SyncStatus.RUNNING, SyncStatus.SKIPPED]


# --- queued runs: an admin click counts as in progress (issue 11 item 13) ------------------


def queued_row(source, minutes_ago=1):
    return SyncRun.objects.create(
        source=source,
        trigger=SyncTrigger.ADMIN,
        status=SyncStatus.QUEUED,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


@pytest.mark.django_db
def test_idn46_a_second_queue_while_queued_or_running_gives_none():
    first = queue_run(source=DISCORD, trigger=SyncTrigger.ADMIN)
    assert first.status == SyncStatus.QUEUED and first.finished_at is None
    assert queue_run(source=DISCORD, trigger=SyncTrigger.ADMIN) is None
    assert run_in_progress(DISCORD) == first

    start_run(source=DISCORD, trigger=SyncTrigger.ADMIN, queued_run=first.pk)
    assert queue_run(source=DISCORD, trigger=SyncTrigger.ADMIN) is None  # running blocks as well
    assert (
        queue_run(source=BLIZZARD, trigger=SyncTrigger.ADMIN) is not None
    )  # other sources are free


@pytest.mark.django_db
def test_idn46_the_task_takes_its_queued_row_over_as_the_running_row():
    row = queued_row(DISCORD, minutes_ago=3)

    with pipeline_run(source=DISCORD, trigger=SyncTrigger.ADMIN, queued_run=row.pk) as run:
        assert run.record.pk == row.pk and run.record.status == SyncStatus.RUNNING

    row.refresh_from_db()
    assert row.status == SyncStatus.SUCCESS
    assert row.started_at > timezone.now() - timedelta(minutes=1)  # restarted when it ran
    assert SyncRun.objects.count() == 1


@pytest.mark.django_db
def test_idn46_a_scheduled_start_while_queued_is_skipped_as_already_queued():
    row = queued_row(DISCORD)

    skipped = start_run(source=DISCORD, trigger=SyncTrigger.SCHEDULE)

    assert (skipped.status, skipped.error) == (SyncStatus.SKIPPED, "already queued")
    assert skipped.details["running_run"] == row.pk
    row.refresh_from_db()
    assert row.status == SyncStatus.QUEUED  # its task still runs it


@pytest.mark.django_db
def test_idn46_a_queued_row_whose_task_never_started_is_cleared_after_the_limit():
    stale = queued_row(DISCORD, minutes_ago=11)

    fresh = queue_run(source=DISCORD, trigger=SyncTrigger.ADMIN)

    stale.refresh_from_db()
    assert (stale.status, stale.error) == (SyncStatus.SKIPPED, NEVER_STARTED)
    assert stale.finished_at is not None
    assert fresh is not None and fresh.status == SyncStatus.QUEUED


@pytest.mark.django_db
def test_idn46_a_late_task_whose_row_was_cleared_starts_a_run_of_its_own():
    stale = queued_row(DISCORD, minutes_ago=11)
    abandon_stale_runs(DISCORD)

    run = start_run(source=DISCORD, trigger=SyncTrigger.ADMIN, queued_run=stale.pk)

    assert run.pk != stale.pk and run.status == SyncStatus.RUNNING


@pytest.mark.django_db
def test_idn46_a_skipped_start_closes_the_queued_row_instead_of_adding_one():
    row = queued_row(DISCORD)

    skipped = record_skipped(
        source=DISCORD, trigger=SyncTrigger.ADMIN, reason="not configured", queued_run=row.pk
    )

    assert skipped.pk == row.pk
    assert (skipped.status, skipped.error) == (SyncStatus.SKIPPED, "not configured")
    assert SyncRun.objects.count() == 1


@pytest.mark.django_db
def test_idn17_the_database_allows_one_queued_or_running_row_per_source():
    queued_row(DISCORD)
    with pytest.raises(IntegrityError), transaction.atomic():
        SyncRun.objects.create(source=DISCORD, trigger=COMMAND)  # running
    with pytest.raises(IntegrityError), transaction.atomic():
        queued_row(DISCORD)
    with pytest.raises(IntegrityError), transaction.atomic():  # finished rows need finished_at
        SyncRun.objects.create(source=BLIZZARD, trigger=COMMAND, status=SyncStatus.SUCCESS)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_idn46_two_concurrent_clicks_queue_one_run():
    results = concurrently(lambda: queue_run(source=BLIZZARD, trigger=SyncTrigger.ADMIN))

    assert sorted(result is None for result in results) == [False, True]
    assert list(SyncRun.objects.filter(source=BLIZZARD).values_list("status", flat=True)) == [
        SyncStatus.QUEUED
    ]
