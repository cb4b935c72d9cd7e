"""Invite codes (IDN-16, ACC-28, ACC-30, ACC-33).

Generation, the one Valid / Used / Expired rule, "Expire now" and the website-account status.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from identity.models import INVITE_ALPHABET, InviteCode, Player
from identity.services import invites
from tests.factories import DiscordUserFactory, PlayerFactory

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


# --- one definition of Valid / Used / Expired (ACC-30) ---------------------------------------


def _code(player, *, created_at, expires_at, used_at=None, **fields):
    return InviteCode.objects.create(
        code=f"T{InviteCode.objects.count():07d}",
        player=player,
        created_at=created_at,
        expires_at=expires_at,
        used_at=used_at,
        **fields,
    )


def test_acc30_status_property_and_queryset_agree(monkeypatch):
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)  # one instant for both sides
    player = PlayerFactory()
    hour = timedelta(hours=1)
    cases = {
        "Valid": _code(player, created_at=now - hour, expires_at=now + hour),
        "Used": _code(player, created_at=now - hour, expires_at=now + hour, used_at=now),
        "Expired": _code(player, created_at=now - hour, expires_at=now - timedelta(seconds=1)),
        # The boundary: a code expires at `expires_at` itself.
        "Expired at the boundary": _code(player, created_at=now - hour, expires_at=now),
        # Used wins over expired, on both sides.
        "Used and past expiry": _code(
            player, created_at=now - 2 * hour, expires_at=now - hour, used_at=now - 2 * hour
        ),
    }
    by_queryset = {
        "Valid": set(InviteCode.objects.valid()),
        "Used": set(InviteCode.objects.used()),
        "Expired": set(InviteCode.objects.expired()),
    }

    for invite in cases.values():
        [status] = [status for status, invites in by_queryset.items() if invite in invites]
        assert invite.status == status
    assert [cases[name].status for name in cases] == [
        "Valid",
        "Used",
        "Expired",
        "Expired",
        "Used",
    ]


def test_acc30_queryset_statuses_take_one_instant():
    player = PlayerFactory()
    now = timezone.now()
    invite = _code(player, created_at=now - timedelta(hours=2), expires_at=now)
    earlier = now - timedelta(hours=1)

    assert list(InviteCode.objects.valid(earlier)) == [invite]
    assert list(InviteCode.objects.expired(now)) == [invite]
    assert list(player.invite_codes.expired()) == [invite]  # related managers have them too


def test_acc30_expire_invites_expires_only_valid_codes():
    now = timezone.now()
    hour = timedelta(hours=1)
    player = PlayerFactory()
    valid = _code(player, created_at=now - hour, expires_at=now + hour)
    used = _code(player, created_at=now - hour, expires_at=now + hour, used_at=now)
    expired = _code(player, created_at=now - 2 * hour, expires_at=now - hour)

    assert invites.expire_invites(InviteCode.objects.all(), now=now) == 1

    valid.refresh_from_db()
    assert (valid.expires_at, valid.status) == (now, "Expired")
    assert InviteCode.objects.get(pk=used.pk).expires_at == now + hour
    assert InviteCode.objects.get(pk=expired.pk).expires_at == now - hour


# --- the "Website account" status (ACC-33) ---------------------------------------------------


def _status_both_ways(player, django_assert_num_queries) -> str:
    """The status from the player and its newest invite, and from the annotations (no query)."""
    queried = invites.website_account_status(player, invite=invites.newest_invite(player))
    annotated = invites.with_newest_invite(Player.objects.filter(pk=player.pk)).get()
    with django_assert_num_queries(0):
        from_annotations = invites.website_account_status(
            annotated, invite=invites.annotated_newest_invite(annotated)
        )
    assert from_annotations == queried
    return queried


@pytest.mark.parametrize(
    ("invite", "status"),
    [
        (None, "Not invited"),
        ({"used": True}, "Invite used"),
        ({"expired": True}, "Invite expired"),
        ({"dm_status": "sent"}, "Invite sent (DM)"),
        ({"dm_status": "failed", "dm_error": "blocked"}, "Invite DM failed: blocked"),
        ({"dm_status": "dms_closed"}, "Invite DM failed: DMs closed"),
        ({"dm_status": "queued"}, "Invite created (DM queued)"),
        ({"dm_status": "dms_off"}, "Invite created (not DMed)"),
        ({"dm_status": "not_sent"}, "Invite created (not DMed)"),
    ],
)
def test_acc33_website_account_status(invite, status, django_assert_num_queries):
    player = PlayerFactory(discord_user=DiscordUserFactory())
    if invite is not None:
        now = timezone.now()
        used, expired = invite.pop("used", False), invite.pop("expired", False)
        _code(
            player,
            created_at=now - timedelta(hours=2),
            expires_at=now - timedelta(hours=1) if expired else now + timedelta(hours=1),
            used_at=now if used else None,
            **invite,
        )

    assert _status_both_ways(player, django_assert_num_queries) == status


def test_acc33_registered_and_needs_discord_link(django_assert_num_queries):
    registered = PlayerFactory(user=get_user_model().objects.create(username="vera"))
    invites.create_invite(registered)
    unlinked = PlayerFactory(discord_user=None)

    assert _status_both_ways(registered, django_assert_num_queries) == "Registered"
    assert _status_both_ways(unlinked, django_assert_num_queries) == "Needs Discord link"
    assert invites.website_account_status(Player(), invite=None) == "Needs Discord link"
    assert invites.annotated_newest_invite(Player()) is None  # unsaved: nothing annotated


def test_acc33_only_the_newest_invite_counts(django_assert_num_queries):
    player = PlayerFactory(discord_user=DiscordUserFactory())
    now = timezone.now()
    _code(player, created_at=now - timedelta(hours=3), expires_at=now - timedelta(hours=2))
    _code(player, created_at=now - timedelta(hours=1), expires_at=now + timedelta(hours=1))

    assert _status_both_ways(player, django_assert_num_queries) == "Invite created (not DMed)"
