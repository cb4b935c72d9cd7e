"""ONB-2's timeline written in one insert per handler (issue 13): `batched_events` holds the
rows back and inserts them, in the order recorded, when its block ends; nothing is written
when the block fails, and a verification whose savepoint rolled back drops its rows (ONB-26:
"an exception rolls back and is recorded as error"). ONB-26 step 6's rank is recomputed once
per verification, after every link."""

import pytest
from django.db import transaction

from identity.services import ranks
from onboarding.models import OnboardingEvent, State
from onboarding.services import verification
from onboarding.services.states import batched_events, record_event
from onboarding.services.verification import verify_session
from tests.factories import WowCharacterFactory, playable_class, rank
from tests.onboarding.support import pending_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_tasks(monkeypatch):
    monkeypatch.setattr("django_q.tasks.async_task", lambda *a, **k: None)


def timeline(session):
    return list(session.events.order_by("pk").values_list("kind", "detail"))


def test_onb2_batched_rows_are_inserted_in_one_query_in_order(
    member, now, django_assert_num_queries
):
    session = pending_session(member, now)
    with django_assert_num_queries(2), batched_events():  # the count below and the insert
        for detail in ("one", "two", "three"):
            record_event(session, kind=OnboardingEvent.Kind.DM_OUT, detail=detail, now=now)
        held_back = session.events.count()
    assert held_back == 0
    assert [d for _, d in timeline(session)] == ["one", "two", "three"]


def test_onb2_a_failed_block_writes_no_rows(member, now):
    session = pending_session(member, now)
    with pytest.raises(RuntimeError), transaction.atomic(), batched_events():
        record_event(session, kind=OnboardingEvent.Kind.DM_OUT, detail="never", now=now)
        raise RuntimeError("stop")
    assert timeline(session) == []
    # Outside a block a row is written at once.
    record_event(session, kind=OnboardingEvent.Kind.DM_OUT, detail="now", now=now)
    assert [d for _, d in timeline(session)] == ["now"]


def test_onb26_a_rolled_back_verification_leaves_only_its_error_on_the_timeline(
    member, roster, now, monkeypatch
):
    def boom(session, *, now):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(verification, "grant_access", boom)  # after the move to verified
    session = pending_session(member, now, reported_main_name="Trogmoon")
    with transaction.atomic(), batched_events():
        result = verify_session(session, now=now)
    assert result.result == "error"
    session.refresh_from_db()
    assert session.state == State.PENDING_VERIFICATION
    assert timeline(session) == [
        (OnboardingEvent.Kind.VERIFICATION, "error: RuntimeError: disk on fire")
    ]


def test_onb26_step_6_recomputes_the_rank_once_after_every_link(member, now, monkeypatch):
    druid = playable_class("Druid")
    main = WowCharacterFactory(name="Trogmoon", guild_rank=rank("Member"), playable_class=druid)
    WowCharacterFactory(name="Trogalt", guild_rank=rank("Officer"), playable_class=druid)
    WowCharacterFactory(name="Trogtwo", guild_rank=rank("Veteran"), playable_class=druid)
    calls = []
    real = ranks.recompute_player_ranks

    def counting(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(ranks, "recompute_player_ranks", counting)
    monkeypatch.setattr(verification, "recompute_player_ranks", counting)
    session = pending_session(
        member, now, reported_main_name="Trogmoon", reported_alt_names=["Trogtwo", "Trogalt"]
    )
    with transaction.atomic():
        result = verify_session(session, now=now)
    assert result.verified
    assert len(calls) == 1
    player = result.player
    player.refresh_from_db()
    assert player.main_character == main
    # The alt linked in the same verification counts (Veteran above Member); the officer-rank
    # alt is skipped and noted (ONB-26 step 5).
    assert player.guild_rank.name == "Veteran"
    assert "Trogalt: officer rank" in result.detail
