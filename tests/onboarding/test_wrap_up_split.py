"""ONB-25's wrap-up in two steps (issue 13): `receive_dm` commits steps 1-2 (the "Got it -
thanks!" summary, `pending_verification` with `dm_completed_at` and the deadline) and returns
the summary for the bot to send at once; `finish_dm` then verifies (step 3) and returns the
closing line (step 4). A stop between the two leaves the session to the checker (ONB-32)."""

from datetime import timedelta

import pytest
from django_q.conf import Conf

from onboarding.bot_listeners import on_dm
from onboarding.models import OnboardingEvent, State
from onboarding.services.checker import run_checker
from onboarding.services.conversation import finish_dm, handle_dm, receive_dm
from onboarding.services.joins import member_joined
from onboarding.services.states import reset, transition
from patt.discord.events import DmIn, FollowUp, OutMessage
from patt.discord.rest import DiscordRestClient

from .conftest import session_of

pytestmark = pytest.mark.django_db

MATCHED = "Matched! Setting up your role and website access - one more message is coming."
PENDING = (
    "I'll check after every roster sync; if I can't find you within a day, an officer will help."
)


def texts(messages):
    return [m.content or m.embeds[0]["title"] for m in messages]


@pytest.fixture
def at_alts(member, now, roster):
    """A member asked for alts: joined, said yes and named Trogmoon."""
    member_joined(discord_user_id=member.discord_id, now=now)
    handle_dm(author_id=member.discord_id, message_id="1", text="yes", now=now)
    handle_dm(author_id=member.discord_id, message_id="2", text="Trogmoon", now=now)
    assert session_of(member).state == State.ASKED_ALTS
    return member


def test_onb25_steps_1_2_come_back_before_verification_runs(at_alts, now):
    turn = receive_dm(author_id=at_alts.discord_id, message_id="3", text="none", now=now)
    assert texts(turn.replies) == ["Got it - thanks!"]
    session = session_of(at_alts)
    assert turn.verify_session_id == session.pk
    # Step 2 is stored; step 3 has not run yet.
    assert session.state == State.PENDING_VERIFICATION
    assert session.dm_completed_at == now
    assert session.deadline_at == now + timedelta(hours=24)
    assert session.verification_attempts == 0
    # Steps 3-4.
    assert texts(finish_dm(session_id=session.pk, now=now)) == [MATCHED]
    session = session_of(at_alts)
    assert session.state == State.VERIFIED
    assert session.verification_attempts == 1
    outs = session.events.filter(kind=OnboardingEvent.Kind.DM_OUT).order_by("pk")
    assert list(outs.values_list("detail", flat=True))[-2:] == ["Got it - thanks!", MATCHED]


def test_onb25_not_found_closes_with_i_will_check(member, now):
    member_joined(discord_user_id=member.discord_id, now=now)
    handle_dm(author_id=member.discord_id, message_id="1", text="yes", now=now)
    handle_dm(author_id=member.discord_id, message_id="2", text="Nobody", now=now)
    turn = receive_dm(author_id=member.discord_id, message_id="3", text="none", now=now)
    assert texts(turn.replies) == ["Got it - thanks!"]
    assert texts(finish_dm(session_id=turn.verify_session_id, now=now)) == [PENDING]
    assert session_of(member).state == State.PENDING_VERIFICATION


def test_onb25_onb32_a_stop_between_the_two_steps_leaves_it_to_the_checker(
    at_alts, now, fake_discord, monkeypatch
):
    """The process dies after `receive_dm` committed: the session waits in
    `pending_verification` and the deadline checker verifies it (ONB-32 step 1)."""
    monkeypatch.setattr(Conf, "SYNC", True)
    turn = receive_dm(author_id=at_alts.discord_id, message_id="3", text="none", now=now)
    assert turn.verify_session_id is not None
    rest = DiscordRestClient(sleep=lambda seconds: None)
    try:
        report = run_checker(now=now + timedelta(minutes=30), client=rest)
    finally:
        rest.close()
    assert report.counts["verified"] == 1
    session = session_of(at_alts)
    assert session.state != State.PENDING_VERIFICATION
    assert session.player is not None
    assert session.last_verification_result == "verified"


def test_onb25_finish_after_the_checker_verified_says_matched(at_alts, now):
    turn = receive_dm(author_id=at_alts.discord_id, message_id="3", text="none", now=now)
    handle_dm(author_id=at_alts.discord_id, message_id="4", text="Trogmoon", now=now)  # ONB-23
    assert session_of(at_alts).state == State.VERIFIED
    assert texts(finish_dm(session_id=turn.verify_session_id, now=now)) == [MATCHED]


def test_onb25_finish_on_a_session_that_moved_on_says_nothing(at_alts, now):
    turn = receive_dm(author_id=at_alts.discord_id, message_id="3", text="none", now=now)
    session = session_of(at_alts)
    reset(session, now=now, trigger="officer restarted it")
    assert finish_dm(session_id=turn.verify_session_id, now=now) == []
    transition(session, to=State.DISMISSED, now=now, trigger="officer")
    assert finish_dm(session_id=turn.verify_session_id, now=now) == []
    assert finish_dm(session_id=session.pk + 999, now=now) == []


def test_onb23_a_new_name_while_pending_is_found_first_then_verified(member, now, roster):
    member_joined(discord_user_id=member.discord_id, now=now)
    handle_dm(author_id=member.discord_id, message_id="1", text="no", now=now)  # ONB-19
    turn = receive_dm(author_id=member.discord_id, message_id="2", text="Trogdor", now=now)
    assert texts(turn.replies) == ["Found **Trogdor** - Sen'jin, Druid (Member)."]
    assert session_of(member).state == State.PENDING_VERIFICATION
    assert texts(finish_dm(session_id=turn.verify_session_id, now=now)) == [MATCHED]
    assert session_of(member).state == State.VERIFIED


def test_onb25_the_dm_listener_answers_the_wrap_up_in_two_steps(member, roster):
    """BOT-8: the listener returns the summary and the verification as a `FollowUp`; other
    answers are plain replies. (The listener reads the real clock.)"""
    at_alts = member
    member_joined(discord_user_id=member.discord_id)
    on_dm(DmIn(author_id=member.discord_id, message_id="1", text="yes"))
    on_dm(DmIn(author_id=member.discord_id, message_id="2", text="Trogmoon"))
    result = on_dm(DmIn(author_id=at_alts.discord_id, message_id="3", text="none"))
    assert isinstance(result, FollowUp)
    assert texts(result.messages) == ["Got it - thanks!"]
    assert session_of(at_alts).state == State.PENDING_VERIFICATION
    assert texts(result.then()) == [MATCHED]
    assert session_of(at_alts).state == State.VERIFIED
    later = on_dm(DmIn(author_id=at_alts.discord_id, message_id="4", text="hello"))
    assert isinstance(later, list)
    assert all(isinstance(m, OutMessage) for m in later)
