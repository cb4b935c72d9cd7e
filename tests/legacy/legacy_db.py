"""Throw-away legacy PATT databases for the import tests and the bench (issue 14).

`create_legacy_db()` makes `legacy_test_<random>` on the PostgreSQL server of DATABASE_URL,
loads `/work/shared/legacy`'s `schema.sql` and `reference_data.sql` with psql, and returns its
URL; `clone_legacy_db(url)` copies one (CREATE DATABASE … TEMPLATE) for tests that add rows;
`drop_legacy_db(url)` drops it. This is never the Django test database.
"""

import os
import secrets
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.conf import settings

LEGACY_DIR = Path(os.environ.get("PATT_LEGACY_SCHEMA_DIR", "/work/shared/legacy"))
if not (LEGACY_DIR / "schema.sql").exists():  # a checkout with the files beside it
    LEGACY_DIR = Path(__file__).resolve().parents[3] / "shared" / "legacy"


def server_url(database: str = "postgres") -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgresql://{user}{password}@{host}:{port}/{database}"


def _admin(sql: str) -> None:
    with psycopg.connect(server_url(), autocommit=True) as conn:
        conn.execute(sql)


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def create_legacy_db(prefix: str = "legacy_test") -> str:
    """A new legacy database at head 0181 with its reference rows; returns its URL."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    _admin(f'CREATE DATABASE "{name}"')
    url = server_url(name)
    subprocess.run(
        [
            "psql",
            "-X",
            "-q",
            "--single-transaction",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-f",
            str(LEGACY_DIR / "schema.sql"),
            "-f",
            str(LEGACY_DIR / "reference_data.sql"),
        ],
        check=True,
        capture_output=True,
    )
    return url


def clone_legacy_db(url: str) -> str:
    name = f"{_name(url)}_c{secrets.token_hex(3)}"
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{_name(url)}"')
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def drop_legacy_db(url: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{_name(url)}" WITH (FORCE)')


def execute(url: str, sql: str, params: object = None) -> None:
    """Run SQL on a legacy database (the tests' and the bench's writes: never the importer)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql, params)
