"""Watching the SavedVariables folder (CMPN-8..10).

A watchdog observer reports changes of exactly PATTSync.lua; a trailing-edge settle timer waits
until WoW has finished writing; a fallback poll catches anything the observer missed and sends
due outbox jobs. One worker thread does all processing and uploads, in order.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from pathlib import Path

from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

from patt_companion.pipeline import file_signature
from patt_companion.wowpaths import ADDON_FILE

log = logging.getLogger("patt_companion")

STABLE_GAP_S = 0.5
MAX_SETTLE_S = 30.0
CASE_INSENSITIVE = sys.platform.startswith("win") or sys.platform == "darwin"


def is_addon_file(path: str, *, case_insensitive: bool = CASE_INSENSITIVE) -> bool:
    """Exactly PATTSync.lua (case-insensitive on Windows/macOS); not .bak, not other addons."""
    name = os.path.basename(os.fsdecode(path))
    if case_insensitive:
        return name.lower() == ADDON_FILE.lower()
    return name == ADDON_FILE


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher):
        self.watcher = watcher

    def on_any_event(self, event):
        if event.is_directory or event.event_type not in ("created", "modified", "moved"):
            return
        path = event.dest_path if event.event_type == "moved" else event.src_path
        if is_addon_file(path, case_insensitive=self.watcher.case_insensitive):
            log.debug("File event: %s %s", event.event_type, os.path.basename(os.fsdecode(path)))
            self.watcher.file_changed()


class Watcher:
    """Runs `companion.process_file` after changes and `companion.send_due` on every poll."""

    def __init__(
        self,
        companion,
        folder: Path,
        *,
        settle_s: float = 2.0,
        poll_interval_s: float = 30.0,
        stable_gap_s: float = STABLE_GAP_S,
        max_settle_s: float = MAX_SETTLE_S,
        case_insensitive: bool = CASE_INSENSITIVE,
    ):
        self.companion = companion
        self.folder = Path(folder)
        self.file = self.folder / ADDON_FILE
        self.settle_s = settle_s
        self.poll_interval_s = poll_interval_s
        self.stable_gap_s = stable_gap_s
        self.max_settle_s = max_settle_s
        self.case_insensitive = case_insensitive
        self._cond = threading.Condition()
        self._stop = False
        self._deadline: float | None = None
        self._first_event: float | None = None
        self._observer = None
        self._folder_missing_logged = False
        self._thread: threading.Thread | None = None
        self.processed = 0  # how many times the file was processed (for status and tests)

    # -- called from the observer thread ----------------------------------------------------
    def file_changed(self) -> None:
        """Each event restarts the settle timer (trailing edge, CMPN-9), but never past
        `max_settle_s` after the first event: a file that keeps changing is processed anyway."""
        with self._cond:
            now = time.monotonic()
            if self._first_event is None:
                self._first_event = now
            self._deadline = self._capped(now + self.settle_s)
            self._cond.notify()

    def _capped(self, deadline: float) -> float:
        """The settle deadline, at most `max_settle_s` after the first event (caller holds
        the lock)."""
        if self._first_event is None:
            return deadline
        return min(deadline, self._first_event + self.max_settle_s)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self._start_observer()
        self._thread = threading.Thread(target=self._run, name="patt-companion-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop the observer; the worker finishes its current step (an in-flight request
        completes or times out, its job stays queued) and exits (CMPN-24)."""
        with self._cond:
            self._stop = True
            self._cond.notify()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._thread is not None:
            self._thread.join(timeout)

    def _start_observer(self) -> bool:
        if self._observer is not None:
            return True
        if not self.folder.is_dir():
            if not self._folder_missing_logged:
                log.warning(
                    "SavedVariables folder not found: %s (checking again every poll)", self.folder
                )
                self._folder_missing_logged = True
            return False
        observer = Observer()
        observer.schedule(_Handler(self), str(self.folder), recursive=False)
        observer.daemon = True
        observer.start()
        self._observer = observer
        if self._folder_missing_logged:
            log.info("SavedVariables folder is back: %s", self.folder)
            self._folder_missing_logged = False
        return True

    def _observer_lost(self) -> None:
        """The watched folder disappeared: drop the observer, poll until it returns."""
        if self._observer is not None:
            self._observer.stop()
            self._observer = None

    # -- the worker --------------------------------------------------------------------------
    def _run(self) -> None:
        next_poll = time.monotonic() + self.poll_interval_s
        while True:
            with self._cond:
                while not self._stop:
                    now = time.monotonic()
                    wake = next_poll if self._deadline is None else min(next_poll, self._deadline)
                    if wake <= now:
                        break
                    self._cond.wait(wake - now)
                if self._stop:
                    return
                now = time.monotonic()
                settled = self._deadline is not None and self._deadline <= now
                first_event = self._first_event
            try:
                if settled:
                    self._settle_and_process(first_event)
                if time.monotonic() >= next_poll:
                    next_poll = time.monotonic() + self.poll_interval_s
                    self._poll()
            except Exception:  # a bug must not stop the watcher; it is logged with details
                log.exception("Unexpected error while processing")

    def _stable(self) -> bool:
        first = file_signature(self.file)
        time.sleep(self.stable_gap_s)
        return first is not None and first == file_signature(self.file)

    def _settle_and_process(self, first_event: float | None) -> None:
        waited_too_long = first_event is not None and (
            time.monotonic() - first_event >= self.max_settle_s
        )
        if not self._stable() and not waited_too_long:
            with self._cond:
                if self._deadline is not None and self._deadline <= time.monotonic():
                    self._deadline = self._capped(time.monotonic() + self.settle_s)
            log.debug("File still changing; waiting %.1f s more", self.settle_s)
            return
        with self._cond:
            self._deadline = None
            self._first_event = None
        self.process()

    def process(self) -> None:
        log.info("PATTSync.lua changed; processing")
        self.processed += 1
        self.companion.process_file(self.file)
        self.companion.send_due()

    def _poll(self) -> None:
        """Fallback poll (CMPN-10): process on a changed signature, send due jobs."""
        if not self.folder.is_dir():
            self._observer_lost()
            if not self._folder_missing_logged:
                log.warning(
                    "SavedVariables folder not found: %s (checking again every poll)", self.folder
                )
                self._folder_missing_logged = True
            return
        self._start_observer()
        signature = file_signature(self.file)
        if signature is not None and signature != self.companion.state.last_signature:
            log.debug("Poll found a changed file")
            if self._stable():
                self.process()
                return
        self.companion.send_due()
