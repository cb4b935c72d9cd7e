"""IDN-15 through a real roster sync: an officer whose only character leaves the guild and who
has no Discord user loses admin access, with an audit issue saying why (issue 11 item 4)."""

import copy

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from identity.models import AuditIssue, IssueType, SyncTrigger, WowCharacter
from identity.services.ranks import recompute_player_ranks
from identity.services.roster_sync import sync_roster
from tests.factories import DiscordUserFactory, PlayerCharacterFactory, PlayerFactory

pytestmark = pytest.mark.django_db


def _guild_leader_with_trogmoon(discord_user=None):
    """The fixture's Guild Leader character, linked to a player with a website account."""
    user = get_user_model().objects.create(username="trog")
    player = PlayerFactory(display_name="Trog", user=user, discord_user=discord_user)
    PlayerCharacterFactory(player=player, character=WowCharacter.objects.get(name="Trogmoon"))
    recompute_player_ranks()
    user.refresh_from_db()
    assert user.is_staff
    return user


def _trogmoon_leaves(fake_blizzard):
    fixture = copy.deepcopy(fake_blizzard.fixture)
    fixture["members"] = [m for m in fixture["members"] if m["name"] != "Trogmoon"]
    fake_blizzard.load(fixture)
    run = sync_roster(trigger=SyncTrigger.COMMAND).run
    assert "Trogmoon-senjin" in run.details["departed"]


def _status(user, path: str = "/admin/") -> int:
    client = Client()
    client.force_login(user)
    return client.get(path).status_code


_admin_status = _status


def test_idn15_officer_whose_only_character_left_and_no_discord_user_loses_admin(
    fake_blizzard,
):
    sync_roster(trigger=SyncTrigger.COMMAND)
    user = _guild_leader_with_trogmoon()
    assert _admin_status(user) == 200

    _trogmoon_leaves(fake_blizzard)

    user.refresh_from_db()
    assert not user.is_staff and not user.groups.exists()
    assert user.player.guild_rank.name == "Guild Leader"  # kept for history
    issue = AuditIssue.objects.get(
        issue_type=IssueType.STAFF_ACCESS_WITHDRAWN, player=user.player, resolved_at=None
    )
    assert issue.summary == (
        "'Trog' (Guild Leader) lost admin access: no character in the guild and no Discord "
        "account linked; the rank is kept for history"
    )
    assert issue.details["characters"][0]["in_guild"] is False
    assert _admin_status(user) == 403  # ACC-21: signed in without staff access


def test_idn15_officer_whose_character_left_but_still_on_discord_keeps_admin(fake_blizzard):
    sync_roster(trigger=SyncTrigger.COMMAND)
    user = _guild_leader_with_trogmoon(discord_user=DiscordUserFactory(is_present=True))

    _trogmoon_leaves(fake_blizzard)

    user.refresh_from_db()
    assert user.is_staff
    assert not AuditIssue.objects.filter(issue_type=IssueType.STAFF_ACCESS_WITHDRAWN).exists()
    assert _admin_status(user) == 200


def test_idn15_the_issue_resolves_itself_when_the_officer_returns(fake_blizzard):
    full = copy.deepcopy(fake_blizzard.fixture)
    sync_roster(trigger=SyncTrigger.COMMAND)
    user = _guild_leader_with_trogmoon()
    _trogmoon_leaves(fake_blizzard)

    fake_blizzard.load(full)
    sync_roster(trigger=SyncTrigger.COMMAND)

    user.refresh_from_db()
    assert user.is_staff
    issue = AuditIssue.objects.get(issue_type=IssueType.STAFF_ACCESS_WITHDRAWN)
    assert issue.resolved_at is not None and issue.resolved_by is None
    assert issue.resolution_note.startswith("No longer an officer who left the guild")


def test_idn15_officer_who_left_loses_the_officer_pages_too(fake_blizzard):
    """ACC-2 asks the same rule: the raid planner and officer menu follow staff access."""
    sync_roster(trigger=SyncTrigger.COMMAND)
    user = _guild_leader_with_trogmoon()
    assert _status(user, "/raid-admin") == 200

    _trogmoon_leaves(fake_blizzard)

    assert _status(user, "/raid-admin") == 403
    page = Client()
    page.force_login(user)
    assert 'href="/raid-admin"' not in page.get("/").content.decode()
