"""Helpers of the fault suite (issue 17).

`wsgi_get` sends a request through Django's real `WSGIHandler`, as gunicorn does: unlike the
test `Client`, it fires `request_started` / `request_finished` with `close_old_connections`
connected, so a connection that died between two requests is noticed the way production
notices it (CONN_HEALTH_CHECKS).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from django.test import RequestFactory


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def wsgi_get(path: str, **extra) -> Answer:
    environ = RequestFactory().get(path, **extra).environ
    captured: dict = {}

    def start_response(status, headers, exc_info=None):
        captured["status"] = int(status.split()[0])
        captured["headers"] = dict(headers)

    handler = WSGIHandler()
    result = handler(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()  # fires request_finished, as the WSGI server does
    return Answer(captured["status"], captured["headers"], body)


@contextlib.contextmanager
def database_unreachable():
    """The default connection replaced by one that cannot connect (a closed port on
    PostgreSQL, a file in a missing directory on SQLite); the test's own connection is put back
    afterwards untouched."""
    original = connections["default"]
    broken_settings = {**original.settings_dict, "OPTIONS": {**original.settings_dict["OPTIONS"]}}
    if original.vendor == "sqlite":
        broken_settings["NAME"] = "/nonexistent-patt-dir/down.sqlite3"
    else:
        broken_settings.update(HOST="127.0.0.1", PORT="1")
        broken_settings["OPTIONS"]["connect_timeout"] = 2
    broken = original.__class__(broken_settings, alias="default")
    connections["default"] = broken
    try:
        yield
    finally:
        broken.close()
        connections["default"] = original


def terminate_backend(pid: int) -> None:
    """Kill one PostgreSQL backend from a second connection, as a database restart or a
    network cut does (`pg_terminate_backend`)."""
    import psycopg

    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    params.pop("server_side_binding", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
