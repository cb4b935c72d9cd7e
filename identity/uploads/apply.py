"""Accepting an upload: idempotency, staleness, the notes write and the queued pipeline
(UPL-7, UPL-8, UPL-10 … UPL-13).

Everything an upload writes happens in one transaction: the AddonUpload row (its unique
(token, payload_sha256) decides between concurrent duplicates) and the notes. The background
pipeline (`identity.tasks.run_addon_upload_pipeline`) is queued only after the commit.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Max

from identity.models import AddonUpload, UploadToken
from identity.uploads.notes import apply_notes
from identity.uploads.validation import ValidUpload, validate_upload
from patt.models import SiteConfig
from patt.task_queue import enqueue
from patt.timefmt import iso_utc_or_none

log = logging.getLogger(__name__)

# The background half (identity/uploads/pipeline.py), queued by dotted name. Defined here, with
# the queueing, so the pipeline may import this module without an import circle (issue 12).
PIPELINE_TASK = "identity.tasks.run_addon_upload_pipeline"
RESPONSE_UNKNOWN_LIMIT = 100  # UPL-11: unknown characters in the answer
STORED_UNKNOWN_LIMIT = 500  # UPL-7: unknown characters kept on the AddonUpload
# Left out of the hash: the same export sent by another companion version is the same upload.
UNHASHED_KEYS = ("companion_version",)


@dataclass(frozen=True)
class Received:
    upload: AddonUpload
    duplicate: bool


def payload_sha256(payload: dict) -> str:
    """UPL-7 / CMPN-18: SHA-256 of canonical JSON (sorted keys, compact, UTF-8) of the body
    without `companion_version`."""
    hashed = {key: value for key, value in payload.items() if key not in UNHASHED_KEYS}
    text = json.dumps(hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def queue_pipeline(upload_id: int) -> None:
    """UPL-12: hand the upload to django-q2; a stopped worker only leaves it `queued`.

    Issue 17: a broker that cannot be reached (Redis away) must not turn an upload whose notes
    are already committed into a 500: the upload's matching is marked `failed` (officers can
    "Rerun matching"; the next scheduled sync reconciles anyway) and the answer stands."""

    def not_queued() -> None:
        AddonUpload.objects.filter(pk=upload_id, matching=AddonUpload.Matching.QUEUED).update(
            matching=AddonUpload.Matching.FAILED
        )

    enqueue(
        PIPELINE_TASK,
        upload_id,
        what=f"Addon upload #{upload_id}",
        on_unreachable=not_queued,
        q_options={"task_name": f"Addon upload #{upload_id}"},
    )


def receive_upload(*, token: UploadToken, payload: dict) -> Received:
    """UPL-6 … UPL-12: validate, then store and apply one upload (or recognise a duplicate).

    Raises `Refused` for an invalid upload. A body this token sent before returns the
    earlier upload with `duplicate=True`: nothing is written and nothing queued. Idempotency is
    per token: another token's upload of the same body is never looked at (its id and results
    are that token's), so the same body from a second token is an upload of its own.
    """
    digest = payload_sha256(payload)
    earlier = _earlier(token, digest)
    if earlier is not None:
        return Received(upload=earlier, duplicate=True)
    valid = validate_upload(payload, guild_name=SiteConfig.get().guild_name)
    try:
        with transaction.atomic():
            upload = _store(token=token, payload=payload, digest=digest, valid=valid)
    except IntegrityError:
        earlier = _earlier(token, digest)
        if earlier is None:
            raise
        return Received(upload=earlier, duplicate=True)
    return Received(upload=upload, duplicate=False)


def _earlier(token: UploadToken, digest: str) -> AddonUpload | None:
    """UPL-7: this token's earlier upload of the same body, if any (never another token's)."""
    return AddonUpload.objects.filter(token=token, payload_sha256=digest).first()


def _store(*, token: UploadToken, payload: dict, digest: str, valid: ValidUpload) -> AddonUpload:
    # Uploads take turns (the site configuration row is the lock), so two concurrent uploads
    # cannot both judge themselves the newest (UPL-8).
    list(SiteConfig.objects.select_for_update().filter(pk=SiteConfig.SINGLETON_PK).values("pk"))
    export_time = datetime.fromtimestamp(valid.export_time, tz=UTC)
    upload = AddonUpload.objects.create(
        token=token,
        payload_sha256=digest,
        export_time=export_time,
        guild_name=valid.guild_name,
        addon_version=valid.addon_version,
        companion_version=valid.companion_version,
        can_view_officer_notes=valid.can_view_officer_notes,
        characters_received=len(valid.entries),
        status=AddonUpload.Status.APPLIED,
        payload=payload,
    )
    newest = (
        AddonUpload.objects.filter(status=AddonUpload.Status.APPLIED)
        .exclude(pk=upload.pk)
        .aggregate(newest=Max("export_time"))["newest"]
    )
    if newest is not None and export_time < newest:
        # UPL-8: older data never overwrites newer; nothing written, nothing queued.
        upload.status, upload.matching = AddonUpload.Status.STALE, AddonUpload.Matching.SKIPPED
        upload.save(update_fields=["status", "matching"])
        log.info("Addon upload #%s is stale (export older than the newest applied)", upload.pk)
        return upload
    result = apply_notes(
        valid.entries, officer_notes=valid.can_view_officer_notes, export_time=export_time
    )
    upload.updated, upload.unchanged = result.updated, result.unchanged
    upload.unknown = len(result.unknown)
    upload.unknown_characters = result.unknown[:STORED_UNKNOWN_LIMIT]
    upload.save(update_fields=["updated", "unchanged", "unknown", "unknown_characters"])
    transaction.on_commit(partial(queue_pipeline, upload.pk))
    log.info(
        "Addon upload #%s: %s characters, %s updated, %s unchanged, %s unknown",
        upload.pk,
        upload.characters_received,
        upload.updated,
        upload.unchanged,
        upload.unknown,
    )
    return upload


def upload_answer(upload: AddonUpload, *, duplicate: bool) -> dict:
    """UPL-13: the success body of an upload (also the answer to a duplicate)."""
    applied = upload.status == AddonUpload.Status.APPLIED
    return {
        "ok": True,
        "upload_id": upload.pk,
        "duplicate": duplicate,
        "stale": upload.status == AddonUpload.Status.STALE,
        "characters_received": upload.characters_received,
        "updated": upload.updated,
        "unchanged": upload.unchanged,
        "unknown": upload.unknown,
        "unknown_characters": list(upload.unknown_characters or [])[:RESPONSE_UNKNOWN_LIMIT],
        "officer_notes_applied": applied and upload.can_view_officer_notes,
        "matching": upload.matching,
        "received_at": iso_utc_or_none(upload.received_at),
    }
