"""Query budgets of the bot's onboarding handler paths (issue 13: 50 members joining and
answering at once on one bot process; every query is CPU the next member waits for). Each
budget is what the path takes today; a change that adds a query fails here first.

The join is both listeners (identity's DiscordUser upsert, IDN-28, then ONB-8 with the opening
DM); the answers are ONB-16 ("yes"), ONB-17 (the main's name) and ONB-25 ("none": steps 1-2 in
`receive_dm`, steps 3-4, ONB-26's verification, in `finish_dm`). Inside a test's transaction
each of the services' transactions is a savepoint, so the counts match a live run's."""

import pytest

from identity.bot_listeners import on_member_join as identity_join
from onboarding.bot_listeners import on_member_join as onboarding_join
from onboarding.models import State
from onboarding.services.conversation import finish_dm, receive_dm
from patt.discord.events import MemberInfo
from patt.models import SiteConfig

from .conftest import session_of

pytestmark = pytest.mark.django_db

JOIN_QUERIES = 16  # identity 5 (ladder, upsert in a transaction), onboarding 11
YES_QUERIES = 9
NAME_QUERIES = 10
NONE_QUERIES = 10
VERIFY_QUERIES = 31  # ONB-26 for a new player: player, link, rank, access step, the timeline


@pytest.fixture(autouse=True)
def warm_site_config(db):
    SiteConfig.get()  # cached per process, as in the running bot


def dm(member, message_id, text, now):
    return receive_dm(author_id=member.discord_id, message_id=message_id, text=text, now=now)


def test_issue13_onb8_join_queries(django_assert_max_num_queries, db):
    info = MemberInfo(id="4242", username="newbie", display_name="Newbie")
    with django_assert_max_num_queries(JOIN_QUERIES):
        identity_join(info)
        opening = onboarding_join(info)
    assert opening is not None


def test_issue13_onb16_onb17_onb25_onb26_answer_queries(
    django_assert_max_num_queries, member, roster, now
):
    onboarding_join(MemberInfo(id=member.discord_id, username=member.username))
    with django_assert_max_num_queries(YES_QUERIES):
        dm(member, "1", "yes", now)
    with django_assert_max_num_queries(NAME_QUERIES):
        dm(member, "2", "Trogmoon", now)
    with django_assert_max_num_queries(NONE_QUERIES):
        turn = dm(member, "3", "none", now)
    assert turn.verify_session_id is not None
    with django_assert_max_num_queries(VERIFY_QUERIES):
        finish_dm(session_id=turn.verify_session_id, now=now)
    assert session_of(member).state == State.VERIFIED
