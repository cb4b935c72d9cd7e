"""Processing a SavedVariables file and sending outbox jobs (CMPN-11, CMPN-19..22).

`Companion` is used by one thread at a time (the watcher's worker, or the CLI directly).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from patt_companion import uploader as up
from patt_companion.luadata import LuaParseError, load_var
from patt_companion.outbox import Archive, Outbox, State
from patt_companion.payload import NoExport, PayloadError, build_payload

log = logging.getLogger("patt_companion")


def file_signature(path: Path) -> list | None:
    """(size, mtime_ns) of the file, or None when it does not exist (CMPN-9/10)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


@dataclass
class ProcessResult:
    status: str  # queued, already_uploaded, no_export, no_characters, parse_error, invalid, missing
    message: str


class Companion:
    def __init__(self, *, data_dir: Path, uploader: up.Uploader | None, clock=time.time, rng=None):
        self.data_dir = Path(data_dir)
        self.clock = clock
        self.outbox = Outbox(self.data_dir / "outbox", clock=clock)
        self.archive = Archive(self.data_dir / "archive", clock=clock)
        self.state = State(self.data_dir / "state.json")
        self.uploader = uploader
        self.rng = rng

    # -- processing (CMPN-11) ------------------------------------------------------------
    def process_file(self, path: Path, *, force: bool = False) -> ProcessResult:
        path = Path(path)
        signature = file_signature(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            return ProcessResult("missing", f"Cannot read {path}: {exc.strerror or exc}")
        # Remember the file version even when it fails, so only a change triggers a retry.
        self.state.last_signature = signature
        self.state.save()
        started = time.perf_counter()
        try:
            db = load_var(data, "PATTSyncDB")
        except LuaParseError as exc:
            log.error("Cannot read %s: %s (waiting for the file to change)", path.name, exc)
            return ProcessResult("parse_error", str(exc))
        try:
            payload = build_payload(db)
        except NoExport as exc:
            log.info("%s", exc)
            return ProcessResult("no_export", str(exc))
        except PayloadError as exc:
            log.warning("%s", exc)
            return ProcessResult("invalid", str(exc))
        for warning in payload.warnings:
            log.warning("%s", warning)
        if payload.dropped:
            log.warning("Skipped %d character(s) without a name", payload.dropped)
        log.info(
            "Parsed %d characters (exportTime %s) in %.2f s",
            len(payload.characters),
            payload.export_time,
            time.perf_counter() - started,
        )
        if not payload.characters:
            log.warning("Export has no characters")
            return ProcessResult("no_characters", "Export has no characters")
        already = payload.sha256 in self.state.sent_hashes or self.outbox.has_hash(payload.sha256)
        if not force and (payload.export_time <= self.state.last_uploaded_export_time or already):
            log.info("Export %s already uploaded", payload.export_time)
            return ProcessResult("already_uploaded", "already uploaded")
        if force and self.outbox.has_hash(payload.sha256):
            return ProcessResult("queued", "already queued")
        job = self.outbox.enqueue(payload.body, payload.sha256, data)
        return ProcessResult("queued", f"queued {job.name}")

    # -- sending (CMPN-21) ---------------------------------------------------------------
    def send_due(self, *, include_paused: bool = False) -> int:
        """Send every due job in order; returns how many jobs remain in the outbox."""
        for job in self.outbox.due(include_paused=include_paused):
            if self.uploader is None:
                break
            self._send(job)
        return len(self.outbox.jobs())

    def _send(self, job) -> None:
        outcome = self.uploader.send(job.payload)
        if outcome.kind == up.SUCCESS:
            self._succeeded(job, outcome.response)
        elif outcome.kind == up.RETRY:
            delay = backoff_delay_for(job.attempts + 1, outcome.retry_after_s, self.rng)
            self.outbox.retry_later(job, delay, outcome.message)
            log.info("Upload failed (%s); retrying in %s", outcome.message, _human(delay))
        elif outcome.kind == up.PAUSED:
            self.outbox.pause(job, outcome.message)
            log.error("%s", outcome.message)
        else:
            target = self.outbox.reject(job, outcome.message, outcome.details)
            details = "; ".join(outcome.details[:5])
            log.error(
                "The site refused export %s: %s%s (kept in %s, not retried)",
                job.export_time,
                outcome.message,
                f" ({details})" if details else "",
                target.parent,
            )
            self.state.last_result = {
                "at": self.clock(),
                "ok": False,
                "error": outcome.message,
                "export_time": job.export_time,
            }
            self.state.save()

    def _succeeded(self, job, response: dict) -> None:
        self.state.record_sent(
            job.hash,
            job.export_time,
            {
                "at": self.clock(),
                "ok": True,
                "export_time": job.export_time,
                "upload_id": response.get("upload_id"),
                "duplicate": bool(response.get("duplicate")),
                "stale": bool(response.get("stale")),
                "updated": response.get("updated"),
                "unknown": response.get("unknown"),
            },
        )
        self.outbox.complete(job, self.archive)
        log.info("%s", success_message(job.characters, response))


def backoff_delay_for(attempt: int, retry_after_s, rng) -> float:
    if rng is None:
        return up.backoff_delay(attempt, retry_after_s)
    return up.backoff_delay(attempt, retry_after_s, rng)


def success_message(sent: int, response: dict) -> str:
    """ "Uploaded 312 characters: 40 updated, 12 unknown to the site (Newbie, ...)" (CMPN-21)."""
    received = response.get("characters_received", sent)
    text = f"Uploaded {received} characters: {response.get('updated', 0)} updated"
    unknown = response.get("unknown") or 0
    if unknown:
        names = [
            str(c.get("name"))
            for c in response.get("unknown_characters") or []
            if isinstance(c, dict)
        ]
        shown = ", ".join(names[:5]) + (", ..." if unknown > len(names[:5]) else "")
        text += f", {unknown} unknown to the site ({shown})"
    if response.get("duplicate"):
        text += " (already on the site)"
    if response.get("stale"):
        text += " (older than the site's data; not applied)"
    return text


def _human(seconds: float) -> str:
    if seconds < 90:
        return f"{round(seconds)} s"
    return f"{round(seconds / 60)} min"
