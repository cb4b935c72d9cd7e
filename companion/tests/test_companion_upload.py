"""Outbox, uploads, retries and archiving against a loopback fake site (CMPN-11, 12, 19..22)."""

from __future__ import annotations

import gzip
import json
import random
import socket

import pytest
from companion_savedvars import character, file_text
from patt_companion import uploader as up
from patt_companion.outbox import MAX_JOBS, State
from patt_companion.pipeline import Companion, success_message
from patt_companion.uploader import Uploader, backoff_delay, parse_retry_after


class Clock:
    def __init__(self, now=1_750_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def write_export(folder, export_time, names=("Trogmoon",)):
    path = folder / "PATTSync.lua"
    path.write_text(file_text(export_time, [character(n) for n in names]), encoding="utf-8")
    return path


def make(tmp_path, site_url, token, clock):
    return Companion(
        data_dir=tmp_path / "data",
        uploader=Uploader(site_url, token),
        clock=clock,
        rng=random.Random(1),
    )


def closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def test_cmpn20_request_is_gzip_json_with_bearer_token_and_user_agent(tmp_path, fake_site):
    companion = make(tmp_path, fake_site.url, fake_site.token, Clock())
    path = write_export(tmp_path, 1740153600)
    companion.process_file(path)
    assert companion.send_due() == 0
    request = fake_site.requests[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["authorization"] == f"Bearer {fake_site.token}"
    assert headers["content-type"] == "application/json"
    assert headers["content-encoding"] == "gzip"
    assert headers["user-agent"].startswith("patt-companion/")
    assert json.loads(gzip.decompress(request["raw"]))["export_time"] == 1740153600


def test_cmpn21_outage_nothing_lost_nothing_applied_twice(tmp_path, fake_site):
    """The site is down for the first uploads: closed port, then 503s, then a connection
    dropped after the server applied the upload. Every export reaches the site exactly once."""
    clock = Clock()
    folder = tmp_path / "sv"
    folder.mkdir()
    down = make(tmp_path, closed_port_url(), fake_site.token, clock)

    # Export 1 while the site is unreachable: queued durably, retry scheduled.
    down.process_file(write_export(folder, 1740000001, ["A"]))
    assert down.send_due() == 1
    [job] = down.outbox.jobs()
    assert job.attempts == 1 and "cannot reach" in job.last_error
    assert down.outbox.snapshot_path(job).exists()

    # A restart (new process) with the site back but answering 503 twice.
    clock.now += 3600
    fake_site.script = [503, 503]
    companion = make(tmp_path, fake_site.url, fake_site.token, clock)
    assert companion.send_due() == 1  # 503
    clock.now += 3600
    assert companion.send_due() == 1  # 503
    clock.now += 3600
    assert companion.send_due() == 0  # delivered
    first_hash = job.hash

    # Export 2: the first answer is lost after the server applied it (connection closed).
    def apply_then_drop(handler):
        body = json.loads(gzip.decompress(fake_site.requests[-1]["raw"]))
        from patt_companion.payload import payload_hash

        fake_site.applied.append(payload_hash(body))
        handler.close_connection = True
        handler.connection.close()

    fake_site.script = [apply_then_drop]
    companion.process_file(write_export(folder, 1740000002, ["A", "B"]))
    assert companion.send_due() == 1
    clock.now += 3600
    assert companion.send_due() == 0  # the retry is answered "duplicate": success

    assert len(fake_site.applied) == len(set(fake_site.applied)) == 2
    assert fake_site.applied[0] == first_hash
    assert companion.state.last_uploaded_export_time == 1740000002
    assert companion.outbox.jobs() == []
    assert len(list((tmp_path / "data" / "archive").glob("PATTSync_*_1740000001.lua"))) == 1
    assert len(list((tmp_path / "data" / "archive").glob("PATTSync_*_1740000002.lua"))) == 1


def test_cmpn19_newer_export_supersedes_pending_jobs(tmp_path, fake_site):
    clock = Clock()
    companion = make(tmp_path, closed_port_url(), fake_site.token, clock)
    companion.process_file(write_export(tmp_path, 1740000001, ["A"]))
    companion.process_file(write_export(tmp_path, 1740000002, ["A", "B"]))
    jobs = companion.outbox.jobs()
    assert [j.export_time for j in jobs] == [1740000002]
    assert sorted(p.suffix for p in (tmp_path / "data" / "outbox").glob("job-*")) == [
        ".json",
        ".lua",
    ]


def test_cmpn19_safety_cap_drops_oldest(tmp_path):
    companion = Companion(data_dir=tmp_path / "data", uploader=None, clock=Clock())
    body = {"export_time": 5, "characters": []}
    for n in range(MAX_JOBS + 3):
        companion.outbox.enqueue(
            body, f"{n:02x}" + "0" * 62, b"x"
        )  # same export time: no superseding
    assert len(companion.outbox.jobs()) == MAX_JOBS


def test_cmpn19_job_is_written_before_the_first_attempt(tmp_path, fake_site):
    companion = make(tmp_path, fake_site.url, fake_site.token, Clock())
    seen = []
    real_send = companion.uploader.send

    def spy(payload):
        seen.append([p.name for p in (tmp_path / "data" / "outbox").glob("job-*.json")])
        return real_send(payload)

    companion.uploader.send = spy
    companion.process_file(write_export(tmp_path, 1740000001))
    companion.send_due()
    assert len(seen) == 1 and len(seen[0]) == 1


def test_cmpn11_and_cmpn12_state_prevents_reupload_across_restarts(tmp_path, fake_site):
    path = write_export(tmp_path, 1740000001)
    first = make(tmp_path, fake_site.url, fake_site.token, Clock())
    first.process_file(path)
    first.send_due()
    again = make(tmp_path, fake_site.url, fake_site.token, Clock())
    assert again.process_file(path).status == "already_uploaded"
    older = write_export(tmp_path, 1740000000)
    assert again.process_file(older).status == "already_uploaded"
    assert again.process_file(path, force=True).status == "queued"
    again.send_due()
    assert len(fake_site.requests) == 2
    state = State(tmp_path / "data" / "state.json")
    assert state.last_uploaded_export_time == 1740000001
    assert state.last_result["ok"] is True


def test_cmpn11_parse_error_and_empty_export_are_not_queued(tmp_path, caplog):
    companion = Companion(data_dir=tmp_path / "data", uploader=None, clock=Clock())
    bad = tmp_path / "PATTSync.lua"
    bad.write_text('PATTSyncDB = {\n\t["lastExport"] = {\n', encoding="utf-8")
    result = companion.process_file(bad)
    assert result.status == "parse_error" and "line 3, column 1" in result.message
    write_export(tmp_path, 1740000001, [])
    assert companion.process_file(bad).status == "no_characters"
    bad.write_text("PATTSyncDB = { schemaVersion = 1 }", encoding="utf-8")
    assert companion.process_file(bad).status == "no_export"
    assert companion.outbox.jobs() == []


@pytest.mark.parametrize("status", [401, 403])
def test_cmpn21_token_rejected_pauses_the_job_until_flush(tmp_path, fake_site, status, caplog):
    fake_site.script = [status]
    companion = make(tmp_path, fake_site.url, fake_site.token, Clock())
    companion.process_file(write_export(tmp_path, 1740000001))
    assert companion.send_due() == 1
    [job] = companion.outbox.jobs()
    assert job.paused and "set-token" in job.last_error
    assert "The site rejected the upload token" in caplog.text
    assert companion.send_due() == 1 and len(fake_site.requests) == 1  # paused: not sent
    assert companion.send_due(include_paused=True) == 0


@pytest.mark.parametrize("status", [404, 405])
def test_cmpn21_wrong_url_pauses(tmp_path, fake_site, status):
    fake_site.script = [status]
    companion = make(tmp_path, fake_site.url, fake_site.token, Clock())
    companion.process_file(write_export(tmp_path, 1740000001))
    companion.send_due()
    [job] = companion.outbox.jobs()
    assert job.paused and "Upload URL not found" in job.last_error


@pytest.mark.parametrize("status", [400, 413, 415, 422])
def test_cmpn21_permanent_errors_move_the_job_to_rejected(tmp_path, fake_site, status):
    def refuse(handler):
        handler._answer(
            status, {"ok": False, "error": "Invalid upload (1 problems).", "details": ["x"]}
        )

    fake_site.script = [refuse]
    companion = make(tmp_path, fake_site.url, fake_site.token, Clock())
    companion.process_file(write_export(tmp_path, 1740000001))
    assert companion.send_due() == 0
    rejected = list((tmp_path / "data" / "outbox" / "rejected").glob("job-*.json"))
    assert len(rejected) == 1
    record = json.loads(rejected[0].read_text())
    assert record["error"] == "Invalid upload (1 problems)." and record["details"] == ["x"]
    assert not (tmp_path / "data" / "archive").exists()  # archived only after success


def test_cmpn21_retry_after_wins_when_larger(tmp_path, fake_site):
    def busy(handler):
        handler._answer(429, {"ok": False, "error": "Too many requests."}, {"Retry-After": "7200"})

    clock = Clock()
    fake_site.script = [busy]
    companion = make(tmp_path, fake_site.url, fake_site.token, clock)
    companion.process_file(write_export(tmp_path, 1740000001))
    companion.send_due()
    [job] = companion.outbox.jobs()
    assert job.next_attempt_at == clock.now + 7200


def test_cmpn21_backoff_schedule():
    class NoJitter:
        def uniform(self, a, b):
            return 0.0

    assert [backoff_delay(n, rng=NoJitter()) for n in (1, 2, 3, 7, 20)] == [30, 60, 120, 1800, 1800]
    delays = [backoff_delay(1, rng=random.Random(seed)) for seed in range(50)]
    assert all(24 <= d <= 36 for d in delays) and len(set(delays)) > 1
    assert backoff_delay(1, retry_after_s=100, rng=NoJitter()) == 100
    assert backoff_delay(5, retry_after_s=10, rng=NoJitter()) == 480
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == 60
    assert parse_retry_after("soon") is None


def test_cmpn22_archive_keeps_newest_20_and_never_touches_the_source(tmp_path, fake_site):
    clock = Clock()
    companion = make(tmp_path, fake_site.url, fake_site.token, clock)
    path = None
    for n in range(22):
        clock.now += 60
        path = write_export(tmp_path, 1740000000 + n)
        companion.process_file(path)
        companion.send_due()
    archived = sorted((tmp_path / "data" / "archive").glob("PATTSync_*.lua"))
    assert len(archived) == 20
    assert archived[-1].name.endswith("_1740000021.lua")
    assert path.exists()


def test_cmpn21_success_log_line():
    response = {
        "characters_received": 312,
        "updated": 40,
        "unknown": 12,
        "unknown_characters": [{"name": "Newbie", "realm": "senjin"}],
    }
    assert success_message(312, response) == (
        "Uploaded 312 characters: 40 updated, 12 unknown to the site (Newbie, ...)"
    )


def test_cmpn23_token_and_notes_never_logged(tmp_path, fake_site, caplog):
    caplog.set_level("DEBUG", logger="patt_companion")
    fake_site.script = [503]
    companion = make(tmp_path, fake_site.url, fake_site.token, Clock())
    companion.process_file(write_export(tmp_path, 1740000001))
    companion.send_due()
    assert fake_site.token not in caplog.text
    assert "GM / Mike" not in caplog.text
    assert "retrying in" in caplog.text


def test_cmpn21_classify_other_statuses_retry(tmp_path):
    class Response:
        status_code = 500
        headers = {"Retry-After": "5"}
        text = "x" * 2000
        reason = "boom"

        def json(self):
            raise ValueError

    outcome = up.classify(Response())
    assert outcome.kind == up.RETRY and outcome.retry_after_s == 5
    assert len(outcome.message) < 520  # CMPN-23: bodies truncated to 500 characters
