"""Legacy databases for the import tests (issue 14): PostgreSQL only, never the Django DB."""

import pytest
from django.conf import settings

from tests.legacy.legacy_db import create_legacy_db, drop_legacy_db, execute
from tests.legacy.traps import TRAPS_SQL


def _postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture(scope="session")
def legacy_url():
    """A legacy database at head 0181 (schema + reference rows) with the trap rows of
    tests/legacy/traps.py, for the session. Tests that change it use `legacy_scratch`."""
    if not _postgres():
        pytest.skip("needs PostgreSQL (set DATABASE_URL); CI always runs it")
    url = create_legacy_db()
    execute(url, TRAPS_SQL)
    yield url
    drop_legacy_db(url)


class Scratch:
    """The trap database, for a test that changes it: `change(sql, undo=sql)`; every undo
    runs at the test's end (cheaper than copying the database per test)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.undo: list[str] = []

    def change(self, sql: str, *, undo: str) -> None:
        self.undo.append(undo)
        execute(self.url, sql)


@pytest.fixture
def legacy_scratch(legacy_url):
    scratch = Scratch(legacy_url)
    yield scratch
    for sql in reversed(scratch.undo):
        execute(legacy_url, sql)
