"""Config, token store and the CLI commands (CMPN-2..4, CMPN-23/24)."""

from __future__ import annotations

import io
import json
import os
import stat
import sys

import pytest
from companion_savedvars import file_text
from patt_companion import cli
from patt_companion.config import ConfigError, load_config, save_config, validate_site_url
from patt_companion.tokenstore import TokenStore, mask_token


def write_config(tmp_path, **values):
    path = tmp_path / "cfg" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))
    return path


@pytest.mark.parametrize(
    "url",
    ["https://patt.example.org", "http://localhost:8000", "http://127.0.0.1", "http://[::1]:8000"],
)
def test_cmpn3_https_or_local_http(url):
    assert validate_site_url(url + "/") == url


@pytest.mark.parametrize("url", ["http://patt.example.org", "ftp://x", "patt.example.org", ""])
def test_cmpn3_other_urls_refused(url):
    with pytest.raises(ConfigError):
        validate_site_url(url)


def test_cmpn3_defaults_file_and_environment_overrides(tmp_path, isolated_env):
    path = write_config(
        tmp_path, site_url="https://a.example", saved_variables_path="/sv", settle_s=1
    )
    config = load_config(path, env={})
    assert (config.site_url, config.poll_interval_s, config.settle_s, config.log_level) == (
        "https://a.example",
        30.0,
        1.0,
        "INFO",
    )
    env = {
        "PATT_SITE_URL": "https://b.example",
        "WOW_SAVED_VARIABLES_PATH": "/other",
        "PATT_POLL_INTERVAL": "5",
        "PATT_DEBUG": "1",
    }
    config = load_config(path, env=env)
    assert (
        config.site_url,
        config.saved_variables_path,
        config.poll_interval_s,
        config.log_level,
    ) == (
        "https://b.example",
        "/other",
        5.0,
        "DEBUG",
    )
    save_config(config)
    assert "token" not in path.read_text()


def test_cmpn4_token_file_is_0600_and_never_in_config(tmp_path):
    store = TokenStore(tmp_path, "patt.example", keyring_module=None, env={})
    where = store.set("pattsync_secret-token-wxyz")
    assert where == str(tmp_path / "token")
    assert store.get() == "pattsync_secret-token-wxyz"
    if os.name == "posix":
        assert stat.S_IMODE(os.stat(tmp_path / "token").st_mode) == 0o600
    assert mask_token("pattsync_secret-token-wxyz") == "…wxyz"


def test_cmpn4_keyring_used_when_a_real_backend_exists(tmp_path):
    class FakeKeyring:
        def __init__(self):
            self.stored = {}

        def set_password(self, service, user, password):
            self.stored[(service, user)] = password

        def get_password(self, service, user):
            return self.stored.get((service, user))

    keyring = FakeKeyring()
    store = TokenStore(tmp_path, "patt.example", keyring_module=keyring, env={})
    assert store.set("pattsync_abc123") == "the system keyring"
    assert keyring.stored == {("patt-companion", "patt.example"): "pattsync_abc123"}
    assert not (tmp_path / "token").exists()
    assert store.get() == "pattsync_abc123"
    env_store = TokenStore(
        tmp_path, "patt.example", keyring_module=keyring, env={"PATT_UPLOAD_TOKEN": "t2"}
    )
    assert env_store.get() == "t2"


def test_cmpn2_not_configured_exits_2(tmp_path, isolated_env, capsys):
    path = tmp_path / "none.json"
    for command in (["once"], ["run"], ["flush"], []):
        assert cli.main(["--config", str(path), *command]) == 2
    assert "Not configured yet: run `patt-companion setup`." in capsys.readouterr().err


