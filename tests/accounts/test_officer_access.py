"""Officer access on every request and officer pages outside the admin (ACC-35 … ACC-37,
ACC-39)."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import path

from identity.auth.decorators import officer_required
from identity.auth.middleware import AccountAccessMiddleware
from identity.models import Player
from identity.services.accounts import OFFICERS_GROUP, sync_officer_access
from identity.services.viewer import viewer_of
from patt import urls as site_urls
from tests.accounts.support import is_signed_in, text_of
from tests.factories import PlayerFactory, UserFactory, rank

pytestmark = pytest.mark.django_db


def officers() -> Group:
    return Group.objects.get(name=OFFICERS_GROUP)


def player_user(username="boss", rank_name="Officer", **player):
    user = UserFactory(username=username)
    PlayerFactory(display_name=username.title(), user=user, guild_rank=rank(rank_name), **player)
    return user


def run_middleware(user):
    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    AccountAccessMiddleware(lambda r: HttpResponse("ok"))(request)
    return request


# --- ACC-36: one joined query, writes only on a difference -------------------------------------


def test_acc36_unchanged_user_costs_one_query_and_no_write(django_assert_num_queries):
    user = player_user()
    sync_officer_access(user)

    with django_assert_num_queries(1) as captured:
        run_middleware(user)

    sql = captured.captured_queries[0]["sql"].upper()
    assert sql.startswith("SELECT")
    assert "JOIN" in sql


def test_acc36_middleware_adds_no_query_to_a_page_that_reads_the_viewer(client, settings):
    """ACC-36's one query also loads the request's Viewer, so on a page that shows the viewer
    (the navigation does) the account checks cost no extra query (issue 17)."""
    user = player_user(rank_name="Member")
    sync_officer_access(user)
    client.force_login(user)

    def count(browser) -> int:
        browser.get("/accounts/logout/")  # warm up: SiteConfig cache and the like
        with CaptureQueriesContext(connection) as captured:
            assert browser.get("/accounts/logout/").status_code == 200
        return len(captured)

    with_middleware = count(client)
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "identity.auth.middleware.AccountAccessMiddleware"
    ]
    without = Client()  # loads the changed MIDDLEWARE; same session cookie
    without.cookies = client.cookies

    assert with_middleware == count(without)


def test_acc36_the_middleware_query_is_the_viewer_query():
    """Issue 17: the page's `viewer_of` reuses the Player the account check loaded."""
    user = player_user(rank_name="Member")
    sync_officer_access(user)
    request = run_middleware(user)
    with CaptureQueriesContext(connection) as captured:
        viewer = viewer_of(request)
    assert len(captured) == 0
    assert viewer.player == user.player and viewer.level == user.player.guild_rank.level


def test_acc35_officer_rank_gets_staff_and_the_group_at_the_next_request(client):
    user = player_user(rank_name="Officer")
    assert not user.is_staff
    client.force_login(user)

    client.get("/")

    user.refresh_from_db()
    assert user.is_staff
    assert user.groups.filter(pk=officers().pk).exists()


def test_acc36_demoted_officer_loses_admin_at_the_next_request(client):
    user = player_user(rank_name="Officer")
    client.force_login(user)
    assert client.get("/admin/").status_code == 200

    Player.objects.filter(user=user).update(guild_rank=rank("Member"))  # no signal, no sync

    response = client.get("/admin/")
    assert response.status_code == 403
    user.refresh_from_db()
    assert not user.is_staff
    assert not user.groups.filter(pk=officers().pk).exists()


def test_acc35_manual_is_staff_of_a_non_superuser_is_overwritten(client):
    user = UserFactory(username="sneaky", is_staff=True)
    client.force_login(user)

    assert client.get("/admin/").status_code == 403
    user.refresh_from_db()
    assert not user.is_staff


def test_acc35_superuser_is_never_changed(client):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)

    assert client.get("/admin/").status_code == 200
    root.refresh_from_db()
    assert root.is_staff
    assert not root.groups.exists()


# --- ACC-37: inactive Player -------------------------------------------------------------------


def test_acc37_inactive_player_is_signed_out_at_the_next_request(client):
    user = player_user(rank_name="Member")
    client.force_login(user)
    assert client.get("/").status_code == 200

    Player.objects.filter(user=user).update(is_active=False)
    response = client.get("/")

    assert "This account is inactive. Contact an officer." in text_of(response)
    assert not is_signed_in(client)
    assert response.wsgi_request.user.is_anonymous


def test_acc37_signed_out_user_is_anonymous_for_the_rest_of_that_request():
    user = player_user(rank_name="Officer", is_active=False)

    request = run_middleware(user)

    assert isinstance(request.user, AnonymousUser)
    assert [str(m) for m in request._messages] == ["This account is inactive. Contact an officer."]


# --- ACC-39: officer pages outside the admin ------------------------------------------------------


@officer_required
def raid_admin_stand_in(request):
    return HttpResponse("raid planner")


urlpatterns = [path("raid-admin-test", raid_admin_stand_in), *site_urls.urlpatterns]
handler403 = site_urls.handler403


@pytest.mark.urls(__name__)
def test_acc39_anonymous_visitor_is_sent_to_sign_in_with_next(client):
    response = client.get("/raid-admin-test?week=2")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/raid-admin-test%3Fweek%3D2"


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("rank_name", ["Initiate", "Member", "Veteran"])
def test_acc39_signed_in_non_officer_gets_the_themed_403(client, rank_name):
    client.force_login(player_user(rank_name=rank_name))

    response = client.get("/raid-admin-test")

    assert response.status_code == 403
    assert "Access denied" in text_of(response)


@pytest.mark.urls(__name__)
def test_acc39_superuser_without_player_is_an_officer_as_on_the_raid_planner(client):
    """Issue 12: one officer rule (ROS-30's "or a Django superuser") for every officer page."""
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    assert client.get("/raid-admin-test").status_code == 200


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("rank_name", ["Officer", "Guild Leader"])
def test_acc39_officer_gets_the_page(client, rank_name):
    client.force_login(player_user(rank_name=rank_name))

    response = client.get("/raid-admin-test")

    assert response.status_code == 200
    assert response.content == b"raid planner"
