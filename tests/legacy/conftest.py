"""Legacy databases for the import tests (issue 14): PostgreSQL only, never the Django DB."""

import pytest
from django.conf import settings

from tests.legacy.legacy_db import clone_legacy_db, create_legacy_db, drop_legacy_db, execute
from tests.legacy.traps import TRAPS_SQL


def _postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture(scope="session")
def legacy_empty_url():
    """An empty legacy database at head 0181 (schema + reference rows), for the session."""
    if not _postgres():
        pytest.skip("needs PostgreSQL (set DATABASE_URL); CI always runs it")
    url = create_legacy_db()
    yield url
    drop_legacy_db(url)


@pytest.fixture(scope="session")
def legacy_url(legacy_empty_url):
    """The trap rows of tests/legacy/traps.py on top: read-only for the tests that use it."""
    url = clone_legacy_db(legacy_empty_url)
    execute(url, TRAPS_SQL)
    yield url
    drop_legacy_db(url)


@pytest.fixture
def legacy_copy(legacy_url):
    """A copy of the trap database a test may add rows to."""
    url = clone_legacy_db(legacy_url)
    yield url
    drop_legacy_db(url)
