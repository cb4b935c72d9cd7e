"""Concurrent redemptions of one invite code create exactly one account (ACC-26, IDN-16).

Real concurrency needs PostgreSQL (row locks under READ COMMITTED); on SQLite the test is
skipped with a reason (tests/conftest.py).
"""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client

from identity.models import InviteCode, Player
from tests.accounts.support import form_errors, invited_player, signup_data

User = get_user_model()
SIGNUPS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_acc26_concurrent_redemptions_of_one_code_create_exactly_one_account():
    target, invite = invited_player(username="trogdor")
    barrier = threading.Barrier(SIGNUPS)
    responses = [None] * SIGNUPS
    failures = []

    def redeem(slot: int) -> None:
        client = Client()
        try:
            client.get("/accounts/signup/")  # a session and CSRF cookie, like a browser
            barrier.wait(timeout=30)
            responses[slot] = client.post("/accounts/signup/", signup_data(invite.code))
        except Exception as exc:  # reported below, not swallowed
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=redeem, args=(slot,)) for slot in range(SIGNUPS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * (SIGNUPS - 1) + [302]
    losers = [response for response in responses if response.status_code == 200]
    for response in losers:
        assert form_errors(response) == ["This invite code has already been used."]
    assert User.objects.filter(username__iexact="trogdor").count() == 1
    user = User.objects.get(username="trogdor")
    assert Player.objects.get(pk=target.pk).user == user
    assert InviteCode.objects.get(pk=invite.pk).used_by == user
