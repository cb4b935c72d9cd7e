"""The background half of an upload: SyncRun, reconcile, summary (UPL-12, IDN-44).

The notes were written inside the request (UPL-10). This runs in a django-q2 worker: one
`addon_upload` SyncRun (trigger `upload`) with the upload's counts, around `reconcile()`
(matching -> ranks -> role push -> integrity -> audit report), announced (IDN-41, IDN-42)
however it ends, also when it raises. If another `addon_upload` run is going on, the task
re-queues itself once, 60 s later, so every upload is reconciled by a run that started after
its notes were committed.
"""

import logging
from datetime import timedelta

from django.utils import timezone

from identity.models import AddonUpload, SyncRun, SyncSource, SyncStatus, SyncTrigger
from identity.reports import NOTES_UPDATED, UNKNOWN_CHARACTERS
from identity.services.sync_runs import describe_run
from identity.uploads import apply
from identity.uploads.apply import PIPELINE_TASK

log = logging.getLogger(__name__)

REQUEUE_DELAY = timedelta(seconds=60)
DETAIL_UNKNOWN_LIMIT = 100


def upload_counts(upload: AddonUpload) -> dict[str, int]:
    """UPL-12's counts, plus the sync summary's keys (IDN-41) under their shared names."""
    return {
        "received": upload.characters_received,
        "updated": upload.updated,
        "unchanged": upload.unchanged,
        "unknown": upload.unknown,
        NOTES_UPDATED: upload.updated,
        UNKNOWN_CHARACTERS: upload.unknown,
    }


def requeue(upload_id: int) -> None:
    """A one-off django-q2 schedule of the same task, 60 s from now, marked as the retry."""
    from django_q.models import Schedule
    from django_q.tasks import schedule

    schedule(
        PIPELINE_TASK,
        upload_id,
        requeued=True,
        name=f"Addon upload #{upload_id} (re-queued)",
        schedule_type=Schedule.ONCE,
        repeats=1,
        next_run=timezone.now() + REQUEUE_DELAY,
    )


def run_upload_pipeline(upload_id: int, *, requeued: bool = False) -> str:
    """UPL-12 for one upload; returns the result line. `AddonUpload.matching` follows the run."""
    from identity.services.reconcile import announced_run, reconcile

    upload = AddonUpload.objects.filter(pk=upload_id).first()
    if upload is None:
        return f"Addon upload #{upload_id} not found"
    if upload.status != AddonUpload.Status.APPLIED:
        return f"Addon upload #{upload_id} is {upload.status}: nothing to reconcile"
    record = None
    try:
        with announced_run(source=SyncSource.ADDON_UPLOAD, trigger=SyncTrigger.UPLOAD) as run:
            record = run.record
            if not run.skipped:
                _link(upload, run.record, AddonUpload.Matching.QUEUED)
                run.counts.update(upload_counts(upload))
                run.details["upload_id"] = upload.pk
                run.details["unknown_characters"] = [
                    f"{item.get('name')}-{item.get('realm')}"
                    for item in (upload.unknown_characters or [])[:DETAIL_UNKNOWN_LIMIT]
                ]
                reconcile(run=run)
    except Exception:
        _link(upload, record, AddonUpload.Matching.FAILED)
        raise
    if run.skipped:
        if requeued:
            log.warning("Addon upload #%s: pipeline still busy after the re-queue", upload.pk)
            _link(upload, record, AddonUpload.Matching.FAILED)
        else:
            requeue(upload.pk)
            _link(upload, record, AddonUpload.Matching.QUEUED)
        return describe_run(record)
    done = record.status in (SyncStatus.SUCCESS, SyncStatus.PARTIAL)
    _link(upload, record, AddonUpload.Matching.DONE if done else AddonUpload.Matching.FAILED)
    return describe_run(record)


def _link(upload: AddonUpload, record: SyncRun | None, matching: str) -> None:
    upload.matching = matching
    fields = ["matching"]
    if record is not None:
        upload.sync_run = record
        fields.append("sync_run")
    upload.save(update_fields=fields)


def rerun_matching(uploads) -> int:
    """UPL-15's admin action: queue the pipeline again for applied uploads; returns how many."""
    queued = 0
    for upload in uploads:
        if upload.status != AddonUpload.Status.APPLIED:
            continue
        AddonUpload.objects.filter(pk=upload.pk).update(matching=AddonUpload.Matching.QUEUED)
        # Looked up on the module at call time, so tests can stand in for the queue.
        apply.queue_pipeline(upload.pk)
        queued += 1
    return queued


def clear_old_payloads(*, now=None) -> int:
    """UPL-7: drop the stored payload of uploads older than `ADDON_UPLOAD_RETENTION_DAYS`."""
    from django.conf import settings

    cutoff = (now or timezone.now()) - timedelta(days=settings.ADDON_UPLOAD_RETENTION_DAYS)
    return AddonUpload.objects.filter(received_at__lt=cutoff, payload__isnull=False).update(
        payload=None
    )
