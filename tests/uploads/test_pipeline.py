"""The background pipeline of an upload (UPL-12), re-run (UPL-15) and payload cleanup (UPL-7)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from identity.models import AddonUpload, SyncRun
from identity.reports import NOTES_UPDATED, UNKNOWN_CHARACTERS
from identity.services import reconcile as reconcile_module
from identity.tasks import cleanup_addon_uploads, run_addon_upload_pipeline
from identity.uploads import pipeline
from tests.factories import WowCharacterFactory
from tests.uploads.support import character, payload, post

pytestmark = pytest.mark.django_db


def accepted(client, secret, body=None, *, run_callbacks=True, capture=None):
    with capture(execute=run_callbacks):
        response = post(client, secret, body or payload())
    assert response.status_code == 200, response.json()
    return AddonUpload.objects.get(pk=response.json()["upload_id"])


def test_upl12_the_pipeline_runs_after_commit_and_writes_a_syncrun(
    client, secret, q_sync, django_capture_on_commit_callbacks
):
    WowCharacterFactory(name="Trogmoon", guild_note="old")
    body = payload(characters=[character(guild_note="new"), character("Newbie")])
    upload = accepted(client, secret, body, capture=django_capture_on_commit_callbacks)
    upload.refresh_from_db()
    run = upload.sync_run
    assert run is not None
    assert (run.source, run.trigger, run.status) == ("addon_upload", "upload", "success")
    assert run.counts["received"] == 2
    assert (run.counts["updated"], run.counts["unchanged"], run.counts["unknown"]) == (1, 0, 1)
    assert run.counts[NOTES_UPDATED] == 1 and run.counts[UNKNOWN_CHARACTERS] == 1
    assert run.details["unknown_characters"] == ["Newbie-senjin"]
    assert run.details["upload_id"] == upload.pk
    assert "matching" in run.details or "integrity" in run.details
    assert upload.matching == "done"


def test_upl12_the_task_calls_reconcile_with_its_run_then_announces(
    client, secret, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr(
        reconcile_module, "reconcile", lambda *, run: calls.append(("reconcile", run.record.pk))
    )
    monkeypatch.setattr(
        reconcile_module,
        "announce_run",
        lambda record, **_: calls.append(("announce", record.pk)),
    )
    upload = accepted(
        client, secret, run_callbacks=False, capture=django_capture_on_commit_callbacks
    )
    line = run_addon_upload_pipeline(upload.pk)
    upload.refresh_from_db()
    assert calls == [("reconcile", upload.sync_run_id), ("announce", upload.sync_run_id)]
    assert line.startswith(f"SyncRun #{upload.sync_run_id} success")


def test_upl12_a_stopped_worker_leaves_matching_queued_and_the_answer_unchanged(
    client, secret, django_capture_on_commit_callbacks
):
    # No sync mode: async_task only puts the task on the (ORM) queue; nobody runs it.
    upload = accepted(client, secret, capture=django_capture_on_commit_callbacks)
    upload.refresh_from_db()
    assert upload.matching == "queued" and upload.sync_run is None
    assert SyncRun.objects.count() == 0


def test_upl12_a_running_pipeline_makes_the_task_requeue_itself_once(
    client, secret, django_capture_on_commit_callbacks
):
    upload = accepted(
        client, secret, run_callbacks=False, capture=django_capture_on_commit_callbacks
    )
    SyncRun.objects.create(source="addon_upload", trigger="upload")  # another run in progress
    before = timezone.now()
    run_addon_upload_pipeline(upload.pk)
    upload.refresh_from_db()
    assert upload.matching == "queued"
    assert upload.sync_run.status == "skipped"
    (retry,) = Schedule.objects.filter(func="identity.tasks.run_addon_upload_pipeline")
    assert retry.schedule_type == Schedule.ONCE
    assert (
        before + timedelta(seconds=59) <= retry.next_run <= timezone.now() + timedelta(seconds=61)
    )
    assert retry.args == f"({upload.pk},)"
    assert "'requeued': True" in retry.kwargs

    # The re-queued run finds the pipeline still busy: it gives up (no second re-queue).
    run_addon_upload_pipeline(upload.pk, requeued=True)
    upload.refresh_from_db()
    assert upload.matching == "failed"
    assert Schedule.objects.filter(func="identity.tasks.run_addon_upload_pipeline").count() == 1


def test_upl12_a_failing_reconcile_marks_matching_failed_and_the_run_error(
    client, secret, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*, run):
        raise RuntimeError("matching exploded")

    monkeypatch.setattr(reconcile_module, "reconcile", broken)
    upload = accepted(
        client, secret, run_callbacks=False, capture=django_capture_on_commit_callbacks
    )
    with pytest.raises(RuntimeError):
        run_addon_upload_pipeline(upload.pk)
    upload.refresh_from_db()
    assert upload.matching == "failed"
    assert upload.sync_run.status == "error" and upload.sync_run.error == "matching exploded"


def test_upl12_stale_and_missing_uploads_are_not_reconciled(
    client, secret, django_capture_on_commit_callbacks
):
    accepted(
        client, secret, payload(export_time=1700000100), capture=django_capture_on_commit_callbacks
    )
    stale = accepted(
        client,
        secret,
        payload(export_time=1700000000),
        run_callbacks=False,
        capture=django_capture_on_commit_callbacks,
    )
    assert "stale" in run_addon_upload_pipeline(stale.pk)
    assert "not found" in run_addon_upload_pipeline(999999)
    assert SyncRun.objects.count() == 0


def test_upl15_rerun_matching_queues_applied_uploads_only(
    client, secret, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("identity.uploads.apply.queue_pipeline", queued.append)
    new = accepted(
        client, secret, payload(export_time=1700000100), capture=django_capture_on_commit_callbacks
    )
    stale = accepted(
        client, secret, payload(export_time=1700000000), capture=django_capture_on_commit_callbacks
    )
    queued.clear()
    AddonUpload.objects.filter(pk=new.pk).update(matching="failed")
    assert pipeline.rerun_matching([new, stale]) == 1
    assert queued == [new.pk]
    new.refresh_from_db()
    assert new.matching == "queued"


def test_upl7_cleanup_clears_payloads_older_than_the_retention(
    client, secret, settings, django_capture_on_commit_callbacks
):
    settings.ADDON_UPLOAD_RETENTION_DAYS = 30
    old = accepted(
        client, secret, payload(export_time=1700000000), capture=django_capture_on_commit_callbacks
    )
    recent = accepted(
        client, secret, payload(export_time=1700000100), capture=django_capture_on_commit_callbacks
    )
    AddonUpload.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=31))
    assert cleanup_addon_uploads() == "Cleared the payload of 1 addon uploads"
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.payload is None and recent.payload is not None
    assert old.updated == 0 and old.payload_sha256  # the record itself stays
