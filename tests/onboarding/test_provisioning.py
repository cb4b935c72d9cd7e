"""Provisioning (ONB-28 … ONB-30) through the real REST client against `fake_discord`, with
django-q2 in sync mode and on-commit callbacks executed (BOT-32): the exact REST calls, the
database effects and the failure paths."""

import pytest
from django.db import transaction
from django_q.conf import Conf

from identity.models import DiscordUser, GuildRank, InviteCode
from onboarding.models import OnboardingSession, State
from onboarding.services.provisioning import (
    provision_session,
    queue_provisioning,
    queue_role_retry,
    retry_role,
)
from onboarding.services.verification import verify_session
from patt.discord.rest import DiscordRestClient
from patt.models import SiteConfig
from tests.factories import (
    DiscordUserFactory,
    PlayerFactory,
    UserFactory,
    WowCharacterFactory,
    rank,
)
from tests.onboarding.support import pending_session

pytestmark = pytest.mark.django_db

ROLE_ROUTE = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"
MESSAGES = "/channels/{channel_id}/messages"
MEMBER = "/guilds/{guild_id}/members/{user_id}"
SITE = "https://patt.example.org"


@pytest.fixture(autouse=True)
def q_sync(monkeypatch, settings):
    """django-q2 reads Q_CLUSTER once into `Conf`: switch sync mode on there."""
    monkeypatch.setattr(Conf, "SYNC", True)
    settings.SITE_URL = SITE


@pytest.fixture
def world(fake_discord, now):
    """A fake server member "trog" holding no role, the Member rank's role, and Trogmoon."""
    role_id = fake_discord.add_role(name="Member")
    GuildRank.objects.filter(name="Member").update(
        discord_role_id=role_id, discord_role_name="Member"
    )
    member = fake_discord.add_member(username="trog", global_name="Trog")
    user = DiscordUserFactory(
        discord_id=member["user"]["id"], username="trog", display_name="Trog", joined_at=now
    )
    character = WowCharacterFactory(name="Trogmoon", guild_rank=rank("Member"))
    config = SiteConfig.get()
    config.raid_schedule_text = "Tue/Thu 9pm ET"
    config.save()
    return {"role_id": role_id, "user": user, "character": character, "fake": fake_discord}


def pending(user, now, **fields) -> OnboardingSession:
    return pending_session(user, now, reported_main_name="Trogmoon", **fields)


