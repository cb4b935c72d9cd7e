"""Verification (ONB-26, ONB-27): `verify_session` against the ONB-26 player table, with an
injected `now`. Provisioning is only queued here (on commit); test_provisioning runs it."""

from datetime import timedelta

import pytest
from django.db import transaction

from identity.models import (
    Confidence,
    InviteCode,
    LinkSource,
    Player,
    PlayerCharacter,
    RankSource,
)
from onboarding.models import OnboardingEvent, OnboardingSession, State
from onboarding.services import verification
from onboarding.services.verification import (
    CONFLICT_REPLY,
    OFFICER_RANK_REPLY,
    verify_session,
)
from patt.refusals import Refused
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    UserFactory,
    WowCharacterFactory,
    playable_class,
    rank,
)
from tests.onboarding.support import pending_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_tasks(monkeypatch):
    """Record what would be queued instead of queueing it."""
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *a, **k: queued.append(a))
    return queued


def pending(member, now, **fields) -> OnboardingSession:
    return pending_session(member, now, **{"prompted_at": now, **fields})


def verify(session, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        return verify_session(session, now=now)


def test_onb26_new_player_linked_verified_access_and_provisioning_queued(
    member, roster, now, no_tasks, django_capture_on_commit_callbacks
):
    member.display_name = "Trog the Nick"
    member.save()
    session = pending(member, now, reported_main_name="Trogmoon")
    result = verify(session, now, django_capture_on_commit_callbacks)

    assert result.verified and result.character == roster["Trogmoon"]
    session.refresh_from_db()
    player = Player.objects.get(discord_user=member)
    assert (session.state, session.player, session.verified_at) == (State.VERIFIED, player, now)
    assert player.display_name == "Trog the Nick"
    assert player.rank_source == RankSource.AUTO
    assert player.main_character == roster["Trogmoon"]
    assert player.guild_rank == rank("Member")  # the identity rank rule, from the character
    link = PlayerCharacter.objects.get(character=roster["Trogmoon"])
    assert (link.player, link.link_source, link.confidence, link.confirmed) == (
        player,
        LinkSource.ONBOARDING,
        Confidence.HIGH,
        True,
    )
    assert session.verification_attempts == 1
    assert session.last_verification_result == "verified"
    assert session.last_verification_at == now
    # ONB-29: the access step ran inside verify, so the code exists at once.
    invite = InviteCode.objects.get(player=player)
    assert session.invite == invite and not session.has_account
    assert invite.created_by is None
    assert no_tasks == [("onboarding.tasks.provision_session", session.pk)]
    assert session.events.filter(kind=OnboardingEvent.Kind.VERIFICATION).exists()


def test_onb26_no_match_counts_and_records(member, roster, now, no_tasks):
    session = pending(member, now, reported_main_name="Nobody")
    result = verify_session(session, now=now)
    assert result.result == "no_match"
    session.refresh_from_db()
    assert session.state == State.PENDING_VERIFICATION
    assert session.verification_attempts == 1
    assert "Nobody" in session.last_verification_detail
    assert no_tasks == []


def test_onb26_no_name_is_not_counted(member, roster, now):
    session = pending(member, now, is_in_guild=False)
    assert verify_session(session, now=now).result == "no_name"
    session.refresh_from_db()
    assert session.verification_attempts == 0
    assert session.last_verification_result == "no_name"


def test_onb21_ambiguous_is_no_match_with_options(member, now):
    for realm in ("Stormrage", "Area 52"):
        WowCharacterFactory(name="Twin", realm_slug=realm.lower(), realm_name=realm)
    session = pending(member, now, reported_main_name="Twin")
    result = verify_session(session, now=now)
    assert result.result == "ambiguous"
    assert set(result.options) == {"Twin-Stormrage", "Twin-Area 52"}
    assert not PlayerCharacter.objects.exists()


def test_onb26_step2_not_in_guild_path_uses_the_players_trusted_character(member, roster, now):
    player = PlayerFactory(discord_user=member)
    PlayerCharacterFactory(
        player=player, character=roster["Moonfire"], link_source="exact_name", confidence="high"
    )
    session = pending(member, now, is_in_guild=False)
    result = verify_session(session, now=now)
    assert result.verified and result.player == player
    assert result.character == roster["Moonfire"]


def test_onb26_pd_with_own_unconfirmed_link_becomes_confirmed_high(member, roster, now):
    player = PlayerFactory(discord_user=member)
    link = PlayerCharacterFactory(
        player=player,
        character=roster["Trogmoon"],
        link_source="fuzzy",
        confidence="medium",
        confirmed=False,
    )
    session = pending(member, now, reported_main_name="Trogmoon")
    assert verify_session(session, now=now).verified
    link.refresh_from_db()
    assert (link.confirmed, link.confidence, link.link_source) == (True, "high", "fuzzy")


def test_onb26_owner_without_discord_gets_this_discord_user(member, roster, now):
    owner = PlayerFactory(display_name="Old Trog")
    PlayerCharacterFactory(player=owner, character=roster["Trogmoon"], confirmed=True)
    session = pending(member, now, reported_main_name="Trogmoon")
    result = verify_session(session, now=now)
    owner.refresh_from_db()
    assert result.verified and result.player == owner
    assert owner.discord_user == member
    assert Player.objects.count() == 1


def test_onb26_owned_by_other_discord_links_nothing_and_escalates(member, roster, now):
    other = DiscordUserFactory()
    owner = PlayerFactory(discord_user=other)
    PlayerCharacterFactory(player=owner, character=roster["Trogmoon"], confirmed=True)
    session = pending(member, now, reported_main_name="Trogmoon")
    result = verify_session(session, now=now)
    assert result.result == "owned_by_other_discord"
    assert result.member_reply == CONFLICT_REPLY
    assert other.discord_id in result.detail
    session.refresh_from_db()
    assert session.state == State.PENDING_VERIFICATION
    assert (session.escalated_at, session.escalation_reason) == (now, "owned_by_other_discord")
    assert not Player.objects.filter(discord_user=member).exists()


def test_onb26_owned_by_other_player(member, roster, now):
    PlayerFactory(discord_user=member)
    PlayerCharacterFactory(player=PlayerFactory(), character=roster["Trogmoon"])
    session = pending(member, now, reported_main_name="Trogmoon")
    result = verify_session(session, now=now)
    assert result.result == "owned_by_other_player"
    session.refresh_from_db()
    assert session.escalation_reason == "owned_by_other_player"
    # ONB-34: escalated once; a second attempt keeps the first time.
    verify_session(session, now=now + timedelta(hours=1))
    session.refresh_from_db()
    assert session.escalated_at == now and session.verification_attempts == 2


def test_onb26_officer_rank_claim(member, now):
    WowCharacterFactory(name="Bossman", guild_rank=rank("Officer"))
    session = pending(member, now, reported_main_name="Bossman")
    result = verify_session(session, now=now)
    assert result.result == "officer_rank_claim"
    assert result.member_reply == OFFICER_RANK_REPLY
    assert not PlayerCharacter.objects.exists()
    session.refresh_from_db()
    assert session.escalation_reason == "officer_rank_claim"


def test_onb26_officer_main_already_linked_to_own_player_verifies(member, now):
    boss = WowCharacterFactory(name="Bossman", guild_rank=rank("Officer"))
    player = PlayerFactory(discord_user=member)
    PlayerCharacterFactory(player=player, character=boss, link_source="manual", confirmed=True)
    session = pending(member, now, reported_main_name="Bossman")
    assert verify_session(session, now=now).verified


def test_onb26_alts_linked_medium_unconfirmed_others_skipped(member, roster, now):
    WowCharacterFactory(name="Bossalt", guild_rank=rank("Officer"))
    PlayerCharacterFactory(player=PlayerFactory(), character=roster["Moonfire"])
    session = pending(
        member,
        now,
        reported_main_name="Trogmoon",
        reported_alt_names=["Trogdor", "Moonfire", "Bossalt", "Ghost"],
    )
    result = verify_session(session, now=now)
    assert result.verified
    link = PlayerCharacter.objects.get(character=roster["Trogdor"])
    assert (link.link_source, link.confidence, link.confirmed) == ("onboarding", "medium", False)
    assert PlayerCharacter.objects.get(character=roster["Moonfire"]).player != result.player
    assert PlayerCharacter.objects.filter(player=result.player).count() == 2
    assert "Moonfire: linked to another player" in result.detail
    assert "Bossalt: officer rank" in result.detail
    assert "Ghost: not found" in result.detail


def test_onb26_step6_keeps_main_and_manual_rank_and_gives_initiate(member, now):
    unranked = WowCharacterFactory(name="Newbie", guild_rank=None)
    other_main = WowCharacterFactory(name="Oldmain", in_guild=False)
    player = PlayerFactory(discord_user=member, main_character=other_main)
    session = pending(member, now, reported_main_name="Newbie")
    assert verify_session(session, now=now).verified
    player.refresh_from_db()
    assert player.main_character == other_main  # only set if empty
    assert player.guild_rank == rank("Initiate")
    assert unranked.link.player == player

    manual = PlayerFactory(guild_rank=rank("Veteran"), rank_source=RankSource.MANUAL)
    second = DiscordUserFactory()
    manual.discord_user = second
    manual.save()
    WowCharacterFactory(name="Lowbie", guild_rank=rank("Initiate"))
    session = pending(second, now, reported_main_name="Lowbie")
    assert verify_session(session, now=now).verified
    manual.refresh_from_db()
    assert manual.guild_rank == rank("Veteran")


def test_onb29_existing_account_means_has_account_no_code(member, roster, now):
    PlayerFactory(discord_user=member, user=UserFactory())
    session = pending(member, now, reported_main_name="Trogmoon")
    verify_session(session, now=now)
    session.refresh_from_db()
    assert session.has_account and session.invite is None
    assert not InviteCode.objects.exists()


def test_onb29_reuses_an_unused_invite_with_a_day_left(member, roster, now):
    from identity.services.invites import create_invite

    player = PlayerFactory(discord_user=member)
    invite = create_invite(player, ttl_hours=72)
    session = pending(member, now, reported_main_name="Trogmoon")
    verify_session(session, now=invite.created_at)
    session.refresh_from_db()
    assert session.invite == invite
    assert InviteCode.objects.count() == 1


def test_onb26_exception_rolls_back_and_records_error(member, roster, now, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(verification, "fill_player", lambda player, main: boom())
    session = pending(member, now, reported_main_name="Trogmoon")
    result = verify_session(session, now=now)
    assert result.result == "error" and "disk on fire" in result.detail
    session.refresh_from_db()
    assert session.state == State.PENDING_VERIFICATION
    assert session.verification_attempts == 1
    assert session.last_verification_result == "error"
    assert not PlayerCharacter.objects.exists()
    assert not Player.objects.exists()


def test_verify_refuses_a_session_not_pending(member, now):
    session = OnboardingSession.objects.create(discord_user=member)
    with pytest.raises(Refused):
        verify_session(session, now=now)
    session.refresh_from_db()
    assert session.verification_attempts == 0


def test_main_character_no_longer_on_roster_falls_back_to_the_name(member, roster, now):
    gone = WowCharacterFactory(name="Trogmoon", realm_slug="stormrage", in_guild=False)
    session = pending(member, now, reported_main_name="Trogmoon", main_character=gone)
    result = verify_session(session, now=now)
    assert result.character == roster["Trogmoon"]
    assert playable_class("Druid") == result.character.playable_class


def test_onb26_step2_ignores_an_unconfirmed_roster_form_claim(member, roster, now):
    player = PlayerFactory(discord_user=member)
    PlayerCharacterFactory(
        player=player,
        character=roster["Moonfire"],
        link_source="roster_form",
        confidence="high",
        confirmed=False,
    )
    session = pending(member, now, is_in_guild=False)
    assert verify_session(session, now=now).result == "no_name"
