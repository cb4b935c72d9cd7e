"""The slash commands as services (§10: BOT-20, BOT-21, ONB-50, ONB-51), with an injected now."""

import re
from datetime import timedelta

import pytest

from onboarding.models import (
    CONVERSATION_STATES,
    PLAYER_STATES,
    OnboardingEvent,
    OnboardingSession,
    State,
)
from onboarding.services import commands
from onboarding.services.commands import (
    BOTS_DONT_ONBOARD,
    OFFICERS_ONLY,
    PAUSED,
    TOO_MANY_TRIES,
    character_choices,
    dismiss_onboarding,
    onboarding_status,
    report_start_dm,
    require_officer,
    start_onboarding,
    verify_member,
)
from onboarding.services.states import transition
from patt.discord.events import DMS_CLOSED, SENT, MemberInfo
from patt.models import SiteConfig, clear_site_config_cache
from patt.refusals import Refused
from tests.factories import DiscordUserFactory, PlayerFactory, rank

from .conftest import NOW, session_of

pytestmark = pytest.mark.django_db


def configure(**fields):
    SiteConfig.objects.update_or_create(pk=1, defaults=fields)
    clear_site_config_cache()


def info(user=None, *, id="", bot=False, role_ids=()) -> MemberInfo:
    """A caller or target as the bot copies it from the interaction (BOT-8)."""
    return MemberInfo(
        id=str(user.discord_id if user is not None else id),
        username=user.username if user is not None else "someone",
        global_name=None,
        nick=None,
        display_name=user.display_name if user is not None else "Someone",
        bot=bot,
        joined_at=NOW,
        role_ids=tuple(str(r) for r in role_ids),
    )


@pytest.fixture
def officer(db):
    user = DiscordUserFactory(username="officer")
    PlayerFactory(display_name="Boss", discord_user=user, guild_rank=rank("Officer"))
    return info(user)


def open_session(member, *, state=State.AWAITING_DM, now=NOW, **fields):
    """A session in `state` with what the model's constraints require of it."""
    needs = {
        "prompted_at": state in CONVERSATION_STATES,
        "dm_blocked_at": state == State.DECLINED,
        "dm_completed_at": state == State.PENDING_VERIFICATION,
        "deadline_at": state == State.PENDING_VERIFICATION,
        "verified_at": state in PLAYER_STATES,
        "provisioned_at": state in (State.PROVISIONED, State.MANUALLY_RESOLVED),
    }
    for name, needed in needs.items():
        if needed:
            fields.setdefault(name, now + timedelta(hours=24 if name == "deadline_at" else 0))
    if state in PLAYER_STATES and "player" not in fields:
        fields["player"] = PlayerFactory(discord_user=member)
    if fields.get("escalated_at"):
        fields.setdefault("escalation_reason", "no_match")
    return OnboardingSession.objects.create(
        discord_user=member, state=state, started_at=now, created_at=now, **fields
    )


# --- BOT-21 -------------------------------------------------------------------------------


def test_bot_21_an_officer_by_rank_is_an_officer(officer):
    assert require_officer(officer).display_name == "Boss"


def test_bot_21_a_player_below_officer_rank_is_refused_even_with_an_officer_role(db):
    officer_role = rank("Officer")
    officer_role.discord_role_id = "5001"
    officer_role.save()
    user = DiscordUserFactory()
    PlayerFactory(discord_user=user, guild_rank=rank("Member"))
    with pytest.raises(Refused) as refused:
        require_officer(info(user, role_ids=["5001"]))
    assert refused.value.message == OFFICERS_ONLY


def test_bot_21_a_caller_without_player_is_an_officer_by_an_officer_rank_role(db):
    officer_role = rank("Officer")
    officer_role.discord_role_id = "5001"
    officer_role.save()
    member_role = rank("Member")
    member_role.discord_role_id = "5002"
    member_role.save()
    assert require_officer(info(id="77", role_ids=["5001"])) is None
    with pytest.raises(Refused, match=OFFICERS_ONLY):
        require_officer(info(id="77", role_ids=["5002"]))
    with pytest.raises(Refused, match=OFFICERS_ONLY):
        require_officer(info(id="77"))


