"""scripts/backup.sh and scripts/restore.sh (issue 15): the restore drill on PostgreSQL.

A copy of the migrated test database gets the demo guild (`manage.py seed_demo`) and is backed
up, dropped and re-created empty, and the backup restored into it: then every table's row count
and rows, and every sequence's position, match what was there. Restoring over a database that
has tables needs --clean, and --clean replaces its contents.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection, connections

ROOT = Path(__file__).resolve().parents[2]


def url_for(name: str) -> str:
    settings = connection.settings_dict
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "localhost"
    port = settings["PORT"] or 5432
    return f"postgres://{quote(settings['USER'], safe='')}{password}@{host}:{port}/{name}"


def admin(sql: str) -> None:
    with psycopg.connect(url_for("postgres"), autocommit=True) as db:
        db.execute(sql)


def script(name: str, *args: str, database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / name), *args],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def fingerprint(url: str) -> dict[str, tuple]:
    """Per table: its row count and an md5 of all its rows (sorted); per sequence: where it is."""
    result: dict[str, tuple] = {}
    with psycopg.connect(url) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        for table in tables:
            rows = "string_agg(t::text, E'\\n' ORDER BY t::text)"
            count, digest = db.execute(
                f"SELECT count(*), md5(coalesce({rows}, '')) FROM \"{table}\" t"
            ).fetchone()
            result[table] = (count, digest)
        for (sequence,) in db.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall():
            result[f"sequence {sequence}"] = tuple(
                db.execute(f'SELECT last_value, is_called FROM "{sequence}"').fetchone()
            )
    return result


def database_under_test() -> str:
    return connection.settings_dict["NAME"]


@pytest.fixture
def seeded_database(transactional_db, tmp_path):
    """A copy of the migrated test database (CREATE DATABASE … TEMPLATE) with the demo guild
    seeded into it by `manage.py seed_demo`, as a deployment would have it. Dropped after."""
    name = f"{database_under_test()}_drill"[:63]
    connections.close_all()  # a template database must have no other session
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}" TEMPLATE "{database_under_test()}"')
    url = url_for(name)
    env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(tmp_path / "media")}
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--force"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    yield name
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_drill_brings_back_every_row(tmp_path, seeded_database):
    source = url_for(seeded_database)
    before = fingerprint(source)
    tables = {name: count for name, (count, *_) in before.items() if " " not in name}
    assert tables["identity_player"] >= 50 and tables["identity_wowcharacter"] >= 100

    backup = script("backup.sh", "--output", str(tmp_path / "backups"), database_url=source)
    assert backup.returncode == 0, backup.stderr
    (dump,) = (tmp_path / "backups").glob("patt-*.dump")
    assert f"{len(tables)} tables" in backup.stdout
    assert not list((tmp_path / "backups").glob("*.partial"))

    # The database is lost; an empty one of the same name takes its place.
    admin(f'DROP DATABASE "{seeded_database}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{seeded_database}"')
    restore = script("restore.sh", str(dump), database_url=source)
    assert restore.returncode == 0, restore.stderr
    assert fingerprint(source) == before


@pytest.fixture
def small_database():
    """A throw-away database with one table of 100 rows (no Django, so it is quick)."""
    name = f"{connection.settings_dict['NAME']}_small_{os.getpid()}"[:63]
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    url = url_for(name)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("CREATE TABLE note (id serial PRIMARY KEY, body text NOT NULL)")
        db.execute("INSERT INTO note (body) SELECT 'note ' || n FROM generate_series(1, 100) n")
    yield url
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_restore_over_existing_tables_needs_clean_which_replaces_them(tmp_path, small_database):
    backup = script("backup.sh", "-o", str(tmp_path / "a.dump"), database_url=small_database)
    assert backup.returncode == 0, backup.stderr
    before = fingerprint(small_database)
    with psycopg.connect(small_database, autocommit=True) as db:
        db.execute("DELETE FROM note WHERE id > 10")
        db.execute("INSERT INTO note (body) VALUES ('written after the backup')")

    refused = script("restore.sh", str(tmp_path / "a.dump"), database_url=small_database)
    assert refused.returncode == 1
    assert "already has 1 tables" in refused.stderr and "add --clean" in refused.stderr
    assert fingerprint(small_database) != before  # untouched

    clean = script("restore.sh", "--clean", str(tmp_path / "a.dump"), database_url=small_database)
    assert clean.returncode == 0, clean.stderr
    assert fingerprint(small_database) == before


@pytest.mark.postgres
@pytest.mark.django_db
def test_backup_keeps_the_newest_and_never_leaves_a_partial_file(tmp_path):
    source = url_for(database_under_test())
    folder = tmp_path / "backups"
    folder.mkdir()
    for stamp in ("20260101T000000Z", "20260102T000000Z", "20260103T000000Z"):
        (folder / f"patt-{stamp}.dump").write_bytes(b"old")
        os.utime(folder / f"patt-{stamp}.dump", (int(stamp[6:8]) * 1000,) * 2)
    result = script("backup.sh", "-o", str(folder), "--keep", "2", database_url=source)
    assert result.returncode == 0, result.stderr
    kept = sorted(path.name for path in folder.iterdir())
    assert len(kept) == 2 and "patt-20260103T000000Z.dump" in kept
    assert "Removed 2 older backup(s); kept the newest 2" in result.stdout

    missing = script("backup.sh", "-o", str(folder), database_url=url_for("no_such_database_h"))
    assert missing.returncode != 0
    assert sorted(path.name for path in folder.iterdir()) == kept  # nothing half-written


@pytest.mark.parametrize(
    ("name", "args", "database_url", "message"),
    [
        ("backup.sh", (), "sqlite:///db.sqlite3", "backups are for PostgreSQL"),
        ("backup.sh", (), "", "DATABASE_URL is not set"),
        ("backup.sh", ("--keep", "many"), "postgres://x@h/db", "--keep needs a whole number"),
        ("restore.sh", (), "postgres://x@h/db", "which backup?"),
        ("restore.sh", ("/no/such.dump",), "postgres://x@h/db", "no such file: /no/such.dump"),
    ],
)
def test_bad_input_is_one_clear_line(name, args, database_url, message):
    result = script(name, *args, database_url=database_url)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert message in result.stderr
