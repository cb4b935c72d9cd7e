"""Verification wired into its callers: the DM wrap-up and later answers verify at once
(ONB-23, ONB-25) and provisioning follows through the worker against `fake_discord`; a
rejoining `verified` member's provisioning is queued (ONB-9); the member sync's new Discord
users become missed-join sessions through identity's signal (ONB-10)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.conf import Conf

from identity.models import GuildRank
from identity.services.discord_sync import sync_discord_members
from onboarding.models import OnboardingSession, State
from onboarding.services.conversation import handle_dm
from onboarding.services.joins import member_joined
from patt.models import SiteConfig
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
    rank,
)

pytestmark = pytest.mark.django_db

ROLE_ROUTE = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"
MATCHED = "Matched! Setting up your role and website access - one more message is coming."


@pytest.fixture(autouse=True)
def q_sync(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def joined(fake_discord, now):
    """A fake-server member with a DiscordUser, joined (opening DM sent)."""
    role_id = fake_discord.add_role(name="Member")
    GuildRank.objects.filter(name="Member").update(discord_role_id=role_id)
    data = fake_discord.add_member(username="trog")
    user = DiscordUserFactory(discord_id=data["user"]["id"], username="trog", joined_at=now)
    member_joined(discord_user_id=user.discord_id, now=now)
    return user


def dm(user, text, now, message_id, capture):
    with capture(execute=True):
        out = handle_dm(author_id=user.discord_id, message_id=message_id, text=text, now=now)
    return [m.content or m.embeds[0]["title"] for m in out]


def test_onb25_wrap_up_verifies_at_once_and_the_worker_provisions(
    joined, roster, now, fake_discord, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    dm(joined, "yes", now, 1, capture)
    dm(joined, "Trogmoon", now, 2, capture)
    assert dm(joined, "Trogdor", now, 3, capture) == ["Got it - thanks!", MATCHED]
    session = OnboardingSession.objects.get(discord_user=joined)
    assert session.state == State.PROVISIONED
    assert (session.role_status, session.welcome_dm_status) == ("assigned", "sent")
    assert len(fake_discord.requests_to("PUT", ROLE_ROUTE)) == 1
    (welcome,) = fake_discord.dm_messages(joined.discord_id)
    assert welcome.embeds[0]["title"].startswith("You're all set, ")


def test_onb27_a_conflict_gets_the_neutral_reply(
    joined, roster, now, django_capture_on_commit_callbacks
):
    owner = PlayerFactory(discord_user=DiscordUserFactory(), display_name="Secret Owner")
    PlayerCharacterFactory(player=owner, character=roster["Trogmoon"])
    capture = django_capture_on_commit_callbacks
    dm(joined, "yes", now, 1, capture)
    dm(joined, "Trogmoon", now, 2, capture)
    out = dm(joined, "none", now, 3, capture)
    assert out[-1] == (
        "That character is linked to another account - I've asked the officers to take a look."
    )
    assert "Secret Owner" not in " ".join(out)
    session = OnboardingSession.objects.get(discord_user=joined)
    assert session.state == State.PENDING_VERIFICATION
    assert session.escalation_reason == "owned_by_other_discord"


def test_onb27_officer_rank_reply(joined, now, django_capture_on_commit_callbacks):
    WowCharacterFactory(name="Bossman", guild_rank=rank("Officer"))
    capture = django_capture_on_commit_callbacks
    dm(joined, "no", now, 1, capture)
    out = dm(joined, "Bossman", now, 2, capture)
    assert out[-1] == "Officer characters are confirmed by an officer - I've let them know."


def test_onb9_rejoin_of_a_verified_member_queues_provisioning(
    joined, roster, now, fake_discord, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    dm(joined, "no", now, 1, capture)
    fake_discord.remove_member(joined.discord_id)  # left before the worker ran
    dm(joined, "Trogmoon", now, 2, capture)  # verified; the worker finds the member gone
    session = OnboardingSession.objects.get(discord_user=joined)
    assert (
        session.state == State.VERIFIED and "not in the Discord server" in session.provision_error
    )

    fake_discord.add_member(joined.discord_id, "trog")
    with capture(execute=True):
        assert member_joined(discord_user_id=joined.discord_id, now=now) is None
    session.refresh_from_db()
    assert session.state == State.PROVISIONED and session.round == 1


def test_onb10_member_sync_creates_sessions_for_recent_missed_joins(
    fake_discord, django_capture_on_commit_callbacks
):
    recent = fake_discord.add_member(
        username="fresh", joined_at=timezone.now() - timedelta(hours=1)
    )["user"]["id"]
    old = fake_discord.add_member(username="veteran")["user"]["id"]  # joined 2024
    known = fake_discord.add_member(
        username="known", joined_at=timezone.now() - timedelta(hours=1)
    )["user"]["id"]
    DiscordUserFactory(discord_id=known, username="known")  # not created by this sync
    with django_capture_on_commit_callbacks(execute=True):
        sync_discord_members(post=False)
    sessions = OnboardingSession.objects.all()
    assert [s.discord_user.discord_id for s in sessions] == [recent]
    assert sessions[0].state == State.AWAITING_DM
    assert old != recent


def test_onb10_nothing_when_onboarding_is_off(fake_discord, django_capture_on_commit_callbacks):
    config = SiteConfig.get()
    config.onboarding_enabled = False
    config.save()
    fake_discord.add_member(username="fresh", joined_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        sync_discord_members(post=False)
    assert not OnboardingSession.objects.exists()
