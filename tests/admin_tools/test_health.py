"""Worker health (`/admin/identity/sync/health/`): schedules with their last task, the latest
run per source, recent failed tasks and the queue length, in a fixed number of queries."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import Schedule, Task
from django_q.tasks import async_task

from identity.models import SyncRun, SyncSource, SyncStatus, SyncTrigger
from tests.site.test_security import inline_code

pytestmark = pytest.mark.django_db

HEALTH_URL = "/admin/identity/sync/health/"
TRACEBACK = "Traceback (most recent call last):\n  File 'x.py', line 1\nValueError: boom\n"


def task(name: str, *, success: bool, result="ok", stopped=None, func=None) -> Task:
    stopped = stopped or timezone.now()
    return Task.objects.create(
        id=uuid.uuid4().hex,
        name=name,
        func=func or "identity.tasks.run_blizzard_pipeline",
        started=stopped - timedelta(seconds=5),
        stopped=stopped,
        success=success,
        result=result,
    )


def schedule(name: str, last=None, **fields) -> Schedule:
    return Schedule.objects.create(
        name=name,
        func=fields.pop("func", "identity.tasks.run_discord_pipeline"),
        schedule_type=fields.pop("schedule_type", Schedule.MINUTES),
        minutes=fields.pop("minutes", 15),
        next_run=fields.pop("next_run", timezone.now() + timedelta(minutes=5)),
        task=last.id if last else None,
        **fields,
    )


def row_of(html: str, marker: str) -> str:
    """The table row of `html` containing `marker`."""
    at = html.index(marker)
    return html[html.rindex("<tr", 0, at) : html.index("</tr>", at)]


def test_health_lists_schedules_failures_runs_and_queue_length(officer_client):
    stopped = datetime(2026, 3, 1, 12, 34, 56, tzinfo=UTC)
    failed = task(
        "blizzard-nightly-boom",
        success=False,
        stopped=stopped,
        result=f"Blizzard API said 503 : {TRACEBACK}",
    )
    ok = task("discord-ok", success=True, func="identity.tasks.run_discord_pipeline")
    schedule("test.blizzard", last=failed, func="identity.tasks.run_blizzard_pipeline")
    schedule("test.discord", last=ok)
    schedule("test.never", schedule_type=Schedule.CRON, minutes=None, cron="0 1 * * *")
    SyncRun.objects.create(
        source=SyncSource.BLIZZARD_ROSTER,
        trigger=SyncTrigger.SCHEDULE,
        status=SyncStatus.ERROR,
        started_at=stopped,
        finished_at=stopped,
        error="Blizzard API said 503",
    )
    async_task("identity.tasks.run_blizzard_pipeline")
    async_task("identity.tasks.run_audit_report", full=True)

    page = officer_client.get(HEALTH_URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert inline_code(page) == []
    # queue length
    assert "Tasks waiting in the queue:\n  <strong>2</strong>" in html
    # schedules: last run time and whether it succeeded
    blizzard = row_of(html, "test.blizzard")
    assert "2026-03-01 12:34 UTC" in blizzard and "no (failed)" in blizzard
    assert "yes" in row_of(html, "test.discord")
    never = row_of(html, "test.never")
    assert "never" in never and "cron 0 1 * * *" in never
    # recent failures: name, time and the error without its traceback
    failure = row_of(html, "blizzard-nightly-boom")
    assert "2026-03-01 12:34:56 UTC" in failure
    assert "Blizzard API said 503" in failure and "Traceback" not in failure
    assert "discord-ok" not in html[html.index('id="recent-failures"') :]
    # latest run per source
    latest = html[html.index('id="latest-runs"') : html.index('id="recent-failures"')]
    assert "Blizzard roster" in row_of(latest, "Blizzard roster")
    assert "Error" in row_of(latest, "Blizzard roster")
    assert "never" in row_of(latest, "Audit report")


def test_health_shows_only_the_last_ten_failures(officer_client):
    now = timezone.now()
    for n in range(12):
        task(f"failure-{n:02d}", success=False, stopped=now - timedelta(minutes=n), result="x")

    html = officer_client.get(HEALTH_URL).content.decode()

    assert "failure-00" in html and "failure-09" in html
    assert "failure-10" not in html and "failure-11" not in html


def test_health_latest_run_is_the_newest_of_its_source(officer_client):
    now = timezone.now()
    for minutes, status in ((30, SyncStatus.SUCCESS), (5, SyncStatus.PARTIAL)):
        SyncRun.objects.create(
            source=SyncSource.DISCORD_MEMBERS,
            trigger=SyncTrigger.SCHEDULE,
            status=status,
            started_at=now - timedelta(minutes=minutes),
            finished_at=now - timedelta(minutes=minutes - 1),
        )

    page = officer_client.get(HEALTH_URL)

    run = page.context["sources"][1]
    assert run["value"] == SyncSource.DISCORD_MEMBERS
    assert run["run"].status == SyncStatus.PARTIAL


def _fill(count: int) -> None:
    now = timezone.now()
    for n in range(count):
        last = task(f"t{uuid.uuid4().hex[:8]}", success=bool(n % 2), result="bad : tb")
        schedule(f"s{uuid.uuid4().hex[:8]}", last=last)
        SyncRun.objects.create(
            source=SyncSource.values[n % len(SyncSource.values)],
            trigger=SyncTrigger.SCHEDULE,
            status=SyncStatus.SUCCESS,
            started_at=now - timedelta(minutes=n + 1),
            finished_at=now - timedelta(minutes=n),
        )
        async_task("identity.tasks.run_blizzard_pipeline")


def test_health_query_count_is_constant(officer_client, django_assert_max_num_queries):
    _fill(3)
    officer_client.get(HEALTH_URL)
    with CaptureQueriesContext(connection) as few:
        assert officer_client.get(HEALTH_URL).status_code == 200

    _fill(60)
    with django_assert_max_num_queries(len(few)):
        page = officer_client.get(HEALTH_URL)
    assert page.context["queue_length"] == 63
