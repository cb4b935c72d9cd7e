"""The officer admin basics (ONB-60), the demo sessions (issue 13 item 5), the registry
contributions and the bot listeners (BOT-8 adapters over the services)."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from identity.services.accounts import sync_officer_access
from onboarding.bot_listeners import on_dm, on_member_join, report_join
from onboarding.models import OnboardingEvent, OnboardingSession, State
from patt import registry
from patt.discord.events import DM, DMS_CLOSED, MEMBER_JOIN, Delivery, DmIn, MemberInfo
from tests.factories import PlayerFactory, UserFactory, rank

from .conftest import session_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def _demo_settings(settings):
    settings.DEBUG = True


def seed():
    call_command("seed_demo", "--players", "0", stdout=io.StringIO())


def test_seed_demo_shows_sessions_in_several_states_and_is_idempotent(_demo_settings):
    seed()
    states = set(OnboardingSession.objects.values_list("state", flat=True))
    assert {
        State.AWAITING_DM,
        State.ASKED_MAIN,
        State.ASKED_ALTS,
        State.DECLINED,
        State.PENDING_VERIFICATION,
        State.DISMISSED,
    } <= states
    before = (
        sorted(OnboardingSession.objects.values_list("pk", "discord_user_id", "state")),
        OnboardingEvent.objects.count(),
    )
    assert before[1] > 0
    seed()
    after = (
        sorted(OnboardingSession.objects.values_list("pk", "discord_user_id", "state")),
        OnboardingEvent.objects.count(),
    )
    assert after == before


@pytest.fixture
def officer_client(client):
    """A non-superuser Officer by the officer rule (ACC-35), as the campaigns admin tests."""
    user = UserFactory(username="olga")
    PlayerFactory(display_name="Officer Olga", user=user, guild_rank=rank("Officer"))
    sync_officer_access(user)
    client.force_login(user)
    return client


def test_officers_may_view_and_change_sessions_and_only_view_events():
    officers = Group.objects.get(name="Officers")
    codenames = set(
        officers.permissions.filter(content_type__app_label="onboarding").values_list(
            "codename", flat=True
        )
    )
    assert codenames == {
        "view_onboardingsession",
        "change_onboardingsession",
        "view_onboardingevent",
    }


def test_changelist_filters_by_state_and_open(officer_client, _demo_settings):
    seed()
    url = "/admin/onboarding/onboardingsession/"
    page = officer_client.get(url, {"state__exact": "declined"})
    assert page.status_code == 200
    assert b"closeddoors" in page.content
    assert b"freshfern" not in page.content
    closed = officer_client.get(url, {"open": "no"})
    assert b"wanderer" in closed.content and b"freshfern" not in closed.content


def test_change_page_is_read_only_but_the_note_with_the_timeline_inline(
    officer_client, _demo_settings
):
    seed()
    session = OnboardingSession.objects.get(discord_user__username="quietquill")
    url = f"/admin/onboarding/onboardingsession/{session.pk}/change/"
    page = officer_client.get(url)
    assert page.status_code == 200
    assert b'name="resolution_note"' in page.content
    assert b'name="state"' not in page.content
    assert b"asked_in_guild -&gt; asked_main" in page.content
    response = officer_client.post(
        url,
        {
            "resolution_note": "Spoke to them",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.resolution_note, session.state) == ("Spoke to them", State.ASKED_MAIN)


def test_bot_listeners_are_registered_after_identitys_upsert():
    joins = [
        listener.name
        for listener in registry.registry.of(registry.BotListener)
        if listener.event == MEMBER_JOIN
    ]
    assert joins.index("identity.member_join") < joins.index("onboarding.member_join")
    assert any(
        listener.name == "onboarding.dm"
        for listener in registry.registry.of(registry.BotListener)
        if listener.event == DM
    )


def test_listeners_adapt_values_to_the_services(member):
    info = MemberInfo(id=member.discord_id, username=member.username)
    opening = on_member_join(info)
    assert opening.embeds[0]["title"].startswith("Welcome to")
    report_join(info, Delivery(outcome=DMS_CLOSED))
    assert session_of(member).state == State.DECLINED
    replies = on_dm(DmIn(author_id=member.discord_id, message_id="77", text="yes"))
    assert replies[0].embeds[0]["title"].startswith("Welcome to")
    assert session_of(member).state == State.ASKED_IN_GUILD
