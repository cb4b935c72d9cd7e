"""The durable outbox, the state file and the archive (CMPN-12, CMPN-19, CMPN-22).

Everything is written atomically (temp file in the same folder, fsync, os.replace), so a crash
leaves either the old or the new version of a file, never half of one.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("patt_companion")

MAX_JOBS = 20
MAX_SENT_HASHES = 50
ARCHIVE_KEEP = 20


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same folder, fsync, os.replace (CMPN-19)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_json(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


@dataclass
class Job:
    payload: dict
    hash: str
    export_time: int
    created_at: float
    attempts: int = 0
    next_attempt_at: float = 0.0
    last_error: str = ""
    paused: bool = False

    @property
    def name(self) -> str:
        return f"job-{self.export_time}-{self.hash[:12]}"

    @property
    def characters(self) -> int:
        return len(self.payload.get("characters", []))


class Outbox:
    """`<data>/outbox/job-<exportTime>-<hash12>.json` plus `.lua` snapshot per job."""

    def __init__(self, directory: Path, clock=time.time):
        self.dir = Path(directory)
        self.rejected_dir = self.dir / "rejected"
        self.clock = clock

    def _job_path(self, job: Job) -> Path:
        return self.dir / f"{job.name}.json"

    def snapshot_path(self, job: Job) -> Path:
        return self.dir / f"{job.name}.lua"

    def jobs(self) -> list[Job]:
        """Every pending job, oldest export first; unreadable job files are skipped."""
        found = []
        if not self.dir.is_dir():
            return found
        for path in sorted(self.dir.glob("job-*.json")):
            try:
                found.append(Job(**json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError) as exc:
                log.warning("Ignoring unreadable outbox file %s (%s)", path.name, exc)
        found.sort(key=lambda j: (j.export_time, j.created_at))
        return found

    def has_hash(self, digest: str) -> bool:
        return any(job.hash == digest for job in self.jobs())

    def save(self, job: Job) -> None:
        _write_json(self._job_path(job), asdict(job))

    def enqueue(self, payload: dict, digest: str, snapshot: bytes) -> Job:
        """Write the job and its snapshot BEFORE any attempt; older exports are superseded
        (CMPN-19)."""
        job = Job(
            payload=payload,
            hash=digest,
            export_time=int(payload["export_time"]),
            created_at=self.clock(),
        )
        write_atomic(self.snapshot_path(job), snapshot)
        self.save(job)
        for old in self.jobs():
            if old.hash != job.hash and old.export_time < job.export_time:
                self._remove(old)
                log.info(
                    "Superseded the pending upload of export %s by the newer export %s",
                    old.export_time,
                    job.export_time,
                )
        pending = self.jobs()
        while len(pending) > MAX_JOBS:
            oldest = pending.pop(0)
            self._remove(oldest)
            log.warning("Outbox holds more than %d jobs; dropped %s", MAX_JOBS, oldest.name)
        return job

    def _remove(self, job: Job) -> None:
        self._job_path(job).unlink(missing_ok=True)
        self.snapshot_path(job).unlink(missing_ok=True)

    def due(self, *, include_paused: bool = False) -> list[Job]:
        now = self.clock()
        return [
            j
            for j in self.jobs()
            if (include_paused or not j.paused) and (include_paused or j.next_attempt_at <= now)
        ]

    def complete(self, job: Job, archive: Archive | None) -> None:
        """After a confirmed upload: archive the snapshot, then delete the job (CMPN-22)."""
        if archive is not None:
            try:
                archive.add(self.snapshot_path(job), job.export_time)
            except OSError as exc:
                log.warning("Could not archive the uploaded file: %s", exc)
        self._remove(job)

    def retry_later(self, job: Job, delay_s: float, error: str) -> None:
        job.attempts += 1
        job.next_attempt_at = self.clock() + delay_s
        job.last_error = error
        self.save(job)

    def pause(self, job: Job, error: str) -> None:
        job.attempts += 1
        job.paused = True
        job.last_error = error
        self.save(job)

    def resume_all(self) -> int:
        """Un-pause every job (after set-token, flush or a restart)."""
        count = 0
        for job in self.jobs():
            if job.paused or job.next_attempt_at > self.clock():
                job.paused = False
                job.next_attempt_at = 0.0
                self.save(job)
                count += 1
        return count

    def unpause_all(self) -> int:
        count = 0
        for job in self.jobs():
            if job.paused:
                job.paused = False
                job.next_attempt_at = 0.0
                self.save(job)
                count += 1
        return count

    def reject(self, job: Job, error: str, details: list) -> Path:
        """Permanent failure: move to outbox/rejected/ with the server's answer (CMPN-21)."""
        job.attempts += 1
        job.last_error = error
        record = asdict(job) | {"rejected_at": self.clock(), "error": error, "details": details}
        target = self.rejected_dir / f"{job.name}.json"
        _write_json(target, record)
        snapshot = self.snapshot_path(job)
        if snapshot.exists():
            os.replace(snapshot, self.rejected_dir / snapshot.name)
        self._job_path(job).unlink(missing_ok=True)
        return target


class Archive:
    """`<data>/archive/PATTSync_<UTC yyyymmddTHHMMSSZ>_<exportTime>.lua`, newest 20 kept."""

    def __init__(self, directory: Path, clock=time.time):
        self.dir = Path(directory)
        self.clock = clock

    def add(self, snapshot: Path, export_time: int) -> Path | None:
        if not snapshot.exists():
            return None
        stamp = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y%m%dT%H%M%SZ")
        self.dir.mkdir(parents=True, exist_ok=True)
        target = self.dir / f"PATTSync_{stamp}_{export_time}.lua"
        shutil.move(str(snapshot), target)
        files = sorted(self.dir.glob("PATTSync_*.lua"), key=lambda p: p.name)
        for old in files[:-ARCHIVE_KEEP]:
            old.unlink(missing_ok=True)
        return target


class State:
    """state.json: what was uploaded, the last result and the last processed file signature
    (CMPN-12)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.last_uploaded_export_time = 0
        self.sent_hashes: list[str] = []
        self.last_result: dict | None = None
        self.last_signature: list | None = None
        self.load()

    def load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(data, dict):
            return
        self.last_uploaded_export_time = int(data.get("last_uploaded_export_time") or 0)
        self.sent_hashes = list(data.get("sent_hashes") or [])[-MAX_SENT_HASHES:]
        self.last_result = data.get("last_result")
        self.last_signature = data.get("last_signature")

    def save(self) -> None:
        _write_json(
            self.path,
            {
                "last_uploaded_export_time": self.last_uploaded_export_time,
                "sent_hashes": self.sent_hashes[-MAX_SENT_HASHES:],
                "last_result": self.last_result,
                "last_signature": self.last_signature,
            },
        )

    def record_sent(self, digest: str, export_time: int, result: dict) -> None:
        if digest not in self.sent_hashes:
            self.sent_hashes.append(digest)
        self.sent_hashes = self.sent_hashes[-MAX_SENT_HASHES:]
        self.last_uploaded_export_time = max(self.last_uploaded_export_time, export_time)
        self.last_result = result
        self.save()
