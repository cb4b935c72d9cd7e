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
