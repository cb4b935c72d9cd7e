"""The state machine (ONB-3, ONB-4, ONB-5): allowed moves, refused moves change nothing, reset."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from onboarding.models import (
    CLOSED_STATES,
    CONVERSATION_STATES,
    OPEN_STATES,
    EscalationReason,
    OnboardingEvent,
    OnboardingSession,
    State,
)
from onboarding.services.states import ALLOWED, reset, transition
from patt.refusals import Refused
from tests.factories import DiscordUserFactory, PlayerFactory, WowCharacterFactory

pytestmark = pytest.mark.django_db

# What each state needs to be valid (the database constraints), set alongside the move.
REQUIRED = {
    State.ASKED_IN_GUILD: {"prompted_at"},
    State.ASKED_MAIN: {"prompted_at"},
    State.CONFIRM_MAIN: {"prompted_at"},
    State.ASKED_ALTS: {"prompted_at"},
    State.DECLINED: {"dm_blocked_at"},
    State.PENDING_VERIFICATION: {"dm_completed_at", "deadline_at"},
    State.VERIFIED: {"player", "verified_at"},
    State.PROVISIONED: {"player", "verified_at", "provisioned_at"},
    State.MANUALLY_RESOLVED: {"player", "verified_at", "provisioned_at", "resolved_by"},
}

# ONB-4, row by row (the spec's table, spelled out).
EXPECTED_ALLOWED = {
    (State.AWAITING_DM, State.ASKED_IN_GUILD),
    (State.DECLINED, State.ASKED_IN_GUILD),
    (State.AWAITING_DM, State.DECLINED),
    (State.ASKED_IN_GUILD, State.ASKED_MAIN),
    (State.ASKED_IN_GUILD, State.ASKED_ALTS),
    (State.ASKED_IN_GUILD, State.CONFIRM_MAIN),
    (State.ASKED_IN_GUILD, State.PENDING_VERIFICATION),
    (State.ASKED_MAIN, State.PENDING_VERIFICATION),
    (State.ASKED_MAIN, State.ASKED_ALTS),
    (State.ASKED_MAIN, State.CONFIRM_MAIN),
    (State.PENDING_VERIFICATION, State.CONFIRM_MAIN),
    (State.CONFIRM_MAIN, State.ASKED_MAIN),
    (State.CONFIRM_MAIN, State.ASKED_ALTS),
    (State.CONFIRM_MAIN, State.PENDING_VERIFICATION),
    (State.ASKED_ALTS, State.PENDING_VERIFICATION),
    (State.PENDING_VERIFICATION, State.VERIFIED),
    (State.VERIFIED, State.PROVISIONED),
    (State.VERIFIED, State.MANUALLY_RESOLVED),
    # ONB-8 step 3: the opening DM failed after the state moved.
    (State.ASKED_IN_GUILD, State.AWAITING_DM),
}
BEFORE_VERIFIED = {State.AWAITING_DM, State.DECLINED, *CONVERSATION_STATES}
EXPECTED_ALLOWED |= {(s, State.PENDING_VERIFICATION) for s in BEFORE_VERIFIED}  # /verify
EXPECTED_ALLOWED |= {(s, State.VERIFIED) for s in BEFORE_VERIFIED}  # /onboard-resolve
EXPECTED_ALLOWED |= {(s, State.DISMISSED) for s in OPEN_STATES}  # /onboard-dismiss
ALL_PAIRS = {(a, b) for a in State for b in State}
REFUSED = sorted(ALL_PAIRS - EXPECTED_ALLOWED)


def values_for(state, now):
    player = PlayerFactory()
    values = {
        "prompted_at": now,
        "dm_blocked_at": now,
        "dm_completed_at": now,
        "deadline_at": now + timedelta(hours=24),
        "player": player,
        "verified_at": now,
        "provisioned_at": now,
        "resolved_by": player,
    }
    return {name: values[name] for name in REQUIRED.get(state, ())}


def session_in(state, now):
    session = OnboardingSession.objects.create(discord_user=DiscordUserFactory())
    if state != State.AWAITING_DM:
        OnboardingSession.objects.filter(pk=session.pk).update(
            state=state, **values_for(state, now)
        )
        session.refresh_from_db()
    return session


def test_the_transition_table_is_exactly_onb_4():
    table = {(a, b) for a, targets in ALLOWED.items() for b in targets}
    assert table == EXPECTED_ALLOWED


def test_closed_states_are_provisioned_manually_resolved_and_dismissed():
    assert {State.PROVISIONED, State.MANUALLY_RESOLVED, State.DISMISSED} == CLOSED_STATES


@pytest.mark.parametrize(("source", "target"), sorted(EXPECTED_ALLOWED))
def test_every_allowed_transition_moves_and_records_one_event(source, target, now):
    session = session_in(source, now)
    fields = values_for(target, now)
    if target == State.PROVISIONED:
        fields["resolved_by"] = None
    if source == State.ASKED_IN_GUILD and target == State.AWAITING_DM:
        fields["prompted_at"] = None
    transition(session, to=target, now=now, trigger="test", **fields)
    session.refresh_from_db()
    assert session.state == target
    event = OnboardingEvent.objects.get(session=session)
    assert event.kind == OnboardingEvent.Kind.STATE
    assert event.detail == f"{source} -> {target}: test"
    assert event.at == now


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_every_other_transition_is_refused_and_changes_nothing(source, target, now):
    session = session_in(source, now)
    before = model_to_dict(session)
    with pytest.raises(Refused) as refusal:
        transition(session, to=target, now=now, trigger="test", **values_for(target, now))
    assert refusal.value.code == Refused.CONFLICT
    assert model_to_dict(session) == before  # the object in hand
    session.refresh_from_db()
    assert model_to_dict(session) == before  # and the row
    assert not OnboardingEvent.objects.filter(session=session).exists()


def test_provisioned_is_refused_when_an_officer_resolved_it(now):
    session = session_in(State.VERIFIED, now)
    session.resolved_by = session.player
    session.save()
    with pytest.raises(Refused):
        transition(session, to=State.PROVISIONED, now=now, trigger="t", provisioned_at=now)
    session.refresh_from_db()
    assert session.state == State.VERIFIED


def test_manually_resolved_needs_the_officer(now):
    session = session_in(State.VERIFIED, now)
    with pytest.raises(Refused):
        transition(session, to=State.MANUALLY_RESOLVED, now=now, trigger="t", provisioned_at=now)
    assert session.state == State.VERIFIED


def test_unknown_state_is_refused(now):
    session = session_in(State.AWAITING_DM, now)
    with pytest.raises(Refused):
        transition(session, to="flying", now=now, trigger="t")


def test_a_move_the_constraints_refuse_rolls_back_the_object_too(now):
    session = session_in(State.AWAITING_DM, now)
    with pytest.raises(IntegrityError), transaction.atomic():
        transition(session, to=State.ASKED_IN_GUILD, now=now, trigger="t")  # no prompted_at
    assert session.state == State.AWAITING_DM


def test_a_refused_move_puts_foreign_keys_back_without_reading_them(now):
    """ONB-4: the object in hand is restored, foreign keys by their id (issue 13: reading the
    related row first cost a query on every verification)."""
    session = session_in(State.PENDING_VERIFICATION, now)
    main = WowCharacterFactory()
    OnboardingSession.objects.filter(pk=session.pk).update(main_character=main)
    session.refresh_from_db()  # main_character_id set, the character itself not loaded
    other, player = WowCharacterFactory(), PlayerFactory()
    # `verified` needs `verified_at`: the constraint refuses the move.
    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(IntegrityError),
        transaction.atomic(),
    ):
        transition(
            session, to=State.VERIFIED, now=now, trigger="t", player=player, main_character=other
        )
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert reads == []
    assert session.state == State.PENDING_VERIFICATION
    assert session.player_id is None
    assert session.main_character_id == main.pk
    assert session.main_character == main


@pytest.mark.parametrize("state", list(State))
def test_reset_starts_a_new_round_from_any_state(state, now):
    session = session_in(state, now)
    created = session.created_at
    OnboardingSession.objects.filter(pk=session.pk).update(
        nudged_at=now,
        unclear_count=1,
        reported_main_name="Trogmoon",
        reported_alt_names=["Trogdor"],
        main_character=WowCharacterFactory(),
        escalated_at=now,
        escalation_reason=EscalationReason.NO_MATCH,
        verification_attempts=3,
        last_message_id=55,
        resolution_note="note",
    )
    session.refresh_from_db()
    later = now + timedelta(days=2)
    reset(session, now=later, trigger="rejoin")
    session.refresh_from_db()
    assert session.round == 2
    assert session.state == State.AWAITING_DM
    assert session.started_at == later
    assert session.created_at == created
    fresh = OnboardingSession(discord_user=session.discord_user)
    for field in OnboardingSession._meta.concrete_fields:
        if field.name in {
            "id",
            "discord_user",
            "created_at",
            "round",
            "state",
            "started_at",
            "updated_at",
        }:
            continue
        assert getattr(session, field.attname) == getattr(fresh, field.attname), field.name
    event = OnboardingEvent.objects.get(session=session)
    assert event.kind == OnboardingEvent.Kind.RESET
    assert "round 2" in event.detail


def test_reset_keeps_links_players_and_invites(now):
    session = session_in(State.VERIFIED, now)
    player = session.player
    reset(session, now=now, trigger="t")
    session.refresh_from_db()
    assert session.player is None
    assert type(player).objects.filter(pk=player.pk).exists()


def test_onb2_exactly_one_session_per_discord_user(now):
    session = session_in(State.AWAITING_DM, now)
    with pytest.raises(IntegrityError), transaction.atomic():
        OnboardingSession.objects.create(discord_user=session.discord_user)


@pytest.mark.parametrize(
    "bad",
    [
        {"state": "flying"},
        {"round": 0},
        {"role_status": "maybe"},
        {"escalated_at": None, "escalation_reason": EscalationReason.NO_MATCH},
        {"state": State.DECLINED},
        {"state": State.PENDING_VERIFICATION},
        {"state": State.VERIFIED},
    ],
)
def test_onb2_database_constraints_hold_the_invariants(bad, now):
    session = session_in(State.AWAITING_DM, now)
    with pytest.raises(IntegrityError), transaction.atomic():
        OnboardingSession.objects.filter(pk=session.pk).update(**bad)


def test_onb2_event_detail_is_cut_to_500(now):
    from onboarding.services.states import record_event

    session = session_in(State.AWAITING_DM, now)
    record_event(session, kind=OnboardingEvent.Kind.OFFICER, detail="x" * 900, now=now)
    assert len(OnboardingEvent.objects.get(session=session).detail) == 500