def test_bot_21_a_non_officer_changes_nothing(member, now):
    session = open_session(member)
    caller = info(DiscordUserFactory())
    with pytest.raises(Refused, match=OFFICERS_ONLY):
        dismiss_onboarding(caller=caller, target=info(member), now=now)
    session.refresh_from_db()
    assert session.state == State.AWAITING_DM
    assert not session.events.exists()


def test_bot_20_a_bot_target_is_refused(officer, now):
    with pytest.raises(Refused, match=BOTS_DONT_ONBOARD):
        dismiss_onboarding(caller=officer, target=info(id="999", bot=True), now=now)


def test_bot_20_a_target_without_discord_user_is_upserted(officer, now):
    reply = dismiss_onboarding(caller=officer, target=info(id="4242"), now=now)
    assert reply == "No open onboarding session for <@4242>."
    from identity.models import DiscordUser

    assert DiscordUser.objects.filter(discord_id="4242").exists()


# --- /onboard-dismiss -----------------------------------------------------------------------


def test_onb_51_dismiss_closes_an_open_session_with_the_officer_and_note(officer, member, now):
    session = open_session(member, state=State.ASKED_MAIN)
    reply = dismiss_onboarding(caller=officer, target=info(member), reason="alt account", now=now)
    assert reply == f"Dismissed onboarding for <@{member.discord_id}> (session #{session.pk})."
    session.refresh_from_db()
    assert session.state == State.DISMISSED
    assert session.resolved_by.display_name == "Boss"
    assert session.resolution_note == "alt account"
    officer_events = session.events.filter(kind=OnboardingEvent.Kind.OFFICER)
    assert [e.detail for e in officer_events] == [f"/onboard-dismiss by Officer ({officer.id})"]


def test_onb_51_dismiss_without_an_open_session(officer, member, now):
    assert (
        dismiss_onboarding(caller=officer, target=info(member), now=now)
        == f"No open onboarding session for <@{member.discord_id}>."
    )
    open_session(member, state=State.PROVISIONED)
    assert "No open onboarding session" in dismiss_onboarding(
        caller=officer, target=info(member), now=now
    )
    assert session_of(member).state == State.PROVISIONED


# --- /onboard-start -------------------------------------------------------------------------


def test_onb_51_start_resets_and_returns_the_opening_dm(officer, member, now):
    session = open_session(member, state=State.DISMISSED)
    outcome = start_onboarding(caller=officer, target=info(member), now=now)
    assert outcome.opening is not None and outcome.reply == ""
    session.refresh_from_db()
    assert session.state == State.ASKED_IN_GUILD
    assert session.round == 2
    assert session.events.filter(kind=OnboardingEvent.Kind.OFFICER).count() == 1
    assert report_start_dm(target_id=member.discord_id, outcome=SENT, now=now) == (
        "Welcome DM sent."
    )


def test_onb_51_start_with_dms_closed_queues_the_landing_notice(officer, member, now):
    start_onboarding(caller=officer, target=info(member), now=now)
    reply = report_start_dm(target_id=member.discord_id, outcome=DMS_CLOSED, now=now)
    assert reply == "DMs closed - landing notice queued"
    session = session_of(member)
    assert session.state == State.DECLINED
    assert session.landing_notice_status == "queued"


def test_onb_51_start_with_dms_off_waits(officer, member, now):
    configure(bot_dms_enabled=False)
    outcome = start_onboarding(caller=officer, target=info(member), now=now)
    assert outcome.reply == "DMs are off - the session waits." and outcome.opening is None
    assert session_of(member).state == State.AWAITING_DM


def test_onb_51_start_refuses_when_paused_or_absent(officer, member, now):
    configure(onboarding_enabled=False)
    with pytest.raises(Refused, match=r"Onboarding is paused\."):
        start_onboarding(caller=officer, target=info(member), now=now)
    configure(onboarding_enabled=True)
    member.is_present = False
    member.left_at = now
    member.save()
    with pytest.raises(Refused, match="is not in the server"):
        start_onboarding(caller=officer, target=info(member), now=now)
    assert not OnboardingSession.objects.exists()


# --- /onboard-status ------------------------------------------------------------------------


def test_onb_51_status_without_sessions(officer, now):
    assert onboarding_status(caller=officer, now=now) == "No open onboarding sessions."


