"""Helpers shared by the HTTP benchmarks (`ballots.py`, `pages.py`).

A bench script puts the project root on `sys.path`, calls `django.setup()`, then imports these:

- `create_throwaway_database` / `destroy_throwaway_database`: a migrated database for one run
  (`<name>_<pid>` next to DATABASE_URL's PostgreSQL, or a temporary SQLite file);
- `free_port`, `start_gunicorn`, `wait_until_ready`, `stop_server`: the site served by gunicorn
  (gthread workers, DEBUG off) on 127.0.0.1 against that database;
- `percentile`: nearest-rank percentile of the measured latencies.
"""

import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def create_throwaway_database(name: str) -> tuple[str, str]:
    """Create and migrate the bench database `<name>_<pid>`; return (the old database name, for
    `destroy_throwaway_database`; the DATABASE_URL for the server)."""
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        db_name = f"{name}_{os.getpid()}"
        db["TEST"]["NAME"] = db_name
        parts = urlsplit(os.environ["DATABASE_URL"])
        server_url = urlunsplit(parts._replace(path="/" + db_name))
    else:
        path = Path(tempfile.gettempdir()) / f"{name}_{os.getpid()}.sqlite3"
        db["TEST"]["NAME"] = str(path)
        server_url = f"sqlite:///{path}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    return old_name, server_url


def destroy_throwaway_database(old_name: str) -> None:
    """Drop the bench database and point the connection back at `old_name`."""
    connection.creation.destroy_test_db(old_name, verbosity=0)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def add_server_arguments(parser) -> None:
    """The server options every HTTP bench takes: gunicorn as the image runs it by default (2
    sync workers), and the database connection lifetime of production."""
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--worker-class",
        default="sync",
        choices=["gthread", "sync"],
        help="gunicorn's worker class (the image runs sync workers; --threads needs gthread)",
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="DB_CONN_MAX_AGE for the server (default 60, production's default)",
    )


def start_gunicorn(
    database_url: str,
    port: int,
    *,
    workers: int,
    threads: int,
    log_name: str,
    extra_env: dict[str, str] | None = None,
    backlog: int | None = None,
    worker_class: str = "gthread",
) -> subprocess.Popen:
    """gunicorn (`worker_class`, gthread by default: `workers` x `threads`; sync: `workers`
    processes of one request each, as the image runs it) on 127.0.0.1:`port` against `database_url`,
    DEBUG off (as in production). `extra_env` is added to the server's environment; `backlog`
    is passed as `--backlog` when given. The server's output goes to a temporary file
    `<log_name>_gunicorn_*.log`, whose path is the returned process's `log_path`."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        **(extra_env or {}),
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "patt.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--worker-class",
        worker_class,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    if backlog is not None:
        command += ["--backlog", str(backlog)]
    command += ["--log-level", "warning"]
    # The server's log goes to a file: an unread pipe would stall it once full.
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed with the process
        "w+", prefix=f"{log_name}_gunicorn_", suffix=".log", delete=False
    )
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server.log_path = log.name
    log.close()
    return server


def wait_until_ready(server: subprocess.Popen, base_url: str, timeout: float = 90) -> None:
    """Poll `<base_url>/api/health` until it answers OK; exit with the server's log tail if it
    dies first, or after `timeout` seconds without an answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log = Path(server.log_path).read_text()[-4000:]
            raise SystemExit(f"gunicorn exited with code {server.returncode}:\n{log}")
        try:
            if requests.get(f"{base_url}/api/health", timeout=10).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer /api/health within {timeout:g} s")


def stop_server(server: subprocess.Popen) -> None:
    """Terminate the server and wait for it; kill it if it has not exited after 30 s."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=30)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `fraction` of all at or
    below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]
