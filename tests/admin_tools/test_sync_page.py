"""IDN-43: `/admin/identity/sync/` queues pipelines as django-q2 tasks, one source at a time."""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ

from identity.models import SyncRun, SyncSource, SyncStatus, SyncTrigger
from identity.services.accounts import OFFICERS_GROUP
from tests.admin_tools.conftest import assert_themed_403, messages_of, plain
from tests.site.test_security import inline_code

pytestmark = pytest.mark.django_db

SYNC_URL = "/admin/identity/sync/"
RUNS_URL = "/admin/identity/syncrun/"
QUEUED = "Queued — see Sync runs"

BUTTONS = [
    ("blizzard", "identity.tasks.run_blizzard_pipeline", {"trigger": "admin"}),
    ("discord", "identity.tasks.run_discord_pipeline", {"trigger": "admin"}),
    ("reconcile", "identity.tasks.run_reconcile_pipeline", {}),
    ("audit_new", "identity.tasks.run_audit_report", {"full": False}),
    ("audit_full", "identity.tasks.run_audit_report", {"full": True}),
]


def queued() -> list[tuple[str, dict]]:
    return [(task.func(), task.kwargs()) for task in OrmQ.objects.order_by("pk")]


def queued_run() -> SyncRun:
    """The one `queued` row a click inserted (the task gets its id as `queued_run`)."""
    return SyncRun.objects.get(status=SyncStatus.QUEUED)


