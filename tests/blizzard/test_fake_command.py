"""IDN-49: `manage.py fake_blizzard` serves the fake for the demo."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_idn49_manage_py_fake_blizzard_serves_a_generated_guild():
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "fake_blizzard", "--port", str(port), "--members", "7"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                token = requests.post(
                    base + "/oauth/token",
                    data={"grant_type": "client_credentials"},
                    auth=("fake-id", "fake-secret"),
                    timeout=1,
                ).json()["access_token"]
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "fake_blizzard did not start"
                time.sleep(0.1)
        roster = requests.get(
            base + "/data/wow/guild/senjin/pull-all-the-things/roster",
            params={"namespace": "profile-us", "locale": "en_US"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert len(roster.json()["members"]) == 7
    finally:
        server.terminate()
        server.wait(timeout=10)
