"""Queueing work while the broker is away (issue 17): what was committed stands, nothing is
raised after the fact, and what was not queued is recorded where an officer sees it or picked
up by the checker. One rule in one place: `patt.task_queue.enqueue`."""

import logging

import pytest
import redis
from django.contrib import messages
from django.db import transaction
from django.utils import timezone
from django_q.conf import Conf

from identity.models import GuildRank, InviteCode, InviteDmStatus
from identity.services.invite_dm import NOT_QUEUED, send_website_invites
from onboarding.models import State
from onboarding.services.verification import verify_session
from patt import task_queue
from tests.factories import DiscordUserFactory, PlayerFactory, WowCharacterFactory, rank
from tests.onboarding.support import pending_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_away(monkeypatch):
    """A real (not sync) queue whose broker refuses every task, as redis-py does when Redis is
    down; the refused tasks are counted."""
    refused = []

    def async_task(task, *args, **kwargs):
        refused.append(task)
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379.")

    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr("django_q.tasks.async_task", async_task)
    return refused


def test_enqueue_logs_and_reports_a_refused_task_instead_of_raising(broker_away, caplog):
    told = []
    with caplog.at_level(logging.WARNING, logger="patt.task_queue"):
        queued = task_queue.enqueue(
            "some.task", 7, what="Thing #7", on_unreachable=lambda: told.append(1)
        )
    assert queued is False and told == [1] and broker_away == ["some.task"]
    assert "Thing #7 not queued: the task queue is unreachable (ConnectionError)" in caplog.text


def test_in_sync_mode_a_tasks_own_error_still_propagates(monkeypatch):
    """Sync mode (the tests) has no broker: hiding the task's own failure would hide bugs."""
    monkeypatch.setattr(Conf, "SYNC", True)

    def async_task(task, *args, **kwargs):
        raise ValueError("the task itself failed")

    monkeypatch.setattr("django_q.tasks.async_task", async_task)
    with pytest.raises(ValueError):
        task_queue.enqueue("some.task", what="Thing")


def test_an_invite_whose_dm_cannot_be_queued_says_so_on_the_invite(
    broker_away, fake_discord, django_capture_on_commit_callbacks
):
    """ACC-31 while the broker is away: the invite is made (the officer's action succeeds), its
    DM is marked failed with what to do, instead of staying "queued" forever or a 500."""
    member_id = fake_discord.add_member(username="alice")["user"]["id"]
    player = PlayerFactory(
        display_name="Alice", discord_user=DiscordUserFactory(discord_id=member_id)
    )
    with django_capture_on_commit_callbacks(execute=True):
        (result,) = send_website_invites([player], acting_player=None)
    invite = InviteCode.objects.get(player=player)
    assert (invite.dm_status, invite.dm_error) == (InviteDmStatus.FAILED, NOT_QUEUED)
    assert broker_away == ["identity.tasks.send_invite_dm"]
    assert result[0] == messages.SUCCESS  # the invite itself was made; the DM says why not


def test_a_verified_session_whose_provisioning_cannot_be_queued_stays_verified(
    broker_away, django_capture_on_commit_callbacks
):
    """ONB-26 step 7 while the broker is away: the match stands (verified, linked), nothing is
    raised into the bot's reply, and the checker provisions it on its next run (ONB-32)."""
    now = timezone.now()
    GuildRank.objects.filter(name="Member").update(discord_role_id="9002")
    user = DiscordUserFactory(username="trog", display_name="Trog", joined_at=now)
    WowCharacterFactory(name="Trogmoon", guild_rank=rank("Member"))
    session = pending_session(user, now, reported_main_name="Trogmoon")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        verify_session(session, now=now)
    session.refresh_from_db()
    assert session.state == State.VERIFIED and session.player is not None
    assert broker_away == ["onboarding.tasks.provision_session"]