def test_onb_51_status_lists_counts_and_open_sessions_with_flags(officer, now):
    a, b, c = (DiscordUserFactory() for _ in range(3))
    open_session(
        a,
        state=State.PENDING_VERIFICATION,
        now=now - timedelta(days=2),
        reported_main_name="Trogmon",
        deadline_at=now - timedelta(hours=1),
        escalated_at=now - timedelta(minutes=5),
        verification_attempts=3,
    )
    open_session(
        b, state=State.ASKED_MAIN, now=now - timedelta(days=1), prompted_at=now - timedelta(hours=2)
    )
    open_session(c, state=State.DISMISSED, now=now - timedelta(days=3))
    lines = onboarding_status(caller=officer, now=now).splitlines()
    assert lines[0] == "Asked: main character: 1 · Pending verification: 1 · Dismissed: 1"
    assert (
        lines[1]
        == f"<@{a.discord_id}> · pending_verification · Trogmon · 3 attempts · OVERDUE ESCALATED"
    )
    assert lines[2] == f"<@{b.discord_id}> · asked_main · (not reported) · 0 attempts · QUIET"
    assert len(lines) == 3


def test_onb_51_status_of_one_member(officer, member, now):
    assert onboarding_status(caller=officer, target=info(member), now=now) == (
        f"No onboarding session for <@{member.discord_id}>."
    )
    session = open_session(member, state=State.DECLINED, dm_blocked_at=now)
    reply = onboarding_status(caller=officer, target=info(member), now=now)
    assert f"Session #{session.pk}" in reply and "**declined**" in reply and "DMS CLOSED" in reply
    assert f"/admin/onboarding/onboardingsession/{session.pk}/change/" in reply


def test_onb_51_status_is_for_officers(member, now):
    with pytest.raises(Refused, match=OFFICERS_ONLY):
        onboarding_status(caller=info(member), now=now)


# --- /verify ----------------------------------------------------------------------------------


def test_onb_1_verify_is_paused_when_onboarding_is_off(member, now):
    configure(onboarding_enabled=False)
    with pytest.raises(Refused, match=PAUSED):
        verify_member(member=info(member), character="Trogmoon", now=now)
    assert not OnboardingSession.objects.exists()


def test_onb_50_verify_ambiguous_lists_the_options(member, now):
    from tests.factories import WowCharacterFactory

    WowCharacterFactory(name="Trogmoon", realm_slug="area-52", realm_name="Area 52")
    WowCharacterFactory(name="Trogmoon", realm_slug="stormrage", realm_name="Stormrage")
    reply = verify_member(member=info(member), character="Trogmoon", now=now)
    assert reply == (
        "Several characters are called Trogmoon: Trogmoon-Area 52, Trogmoon-Stormrage. "
        "Run `/verify Trogmoon-Area 52`."
    )
    session = session_of(member)
    assert session.state == State.PENDING_VERIFICATION
    assert session.is_in_guild is True and session.reported_main_name == "Trogmoon"
    assert session.deadline_at == now + timedelta(hours=24)


def test_onb_50_verify_not_found_suggests(member, roster, now):
    reply = verify_member(member=info(member), character="Trogmon", now=now)
    assert reply == "I can't find Trogmon. Did you mean Trogmoon, Trogdor?"
    reply = verify_member(member=info(member), character="Zzyzx", now=now)
    assert reply.startswith("I can't find Zzyzx - it isn't on the roster yet")


def test_onb_50_verify_at_most_five_an_hour(member, roster, now):
    for _ in range(5):
        verify_member(member=info(member), character="Zzyzx", now=now)
    with pytest.raises(Refused, match=TOO_MANY_TRIES):
        verify_member(member=info(member), character="Zzyzx", now=now)
    verify_member(member=info(member), character="Zzyzx", now=now + timedelta(hours=1, seconds=1))


def test_onb_24_verify_of_a_verified_session_is_finishing(member, roster, now):
    open_session(member, state=State.VERIFIED)
    reply = verify_member(member=info(member), character="Trogmoon", now=now)
    assert "finishing your setup" in reply


def test_onb_24_verify_of_a_provisioned_session_is_already_verified(member, now):
    player = PlayerFactory(display_name="Trog", discord_user=member)
    open_session(member, state=State.PROVISIONED, player=player)
    reply = verify_member(member=info(member), character="Trogmoon", now=now)
    assert reply.startswith("Already verified as Trog\nSign in with Discord: ")


