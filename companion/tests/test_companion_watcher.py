"""Watching with settle wait and fallback poll, with real temp files (CMPN-8..10)."""

from __future__ import annotations

import threading
import time

import pytest
from patt_companion.watcher import Watcher, is_addon_file


class Recorder:
    """Stands in for Companion: records processing, remembers the last signature."""

    def __init__(self, path):
        from patt_companion.outbox import State

        self.path = path
        self.state = State(path.parent / "state.json")
        self.processed: list[bytes] = []
        self.sends = 0
        self.event = threading.Event()

    def process_file(self, path):
        from patt_companion.pipeline import file_signature

        self.state.last_signature = file_signature(path)
        self.processed.append(path.read_bytes())
        self.event.set()

    def send_due(self):
        self.sends += 1


def wait_for(predicate, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_cmpn8_only_the_addon_file_counts():
    assert is_addon_file("/x/PATTSync.lua", case_insensitive=False)
    assert not is_addon_file("/x/pattsync.lua", case_insensitive=False)
    assert is_addon_file("C:\\x\\pattsync.LUA".replace("\\", "/"), case_insensitive=True)
    assert not is_addon_file("/x/PATTSync.lua.bak", case_insensitive=True)
    assert not is_addon_file("/x/OtherAddon.lua", case_insensitive=True)


def test_cmpn9_several_quick_writes_are_processed_once_after_settling(tmp_path):
    target = tmp_path / "PATTSync.lua"
    recorder = Recorder(target)
    watcher = Watcher(recorder, tmp_path, settle_s=0.4, poll_interval_s=60, stable_gap_s=0.1)
    watcher.start()
    try:
        time.sleep(0.3)
        for n in range(5):  # WoW rewrites the file several times per save
            target.write_text(f"PATTSyncDB = {n}", encoding="utf-8")
            time.sleep(0.1)
        assert wait_for(lambda: recorder.processed)
        time.sleep(1.0)
        assert recorder.processed == [b"PATTSyncDB = 4"]
    finally:
        watcher.stop(timeout=5)


def test_cmpn8_other_files_and_bak_do_not_trigger(tmp_path):
    recorder = Recorder(tmp_path / "PATTSync.lua")
    watcher = Watcher(recorder, tmp_path, settle_s=0.2, poll_interval_s=60, stable_gap_s=0.05)
    watcher.start()
    try:
        time.sleep(0.3)
        (tmp_path / "PATTSync.lua.bak").write_text("x")
        (tmp_path / "Details.lua").write_text("x")
        (tmp_path / "sub").mkdir()
        time.sleep(1.0)
        assert recorder.processed == []
    finally:
        watcher.stop(timeout=5)


def test_cmpn9_file_still_changing_waits_until_stable(tmp_path):
    target = tmp_path / "PATTSync.lua"
    recorder = Recorder(target)
    watcher = Watcher(recorder, tmp_path, settle_s=0.1, poll_interval_s=60, stable_gap_s=0.3)
    stop = threading.Event()

    def keep_writing():
        n = 0
        while not stop.is_set() and n < 8:
            n += 1
            with target.open("a") as handle:
                handle.write("-- more\n")
            time.sleep(0.1)

    target.write_text("A = 1\n")
    watcher.start()
    try:
        time.sleep(0.2)
        writer = threading.Thread(target=keep_writing)
        writer.start()
        writer.join()
        assert wait_for(lambda: recorder.processed)
        assert recorder.processed[-1].count(b"-- more") == 8  # never a half-written version
        assert all(p.count(b"-- more") == 8 for p in recorder.processed)
    finally:
        stop.set()
        watcher.stop(timeout=5)


def test_cmpn10_fallback_poll_processes_changes_and_sends_due_jobs(tmp_path, monkeypatch):
    target = tmp_path / "PATTSync.lua"
    recorder = Recorder(target)
    watcher = Watcher(recorder, tmp_path, settle_s=0.1, poll_interval_s=0.3, stable_gap_s=0.05)
    monkeypatch.setattr(watcher, "_start_observer", lambda: True)  # no events: poll only
    watcher.start()
    try:
        target.write_text("A = 1")
        assert wait_for(lambda: recorder.processed == [b"A = 1"])
        assert wait_for(lambda: recorder.sends >= 2)
        processed = len(recorder.processed)
        time.sleep(0.8)
        assert len(recorder.processed) == processed  # unchanged signature: not processed again
    finally:
        watcher.stop(timeout=5)


def test_cmpn10_missing_folder_is_logged_once_and_picked_up_when_it_returns(tmp_path, caplog):
    folder = tmp_path / "SavedVariables"
    recorder = Recorder(tmp_path / "PATTSync.lua")
    watcher = Watcher(recorder, folder, settle_s=0.1, poll_interval_s=0.2, stable_gap_s=0.05)
    watcher.start()
    try:
        time.sleep(0.7)
        assert caplog.text.count("SavedVariables folder not found") == 1
        folder.mkdir()
        (folder / "PATTSync.lua").write_text("A = 2")
        assert wait_for(lambda: recorder.processed == [b"A = 2"])
    finally:
        watcher.stop(timeout=5)


@pytest.mark.parametrize(
    "write_every",
    [
        pytest.param(0.05, id="events-faster-than-settle"),  # the settle timer never fires
        pytest.param(0.15, id="timer-fires-but-never-stable"),  # stat pair always differs
    ],
)
def test_cmpn9_file_that_keeps_changing_is_processed_after_max_settle(tmp_path, write_every):
    target = tmp_path / "PATTSync.lua"
    recorder = Recorder(target)
    processed_at: list[float] = []
    original = recorder.process_file

    def timed(path):
        processed_at.append(time.monotonic())
        original(path)

    recorder.process_file = timed
    max_settle_s = 1.0
    watcher = Watcher(
        recorder,
        tmp_path,
        settle_s=0.1,
        poll_interval_s=60,
        stable_gap_s=0.2,
        max_settle_s=max_settle_s,
    )
    stop = threading.Event()
    writes = 0

    def keep_writing():
        nonlocal writes
        while not stop.is_set():
            writes += 1
            with target.open("a") as handle:
                handle.write(f"-- write {writes}\n")
            time.sleep(write_every)

    target.write_text("A = 1\n")
    watcher.start()
    writer = threading.Thread(target=keep_writing)
    try:
        time.sleep(0.2)
        started = time.monotonic()
        writer.start()
        # Still changing after max_settle_s: processed anyway, while the writes go on.
        assert wait_for(lambda: processed_at, timeout=max_settle_s + 1.5)
        assert writer.is_alive()
        assert processed_at[0] - started >= max_settle_s - 0.15  # not before the maximum
    finally:
        stop.set()
        writer.join()
    try:
        final = target.read_bytes()
        # Once the writes stop, the settled final version is processed as usual.
        assert wait_for(lambda: recorder.processed and recorder.processed[-1] == final, 3)
    finally:
        watcher.stop(timeout=5)
