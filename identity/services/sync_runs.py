"""SyncRun bookkeeping: one row per pipeline run, never two running at once (IDN-17, IDN-46).

    with pipeline_run(source=SyncSource.DISCORD_MEMBERS, trigger=SyncTrigger.COMMAND) as run:
        if run.skipped:
            return run
        ...
        run.counts["found"] = 120
        run.warn("No unique Discord role named 'GM' for rank Guild Leader")

A start first marks a `running` row older than its limit as `error` ("abandoned: worker
stopped"), then inserts its own `running` row. The partial unique constraint on `source` WHERE
`status` is `queued` or `running` is the lock: a concurrent start violates it and is recorded
as a `skipped` row ("already running" / "already queued"). An exception inside the block sets
`error` and re-raises.

Queued runs (issue 11 item 13): an admin button inserts a `queued` row (`queue_run`) before it
queues the task, so a second click, or a scheduled start, finds the source in progress. The
task passes the row's id as `queued_run`; its start turns that row into the `running` one
(`started_at` = now). A queued row older than the source's limit (the worker is down or far
behind) is cleared as `skipped` ("queued but never started") by the next start of its source
or by the next click, so it never blocks for longer than that limit; if its task runs later
after all, it starts a run of its own as usual.
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
NEVER_STARTED = "queued but never started: is the django-q2 worker running?"
ALREADY_RUNNING = "already running"
ALREADY_QUEUED = "already queued"
IN_PROGRESS = (SyncStatus.QUEUED, SyncStatus.RUNNING)
RUNNING_LIMITS: dict[str, timedelta] = {SyncSource.BLIZZARD_ROSTER: timedelta(minutes=30)}
DEFAULT_RUNNING_LIMIT = timedelta(minutes=10)


def running_limit(source: str) -> timedelta:
    """How long a run of `source` may stay `running` before it counts as abandoned (IDN-46)."""
    return RUNNING_LIMITS.get(source, DEFAULT_RUNNING_LIMIT)


def abandon_stale_runs(source: str) -> int:
    """Mark `running` rows of `source` older than their limit as `error`, and clear `queued`
    ones as `skipped`: their task never started (IDN-46). Returns how many."""
    return len(close_stale_runs(source))


def close_stale_runs(source: str) -> list[SyncRun]:
    """`abandon_stale_runs`, returning the rows it closed (issue 17: the abandoned-run checker
    announces them, identity/services/abandoned_runs.py)."""
    now = timezone.now()
    stale = list(
        SyncRun.objects.filter(
            source=source, status__in=IN_PROGRESS, started_at__lt=now - running_limit(source)
        )
    )
    for run in stale:
        queued = run.status == SyncStatus.QUEUED
        run.status = SyncStatus.SKIPPED if queued else SyncStatus.ERROR
        run.error = NEVER_STARTED if queued else ABANDONED
        run.finished_at = now
        run.duration_seconds = 0.0 if queued else (now - run.started_at).total_seconds()
        run.save(update_fields=["status", "error", "finished_at", "duration_seconds"])
        log.warning("SyncRun #%s (%s) %s", run.pk, source, run.error)
    return stale


def run_in_progress(source: str) -> SyncRun | None:
    """The `queued` or `running` row of `source`, if any (at most one: the constraint)."""
    return SyncRun.objects.filter(source=source, status__in=IN_PROGRESS).first()


def queue_run(*, source: str, trigger: str) -> SyncRun | None:
    """Insert a `queued` row for a run about to be queued, or None when `source` is already
    queued or running (its row: `run_in_progress`). Must not be called inside a transaction:
    the constraint decides between two concurrent clicks."""
    abandon_stale_runs(source)
    try:
        with transaction.atomic():
            return SyncRun.objects.create(source=source, trigger=trigger, status=SyncStatus.QUEUED)
    except IntegrityError:
        return None


def drop_queued_run(run: SyncRun, *, reason: str) -> None:
    """Close a `queued` row whose task could not be queued (the broker refused it)."""
    now = timezone.now()
    SyncRun.objects.filter(pk=run.pk, status=SyncStatus.QUEUED).update(
        status=SyncStatus.SKIPPED, error=reason, finished_at=now, duration_seconds=0.0
    )


def _claim_queued(
    source: str, queued_run: int | None, status: str, **fields: object
) -> SyncRun | None:
    """Turn this task's own `queued` row into `status`; None when there is none (any more)."""
    if queued_run is None:
        return None
    claimed = SyncRun.objects.filter(pk=queued_run, source=source, status=SyncStatus.QUEUED).update(
        status=status, **fields
    )
    return SyncRun.objects.get(pk=queued_run) if claimed else None


def record_skipped(
    *,
    source: str,
    trigger: str,
    reason: str,
    details: dict | None = None,
    queued_run: int | None = None,
) -> SyncRun:
    """A finished `skipped` row whose `error` says why (not configured, already running); the
    task's own `queued` row when it has one."""
    now = timezone.now()
    fields = {"finished_at": now, "duration_seconds": 0.0, "error": reason}
    claimed = _claim_queued(
        source, queued_run, SyncStatus.SKIPPED, started_at=now, details=details or {}, **fields
    )
    if claimed is not None:
        return claimed
    return SyncRun.objects.create(
        source=source,
        trigger=trigger,
        status=SyncStatus.SKIPPED,
        started_at=now,
        details=details or {},
        **fields,
    )


def start_run(*, source: str, trigger: str, queued_run: int | None = None) -> SyncRun:
    """Insert the `running` row, or record and return a `skipped` one if a run is in progress.

    `queued_run`: the id of the `queued` row an admin button inserted for this task; it
    becomes the `running` row. Must not be called inside a transaction: the row has to be
    visible to (and block) other workers at once.
    """
    abandon_stale_runs(source)
    claimed = _claim_queued(source, queued_run, SyncStatus.RUNNING, started_at=timezone.now())
    if claimed is not None:
        return claimed
    try:
        with transaction.atomic():
            return SyncRun.objects.create(source=source, trigger=trigger)
    except IntegrityError:
        running = run_in_progress(source)
        details, reason = {}, ALREADY_RUNNING
        if running is not None:
            details = {"running_run": running.pk, "running_since": running.started_at.isoformat()}
            reason = ALREADY_QUEUED if running.status == SyncStatus.QUEUED else ALREADY_RUNNING
        log.info("%s run not started: %s", source, reason)
        return record_skipped(source=source, trigger=trigger, reason=reason, details=details)


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
def pipeline_run(
    *, source: str, trigger: str, queued_run: int | None = None
) -> Iterator[PipelineRun]:
    """Start a run of `source` (taking over `queued_run`, see `start_run`); on leaving, finish
    it (IDN-46), or mark `error` and re-raise."""
    run = PipelineRun(start_run(source=source, trigger=trigger, queued_run=queued_run))
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
