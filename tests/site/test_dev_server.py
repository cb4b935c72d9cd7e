"""`make run` serves the site together with a django-q2 worker and Ctrl-C stops both (issue #2).

Runs the real `scripts/dev-server.sh` on a free port against a throw-away SQLite database, then
signals its process group the way a terminal's Ctrl-C does.
"""

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; only its parent has not collected it yet.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ", 1)[1].startswith("Z"))


def children_named(needle: str, session_of: int) -> list[int]:
    """Processes whose command line contains `needle`, started under the script's session."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            env = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in cmdline and f"PATT_DEV_SERVER_TEST={session_of}".encode() in env:
            found.append(int(entry.name))
    return found


def _start(tmp_path, port: int, fake_port: int, **extra_env: str):
    """Migrate a throw-away SQLite database and start scripts/dev-server.sh on it, in its own
    session (as a terminal would run it); returns (process, its stdout file)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PATT_DEV_SERVER_TEST": str(port),
        "FAKE_BLIZZARD_PORT": str(fake_port),
    }
    for name in ("REDIS_URL", "BLIZZARD_CLIENT_ID", "DISCORD_BOT_TOKEN"):
        env.pop(name, None)
    env.update(extra_env)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    venv_python = ROOT / ".venv" / "bin" / "python"
    if not venv_python.exists():
        pytest.skip("scripts/dev-server.sh runs .venv/bin/python; make test creates it")
    output = tmp_path / "dev-server.out"
    server = subprocess.Popen(
        ["bash", "scripts/dev-server.sh"],
        cwd=ROOT,
        env=env,
        stdout=output.open("w"),
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return server, output


def _wait_for_health(port: int, deadline: float) -> bytes:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                return r.read()
        except OSError:
            time.sleep(0.5)
    return b""


def _ctrl_c_stops_everything(server: subprocess.Popen, port: int) -> None:
    os.killpg(server.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    server.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(
        alive(pid) for pid in children_named("manage.py", port)
    ):
        time.sleep(0.2)
    assert [pid for pid in children_named("manage.py", port) if alive(pid)] == []


def _kill_leftovers(server: subprocess.Popen, port: int) -> None:
    for pid in children_named("manage.py", port):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGKILL)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find the worker")
def test_dev_server_serves_health_and_ctrl_c_stops_site_and_worker(tmp_path):
    port, fake_port = free_port(), free_port()
    server, output = _start(tmp_path, port, fake_port)
    try:
        deadline = time.monotonic() + 60
        assert b'"ok": true' in _wait_for_health(port, deadline)
        workers = []
        while time.monotonic() < deadline and not workers:
            workers = children_named("manage.py qcluster", port)
            time.sleep(0.2)
        assert workers, "the django-q2 worker is running beside the site"
        # IDN-49 demo configuration: no Blizzard credentials, so the fake Blizzard API runs too.
        token = urllib.request.Request(
            f"http://127.0.0.1:{fake_port}/oauth/token",
            data=b"grant_type=client_credentials",
            headers={"Authorization": "Basic ZmFrZS1pZDpmYWtlLXNlY3JldA=="},  # fake-id:fake-secret
        )
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(token, timeout=2) as r:
                    assert b"fake-token-" in r.read()
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the demo's fake Blizzard API did not answer")

        # Issue 13: no DISCORD_BOT_TOKEN, so no bot process, and the script says so and why.
        assert "Discord bot: off - DISCORD_BOT_TOKEN is not set" in output.read_text()
        assert children_named("manage.py runbot", port) == []

        _ctrl_c_stops_everything(server, port)
    finally:
        _kill_leftovers(server, port)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find the bot")
def test_dev_server_with_a_bot_token_starts_the_bot_beside_site_and_worker(tmp_path):
    """Issue 13 (BOT-1, BOT-4): with DISCORD_BOT_TOKEN set, `make run` also starts
    `manage.py runbot`; it connects to the (loopback fake) gateway and takes the lease, the site
    says "Bot online", and Ctrl-C stops the bot too, which releases its lease."""
    from tests.fakes.fake_discord import FakeDiscord
    from tests.fakes.fake_gateway import FakeGateway

    fake = FakeDiscord().start()
    gateway = FakeGateway(fake).start()
    port, fake_port = free_port(), free_port()
    server, output = _start(
        tmp_path,
        port,
        fake_port,
        DISCORD_BOT_TOKEN=fake.token,
        DISCORD_GUILD_ID=fake.guild_id,
        DISCORD_API_URL=fake.base_url,
    )
    database = sqlite3.connect(tmp_path / "dev.sqlite3", timeout=20)
    try:
        deadline = time.monotonic() + 90
        assert b'"ok": true' in _wait_for_health(port, deadline)
        while time.monotonic() < deadline and not gateway.connected:
            time.sleep(0.2)
        assert gateway.connected, "the bot connected to the gateway"
        assert "Discord bot: starting (manage.py runbot)." in output.read_text()
        assert children_named("manage.py runbot", port)
        assert children_named("manage.py qcluster", port)

        def lease() -> tuple[str, int] | None:
            return database.execute(
                "SELECT instance_id, connected FROM patt_botstatus WHERE id = 1"
            ).fetchone()

        while time.monotonic() < deadline and not (lease() and lease()[0] and lease()[1]):
            time.sleep(0.2)
        assert lease()[0] and lease()[1] == 1, "the bot holds the lease, connected"

        _ctrl_c_stops_everything(server, port)
        assert lease() == ("", 0), "the bot released its lease on the way out (BOT-4)"
    finally:
        database.close()
        _kill_leftovers(server, port)
        gateway.stop()
        fake.stop()
