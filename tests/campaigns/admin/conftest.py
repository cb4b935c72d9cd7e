"""Fixtures of the campaigns admin tests: an acting officer, a superuser, a plain member."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from identity.services.accounts import sync_officer_access
from tests.factories import PlayerFactory, rank

User = get_user_model()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def officer(db):
    """A non-superuser Officer: staff and in the Officers group by the officer rule (ACC-35)."""
    user = User.objects.create(username="olga")
    PlayerFactory(display_name="Officer Olga", user=user, guild_rank=rank("Officer"))
    sync_officer_access(user)
    user.refresh_from_db()
    assert user.is_staff
    return user


@pytest.fixture
def officer_client(officer) -> Client:
    return logged_in(officer)


@pytest.fixture
def superuser_client(db) -> Client:
    return logged_in(User.objects.create(username="boss", is_staff=True, is_superuser=True))


@pytest.fixture
def member_client(db) -> Client:
    user = User.objects.create(username="vera")
    PlayerFactory(display_name="Veteran Vera", user=user, guild_rank=rank("Veteran"))
    sync_officer_access(user)
    return logged_in(user)
