"""The viewer's Player and guild level (ACC-1, ACC-2)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from identity.services.viewer import is_officer, viewer_level, viewer_player
from tests.factories import PlayerFactory, UserFactory, rank

pytestmark = pytest.mark.django_db


def request_for(user=None):
    request = RequestFactory().get("/")
    request.user = user if user is not None else AnonymousUser()
    return request


def signed_in(rank_name: str | None, **player_fields):
    user = UserFactory()
    PlayerFactory(user=user, guild_rank=rank(rank_name) if rank_name else None, **player_fields)
    return request_for(user)


def test_acc1_anonymous_visitor_is_level_0():
    request = request_for()

    assert viewer_player(request) is None
    assert viewer_level(request) == 0


def test_acc1_signed_in_user_without_player_is_level_0():
    request = request_for(UserFactory())

    assert viewer_player(request) is None
    assert viewer_level(request) == 0


@pytest.mark.parametrize(
    ("rank_name", "level"),
    [("Initiate", 1), ("Member", 2), ("Veteran", 3), ("Officer", 4), ("Guild Leader", 5)],
)
def test_acc1_linked_active_player_has_the_level_of_their_rank(rank_name, level):
    assert viewer_level(signed_in(rank_name)) == level


def test_acc1_inactive_player_is_level_0_whatever_their_rank():
    request = signed_in("Guild Leader", is_active=False)

    assert viewer_player(request).display_name  # still names the user in the menu
    assert viewer_level(request) == 0
    assert not is_officer(request)


def test_acc1_player_without_rank_is_level_0():
    assert viewer_level(signed_in(None)) == 0


def test_acc1_viewer_player_is_one_query_per_request_rank_joined():
    request = signed_in("Officer", display_name="Ada")

    with CaptureQueriesContext(connection) as captured:
        player = viewer_player(request)
        viewer_level(request)
        is_officer(request)
        viewer_player(request)
        rank_name = player.guild_rank.name

    assert (player.display_name, rank_name) == ("Ada", "Officer")
    assert len(captured.captured_queries) == 1


def test_acc1_viewer_cache_follows_the_user_of_the_request():
    request = signed_in("Officer")
    assert viewer_level(request) == 4

    other = UserFactory()
    PlayerFactory(user=other, guild_rank=rank("Member"))
    request.user = other  # signed in as someone else during the request

    assert viewer_level(request) == 2
    request.user = AnonymousUser()
    assert viewer_level(request) == 0


@pytest.mark.parametrize(
    ("rank_name", "officer"),
    [
        ("Initiate", False),
        ("Member", False),
        ("Veteran", False),
        ("Officer", True),
        ("Guild Leader", True),
    ],
)
def test_acc2_officer_is_level_4_or_more(rank_name, officer):
    assert is_officer(signed_in(rank_name)) is officer


def test_acc2_superuser_without_player_has_no_guild_level_but_is_an_officer():
    """Issue 12: one officer rule — the roster spec's "level ≥ 4 or a Django superuser" — for
    every officer page and the navigation alike; the superuser still has no guild level."""
    request = request_for(UserFactory(is_superuser=True, is_staff=True))

    assert viewer_level(request) == 0
    assert is_officer(request)


def test_acc2_superuser_with_officer_player_is_an_officer():
    user = UserFactory(is_superuser=True, is_staff=True)
    PlayerFactory(user=user, guild_rank=rank("Officer"))

    assert is_officer(request_for(user))
