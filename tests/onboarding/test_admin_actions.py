"""The officer admin (ONB-60 columns, filters and header; ONB-61 actions; ONB-62 "Run checker
now"): each action goes through the commands' services, refusals become messages, Discord I/O
is queued, and the changelist costs the same number of queries however many sessions."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from identity.models import SyncRun
from identity.services.accounts import sync_officer_access
from onboarding import checker_tasks
from onboarding.models import OnboardingEvent, OnboardingSession, State
from tests.factories import DiscordUserFactory, PlayerFactory, UserFactory, rank

from .test_commands import open_session

pytestmark = pytest.mark.django_db

URL = "/admin/onboarding/onboardingsession/"


@pytest.fixture
def officer_client(client):
    user = UserFactory(username="olga")
    PlayerFactory(display_name="Officer Olga", user=user, guild_rank=rank("Officer"))
    sync_officer_access(user)
    client.force_login(user)
    return client


@pytest.fixture
def queued(monkeypatch):
    """django-q2's `async_task` as the checker's module calls it: the queued task names."""
    names = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda name, *a, **kw: names.append(name))
    return names


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def sessions(now):
    """One session per flag of the filters."""
    overdue = open_session(
        DiscordUserFactory(username="overdueowl"),
        state=State.PENDING_VERIFICATION,
        now=now - timedelta(days=2),
        deadline_at=now - timedelta(hours=1),
        escalated_at=now - timedelta(minutes=30),
    )
    quiet = open_session(
        DiscordUserFactory(username="quietquokka"),
        state=State.ASKED_MAIN,
        prompted_at=now - timedelta(hours=2),
    )
    closed = open_session(
        DiscordUserFactory(username="closedcrow", is_present=False, left_at=now),
        state=State.DECLINED,
        round=2,
    )
    fresh = open_session(
        DiscordUserFactory(username="freshfox"), state=State.ASKED_IN_GUILD, prompted_at=now
    )
    return overdue, quiet, closed, fresh


def names_in(page) -> set[str]:
    return {
        name
        for name in ("overdueowl", "quietquokka", "closedcrow", "freshfox")
        if name.encode() in page.content
    }


def test_onb_60_filters(officer_client):
    sessions(timezone.now())
    expected = {
        "overdue=yes": {"overdueowl"},
        "quiet=yes": {"quietquokka"},
        "dms_closed=yes": {"closedcrow"},
        "escalated=not_posted": {"overdueowl"},
        "escalated=no": {"quietquokka", "closedcrow", "freshfox"},
        "present=no": {"closedcrow"},
        "later_round=yes": {"closedcrow"},
    }
    for query, names in expected.items():
        page = officer_client.get(f"{URL}?{query}")
        assert page.status_code == 200, query
        assert names_in(page) == names, query


def test_onb_60_columns_and_header(officer_client):
    now = timezone.now()
    sessions(now)
    SyncRun.objects.create(
        source=SyncRun.Source.ONBOARDING,
        trigger="schedule",
        status="success",
        finished_at=timezone.now(),
        counts={"nudged": 2},
    )
    page = officer_client.get(URL)
    html = page.content.decode()
    assert 'class="onb-badge"' in html and "Pending verification" in html
    assert 'class="onb-overdue"' in html  # the overdue deadline in red
    assert "not posted" in html  # escalated, no audit post yet
    assert "<strong>Open:</strong>" in html and "Asked: main character 1" in html
    assert "nudged 2" in html
    assert "Run checker now" in html


def test_onb_60_the_changelist_costs_constant_queries(
    officer_client, django_assert_max_num_queries
):
    now = timezone.now()
    sessions(now)
    officer_client.get(URL)  # warm the caches (site config, content types)
    with django_assert_max_num_queries(16) as few:
        officer_client.get(URL)
    for _ in range(6):
        open_session(DiscordUserFactory(), state=State.ASKED_MAIN, prompted_at=now)
    with django_assert_max_num_queries(len(few.captured_queries)):
        officer_client.get(URL)


def test_onb_62_run_checker_now_queues_the_checker(officer_client, queued):
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = officer_client.post(f"{URL}run-checker/")
    assert response.status_code == 302
    assert queued == [checker_tasks.CHECKER_TASK]
    assert "The onboarding checker is queued" in messages_of(response)[0]


def test_onb_61_retry_reports_per_row_results(officer_client):
    overdue, _, _, fresh = sessions(timezone.now())
    dismissed = open_session(DiscordUserFactory(), state=State.DISMISSED)
    response = officer_client.post(
        URL,
        {"action": "retry_action", "_selected_action": [overdue.pk, dismissed.pk, fresh.pk]},
    )
    assert response.status_code == 302
    assert sorted(messages_of(response)[0].split(", ")) == [
        "1 skipped (asked_in_guild)",
        "1 skipped (closed)",
        "1 still pending",
    ]


def test_onb_61_dismiss_asks_for_a_reason_then_dismisses_open_sessions(officer_client):
    quiet = sessions(timezone.now())[1]
    done = open_session(DiscordUserFactory(), state=State.DISMISSED)
    selected = [quiet.pk, done.pk]
    page = officer_client.post(URL, {"action": "dismiss_action", "_selected_action": selected})
    assert page.status_code == 200
    assert b'name="reason"' in page.content and b"quietquokka" in page.content
    response = officer_client.post(
        URL,
        {
            "action": "dismiss_action",
            "_selected_action": selected,
            "apply": "Dismiss",
            "reason": "duplicate account",
        },
    )
    assert response.status_code == 302
    quiet.refresh_from_db()
    assert quiet.state == State.DISMISSED and quiet.resolution_note == "duplicate account"
    assert quiet.resolved_by.display_name == "Officer Olga"
    assert quiet.events.filter(kind=OnboardingEvent.Kind.OFFICER).exists()
    assert sorted(messages_of(response)[0].split(", ")) == ["1 dismissed", "1 skipped (closed)"]


def test_onb_61_restart_resets_present_members_and_queues_the_opening_dm(
    officer_client, monkeypatch
):
    from django.test import TestCase

    from onboarding.command_tasks import OPENING_TASK

    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args: queued.append(args))
    _, quiet, closed, _ = sessions(timezone.now())
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = officer_client.post(
            URL, {"action": "restart_action", "_selected_action": [quiet.pk, closed.pk]}
        )
    quiet.refresh_from_db()
    assert (quiet.state, quiet.round) == (State.AWAITING_DM, 2)
    closed.refresh_from_db()
    assert closed.state == State.DECLINED  # not in the server: skipped
    assert queued == [(OPENING_TASK, quiet.pk)]
    assert sorted(messages_of(response)[0].split(", ")) == [
        "1 restarted (opening DM queued)",
        "1 skipped (not in the server)",
    ]


def test_onb_61_restart_opening_dm_task_against_fake_discord(fake_discord):
    from onboarding.command_tasks import send_opening_dm

    now = timezone.now()
    sent_to = DiscordUserFactory(username="sentsam")
    fake_discord.add_member(sent_to.discord_id, username="sentsam")
    closed_to = DiscordUserFactory(username="closedcal")
    fake_discord.add_member(closed_to.discord_id, username="closedcal")
    fake_discord.close_dms(closed_to.discord_id)
    sent = open_session(sent_to, now=now - timedelta(days=30))
    closed = open_session(closed_to, now=now - timedelta(days=30))
    assert send_opening_dm(sent.pk, now=now) == "sent"
    assert send_opening_dm(closed.pk, now=now) == "dms_closed"
    sent.refresh_from_db()
    closed.refresh_from_db()
    assert sent.state == State.ASKED_IN_GUILD and sent.opening_dm_sent_at == now
    assert len(fake_discord.dm_messages(sent_to.discord_id)) == 1
    assert closed.state == State.DECLINED and closed.landing_notice_status == "queued"
    assert send_opening_dm(sent.pk, now=now) == "skipped: not awaiting the opening DM"


def test_onb_61_resend_invite_shows_the_code(officer_client):
    member = DiscordUserFactory(username="inviteivy")
    session = open_session(member, state=State.PROVISIONED)
    response = officer_client.post(
        URL, {"action": "resend_invite_action", "_selected_action": [session.pk]}
    )
    session.refresh_from_db()
    [message] = messages_of(response)
    assert message.startswith("Inviteivy (@inviteivy): Invite for <@")
    assert f"code {session.invite.code}" in message


def test_onb_61_resolve_from_the_change_page(officer_client, roster):
    from django.test import TestCase

    member = DiscordUserFactory(username="resolvee")
    session = open_session(member, state=State.ASKED_MAIN, prompted_at=timezone.now())
    page = officer_client.get(f"{URL}{session.pk}/change/")
    assert b'id="onb-resolve-form"' in page.content
    assert b'<option value="Trogmoon-Sen&#x27;jin">' in page.content
    with TestCase.captureOnCommitCallbacks(execute=False):
        response = officer_client.post(
            f"{URL}{session.pk}/resolve/", {"character": "Trogmoon", "note": "checked in game"}
        )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.state == State.VERIFIED and session.resolution_note == "checked in game"
    assert session.resolved_by.display_name == "Officer Olga"
    assert messages_of(response)[0].startswith("Resolved <@")


def test_onb_61_resolve_refusal_is_a_message(officer_client, db):
    member = DiscordUserFactory()
    session = open_session(member, state=State.ASKED_MAIN, prompted_at=timezone.now())
    response = officer_client.post(f"{URL}{session.pk}/resolve/", {"character": "Nobody"})
    assert response.status_code == 302
    assert messages_of(response) == ["No character named Nobody on record."]
    assert OnboardingSession.objects.get(pk=session.pk).state == State.ASKED_MAIN


# --- ONB-62: the SiteConfig admin's onboarding group ---------------------------------------------


def _siteconfig_page(client):
    from patt.models import SiteConfig

    return client.get(f"/admin/patt/siteconfig/{SiteConfig.get().pk}/change/")


def test_onb_62_siteconfig_shows_the_dm_backlog_beside_the_dm_switch(officer_client):
    for _ in range(2):
        open_session(DiscordUserFactory(), state=State.AWAITING_DM)
    open_session(DiscordUserFactory(), state=State.PENDING_VERIFICATION)

    page = _siteconfig_page(officer_client).content.decode()

    assert "Backlog: 2 onboarding sessions wait for an opening DM." in page
    switch = page.index('name="bot_dms_enabled"')
    assert switch < page.index("Backlog: 2") < switch + 1500, "the note sits by the switch"


def test_onb_62_siteconfig_warns_when_the_landing_or_audit_channel_is_empty(officer_client):
    from patt.models import SiteConfig, clear_site_config_cache

    SiteConfig.objects.update(onboarding_landing_channel_id="", discord_audit_channel_id="")
    clear_site_config_cache()
    texts = [str(m) for m in get_messages(_siteconfig_page(officer_client).wsgi_request)]
    assert any("landing channel is empty" in t for t in texts)
    assert any("audit channel is empty" in t for t in texts)

    SiteConfig.objects.update(
        onboarding_landing_channel_id="123456789012345678",
        discord_audit_channel_id="123456789012345679",
    )
    clear_site_config_cache()
    texts = [str(m) for m in get_messages(_siteconfig_page(officer_client).wsgi_request)]
    assert not any("channel is empty" in t for t in texts)


def test_bot13_admin_actions_queue_discord_work_and_never_call_discord_inline(
    officer_client, fake_discord, monkeypatch
):
    """BOT-13: an officer's Restart, Retry and Resend in the admin reach Discord only through
    queued tasks: while the request runs, the fake Discord server sees no request at all."""
    from django.test import TestCase

    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args, **kw: queued.append(args))
    _, quiet, _, _ = sessions(timezone.now())
    fake_discord.add_member(quiet.discord_user.discord_id, username="quiet")
    with TestCase.captureOnCommitCallbacks(execute=True):
        for action in ("retry_action", "resend_invite_action", "restart_action"):
            officer_client.post(URL, {"action": action, "_selected_action": [quiet.pk]})
    assert fake_discord.requests == []
    assert queued, "the restart queued its opening DM"