def test_onb_24_verify_of_a_dismissed_session_starts_a_new_round(member, now):
    open_session(member, state=State.DISMISSED)
    verify_member(member=info(member), character="Zzyzx", now=now)
    session = session_of(member)
    assert session.round == 2 and session.state == State.PENDING_VERIFICATION


# --- autocomplete ------------------------------------------------------------------------------


def test_bot_20_character_choices_by_name_key_prefix_one_query(roster, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert character_choices(typed="trog") == ["Trogdor-Sen'jin", "Trogmoon-Sen'jin"]


def test_bot_10_character_choices_are_at_most_25(db):
    from tests.factories import WowCharacterFactory

    letters = "bcdefghijklmnopqrstuvwxyz"
    for i in range(30):
        WowCharacterFactory(name="Aa" + letters[i % 25] + letters[i // 25])
    assert len(character_choices(typed="a")) == commands.MAX_CHOICES


def test_transition_helper_is_the_state_machine(member, now):
    # the services move states only through onboarding.services.states (ONB-4)
    session = open_session(member)
    with pytest.raises(Refused):
        transition(session, to=State.PROVISIONED, now=now, trigger="test")


# --- /onboard-resolve, /onboard-retry, /verify verified ----------------------------------------


def test_onb_51_resolve_links_the_character_and_queues_provisioning(
    officer, member, roster, now, django_capture_on_commit_callbacks
):
    from identity.models import PlayerCharacter

    session = open_session(member, state=State.ASKED_MAIN, prompted_at=now)
    with django_capture_on_commit_callbacks() as callbacks:
        reply = commands.resolve_onboarding(
            caller=officer, target=info(member), character="Trogmoon", note="known", now=now
        )
    session.refresh_from_db()
    assert session.state == State.VERIFIED
    assert session.resolved_by.display_name == "Boss" and session.resolution_note == "known"
    link = PlayerCharacter.objects.get(character=roster["Trogmoon"])
    assert link.player == session.player and link.player.discord_user == member
    assert (link.link_source, link.confidence, link.confirmed) == ("manual", "high", True)
    assert link.linked_by.display_name == "Boss"
    assert session.invite is not None and session.invite.code in reply
    assert reply.startswith(f"Resolved <@{member.discord_id}>: player **{member.display_name}**")
    assert len(callbacks) == 1  # provision_session queued on commit


def test_onb_51_resolve_refuses_a_character_of_another_discord_user(officer, member, roster, now):
    from tests.factories import PlayerCharacterFactory

    other = DiscordUserFactory()
    owner = PlayerFactory(display_name="Someone", discord_user=other)
    PlayerCharacterFactory(
        player=owner,
        character=roster["Trogmoon"],
        link_source="manual",
        confidence="high",
        confirmed=True,
    )
    with pytest.raises(Refused) as refused:
        commands.resolve_onboarding(
            caller=officer, target=info(member), character="Trogmoon", now=now
        )
    assert refused.value.message == (
        f"Trogmoon belongs to Someone (<@{other.discord_id}>); fix the link in the admin first"
    )
    assert not OnboardingSession.objects.filter(state=State.VERIFIED).exists()


def test_onb_51_resolve_refuses_a_closed_session_and_unknown_characters(officer, member, now):
    open_session(member, state=State.PROVISIONED)
    with pytest.raises(Refused, match=re.escape("Already provisioned - use `/onboard-start`.")):
        commands.resolve_onboarding(caller=officer, target=info(member), now=now)
    other = DiscordUserFactory()
    with pytest.raises(Refused, match=re.escape("No character named Nobody on record.")):
        commands.resolve_onboarding(caller=officer, target=info(other), character="Nobody", now=now)


def test_onb_51_retry(officer, member, roster, now):
    assert commands.retry_onboarding(caller=officer, target=info(member), now=now) == (
        f"No onboarding session for <@{member.discord_id}>."
    )
    open_session(member, state=State.PENDING_VERIFICATION, reported_main_name="Zzyzx")
    reply = commands.retry_onboarding(caller=officer, target=info(member), now=now)
    assert reply.startswith("Still pending_verification: no_match")
    OnboardingSession.objects.filter(discord_user=member).update(state=State.DISMISSED)
    assert commands.retry_onboarding(caller=officer, target=info(member), now=now) == (
        "Nothing to retry - the session is dismissed."
    )


def test_onb_51_retry_of_a_provisioned_session_whose_role_failed_requeues_the_role_step(
    officer, member, now, django_capture_on_commit_callbacks
):
    """ONB-51: `provisioned` with role `failed` re-queues the role step; other roles don't."""
    from onboarding.models import RoleStatus

    open_session(member, state=State.PROVISIONED)
    OnboardingSession.objects.filter(discord_user=member).update(role_status=RoleStatus.ASSIGNED)
    assert commands.retry_onboarding(caller=officer, target=info(member), now=now) == (
        "Nothing to retry - the session is provisioned."
    )
    OnboardingSession.objects.filter(discord_user=member).update(role_status=RoleStatus.FAILED)
    with django_capture_on_commit_callbacks() as callbacks:
        reply = commands.retry_onboarding(caller=officer, target=info(member), now=now)
    assert reply == f"The role step is queued again for <@{member.discord_id}>."
    assert len(callbacks) == 1
    assert session_of(member).events.filter(detail="role retry queued").exists()


def test_onb_50_verify_verified_reply(member, roster, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        reply = verify_member(member=info(member), character="Trogmoon", now=now)
    lines = reply.splitlines()
    assert lines[0] == (
        "Verified! You're linked to **Trogmoon** (Sen'jin, Druid); your role and welcome "
        "message are on the way."
    )
    assert lines[1].startswith("Sign in with Discord: ") and "/register?code=" in lines[2]
    assert session_of(member).state == State.VERIFIED


# --- /whois, /resend-invite ---------------------------------------------------------------------


def test_onb_51_whois_needs_exactly_one_option(officer, member):
    with pytest.raises(Refused, match="exactly one"):
        commands.whois(caller=officer)
    with pytest.raises(Refused, match="exactly one"):
        commands.whois(caller=officer, target=info(member), character="Trogmoon")


def test_onb_51_whois_of_a_member_and_of_a_character(officer, member, roster):
    from tests.factories import PlayerCharacterFactory

    player = PlayerFactory(display_name="Trog", discord_user=member, guild_rank=rank("Member"))
    PlayerCharacterFactory(
        player=player,
        character=roster["Trogmoon"],
        link_source="onboarding",
        confidence="medium",
        confirmed=False,
    )
    open_session(member, state=State.ASKED_MAIN)
    reply = commands.whois(caller=officer, target=info(member))
    assert reply.splitlines()[0] == "Player **Trog**: Member (auto)"
    assert "- **Trogmoon-Sen'jin** (Druid, level 80, Member, in guild): onboarding, medium" in reply
    assert reply.splitlines()[-1] == "Onboarding: asked_main"
    about = commands.whois(caller=officer, character="Trogmoon")
    assert about.startswith("**Trogmoon-Sen'jin** (Druid, level 80, Member, in guild); linked to")
    assert "Player **Trog**" in about
    assert commands.whois(caller=officer, character="Trogdor").endswith("not linked to anyone")
    assert commands.whois(caller=officer, character="Trogmon") == (
        "No character named Trogmon on record. Did you mean Trogmoon, Trogdor?"
    )


def test_onb_51_whois_of_a_member_without_player(officer, member):
    assert commands.whois(caller=officer, target=info(member)) == (
        f"<@{member.discord_id}> ({member.display_name}, in the server): no player yet. "
        "Onboarding: no session."
    )


def test_onb_51_resend_invite(officer, member, now, django_capture_on_commit_callbacks):
    with pytest.raises(Refused, match="No player yet"):
        commands.resend_invite(caller=officer, target=info(member), now=now)
    session = open_session(member, state=State.PROVISIONED)
    with django_capture_on_commit_callbacks() as callbacks:
        reply = commands.resend_invite(caller=officer, target=info(member), now=now)
    session.refresh_from_db()
    assert session.invite is not None
    assert f"code **{session.invite.code}**" in reply and "(DM queued)" in reply
    assert len(callbacks) == 1
    again = commands.resend_invite(caller=officer, target=info(member), now=now)
    assert f"code **{session.invite.code}**" in again  # the unused invite is reused (ONB-29)


def test_onb_51_resend_invite_to_a_member_with_an_account(officer, member, now):
    from tests.factories import UserFactory

    PlayerFactory(discord_user=member, user=UserFactory(username="trogsite"))
    assert commands.resend_invite(caller=officer, target=info(member), now=now) == (
        "Already has an account (username trogsite)"
    )
