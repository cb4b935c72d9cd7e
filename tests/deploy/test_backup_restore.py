"""scripts/backup.sh and scripts/restore.sh (issue 15): the restore drill on PostgreSQL.

The demo guild is seeded into the test database (committed, so pg_dump sees it) and backed up;
the backup is restored into a new, empty database, as after losing the first; then every
table's row count and rows, and every sequence's position, match the original. Restoring over
a database that has tables needs --clean, and --clean replaces its contents.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

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


@pytest.fixture
def scratch_database():
    name = f"{connection.settings_dict['NAME']}_restore"[:63]
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    yield url_for(name)
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_drill_brings_back_every_row(tmp_path, scratch_database, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", "--force", stdout=open(os.devnull, "w"))  # noqa: SIM115
    source = url_for(connection.settings_dict["NAME"])
    before = fingerprint(source)
    seeded = {table: count for table, (count, *_) in before.items() if not table.startswith("seq")}
    assert seeded["identity_player"] >= 50 and seeded["identity_wowcharacter"] >= 100

    backup = script("backup.sh", "--output", str(tmp_path / "backups"), database_url=source)
    assert backup.returncode == 0, backup.stderr
    (dump,) = (tmp_path / "backups").glob("patt-*.dump")
    assert f"{len(seeded)} tables" in backup.stdout
    assert not list((tmp_path / "backups").glob("*.partial"))

    restore = script("restore.sh", str(dump), database_url=scratch_database)
    assert restore.returncode == 0, restore.stderr
    assert fingerprint(scratch_database) == before

    # Over a database with tables: refused without --clean, replaced with it.
    again = script("restore.sh", str(dump), database_url=scratch_database)
    assert again.returncode == 1
    assert "add --clean" in again.stderr
    with psycopg.connect(scratch_database, autocommit=True) as db:
        db.execute("TRUNCATE identity_wowcharacter CASCADE")
    clean = script("restore.sh", "--clean", str(dump), database_url=scratch_database)
    assert clean.returncode == 0, clean.stderr
    assert fingerprint(scratch_database) == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_keeps_the_newest_and_never_leaves_a_partial_file(tmp_path):
    source = url_for(connection.settings_dict["NAME"])
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
