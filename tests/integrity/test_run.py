"""The integrity run: constant query count and the reconcile lock (IDN-36, IDN-45)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from identity.models import AuditIssue
from identity.services import integrity
from identity.services.integrity import run_integrity_checks
from tests.factories import PlayerCharacterFactory, WowCharacterFactory
from tests.integrity.conftest import NOW

pytestmark = pytest.mark.django_db


def build_guild(n, guildie, member):
    """n of every finding: orphan characters and users, mismatches, missing roles, stale."""
    for _ in range(n):
        WowCharacterFactory()
        member("Member")
        guildie("Member", "Officer")
        guildie("Veteran", None)
        guildie("Member", "Member")
        stale = WowCharacterFactory(last_login_at=NOW - timedelta(days=50))
        PlayerCharacterFactory(character=stale)


def queries_for_fresh_run(now):
    """Queries of a run that creates, refreshes and resolves issues."""
    AuditIssue.objects.all().delete()
    run_integrity_checks(now=now - timedelta(hours=1))
    # One issue per type to refresh, the rest resolve or are created.
    AuditIssue.objects.filter(dedup_key__startswith="orphan_wow").update(
        resolved_at=now - timedelta(minutes=1)
    )
    with CaptureQueriesContext(connection) as queries:
        result = run_integrity_checks(now=now)
    return len(queries), result


def test_idn45_query_count_does_not_grow_with_the_guild(guildie, member):
    build_guild(2, guildie, member)
    small, small_result = queries_for_fresh_run(NOW)
    build_guild(18, guildie, member)
    large, large_result = queries_for_fresh_run(NOW + timedelta(days=1))
    assert small_result.new > 0 and small_result.still_open > 0
    assert large_result.open_total == 10 * small_result.open_total
    assert small == large


def test_idn45_query_count_with_resolutions_does_not_grow(ladder, guildie, member):
    def run_resolving(n, now):
        characters = [WowCharacterFactory() for _ in range(n)]
        run_integrity_checks(now=now)
        for character in characters:
            PlayerCharacterFactory(character=character)
        with CaptureQueriesContext(connection) as queries:
            result = run_integrity_checks(now=now + timedelta(hours=1))
        assert result.resolved == n
        return len(queries)

    assert run_resolving(3, NOW) == run_resolving(30, NOW + timedelta(days=1))


def test_idn45_runs_in_a_transaction_holding_the_reconcile_lock(monkeypatch, ladder):
    calls = []

    def fake_lock():
        calls.append(connection.in_atomic_block)

    monkeypatch.setattr(integrity, "hold_reconcile_lock", fake_lock)
    WowCharacterFactory()
    run_integrity_checks(now=NOW)
    assert calls == [True]


@pytest.mark.postgres
def test_idn45_takes_the_advisory_lock_on_postgres(monkeypatch, ladder):
    from identity.matching.engine import RECONCILE_LOCK_KEY

    seen = []
    original = integrity.compute_findings

    def spy(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = "
                "pg_backend_pid() AND objid = %s",
                [RECONCILE_LOCK_KEY],
            )
            seen.append(cursor.fetchone()[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(integrity, "compute_findings", spy)
    run_integrity_checks(now=NOW)
    assert seen == [1]