def verify_and_provision(session, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        result = verify_session(session, now=now)
    session.refresh_from_db()
    return result


def test_onb28_verify_then_provision_role_put_and_welcome_dm(
    world, now, django_capture_on_commit_callbacks
):
    fake, user = world["fake"], world["user"]
    session = pending(user, now)
    verify_and_provision(session, now, django_capture_on_commit_callbacks)

    assert session.state == State.PROVISIONED and session.provisioned_at is not None
    assert (session.role_status, session.welcome_dm_status) == ("assigned", "sent")
    assert session.provision_attempts == 1 and session.provision_error == ""
    # The exact REST calls: the presence lookup, one role PUT with the reason, one DM.
    puts = fake.requests_to("PUT", ROLE_ROUTE)
    assert [p.path for p in puts] == [
        f"/guilds/{fake.guild_id}/members/{user.discord_id}/roles/{world['role_id']}"
    ]
    assert puts[0].audit_log_reason == "Onboarding: Member"
    assert world["role_id"] in fake.member(user.discord_id)["roles"]
    assert len(fake.requests_to("GET", MEMBER)) == 1
    assert fake.requests_to("POST", "/users/@me/channels")[0].json == {
        "recipient_id": user.discord_id
    }
    (dm,) = fake.dm_messages(user.discord_id)
    (embed,) = dm.embeds
    assert embed["title"] == "You're all set, Trog!"
    assert embed["color"] == int(SiteConfig.get().accent_colour.lstrip("#"), 16)
    assert embed["footer"] == {"text": "Pull All The Things · Sen'jin"}
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Characters"].startswith("**Main:** Trogmoon - Sen'jin, Druid")
    assert fields["Role"] == "You now have the Member role."
    code = InviteCode.objects.get(player=session.player).code
    assert fields["Website"].startswith(f"Sign in with Discord: {SITE}/accounts/login/\n")
    assert f"Prefer a password? {SITE}/register?code={code}" in fields["Website"]
    assert f"**{code}**" in fields["Website"] and "single use" in fields["Website"]
    assert "use your Discord username **trog**" in fields["Website"]
    assert "expires in 72 hours" in fields["Website"]
    assert fields["Raid schedule"] == "Tue/Thu 9pm ET"


def test_onb28_runs_twice_provisions_once(world, now, django_capture_on_commit_callbacks):
    fake, user = world["fake"], world["user"]
    session = pending(user, now)
    verify_and_provision(session, now, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        queue_provisioning(session, now=now)
    assert provision_session(session.pk) == "skipped: provisioned"
    assert len(fake.requests_to("PUT", ROLE_ROUTE)) == 1
    assert len(fake.dm_messages(user.discord_id)) == 1


def test_onb28_already_had_role_and_account(world, now, django_capture_on_commit_callbacks):
    fake, user = world["fake"], world["user"]
    fake.add_member(user.discord_id, "trog", roles=[world["role_id"]])
    PlayerFactory(discord_user=user, display_name="Trog", user=UserFactory())
    session = pending(user, now)
    verify_and_provision(session, now, django_capture_on_commit_callbacks)
    assert (session.state, session.role_status) == (State.PROVISIONED, "already_had")
    assert fake.requests_to("PUT", ROLE_ROUTE) == []
    (dm,) = fake.dm_messages(user.discord_id)
    website = {f["name"]: f["value"] for f in dm.embeds[0]["fields"]}["Website"]
    assert website.endswith("You already have an account")
    assert "register" not in website


def test_onb28_no_role_configured(world, now, django_capture_on_commit_callbacks, caplog):
    GuildRank.objects.update(discord_role_id="")
    session = pending(world["user"], now)
    verify_and_provision(session, now, django_capture_on_commit_callbacks)
    assert (session.state, session.role_status) == (State.PROVISIONED, "no_role_configured")
    assert "no Discord role configured" in caplog.text
    embed = world["fake"].dm_messages(world["user"].discord_id)[0].embeds[0]
    role = {f["name"]: f["value"] for f in embed["fields"]}["Role"]
    assert role == "An officer will sort out your Discord role."


def test_onb28_role_above_bot_fails_permanently_and_escalates(
    world, now, django_capture_on_commit_callbacks
):
    fake = world["fake"]
    above = fake.add_role(name="Member+", above_bot=True)
    GuildRank.objects.filter(name="Member").update(discord_role_id=above)
    session = pending(world["user"], now)
    verify_and_provision(session, now, django_capture_on_commit_callbacks)
    assert session.role_status == "failed"
    assert session.escalated_at is not None and session.escalation_reason == "role_failed"
    assert "Member" in session.provision_error
    # The welcome DM still goes, and the session completes; the 403 is never repeated.
    assert session.welcome_dm_status == "sent"
    assert session.state == State.PROVISIONED
    assert len(fake.requests_to("PUT", ROLE_ROUTE)) == 1
    provision_session(session.pk)
    assert len(fake.requests_to("PUT", ROLE_ROUTE)) == 1


def test_onb28_dms_closed_records_and_queues_the_landing_notice(
    world, now, django_capture_on_commit_callbacks
):
    fake, user = world["fake"], world["user"]
    fake.close_dms(user.discord_id)
    session = pending(user, now)
    verify_and_provision(session, now, django_capture_on_commit_callbacks)
    assert session.welcome_dm_status == "dms_closed"
    assert session.dm_blocked_at is not None
    assert session.landing_notice_status == "queued"
    assert session.state == State.PROVISIONED
    assert fake.dm_messages(user.discord_id) == []


def test_onb28_dms_off_sends_nothing(world, now, django_capture_on_commit_callbacks):
    config = SiteConfig.get()
    config.bot_dms_enabled = False
    config.save()
    session = pending(world["user"], now)
    verify_and_provision(session, now, django_capture_on_commit_callbacks)
    assert (session.welcome_dm_status, session.state) == ("dms_off", State.PROVISIONED)
    assert world["fake"].requests_to("POST") == []


def test_onb28_discord_unavailable_stops_and_retries_later(
    world, now, django_capture_on_commit_callbacks, monkeypatch
):
    fake, user = world["fake"], world["user"]
    session = pending(user, now)
    with transaction.atomic():  # verify only; provision by hand with a sleepless client
        verify_session(session, now=now)
    client = DiscordRestClient(sleep=lambda seconds: None)
    fake.script("POST", MESSAGES, [503, 503, 503, 503])
    outcome = provision_session(session.pk, client=client, now=now)
    session.refresh_from_db()
    assert outcome.startswith("stopped: welcome DM")
    assert session.state == State.VERIFIED
    assert session.role_status == "assigned"  # final steps are kept
    assert session.welcome_dm_status == "pending"
    assert session.provision_attempts == 1 and "welcome DM" in session.provision_error
    # The next run skips the role and finishes.
    assert provision_session(session.pk, client=client, now=now) == State.PROVISIONED
    session.refresh_from_db()
    assert (session.welcome_dm_status, session.provision_attempts) == ("sent", 2)
    assert len(fake.requests_to("PUT", ROLE_ROUTE)) == 1
    assert len(fake.dm_messages(user.discord_id)) == 1


def test_onb28_member_gone_marks_absent_and_waits(world, now):
    fake, user = world["fake"], world["user"]
    session = pending(user, now)
    with transaction.atomic():
        verify_session(session, now=now)
    fake.remove_member(user.discord_id)
    outcome = provision_session(session.pk, now=now)
    session.refresh_from_db()
    user.refresh_from_db()
    assert outcome.startswith("stopped")
    assert session.state == State.VERIFIED and not user.is_present
    assert fake.requests_to("PUT") == [] and fake.requests_to("POST") == []


def test_onb28_resolved_by_officer_ends_manually_resolved(world, now):
    session = pending(world["user"], now)
    with transaction.atomic():
        verify_session(session, now=now)
    session.refresh_from_db()
    session.resolved_by = PlayerFactory()
    session.save()
    assert provision_session(session.pk, now=now) == State.MANUALLY_RESOLVED


def test_onb28_not_configured_waits(world, now, settings):
    session = pending(world["user"], now)
    with transaction.atomic():
        verify_session(session, now=now)
    settings.DISCORD_BOT_TOKEN = ""
    assert provision_session(session.pk, now=now).startswith("stopped: Discord not configured")
    session.refresh_from_db()
    assert session.state == State.VERIFIED


def test_onb28_initiate_role_when_the_player_has_no_rank(fake_discord, now):
    initiate_role = fake_discord.add_role(name="Initiate")
    GuildRank.objects.filter(name="Initiate").update(discord_role_id=initiate_role)
    member = fake_discord.add_member(username="newbie")
    user = DiscordUserFactory(discord_id=member["user"]["id"], username="newbie")
    player = PlayerFactory(discord_user=user)
    session = OnboardingSession.objects.create(
        discord_user=user, state=State.VERIFIED, player=player, verified_at=now
    )
    assert player.guild_rank is None
    assert provision_session(session.pk, now=now) == State.PROVISIONED
    assert initiate_role in fake_discord.member(user.discord_id)["roles"]
    assert DiscordUser.objects.get(pk=user.pk).is_present


def test_bot18_a_401_on_the_role_stops_the_run_without_failing_the_role(world, now):
    fake = world["fake"]
    session = pending(world["user"], now)
    with transaction.atomic():
        verify_session(session, now=now)
    fake.script("PUT", ROLE_ROUTE, [401])
    outcome = provision_session(session.pk, now=now)
    session.refresh_from_db()
    assert outcome.startswith("stopped: role")
    assert (session.state, session.role_status) == (State.VERIFIED, "pending")
    assert session.escalated_at is None
    assert fake.requests_to("POST") == []  # the welcome DM waits for the next run


def test_onb51_role_retry_after_a_failed_role(world, now, django_capture_on_commit_callbacks):
    fake = world["fake"]
    above = fake.add_role(name="Member+", above_bot=True)
    GuildRank.objects.filter(name="Member").update(discord_role_id=above)
    session = pending(world["user"], now)
    verify_and_provision(session, now, django_capture_on_commit_callbacks)
    assert (session.state, session.role_status) == (State.PROVISIONED, "failed")
    # The officers fix the role; /onboard-retry queues the role step again.
    GuildRank.objects.filter(name="Member").update(discord_role_id=world["role_id"])
    with django_capture_on_commit_callbacks(execute=True):
        queue_role_retry(session, now=now)
    session.refresh_from_db()
    assert (session.state, session.role_status, session.provision_error) == (
        State.PROVISIONED,
        "assigned",
        "",
    )
    assert world["role_id"] in fake.member(world["user"].discord_id)["roles"]
    assert provision_session(session.pk) == "skipped: provisioned"
    assert retry_role(session.pk).startswith("skipped")
