"""Invite code generation (IDN-16, ACC-28)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from identity.models import INVITE_ALPHABET, InviteCode
from identity.services import invites
from tests.factories import PlayerFactory

pytestmark = pytest.mark.django_db


def test_acc28_code_is_eight_unambiguous_characters_and_expires_in_72_hours():
    before = timezone.now()
    invite = invites.create_invite(PlayerFactory())
    assert len(invite.code) == 8
    assert set(invite.code) <= set(INVITE_ALPHABET)
    assert not set("ILO01") & set(INVITE_ALPHABET)
    assert before + timedelta(hours=72) <= invite.expires_at <= timezone.now() + timedelta(hours=72)
    assert invite.status == "Valid"


def test_acc28_new_code_expires_the_players_older_unused_codes():
    player = PlayerFactory()
    first = invites.create_invite(player)
    second = invites.create_invite(player, ttl_hours=1)
    first.refresh_from_db()
    assert first.status == "Expired"
    assert second.status == "Valid"
    assert InviteCode.objects.filter(player=player, expires_at__gt=timezone.now()).count() == 1


def test_acc28_a_clashing_code_is_redrawn(monkeypatch):
    player = PlayerFactory()
    InviteCode.objects.create(code="AAAAAAAA", player=player)
    draws = iter(["AAAAAAAA", "BBBBBBBB"])
    monkeypatch.setattr(invites, "generate_code", lambda: next(draws))
    assert invites.create_invite(PlayerFactory()).code == "BBBBBBBB"


def test_acc28_codes_are_drawn_with_secrets(monkeypatch):
    picks = []

    def choice(alphabet):
        picks.append(alphabet)
        return "Z"

    monkeypatch.setattr(invites.secrets, "choice", choice)
    assert invites.generate_code() == "ZZZZZZZZ"
    assert picks == [INVITE_ALPHABET] * 8
