"""Sync run history in the admin (IDN-17, IDN-44): columns, filters, a read-only run page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from identity.models import SyncRun, SyncSource, SyncStatus, SyncTrigger
from tests.admin_tools.conftest import assert_themed_403, change_url, changelist_url
from tests.site.test_security import inline_code

pytestmark = pytest.mark.django_db

STARTED = datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC)


def sync_run(**fields) -> SyncRun:
    status = fields.pop("status", SyncStatus.SUCCESS)
    started = fields.pop("started_at", STARTED)
    return SyncRun.objects.create(
        source=fields.pop("source", SyncSource.BLIZZARD_ROSTER),
        trigger=fields.pop("trigger", SyncTrigger.SCHEDULE),
        status=status,
        started_at=started,
        finished_at=None if status == SyncStatus.RUNNING else started + timedelta(seconds=12),
        duration_seconds=fields.pop("duration_seconds", 12.34),
        **fields,
    )


def listed(client, **params) -> set:
    response = client.get(changelist_url(SyncRun), params)
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def test_changelist_columns(officer_client):
    run = sync_run(
        counts={"found": 120, "new": 3, "per_type": {"orphan_wow": 1}},
        error="Blizzard API said 503\nTraceback …",
        status=SyncStatus.ERROR,
    )

    page = officer_client.get(changelist_url(SyncRun))

    html = page.content.decode()
    assert f"#{run.pk}" in html
    for text in ("Blizzard roster", "Schedule", "Error", "2026-03-01 12:00:05 UTC", "12.3 s"):
        assert text in html
    assert "found 120" in html and "new 3" in html and "per type" not in html
    assert "Blizzard API said 503…" in html
    assert [c for c in inline_code(page) if c.startswith("inline <script>")] == []


def test_changelist_filters(officer_client):
    blizzard = sync_run()
    discord = sync_run(
        source=SyncSource.DISCORD_MEMBERS, trigger=SyncTrigger.ADMIN, status=SyncStatus.ERROR
    )
    running = sync_run(source=SyncSource.RECONCILE, status=SyncStatus.RUNNING)

    assert listed(officer_client, source__exact="blizzard_roster") == {blizzard}
    assert listed(officer_client, status__exact="error") == {discord}
    assert listed(officer_client, status__exact="running") == {running}
    assert listed(officer_client, trigger__exact="admin") == {discord}


def test_run_page_is_read_only_with_pretty_counts_and_details(officer_client):
    run = sync_run(
        counts={"found": 120, "new": 3},
        details={"warnings": ["Rank index 7 has no guild rank"], "rank_changes": []},
    )

    page = officer_client.get(change_url(run))

    assert page.status_code == 200
    html = page.content.decode()
    assert (
        '<pre class="json-block">{\n  &quot;found&quot;: 120,\n  &quot;new&quot;: 3\n}</pre>'
        in html
    )
    assert "Rank index 7 has no guild rank" in html
    assert 'name="_save"' not in html  # nothing to save
    assert officer_client.post(change_url(run), {"status": "error"}).status_code == 403
    run.refresh_from_db()
    assert run.status == SyncStatus.SUCCESS


def test_non_officers_cannot_see_runs(member_client):
    run = sync_run()

    assert_themed_403(member_client.get(changelist_url(SyncRun)))
    assert_themed_403(member_client.get(change_url(run)))


def _runs(count: int) -> None:
    SyncRun.objects.bulk_create(
        SyncRun(
            source=SyncSource.values[n % len(SyncSource.values)],
            trigger=SyncTrigger.values[n % len(SyncTrigger.values)],
            status=SyncStatus.SUCCESS,
            started_at=STARTED - timedelta(hours=n),
            finished_at=STARTED - timedelta(hours=n) + timedelta(seconds=3),
            duration_seconds=3,
            counts={"found": n},
        )
        for n in range(count)
    )


def test_changelist_query_count_is_constant(officer_client, django_assert_max_num_queries):
    url = changelist_url(SyncRun)
    _runs(10)
    officer_client.get(url)
    with CaptureQueriesContext(connection) as ten:
        assert officer_client.get(url).status_code == 200

    SyncRun.objects.all().delete()
    _runs(200)
    with django_assert_max_num_queries(len(ten)):
        response = officer_client.get(url)
    assert response.context["cl"].result_count == 200
