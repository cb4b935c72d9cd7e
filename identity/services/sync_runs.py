"""SyncRun bookkeeping: one row per pipeline run, never two running at once (IDN-17, IDN-46).

    with pipeline_run(SyncSource.DISCORD_MEMBERS, SyncTrigger.COMMAND) as run:
        if run.skipped:
            return run
        ...
        run.counts["found"] = 120
        run.warn("No unique Discord role named 'GM' for rank Guild Leader")

A start first marks a `running` row older than its limit as `error` ("abandoned: worker
stopped"), then inserts its own `running` row. The partial unique constraint on `source` WHERE
`status='running'` is the lock: a concurrent start violates it and is recorded as a `skipped`
row ("already running"). An exception inside the block sets `error` and re-raises.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from identity.models import SyncRun, SyncSource, SyncStatus

log = logging.getLogger(__name__)

ABANDONED = "abandoned: worker stopped"
ALREADY_RUNNING = "already running"
RUNNING_LIMITS = {SyncSource.BLIZZARD_ROSTER: timedelta(minutes=30)}
DEFAULT_RUNNING_LIMIT = timedelta(minutes=10)


def running_limit(source: str) -> timedelta:
    """How long a run of `source` may stay `running` before it counts as abandoned (IDN-46)."""
    return RUNNING_LIMITS.get(source, DEFAULT_RUNNING_LIMIT)


def abandon_stale_runs(source: str) -> int:
    """Mark `running` rows of `source` older than their limit as `error` (IDN-46)."""
    now = timezone.now()
    stale = list(
        SyncRun.objects.filter(
            source=source, status=SyncStatus.RUNNING, started_at__lt=now - running_limit(source)
        )
    )
    for run in stale:
        run.status = SyncStatus.ERROR
        run.error = ABANDONED
        run.finished_at = now
        run.duration_seconds = (now - run.started_at).total_seconds()
        run.save(update_fields=["status", "error", "finished_at", "duration_seconds"])
        log.warning("SyncRun #%s (%s) %s", run.pk, source, ABANDONED)
    return len(stale)


def record_skipped(source: str, trigger: str, reason: str, details: dict | None = None) -> SyncRun:
    """A finished `skipped` row whose `error` says why (not configured, already running)."""
    now = timezone.now()
    return SyncRun.objects.create(
        source=source,
        trigger=trigger,
        status=SyncStatus.SKIPPED,
        started_at=now,
        finished_at=now,
        duration_seconds=0.0,
        error=reason,
        details=details or {},
    )


def start_run(source: str, trigger: str) -> SyncRun:
    """Insert the `running` row, or record and return a `skipped` one if a run is in progress.

    Must not be called inside a transaction: the row has to be visible to (and block) other
    workers at once.
    """
    abandon_stale_runs(source)
    try:
        with transaction.atomic():
            return SyncRun.objects.create(source=source, trigger=trigger)
    except IntegrityError:
        running = SyncRun.objects.filter(source=source, status=SyncStatus.RUNNING).first()
        details = {}
        if running is not None:
            details = {"running_run": running.pk, "running_since": running.started_at.isoformat()}
        log.info("%s run not started: %s", source, ALREADY_RUNNING)
        return record_skipped(source, trigger, ALREADY_RUNNING, details)


def finish_run(
    run: SyncRun,
    *,
    status: str,
    counts: dict | None = None,
    details: dict | None = None,
    error: str = "",
) -> SyncRun:
    """Close a running row: status, finished_at, duration, counts, details, error."""
    now = timezone.now()
    run.status = status
    run.finished_at = now
    run.duration_seconds = round((now - run.started_at).total_seconds(), 3)
    run.counts = counts if counts is not None else run.counts
    run.details = details if details is not None else run.details
    run.error = error
    run.save(
        update_fields=["status", "finished_at", "duration_seconds", "counts", "details", "error"]
    )
    return run


class PipelineRun:
    """What a pipeline fills in while it runs; written to its SyncRun when the block ends."""

    def __init__(self, record: SyncRun):
        self.record = record
        self.counts: dict = {}
        self.details: dict = {}
        self.status: str = SyncStatus.SUCCESS
        self.error: str = ""

    @property
    def skipped(self) -> bool:
        """True when the run did not start (another one of its source is running)."""
        return self.record.status == SyncStatus.SKIPPED

    def warn(self, message: str) -> None:
        log.warning("%s: %s", self.record.source, message)
        self.details.setdefault("warnings", []).append(message)

    def fail(self, message: str) -> None:
        """A handled failure: the run ends as `error` with `message`, nothing is raised."""
        log.error("%s failed: %s", self.record.source, message)
        self.status = SyncStatus.ERROR
        self.error = message


@contextmanager
def pipeline_run(source: str, trigger: str) -> Iterator[PipelineRun]:
    """Start a run of `source`; on leaving, finish it (IDN-46), or mark `error` and re-raise."""
    run = PipelineRun(start_run(source, trigger))
    if run.skipped:
        yield run
        return
    try:
        yield run
    except Exception as exc:
        finish_run(
            run.record,
            status=SyncStatus.ERROR,
            counts=run.counts,
            details=run.details,
            error=str(exc) or type(exc).__name__,
        )
        raise
    finish_run(
        run.record, status=run.status, counts=run.counts, details=run.details, error=run.error
    )


def describe_run(run: SyncRun) -> str:
    """The result line of a run: "SyncRun #12 success in 1.2s" (plus the error, if any)."""
    line = f"SyncRun #{run.pk} {run.status}"
    if run.duration_seconds is not None and run.status != SyncStatus.SKIPPED:
        line += f" in {run.duration_seconds:.1f}s"
    if run.error:
        line += f": {run.error}"
    return line
