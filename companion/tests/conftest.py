"""Fixtures for the companion's tests: a loopback fake of the site's upload API (UPL-13/14)
and isolated config/data folders. Nothing here needs Django."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from patt_companion.payload import payload_hash


class FakeSite:
    """Records every POST; applies each payload hash once and answers duplicates like UPL-7.

    `script` is a list of status codes (or callables) answered before normal service; 0 means
    "close the connection without answering". `delay_s` holds every POST that long before it
    is answered; `in_flight` is set as soon as a POST has arrived.
    """

    def __init__(self):
        self.script: list = []
        self.applied: list[str] = []  # payload hashes applied, in order
        self.requests: list[dict] = []
        self.token = "pattsync_test-token-abcd"
        self.delay_s = 0.0
        self.in_flight = threading.Event()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, body, headers=None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.headers.get("Authorization") != f"Bearer {site.token}":
                    return self._answer(
                        401, {"ok": False, "error": "Invalid or revoked upload token."}
                    )
                self._answer(
                    200, {"ok": True, "guild_name": "Pull All The Things", "last_upload": None}
                )

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with site.lock:
                    record = {"headers": dict(self.headers), "raw": raw}
                    site.requests.append(record)
                    step = site.script.pop(0) if site.script else None
                site.in_flight.set()
                if site.delay_s:
                    time.sleep(site.delay_s)
                if step == 0:
                    self.close_connection = True
                    self.connection.close()
                    return
                if callable(step):
                    return step(self)
                if step is not None:
                    headers = {"Retry-After": "1"} if step in (429, 503) else {}
                    return self._answer(step, {"ok": False, "error": f"scripted {step}"}, headers)
                if self.headers.get("Authorization") != f"Bearer {site.token}":
                    return self._answer(
                        401, {"ok": False, "error": "Invalid or revoked upload token."}
                    )
                body = json.loads(gzip.decompress(raw))
                record["body"] = body
                digest = payload_hash(body)
                with site.lock:
                    duplicate = digest in site.applied
                    if not duplicate:
                        site.applied.append(digest)
                self._answer(
                    200,
                    {
                        "ok": True,
                        "upload_id": len(site.applied),
                        "duplicate": duplicate,
                        "stale": False,
                        "characters_received": len(body["characters"]),
                        "updated": 1,
                        "unchanged": 0,
                        "unknown": 1,
                        "unknown_characters": [{"name": "Newbie", "realm": "senjin"}],
                        "matching": "queued",
                    },
                )

        return Handler


@pytest.fixture
def fake_site():
    site = FakeSite()
    yield site
    site.close()


@pytest.fixture
def isolated_env(tmp_path, monkeypatch):
    """Config, data and log folders under tmp_path; no real keyring; no PATT_* variables."""
    for var in (
        "PATT_SITE_URL",
        "PATT_UPLOAD_TOKEN",
        "WOW_SAVED_VARIABLES_PATH",
        "PATT_POLL_INTERVAL",
        "PATT_DEBUG",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATT_COMPANION_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PATT_COMPANION_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr("patt_companion.tokenstore._real_keyring", lambda: None)
    return tmp_path


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
