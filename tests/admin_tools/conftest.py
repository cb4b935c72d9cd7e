"""Shared set-up of the officer admin tools tests (IDN-43): users, clients and helpers."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from identity.services.accounts import OFFICERS_GROUP, sync_officer_access
from tests.factories import PlayerFactory, rank

User = get_user_model()


def make_user(username: str, **fields):
    """A user without a password: no hashing."""
    return User.objects.create(username=username, **fields)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_officer(username="olga"):
    """A non-superuser whose Player is an Officer: staff and in the Officers group (ACC-35)."""
    user = make_user(username)
    PlayerFactory(display_name=f"Officer {username}", user=user, guild_rank=rank("Officer"))
    sync_officer_access(user)
    user.refresh_from_db()
    assert user.is_staff and user.groups.filter(name=OFFICERS_GROUP).exists()
    return user


@pytest.fixture
def officer(db):
    return make_officer()


@pytest.fixture
def officer_client(officer):
    return logged_in(officer)


@pytest.fixture
def superuser_client(db):
    return logged_in(make_user("root", is_staff=True, is_superuser=True))


@pytest.fixture
def member_client(db):
    """A signed-in guild member below officer rank: no admin access (ACC-21, ACC-35)."""
    user = make_user("mia")
    PlayerFactory(display_name="Mia", user=user, guild_rank=rank("Member"))
    return logged_in(user)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def plain(text: str) -> str:
    """A message without its markup (links)."""
    return re.sub(r"<[^>]+>", "", text)


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def issue_url(issue, view: str) -> str:
    return reverse(f"admin:identity_auditissue_{view}", args=[issue.pk])


def run_action(client, model, action: str, objs, **extra):
    return client.post(
        changelist_url(model),
        {"action": action, "_selected_action": [obj.pk for obj in objs], **extra},
    )


def assert_themed_403(response) -> None:
    assert response.status_code == 403
    assert "Access denied" in response.content.decode()