def running(source: str, minutes_ago: float = 3) -> SyncRun:
    return SyncRun.objects.create(
        source=source,
        trigger=SyncTrigger.SCHEDULE,
        status=SyncStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_urls():
    assert reverse("admin:identity_sync") == SYNC_URL
    assert reverse("admin:identity_sync_health") == SYNC_URL + "health/"


def test_sync_page_shows_five_post_buttons(officer_client):
    page = officer_client.get(SYNC_URL)

    assert page.status_code == 200
    html = page.content.decode()
    for label in (
        "Blizzard sync",
        "Discord sync",
        "Matching + integrity",
        "Send audit report (new)",
        "Send full audit report",
    ):
        assert f'class="button default">{label}</button>' in html
    assert html.count('method="post"') >= 5
    assert html.count("csrfmiddlewaretoken") >= 5
    assert "extends" not in html and "admin/base_site.html" in [t.name for t in page.templates]
    assert RUNS_URL in html and SYNC_URL + "health/" in html
    assert inline_code(page) == []


@pytest.mark.parametrize(("key", "func", "kwargs"), BUTTONS)
def test_each_button_queues_its_task_by_name(officer_client, key, func, kwargs):
    response = officer_client.post(SYNC_URL, {"pipeline": key})

    assert response.status_code == 302 and response.url == SYNC_URL  # post/redirect/get
    assert [plain(message) for message in messages_of(response)] == [QUEUED]
    assert f'<a href="{RUNS_URL}">Sync runs</a>' in messages_of(response)[0]
    run = queued_run()
    assert run.trigger == SyncTrigger.ADMIN and run.finished_at is None
    assert queued() == [(func, {**kwargs, "queued_run": run.pk})]


def test_queued_message_renders_as_a_link_after_the_redirect(officer_client):
    page = officer_client.post(SYNC_URL, {"pipeline": "blizzard"}, follow=True)

    assert page.status_code == 200
    assert f'Queued — see <a href="{RUNS_URL}">Sync runs</a>' in page.content.decode()
    assert inline_code(page) == []


@pytest.mark.parametrize(
    ("key", "source", "label"),
    [
        ("blizzard", SyncSource.BLIZZARD_ROSTER, "Blizzard roster"),
        ("discord", SyncSource.DISCORD_MEMBERS, "Discord members"),
        ("reconcile", SyncSource.RECONCILE, "Matching and integrity"),
        ("audit_new", SyncSource.AUDIT_REPORT, "Audit report"),
        ("audit_full", SyncSource.AUDIT_REPORT, "Audit report"),  # "An Audit report run"
    ],
)
def test_a_running_source_is_not_queued_again(officer_client, key, source, label):
    run = running(source)
    started = run.started_at.astimezone(UTC).strftime("%H:%M")

    response = officer_client.post(SYNC_URL, {"pipeline": key})

    assert response.status_code == 302 and response.url == SYNC_URL
    article = "An" if label.startswith("A") else "A"
    assert messages_of(response) == [
        f"{article} {label} run is already in progress (started {started} UTC)."
    ]
    assert queued() == []


def test_already_in_progress_time_is_utc_whatever_the_site_zone(officer_client, settings):
    settings.TIME_ZONE = "America/Chicago"
    run = running(SyncSource.DISCORD_MEMBERS, minutes_ago=2)
    started_utc = run.started_at.astimezone(UTC).strftime("%H:%M")
    assert started_utc != run.started_at.astimezone(ZoneInfo("America/Chicago")).strftime("%H:%M")

    response = officer_client.post(SYNC_URL, {"pipeline": "discord"})

    assert messages_of(response) == [
        f"A Discord members run is already in progress (started {started_utc} UTC)."
    ]


def test_other_sources_running_do_not_block(officer_client):
    running(SyncSource.BLIZZARD_ROSTER)
    SyncRun.objects.create(
        source=SyncSource.DISCORD_MEMBERS,
        trigger=SyncTrigger.ADMIN,
        status=SyncStatus.SUCCESS,
        finished_at=timezone.now(),
    )

    response = officer_client.post(SYNC_URL, {"pipeline": "discord"})

    assert [plain(m) for m in messages_of(response)] == [QUEUED]
    assert queued() == [
        ("identity.tasks.run_discord_pipeline", {"trigger": "admin", "queued_run": queued_run().pk})
    ]


def test_an_abandoned_running_row_does_not_block(officer_client):
    """A `running` row older than its limit is abandoned (IDN-46); the new run marks it."""
    running(SyncSource.DISCORD_MEMBERS, minutes_ago=11)

    response = officer_client.post(SYNC_URL, {"pipeline": "discord"})

    assert [plain(m) for m in messages_of(response)] == [QUEUED]
    assert len(queued()) == 1


def test_unknown_pipeline_queues_nothing(officer_client):
    response = officer_client.post(SYNC_URL, {"pipeline": "nope"})

    assert response.status_code == 302
    assert messages_of(response) == ["Unknown sync; nothing was queued."]
    assert queued() == []


def test_post_needs_the_csrf_token(officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)

    response = client.post(SYNC_URL, {"pipeline": "blizzard"})

    assert response.status_code == 403
    assert queued() == []


def test_non_officers_are_refused(member_client):
    assert_themed_403(member_client.get(SYNC_URL))
    assert_themed_403(member_client.post(SYNC_URL, {"pipeline": "blizzard"}))
    assert_themed_403(member_client.get(SYNC_URL + "health/"))
    assert queued() == []


def test_staff_without_the_officer_permissions_is_refused(officer, officer_client):
    Group.objects.get(name=OFFICERS_GROUP).permissions.clear()

    assert_themed_403(officer_client.get(SYNC_URL))
    assert_themed_403(officer_client.post(SYNC_URL, {"pipeline": "blizzard"}))
    assert_themed_403(officer_client.get(SYNC_URL + "health/"))
    assert queued() == []


def test_anonymous_is_sent_to_sign_in():
    response = Client().get(SYNC_URL)

    assert response.status_code == 302
    assert "/login/" in response.url


def test_superuser_may_queue(superuser_client):
    response = superuser_client.post(SYNC_URL, {"pipeline": "reconcile"})

    assert [plain(m) for m in messages_of(response)] == [QUEUED]
    assert queued() == [("identity.tasks.run_reconcile_pipeline", {"queued_run": queued_run().pk})]


def test_linked_from_the_admin_index_and_the_sync_runs(officer_client, member_client):
    index = officer_client.get("/admin/").content.decode()
    assert f'href="{SYNC_URL}"' in index and "Sync &amp; worker health" in index
    assert f'href="{SYNC_URL}"' in officer_client.get("/admin/identity/").content.decode()
    assert f'href="{SYNC_URL}"' in officer_client.get(RUNS_URL).content.decode()


def _runs(count: int) -> None:
    now = timezone.now()
    SyncRun.objects.bulk_create(
        SyncRun(
            source=SyncSource.values[n % len(SyncSource.values)],
            trigger=SyncTrigger.SCHEDULE,
            status=SyncStatus.SUCCESS,
            started_at=now - timedelta(minutes=n + 1),
            finished_at=now - timedelta(minutes=n),
            duration_seconds=60,
        )
        for n in range(count)
    )


def test_sync_page_query_count_is_constant(officer_client, django_assert_max_num_queries):
    _runs(10)
    officer_client.get(SYNC_URL)
    with CaptureQueriesContext(connection) as ten:
        assert officer_client.get(SYNC_URL).status_code == 200

    _runs(200)
    with django_assert_max_num_queries(len(ten)):
        assert officer_client.get(SYNC_URL).status_code == 200


def test_idn43_a_queued_blizzard_sync_runs_as_an_admin_run(fake_blizzard):
    from identity import tasks

    tasks.run_blizzard_pipeline(trigger="admin")

    assert SyncRun.objects.get(source=SyncSource.BLIZZARD_ROSTER).trigger == "admin"


# --- a queued run counts as in progress (issue 11 item 13) -----------------------------------


@pytest.mark.parametrize(
    ("first", "second", "label"),
    [
        ("blizzard", "blizzard", "A Blizzard roster"),
        ("discord", "discord", "A Discord members"),
        ("reconcile", "reconcile", "A Matching and integrity"),
        ("audit_new", "audit_full", "An Audit report"),  # one source, two buttons
    ],
)
def test_clicking_twice_queues_one_run_and_says_it_is_queued(officer_client, first, second, label):
    officer_client.post(SYNC_URL, {"pipeline": first}, follow=True)  # shows "Queued"
    since = queued_run().started_at.astimezone(UTC).strftime("%H:%M")

    response = officer_client.post(SYNC_URL, {"pipeline": second})

    assert messages_of(response) == [f"{label} run is already queued (since {since} UTC)."]
    assert len(queued()) == 1
    assert SyncRun.objects.count() == 1


def test_the_queued_task_runs_as_the_queued_row(officer_client):
    """The worker's task takes the click's row over: one SyncRun, success, and the source is
    free for the next click."""
    from identity import tasks

    officer_client.post(SYNC_URL, {"pipeline": "reconcile"}, follow=True)
    row = queued_run()
    [(func, kwargs)] = queued()

    getattr(tasks, func.rsplit(".", 1)[1])(**kwargs)

    row.refresh_from_db()
    assert (row.status, row.trigger) == (SyncStatus.SUCCESS, SyncTrigger.ADMIN)
    assert SyncRun.objects.count() == 1
    response = officer_client.post(SYNC_URL, {"pipeline": "reconcile"})
    assert [plain(m) for m in messages_of(response)] == [QUEUED]


def test_a_skipped_task_closes_its_queued_row(officer_client, settings):
    """Blizzard not configured: the task's skipped run is the click's row, not a second one."""
    from identity.tasks import run_blizzard_pipeline

    settings.BLIZZARD_CLIENT_ID = settings.BLIZZARD_CLIENT_SECRET = ""
    officer_client.post(SYNC_URL, {"pipeline": "blizzard"})
    row = queued_run()

    run_blizzard_pipeline(**queued()[0][1])

    row.refresh_from_db()
    assert row.status == SyncStatus.SKIPPED and row.error.startswith("Blizzard not configured")
    assert SyncRun.objects.count() == 1


def test_a_queued_row_whose_task_never_ran_stops_blocking_after_the_limit(officer_client):
    stale = SyncRun.objects.create(
        source=SyncSource.DISCORD_MEMBERS,
        trigger=SyncTrigger.ADMIN,
        status=SyncStatus.QUEUED,
        started_at=timezone.now() - timedelta(minutes=11),
    )

    response = officer_client.post(SYNC_URL, {"pipeline": "discord"})

    assert [plain(m) for m in messages_of(response)] == [QUEUED]
    stale.refresh_from_db()
    assert stale.status == SyncStatus.SKIPPED and "never started" in stale.error
    assert len(queued()) == 1


def test_a_broker_that_refuses_the_task_leaves_nothing_queued(officer_client, monkeypatch):
    import django_q.tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(django_q.tasks, "async_task", broker_down)

    response = officer_client.post(SYNC_URL, {"pipeline": "blizzard"})

    assert messages_of(response) == ["The task queue is not available; nothing was queued."]
    officer_client.get(SYNC_URL)  # the message is shown
    row = SyncRun.objects.get()
    assert row.status == SyncStatus.SKIPPED and row.error == "could not be queued: ConnectionError"
    monkeypatch.undo()
    response = officer_client.post(SYNC_URL, {"pipeline": "blizzard"})
    assert [plain(m) for m in messages_of(response)] == [QUEUED]
