"""Shared fixtures. Tests run on PostgreSQL when DATABASE_URL points there, else SQLite."""

import pytest
from django.db import connection

from patt.memo import clear_memos
from patt.models import clear_site_config_cache

pytest_plugins = [
    "tests.fakes.fixtures",
    "tests.fakes.blizzard_fixtures",
    "tests.fakes.raid_helper_fixtures",
]


def pytest_configure(config):
    """No test reaches beyond this machine (BOT-30): see tests/fakes/network_guard.py."""
    from tests.fakes import network_guard

    network_guard.install()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Password hashing is not under test here; the real hasher would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_site_config():
    """SiteConfig and the page memos (patt.memo) are kept per process; each test starts from
    its own database state."""
    clear_site_config_cache()
    clear_memos()
    yield
    clear_site_config_cache()
    clear_memos()


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need real concurrency; on SQLite they are skipped, with a reason.

    A transactional test must also ask for `serialized_rollback=True`: its teardown flush
    otherwise re-creates the migrated rows (the Officers group) under new ids, and the next
    serialized-rollback test on that worker fails to restore them ("auth_group_name_key").
    """
    from django.conf import settings

    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and not marker.kwargs.get("serialized_rollback")
        ):
            raise pytest.UsageError(
                f"{item.nodeid}: django_db(transaction=True) needs serialized_rollback=True"
            )

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); CI always runs it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


# Discord role ids given to the default ranks by the `ladder` fixture.
LADDER_ROLE_IDS = {
    "Initiate": "9001",
    "Member": "9002",
    "Veteran": "9003",
    "Officer": "9004",
    "Guild Leader": "9005",
}


@pytest.fixture
def ladder(db):
    """The default ranks with Discord role ids, so role ids count as ladder roles; by name."""
    from identity.models import GuildRank

    for name, role_id in LADDER_ROLE_IDS.items():
        GuildRank.objects.filter(name=name).update(discord_role_id=role_id)
    return {rank.name: rank for rank in GuildRank.objects.all()}


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