def test_cmpn2_parse_prints_json_without_network(tmp_path, capsys):
    path = tmp_path / "PATTSync.lua"
    path.write_text(file_text(), encoding="utf-8")
    assert cli.main(["parse", str(path)]) == 0
    parsed = json.loads(capsys.readouterr().out)
    assert parsed["PATTSyncDB"]["lastExport"]["characters"][0]["name"] == "Trogmoon"
    assert cli.main(["parse", str(path), "--payload"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["characters"][0]["guild_note"] == "GM / Mike"


def test_cmpn13_parse_error_is_a_clear_message_not_a_traceback(tmp_path, capsys):
    path = tmp_path / "PATTSync.lua"
    path.write_text("PATTSyncDB = {\n  x = os.exit()\n}\n", encoding="utf-8")
    assert cli.main(["parse", str(path)]) == 1
    err = capsys.readouterr().err
    assert "line 2, column 7" in err and "Traceback" not in err
    assert cli.main(["parse", str(tmp_path / "missing.lua")]) == 1


def configured(tmp_path, site_url, token, monkeypatch):
    folder = tmp_path / "sv"
    folder.mkdir()
    path = write_config(tmp_path, site_url=site_url, saved_variables_path=str(folder))
    monkeypatch.setattr(sys, "stdin", io.StringIO(token + "\n"))
    assert cli.main(["--config", str(path), "set-token"]) == 0
    return path, folder


def test_cmpn2_set_token_once_status_config_and_upload(
    tmp_path, isolated_env, fake_site, capsys, monkeypatch
):
    path, folder = configured(tmp_path, fake_site.url, fake_site.token, monkeypatch)
    out = capsys.readouterr().out
    assert fake_site.token not in out and "…" + fake_site.token[-4:] in out
    assert cli.main(["--config", str(path), "once"]) == 0  # no file yet: nothing pending
    (folder / "PATTSync.lua").write_text(file_text(1740000001), encoding="utf-8")
    assert cli.main(["--config", str(path), "once"]) == 0
    assert len(fake_site.applied) == 1
    assert cli.main(["--config", str(path), "once"]) == 0
    assert len(fake_site.requests) == 1  # already uploaded
    assert cli.main(["--config", str(path), "once", "--force"]) == 0
    assert len(fake_site.requests) == 2
    other = tmp_path / "other.lua"
    other.write_text(file_text(1740000002), encoding="utf-8")
    assert cli.main(["--config", str(path), "upload", str(other)]) == 0
    assert len(fake_site.applied) == 2
    capsys.readouterr()
    assert cli.main(["--config", str(path), "status"]) == 0
    status = capsys.readouterr().out
    assert (
        "127.0.0.1" in status and "Outbox:        empty" in status and "Last upload:   ok" in status
    )
    assert fake_site.token not in status
    assert cli.main(["--config", str(path), "config"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["token"] == "…" + fake_site.token[-4:]
    log_text = (tmp_path / "logs" / "companion.log").read_text(encoding="utf-8")
    assert "Uploaded 1 characters" in log_text and fake_site.token not in log_text


def test_cmpn2_once_exits_1_while_jobs_remain_and_flush_sends_paused(
    tmp_path, isolated_env, fake_site, monkeypatch, capsys
):
    path, folder = configured(tmp_path, fake_site.url, fake_site.token, monkeypatch)
    (folder / "PATTSync.lua").write_text(file_text(1740000001), encoding="utf-8")
    fake_site.script = [401]
    assert cli.main(["--config", str(path), "once"]) == 1
    assert cli.main(["--config", str(path), "flush"]) == 0
    assert len(fake_site.applied) == 1


def test_cmpn2_setup_verifies_token_and_writes_config(
    tmp_path, isolated_env, fake_site, monkeypatch, capsys
):
    root = tmp_path / "World of Warcraft"
    saved = root / "_retail_/WTF/Account/ACCT/SavedVariables"
    saved.mkdir(parents=True)
    monkeypatch.setattr(cli, "find_installs", lambda: [])
    answers = iter([fake_site.url, str(root)])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr(sys, "stdin", io.StringIO(fake_site.token + "\n"))
    path = tmp_path / "cfg" / "config.json"
    assert cli.main(["--config", str(path), "setup"]) == 0
    config = json.loads(path.read_text())
    assert config["site_url"] == fake_site.url and config["saved_variables_path"] == str(saved)
    assert fake_site.token not in path.read_text()
    assert "Token accepted." in capsys.readouterr().out


def test_cmpn24_run_processes_watches_and_stops_cleanly(
    tmp_path, isolated_env, fake_site, monkeypatch
):
    import signal
    import threading
    import time

    path, folder = configured(tmp_path, fake_site.url, fake_site.token, monkeypatch)
    (folder / "PATTSync.lua").write_text(file_text(1740000001), encoding="utf-8")
    monkeypatch.setenv("PATT_POLL_INTERVAL", "0.3")

    def later():
        deadline = time.monotonic() + 10
        while len(fake_site.applied) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        (folder / "PATTSync.lua").write_text(file_text(1740000002), encoding="utf-8")
        while len(fake_site.applied) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=later)
    thread.start()
    assert cli.main(["--config", str(path), "run"]) == 0
    thread.join()
    assert len(fake_site.applied) == 2


def _wait_until(predicate, timeout=10.0) -> bool:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals to a child process")
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("phase", ["startup", "watching"])
def test_cmpn24_signal_lets_the_in_flight_upload_finish_then_exits_0(
    tmp_path, fake_site, phase, signame
):
    """Ctrl-C / SIGTERM while an upload is in flight: the request completes, its job is
    recorded and archived, then the process exits 0 (CMPN-24) -- both for the upload sent at
    startup and for one sent by the watcher."""
    import signal
    import subprocess

    folder = tmp_path / "sv"
    folder.mkdir()
    path = write_config(
        tmp_path, site_url=fake_site.url, saved_variables_path=str(folder), settle_s=0.1
    )
    data, logs = tmp_path / "data", tmp_path / "logs"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATT_")}
    env |= {
        "HOME": str(tmp_path / "home"),
        "PATT_COMPANION_DATA_DIR": str(data),
        "PATT_COMPANION_LOG_DIR": str(logs),
        "PATT_UPLOAD_TOKEN": fake_site.token,
        "PATT_POLL_INTERVAL": "0.3",
    }
    log_file = logs / "companion.log"
    export_time = 1740000001
    if phase == "startup":
        (folder / "PATTSync.lua").write_text(file_text(export_time), encoding="utf-8")
    fake_site.delay_s = 1.0
    proc = subprocess.Popen(
        [sys.executable, "-m", "patt_companion", "--config", str(path), "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        if phase == "watching":
            assert _wait_until(lambda: log_file.exists() and "Watching" in log_file.read_text())
            (folder / "PATTSync.lua").write_text(file_text(export_time), encoding="utf-8")
        assert fake_site.in_flight.wait(10)
        assert not fake_site.applied  # the server is still holding the answer
        proc.send_signal(getattr(signal, signame))
        output = proc.communicate(timeout=10)[0].decode("utf-8", "replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output
    assert len(fake_site.requests) == 1 and len(fake_site.applied) == 1
    outbox = data / "outbox"
    assert not list(outbox.glob("job-*")), "the finished upload's job must not stay queued"
    assert len(list((data / "archive").glob(f"PATTSync_*_{export_time}.lua"))) == 1
    state = json.loads((data / "state.json").read_text(encoding="utf-8"))
    assert state["last_uploaded_export_time"] == export_time
    assert state["last_result"]["ok"] is True
    assert "Uploaded 1 characters" in log_file.read_text(encoding="utf-8")


def _utc(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _status_lines(path, capsys) -> dict:
    capsys.readouterr()
    assert cli.main(["--config", str(path), "status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    return {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in lines}


def test_cmpn2_status_shows_outbox_size_and_next_retry_while_jobs_wait(
    tmp_path, isolated_env, fake_site, monkeypatch, capsys
):
    import time

    from patt_companion.outbox import Outbox

    path, folder = configured(tmp_path, fake_site.url, fake_site.token, monkeypatch)
    (folder / "PATTSync.lua").write_text(file_text(1740000001), encoding="utf-8")
    fake_site.script = [503]
    before = time.time()
    assert cli.main(["--config", str(path), "once"]) == 1
    [job] = Outbox(tmp_path / "data" / "outbox").jobs()
    assert before + 30 * 0.8 - 1 <= job.next_attempt_at <= time.time() + 30 * 1.2 + 1
    status = _status_lines(path, capsys)
    assert status["Outbox"] == f"1 job(s), next retry {_utc(job.next_attempt_at)}"
    assert status["Last upload"] == "none yet"
    assert fake_site.token not in str(status)


def test_cmpn2_status_shows_a_paused_job_with_its_reason_and_no_retry_time(
    tmp_path, isolated_env, fake_site, monkeypatch, capsys
):
    from patt_companion.uploader import TOKEN_REJECTED

    path, folder = configured(tmp_path, fake_site.url, fake_site.token, monkeypatch)
    (folder / "PATTSync.lua").write_text(file_text(1740000001), encoding="utf-8")
    fake_site.script = [401]
    assert cli.main(["--config", str(path), "once"]) == 1
    status = _status_lines(path, capsys)
    assert status["Outbox"] == f"1 job(s), 1 paused ({TOKEN_REJECTED})"


def test_cmpn2_status_with_a_waiting_and_a_paused_job_names_the_pause_reason(
    tmp_path, isolated_env, monkeypatch, capsys
):
    from companion_savedvars import character
    from patt_companion.pipeline import Companion
    from patt_companion.uploader import TOKEN_REJECTED

    path, _folder = configured(tmp_path, "https://patt.example", "pattsync_tok-9876", monkeypatch)
    companion = Companion(data_dir=tmp_path / "data", uploader=None)
    for name in ("Trogmoon", "Shodoom"):  # same exportTime, different content: two jobs
        other = tmp_path / f"{name}.lua"
        other.write_text(file_text(1740000001, [character(name)]), encoding="utf-8")
        assert companion.process_file(other).status == "queued"
    first, second = companion.outbox.jobs()
    companion.outbox.pause(first, TOKEN_REJECTED)
    companion.outbox.retry_later(second, 600, "HTTP 503: busy")
    retry_at = companion.outbox.jobs()[1].next_attempt_at
    status = _status_lines(path, capsys)
    assert status["Outbox"] == (
        f"2 job(s), next retry {_utc(retry_at)}, 1 paused ({TOKEN_REJECTED})"
    )
    assert status["Token"] == "…9876"


def _wow_with_accounts(tmp_path, names, newest):
    import time

    from patt_companion.wowpaths import WowInstall, accounts_in

    root = tmp_path / "World of Warcraft"
    base = root / "_retail_" / "WTF" / "Account"
    (base / "SavedVariables").mkdir(parents=True)  # not an account (CMPN-6)
    for offset, name in enumerate(names):
        saved = base / name / "SavedVariables"
        saved.mkdir(parents=True)
        addon = saved / "PATTSync.lua"
        addon.write_text(file_text(), encoding="utf-8")
        stamp = time.time() - 1000 + offset
        if name == newest:
            stamp = time.time()
        os.utime(addon, (stamp, stamp))
    return root, [WowInstall(root, accounts_in(root))]


@pytest.mark.parametrize(
    ("answers", "picked"),
    [
        pytest.param(["2"], "Main#1", id="by-number"),
        pytest.param([""], "WOW1.2", id="enter-takes-the-suggestion"),
        pytest.param(["7", "abc", "1"], "Alt", id="out-of-range-then-valid"),
    ],
)
def test_cmpn6_setup_picks_one_of_several_accounts_by_number(
    tmp_path, isolated_env, fake_site, monkeypatch, capsys, answers, picked
):
    names = ["Alt", "WOW1.2", "Main#1"]
    root, installs = _wow_with_accounts(tmp_path, names, newest="WOW1.2")
    monkeypatch.setattr(cli, "find_installs", lambda: installs)
    prompts = []
    replies = iter([fake_site.url, *answers])

    def answer(prompt=""):
        prompts.append(prompt)
        return next(replies)

    monkeypatch.setattr("builtins.input", answer)
    monkeypatch.setattr(sys, "stdin", io.StringIO(fake_site.token + "\n"))
    path = tmp_path / "cfg" / "config.json"
    assert cli.main(["--config", str(path), "setup"]) == 0
    out = capsys.readouterr().out
    # Every account is offered by number (sorted by name), the newest PATTSync.lua suggested.
    listed = [line.strip() for line in out.splitlines() if line.startswith("  ")]
    base = root / "_retail_" / "WTF" / "Account"
    assert listed == [
        f"1. Alt: {base / 'Alt' / 'SavedVariables'}",
        f"2. Main#1: {base / 'Main#1' / 'SavedVariables'}",
        f"3. WOW1.2: {base / 'WOW1.2' / 'SavedVariables'} (suggested: newest PATTSync.lua)",
    ]
    folder_prompts = [p for p in prompts if p.startswith("Pick a number")]
    assert folder_prompts[0] == "Pick a number, or type a folder [3]: "
    assert len(folder_prompts) == len(answers)
    config = json.loads(path.read_text())
    assert config["saved_variables_path"] == str(base / picked / "SavedVariables")
