"""BOT-3 / issue 13 item 4: officers see whether the bot is online, in the admin header and on
the worker health page, for one query."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from patt.discord.lease import acquire_lease, release_lease, renew_lease

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


def test_bot_3_the_admin_header_says_bot_online(staff_client):
    acquire_lease(instance_id="a", hostname="raid-box", pid=1)
    renew_lease(instance_id="a", connected=True)
    page = staff_client.get("/admin/")
    assert b'id="bot-status"' in page.content and b"Bot online" in page.content


def test_bot_3_the_admin_header_says_since_when_the_bot_is_offline(staff_client):
    acquire_lease(instance_id="a", hostname="raid-box", pid=1)
    gone = timezone.now() - timedelta(hours=2)
    release_lease(instance_id="a", now=gone)
    page = staff_client.get("/admin/")
    assert f"Bot offline since {gone:%Y-%m-%d %H:%M} UTC".encode() in page.content


def test_bot_3_the_sign_in_page_shows_no_bot_status(client):
    page = client.get("/admin/login/")
    assert b"bot-status" not in page.content


def test_bot_3_the_status_costs_one_query_per_page(staff_client):
    staff_client.get("/admin/")
    with CaptureQueriesContext(connection) as queries:
        staff_client.get("/admin/")
    assert sum("patt_botstatus" in q["sql"] for q in queries.captured_queries) == 1


def test_bot_3_the_worker_health_page_says_whether_the_bot_is_online(staff_client):
    acquire_lease(instance_id="a", hostname="raid-box", pid=1)
    renew_lease(instance_id="a", connected=True)
    page = staff_client.get("/admin/identity/sync/health/")
    assert b'id="bot-presence"' in page.content
    assert b"Discord bot: <strong>Bot online</strong> (host raid-box)" in page.content
