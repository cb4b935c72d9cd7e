"""Join, rejoin, leave and missed joins (ONB-8 … ONB-11) and the opening DM's outcome (ONB-40)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from identity.services.member_events import record_member_leave
from onboarding.models import LandingNoticeStatus, OnboardingEvent, OnboardingSession, State
from onboarding.services.joins import member_joined, record_missed_joins, report_opening_dm
from onboarding.services.states import transition
from patt.discord.events import DMS_CLOSED, FAILED, SENT, OutMessage
from patt.models import SiteConfig
from tests.factories import DiscordUserFactory, PlayerFactory

from .conftest import session_of

pytestmark = pytest.mark.django_db


def configure(**fields):
    SiteConfig.objects.update_or_create(pk=1, defaults=fields)
    from patt.models import clear_site_config_cache

    clear_site_config_cache()


def test_join_creates_the_session_and_returns_the_opening_dm_after_moving_the_state(member, now):
    message = member_joined(discord_user_id=member.discord_id, now=now)
    assert isinstance(message, OutMessage)
    embed = message.embeds[0]
    assert embed["title"] == "Welcome to Pull All The Things!"
    assert "reply **yes** or **no** - no rush" in embed["description"].lower()
    assert embed["footer"]["text"] == "Pull All The Things · Sen'jin"
    session = session_of(member)
    assert session.state == State.ASKED_IN_GUILD
    assert session.prompted_at == now == session.opening_dm_sent_at
    assert session.round == 1
    kinds = list(session.events.order_by("pk").values_list("detail", flat=True))
    assert kinds == ["-> awaiting_dm: joined", "awaiting_dm -> asked_in_guild: joined: opening DM"]


def test_join_with_dms_off_waits_in_awaiting_dm(member, now):
    configure(bot_dms_enabled=False)
    assert member_joined(discord_user_id=member.discord_id, now=now) is None
    assert session_of(member).state == State.AWAITING_DM


def test_join_with_onboarding_off_creates_nothing(member, now):
    configure(onboarding_enabled=False)
    assert member_joined(discord_user_id=member.discord_id, now=now) is None
    assert not OnboardingSession.objects.exists()


def test_join_of_an_unknown_user_does_nothing(db, now):
    assert member_joined(discord_user_id="123", now=now) is None
    assert not OnboardingSession.objects.exists()


def _pending(session, now):
    transition(
        session,
        to=State.PENDING_VERIFICATION,
        now=now,
        trigger="t",
        dm_completed_at=now,
        deadline_at=now + timedelta(hours=24),
    )


def test_rejoin_keeps_pending_verification_without_a_dm(member, now):
    member_joined(discord_user_id=member.discord_id, now=now)
    _pending(session_of(member), now)
    assert member_joined(discord_user_id=member.discord_id, now=now + timedelta(hours=1)) is None
    session = session_of(member)
    assert (session.state, session.round) == (State.PENDING_VERIFICATION, 1)


def test_rejoin_keeps_verified(member, now):
    member_joined(discord_user_id=member.discord_id, now=now)
    session = session_of(member)
    _pending(session, now)
    transition(
        session, to=State.VERIFIED, now=now, trigger="t", player=PlayerFactory(), verified_at=now
    )
    assert member_joined(discord_user_id=member.discord_id, now=now) is None
    assert session_of(member).state == State.VERIFIED


@pytest.mark.parametrize("closed", [State.DISMISSED, State.ASKED_MAIN])
def test_rejoin_in_any_other_state_resets_and_starts_again(member, now, closed):
    member_joined(discord_user_id=member.discord_id, now=now)
    session = session_of(member)
    transition(session, to=closed, now=now, trigger="t")
    later = now + timedelta(days=3)
    message = member_joined(discord_user_id=member.discord_id, now=later)
    assert message is not None
    session = session_of(member)
    assert (session.state, session.round, session.started_at) == (State.ASKED_IN_GUILD, 2, later)


def test_leaving_never_changes_the_session(member, now):
    member_joined(discord_user_id=member.discord_id, now=now)
    before = OnboardingSession.objects.values().get()
    events = OnboardingEvent.objects.count()
    record_member_leave(discord_id=member.discord_id, now=now)
    assert OnboardingSession.objects.values().get() == before
    assert OnboardingEvent.objects.count() == events


def test_dms_closed_declines_sets_dm_blocked_and_queues_one_landing_notice(member, now):
    member_joined(discord_user_id=member.discord_id, now=now)
    report_opening_dm(discord_user_id=member.discord_id, outcome=DMS_CLOSED, now=now)
    session = session_of(member)
    assert session.state == State.DECLINED
    assert session.dm_blocked_at == now
    assert session.landing_notice_status == LandingNoticeStatus.QUEUED
    assert session.opening_dm_sent_at is None


def test_landing_notice_is_queued_once_per_round(member, now):
    member_joined(discord_user_id=member.discord_id, now=now)
    session = session_of(member)
    OnboardingSession.objects.filter(pk=session.pk).update(
        landing_notice_status=LandingNoticeStatus.POSTED
    )
    report_opening_dm(discord_user_id=member.discord_id, outcome=DMS_CLOSED, now=now)
    assert session_of(member).landing_notice_status == LandingNoticeStatus.POSTED


def test_another_failure_goes_back_to_awaiting_dm_for_the_checker(member, now):
    member_joined(discord_user_id=member.discord_id, now=now)
    report_opening_dm(discord_user_id=member.discord_id, outcome=FAILED, now=now)
    session = session_of(member)
    assert session.state == State.AWAITING_DM
    assert session.landing_notice_status == LandingNoticeStatus.NONE


def test_a_sent_dm_changes_nothing(member, now):
    member_joined(discord_user_id=member.discord_id, now=now)
    report_opening_dm(discord_user_id=member.discord_id, outcome=SENT, now=now)
    assert session_of(member).state == State.ASKED_IN_GUILD


def test_a_failure_report_after_the_member_replied_changes_nothing(member, now):
    from onboarding.services.conversation import handle_dm

    member_joined(discord_user_id=member.discord_id, now=now)
    handle_dm(author_id=member.discord_id, message_id="10", text="yes", now=now)
    report_opening_dm(discord_user_id=member.discord_id, outcome=DMS_CLOSED, now=now)
    assert session_of(member).state == State.ASKED_MAIN


def test_missed_joins_get_a_session_only_when_recent_and_without_one(db, now):
    recent = DiscordUserFactory(joined_at=now - timedelta(hours=2))
    old = DiscordUserFactory(joined_at=now - timedelta(hours=30))
    has_one = DiscordUserFactory(joined_at=now)
    OnboardingSession.objects.create(discord_user=has_one, state=State.AWAITING_DM)
    created = record_missed_joins(
        discord_user_ids=[recent.discord_id, old.discord_id, has_one.discord_id], now=now
    )
    assert [s.discord_user for s in created] == [recent]
    assert session_of(recent).state == State.AWAITING_DM
    assert not OnboardingSession.objects.filter(discord_user=old).exists()


def test_missed_joins_do_nothing_with_onboarding_off(db, now):
    configure(onboarding_enabled=False)
    user = DiscordUserFactory(joined_at=now)
    assert record_missed_joins(discord_user_ids=[user.discord_id], now=now) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_joins_make_one_session(now):
    user = DiscordUserFactory(joined_at=now)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def join():
        try:
            barrier.wait()
            results.append(member_joined(discord_user_id=user.discord_id, now=now))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=join) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert OnboardingSession.objects.filter(discord_user=user).count() == 1
    # The second join saw the row the first wrote (a rejoin of an asked_in_guild session).
    assert all(isinstance(r, OutMessage) for r in results)
