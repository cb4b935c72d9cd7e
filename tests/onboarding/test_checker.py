"""The onboarding checker (ONB-31 … ONB-35, ONB-40, ONB-41, ONB-11, ONB-1) as a service with an
injected `now`, through the real REST client against `fake_discord` (BOT-32): the exact posts
and DMs, the job lock, the batch limit, once-only nudges and escalations, and the pauses."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_q.conf import Conf

from identity.models import SyncRun, SyncSource, SyncStatus
from onboarding.checker_tasks import CHECKER_TASK, queue_checker_run, run_deadline_checker
from onboarding.models import (
    EscalationReason,
    LandingNoticeStatus,
    OnboardingEvent,
    OnboardingSession,
    State,
    WelcomeDmStatus,
)
from onboarding.services import checker as checker_module
from onboarding.services import notices, timing
from onboarding.services.checker import (
    CHECKER_LOCK_ID,
    CHECKER_NAME,
    DISABLED,
    SKIPPED,
    run_checker,
)
from onboarding.services.joins import report_opening_dm
from patt.discord.events import DMS_CLOSED
from patt.discord.rest import DiscordRestClient
from patt.job_lock import JobLock
from patt.models import SiteConfig
from patt.registry import schedules
from tests.factories import DiscordUserFactory, WowCharacterFactory, playable_class, rank

pytestmark = pytest.mark.django_db

SITE = "https://patt.example.org"
MESSAGES = "/channels/{channel_id}/messages"
OPEN_DM = "/users/@me/channels"
ASK_MAIN = (
    "What's your main character's name? The name alone is fine; add -Realm if you play on "
    "another realm."
)


@pytest.fixture(autouse=True)
def q_sync(monkeypatch, settings):
    """django-q2 reads Q_CLUSTER once into `Conf`: switch sync mode on there."""
    monkeypatch.setattr(Conf, "SYNC", True)
    settings.SITE_URL = SITE


@pytest.fixture
def client(fake_discord):
    """The REST client with sleeps recorded, not slept (BOT-31)."""
    slept: list[float] = []
    rest = DiscordRestClient(sleep=slept.append)
    rest.slept = slept
    yield rest
    rest.close()


@pytest.fixture
def channels(fake_discord):
    """The officers' (audit) and landing channels, set on SiteConfig."""
    config = SiteConfig.get()
    config.discord_audit_channel_id = fake_discord.add_channel(name="officers")
    config.onboarding_landing_channel_id = fake_discord.add_channel(name="welcome")
    config.save()
    return config


def joined(fake_discord, now, *, username="trog", days_ago=1, present=True):
    """A member of the fake server with their DiscordUser."""
    member = fake_discord.add_member(username=username)
    return DiscordUserFactory(
        discord_id=member["user"]["id"],
        username=username,
        joined_at=now - timedelta(days=days_ago),
        is_present=present,
    )


def session(user, now, state=State.AWAITING_DM, **fields):
    return OnboardingSession.objects.create(
        discord_user=user,
        state=state,
        started_at=now - timedelta(days=1),
        created_at=fields.pop("created_at", now - timedelta(days=1)),
        **fields,
    )


def pending(user, now, *, name="Nobody", overdue=True, **fields):
    """A `pending_verification` session whose deadline has passed (or not)."""
    deadline = now - timedelta(minutes=1) if overdue else now + timedelta(hours=1)
    fields.setdefault("is_in_guild", True)
    return session(
        user,
        now,
        State.PENDING_VERIFICATION,
        reported_main_name=name,
        dm_completed_at=deadline - timedelta(hours=24),
        deadline_at=deadline,
        **fields,
    )


def quiet(user, now, state=State.ASKED_MAIN, *, minutes=61, **fields):
    return session(user, now, state, prompted_at=now - timedelta(minutes=minutes), **fields)


def posts_to(fake_discord, channel_id):
    """The POST requests to one channel's messages."""
    path = f"/channels/{channel_id}/messages"
    return [r for r in fake_discord.requests_to("POST", MESSAGES) if r.path == path]


def refresh(row):
    row.refresh_from_db()
    return row


# --- ONB-1 pause, ONB-31 lock and record ----------------------------------------------------


def test_onb1_onboarding_off_the_checker_is_a_no_op(fake_discord, client, channels, now):
    config = SiteConfig.get()
    config.onboarding_enabled = False
    config.save()
    waiting = session(joined(fake_discord, now), now)
    overdue = pending(joined(fake_discord, now, username="late"), now)

    report = run_checker(now=now, client=client)

    assert report.outcome == DISABLED
    assert run_deadline_checker() == "Onboarding checker disabled"
    assert fake_discord.requests == []
    assert refresh(waiting).state == State.AWAITING_DM
    assert refresh(overdue).verification_attempts == 0
    assert refresh(overdue).escalated_at is None
    assert not SyncRun.objects.filter(source=SyncSource.ONBOARDING).exists()


def test_onb1_dms_off_no_dm_starts_but_channel_posts_go(fake_discord, client, channels, now):
    config = SiteConfig.get()
    config.bot_dms_enabled = False
    config.save()
    waiting = session(joined(fake_discord, now), now)
    silent = quiet(joined(fake_discord, now, username="silent"), now)
    overdue = pending(joined(fake_discord, now, username="late"), now)

    report = run_checker(now=now, client=client)

    assert refresh(waiting).state == State.AWAITING_DM
    assert refresh(silent).nudged_at is None
    assert fake_discord.requests_to("POST", OPEN_DM) == []
    assert report.counts["resumed"] == report.counts["nudged"] == 0
    assert refresh(overdue).escalation_posted_at == now
    assert len(fake_discord.channel_messages(channels.discord_audit_channel_id)) == 1


def test_onb31_a_run_that_finds_the_lock_taken_skips(fake_discord, client, now):
    waiting = session(joined(fake_discord, now), now)
    if connection.vendor == "postgresql":
        # A session-level advisory lock is re-entrant within one connection: hold it from
        # another one, as a second worker would.
        other = connection.copy()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [CHECKER_LOCK_ID])
        try:
            report = run_checker(now=now, client=client)
        finally:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [CHECKER_LOCK_ID])
            other.close()
    else:
        with JobLock(key=CHECKER_LOCK_ID, name=CHECKER_NAME, ttl=60) as held:
            assert held
            report = run_checker(now=now, client=client)
    assert report.outcome == SKIPPED
    assert report.line == "Onboarding checker skipped: already running"
    assert fake_discord.requests == []
    assert refresh(waiting).state == State.AWAITING_DM
    # The lock is free again: the next run works.
    assert run_checker(now=now, client=client).counts["resumed"] == 1


def test_onb32_each_run_records_a_syncrun_with_its_counts(fake_discord, client, now):
    session(joined(fake_discord, now), now)
    report = run_checker(now=now, client=client)
    run = SyncRun.objects.get(source=SyncSource.ONBOARDING)
    assert run.status == SyncStatus.SUCCESS
    assert run.counts == report.counts
    assert run.counts["resumed"] == 1, (run.counts, run.details)
    assert set(run.counts) >= {
        "verified",
        "provisioned",
        "provisioning_failed",
        "escalated",
        "escalations_posted",
        "nudged",
        "resumed",
        "dms_closed",
        "still_pending",
        "errors",
    }


def test_onb31_one_sessions_error_is_recorded_and_the_run_goes_on(
    fake_discord, client, now, monkeypatch
):
    first = pending(joined(fake_discord, now, username="first"), now, overdue=False)
    second = pending(joined(fake_discord, now, username="second"), now, overdue=False)
    calls = []

    def verify(row, *, now):
        calls.append(row.pk)
        if row.pk == first.pk:
            raise RuntimeError("boom")
        return None

    monkeypatch.setattr(checker_module, "verify_session", verify)
    report = run_checker(now=now, client=client)

    assert calls == [first.pk, second.pk]
    assert report.counts["errors"] == 1
    event = first.events.get(kind=OnboardingEvent.Kind.VERIFICATION)
    assert "checker error" in event.detail and "boom" in event.detail
    assert SyncRun.objects.get(source=SyncSource.ONBOARDING).status == SyncStatus.PARTIAL


# --- ONB-32 step 5: resume --------------------------------------------------------------------


def test_onb32_resume_sends_the_opening_dm_to_the_oldest_in_batches(
    fake_discord, client, now, settings
):
    settings.ONBOARDING_RESUME_BATCH = 3
    rows = [
        session(
            joined(fake_discord, now, username=f"m{n}"),
            now,
            created_at=now - timedelta(hours=10 - n),
        )
        for n in range(5)
    ]
    report = run_checker(now=now, client=client)

    assert report.counts["resumed"] == 3
    states = [refresh(row).state for row in rows]
    assert states == [State.ASKED_IN_GUILD] * 3 + [State.AWAITING_DM] * 2
    first = rows[0]
    assert first.opening_dm_sent_at == first.prompted_at == now
    [dm] = fake_discord.dm_messages(first.discord_user.discord_id)
    config = SiteConfig.get()
    assert dm.embeds[0]["title"] == f"Welcome to {config.guild_name}!"
    # The next run takes the rest.
    assert run_checker(now=now, client=client).counts["resumed"] == 2


def test_onb32_resume_skips_absent_and_long_ago_members(fake_discord, client, now):
    absent = session(joined(fake_discord, now, username="gone", present=False), now)
    old = session(joined(fake_discord, now, username="old", days_ago=15), now)
    recent = session(joined(fake_discord, now, username="new", days_ago=13), now)

    run_checker(now=now, client=client)

    assert refresh(absent).state == State.AWAITING_DM
    assert refresh(old).state == State.AWAITING_DM
    assert refresh(recent).state == State.ASKED_IN_GUILD
    assert len(fake_discord.requests_to("POST", MESSAGES)) == 1


def test_onb40_resume_dms_closed_declines_and_posts_the_landing_notice(
    fake_discord, client, channels, now
):
    user = joined(fake_discord, now)
    fake_discord.close_dms(user.discord_id)
    row = session(user, now)

    report = run_checker(now=now, client=client)

    row = refresh(row)
    assert row.state == State.DECLINED
    assert row.dm_blocked_at == now
    assert row.landing_notice_status == LandingNoticeStatus.POSTED
    assert report.counts["dms_closed"] == 1 and report.counts["landing_notices"] == 1
    [notice] = fake_discord.channel_messages(channels.onboarding_landing_channel_id)
    assert notice.content == (
        f"<@{user.discord_id}> Welcome to {channels.guild_name}! I couldn't DM you - your "
        "settings block DMs from server members. Run `/verify` with your character name here "
        "(only you see my reply), or allow DMs and ask an officer to restart your onboarding."
    )
    [post] = posts_to(fake_discord, notice.channel_id)
    assert post.json["allowed_mentions"] == {"parse": [], "users": [user.discord_id]}
    # Declined is never resumed, and the notice goes once per round.
    fake_discord.clear_log()
    run_checker(now=now + timedelta(hours=1), client=client)
    assert fake_discord.requests_to("POST", MESSAGES) == []


def test_onb32_resume_transient_failure_waits_for_the_next_run(fake_discord, client, now):
    row = session(joined(fake_discord, now), now)
    fake_discord.script("POST", MESSAGES, [503, 503, 503, 503])

    report = run_checker(now=now, client=client)

    assert refresh(row).state == State.AWAITING_DM
    assert refresh(row).opening_dm_sent_at is None
    assert report.counts["resumed"] == 0 and report.counts["errors"] == 0
    assert run_checker(now=now, client=client).counts["resumed"] == 1
    assert refresh(row).state == State.ASKED_IN_GUILD


# --- ONB-41: landing notices ----------------------------------------------------------------


def test_onb41_welcome_variant_and_outcomes(fake_discord, client, channels, now):
    user = joined(fake_discord, now)
    row = session(
        user,
        now,
        State.DECLINED,
        dm_blocked_at=now,
        landing_notice_status=LandingNoticeStatus.QUEUED,
        welcome_dm_status=WelcomeDmStatus.DMS_CLOSED,
    )
    run_checker(now=now, client=client)
    [notice] = fake_discord.channel_messages(channels.onboarding_landing_channel_id)
    assert notice.content == (
        f"<@{user.discord_id}> you're verified! I couldn't DM you - run `/verify` for the "
        f"details, or sign in with Discord at {SITE}/accounts/login/."
    )
    assert refresh(row).landing_notice_status == LandingNoticeStatus.POSTED


def test_onb41_no_channel_and_permanent_failure_are_not_retried(fake_discord, client, now):
    config = SiteConfig.get()
    no_channel = session(
        joined(fake_discord, now, username="a"),
        now,
        State.DECLINED,
        dm_blocked_at=now,
        landing_notice_status=LandingNoticeStatus.QUEUED,
    )
    report = run_checker(now=now, client=client)
    assert refresh(no_channel).landing_notice_status == LandingNoticeStatus.NO_CHANNEL
    assert any("landing channel" in warning for warning in report.warnings)

    config.onboarding_landing_channel_id = fake_discord.add_channel(no_permission=True)
    config.save()
    refused = session(
        joined(fake_discord, now, username="b"),
        now,
        State.DECLINED,
        dm_blocked_at=now,
        landing_notice_status=LandingNoticeStatus.QUEUED,
    )
    run_checker(now=now, client=client)
    assert refresh(refused).landing_notice_status == LandingNoticeStatus.FAILED
    fake_discord.clear_log()
    run_checker(now=now, client=client)
    assert fake_discord.requests_to("POST", MESSAGES) == []


def test_onb41_transient_failure_stays_queued(fake_discord, client, channels, now):
    row = session(
        joined(fake_discord, now),
        now,
        State.DECLINED,
        dm_blocked_at=now,
        landing_notice_status=LandingNoticeStatus.QUEUED,
    )
    fake_discord.script("POST", MESSAGES, [503, 503, 503, 503])
    run_checker(now=now, client=client)
    assert refresh(row).landing_notice_status == LandingNoticeStatus.QUEUED
    run_checker(now=now, client=client)
    assert refresh(row).landing_notice_status == LandingNoticeStatus.POSTED


# --- ONB-35: nudge --------------------------------------------------------------------------


def test_onb35_a_quiet_conversation_gets_one_nudge_per_round(fake_discord, client, now):
    user = joined(fake_discord, now)
    row = quiet(user, now)

    report = run_checker(now=now, client=client)

    assert report.counts["nudged"] == 1
    assert refresh(row).nudged_at == now
    [dm] = fake_discord.dm_messages(user.discord_id)
    assert dm.content == f"Hi again! Whenever you have a moment: {ASK_MAIN}"
    # Once per round: later runs send nothing more.
    run_checker(now=now + timedelta(hours=5), client=client)
    assert len(fake_discord.dm_messages(user.discord_id)) == 1


def test_onb35_the_opening_question_nudge_repeats_its_embed(fake_discord, client, now):
    user = joined(fake_discord, now)
    quiet(user, now, State.ASKED_IN_GUILD, opening_dm_sent_at=now - timedelta(hours=2))
    run_checker(now=now, client=client)
    [dm] = fake_discord.dm_messages(user.discord_id)
    assert dm.content == "Hi again! Whenever you have a moment:"
    assert dm.embeds[0]["title"] == f"Welcome to {SiteConfig.get().guild_name}!"


def test_onb35_not_before_the_delay_nor_for_absent_members(fake_discord, client, now, settings):
    recent = quiet(joined(fake_discord, now, username="recent"), now, minutes=59)
    absent = quiet(joined(fake_discord, now, username="gone", present=False), now)
    run_checker(now=now, client=client)
    assert refresh(recent).nudged_at is None
    assert refresh(absent).nudged_at is None
    assert fake_discord.requests_to("POST", MESSAGES) == []
    # ONB-1: the delay is a setting.
    settings.ONBOARDING_NUDGE_AFTER_SECONDS = 30 * 60
    assert timing.nudge_after() == timedelta(minutes=30)
    run_checker(now=now, client=client)
    assert refresh(recent).nudged_at == now


def test_onb35_dms_closed_marks_it_and_never_retries(fake_discord, client, now):
    user = joined(fake_discord, now)
    fake_discord.close_dms(user.discord_id)
    row = quiet(user, now)
    report = run_checker(now=now, client=client)
    row = refresh(row)
    assert row.nudged_at == now and row.dm_blocked_at == now
    assert report.counts["dms_closed"] == 1
    fake_discord.clear_log()
    run_checker(now=now + timedelta(hours=2), client=client)
    assert fake_discord.requests_to("POST", MESSAGES) == []


def test_onb35_transient_failure_tries_again_next_run(fake_discord, client, now):
    user = joined(fake_discord, now)
    row = quiet(user, now)
    fake_discord.script("POST", MESSAGES, [503, 503, 503, 503])
    run_checker(now=now, client=client)
    assert refresh(row).nudged_at is None
    run_checker(now=now, client=client)
    assert refresh(row).nudged_at == now
    assert len(fake_discord.dm_messages(user.discord_id)) == 1


# --- ONB-32 steps 1 and 3, ONB-33, ONB-34, ONB-36: verify, deadline, escalation ---------------


def test_onb34_deadline_escalates_and_posts_once(fake_discord, client, channels, now):
    user = joined(fake_discord, now)
    row = pending(user, now, name="Nobody")

    report = run_checker(now=now, client=client)

    row = refresh(row)
    assert row.verification_attempts == 1  # step 1 ran first
    assert row.escalated_at == now
    assert row.escalation_reason == EscalationReason.NO_MATCH
    assert row.escalation_posted_at == now
    assert report.counts["escalated"] == report.counts["escalations_posted"] == 1
    [post] = fake_discord.channel_messages(channels.discord_audit_channel_id)
    [embed] = post.embeds
    assert embed["title"] == "Onboarding needs an officer"
    assert embed["color"] == 0xFFA500
    assert embed["description"].startswith("Not matched within 24 h.")
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert list(fields) == [
        "Member",
        "Joined",
        "In guild?",
        "Reported main",
        "Roster match",
        "Reported alts",
        "Attempts",
        "DMs",
        "Try",
    ]
    assert fields["Member"] == f"<@{user.discord_id}> · trog · {user.discord_id}"
    assert fields["In guild?"] == "Yes"
    assert fields["Reported main"] == "Nobody"
    assert fields["Try"] == (
        "`/onboard-resolve member:@trog character:Nobody` · `/onboard-retry` · `/onboard-dismiss`"
    )
    assert embed["footer"]["text"] == (
        f"Session #{row.pk} · {SITE}/admin/onboarding/onboardingsession/{row.pk}/change/"
    )
    [request] = posts_to(fake_discord, channels.discord_audit_channel_id)
    assert request.json["allowed_mentions"] == {"parse": []}
    # Once per round: later runs verify again but never post again.
    run_checker(now=now + timedelta(hours=1), client=client)
    assert refresh(row).verification_attempts == 2
    assert len(fake_discord.channel_messages(channels.discord_audit_channel_id)) == 1


def test_onb34_no_name_reason(fake_discord, client, channels, now):
    row = pending(joined(fake_discord, now), now, name="", is_in_guild=False)
    run_checker(now=now, client=client)
    assert refresh(row).escalation_reason == EscalationReason.NO_NAME
    [post] = fake_discord.channel_messages(channels.discord_audit_channel_id)
    assert post.embeds[0]["description"] == "Said they're not in the guild yet and sent no name."


def test_onb34_without_a_channel_it_warns_and_posts_once_one_is_set(fake_discord, client, now):
    row = pending(joined(fake_discord, now), now)
    report = run_checker(now=now, client=client)
    assert refresh(row).escalated_at == now
    assert refresh(row).escalation_posted_at is None
    assert any("no audit channel" in warning for warning in report.warnings)
    assert notices.NO_AUDIT_CHANNEL == "Escalated - not posted (no audit channel)"

    config = SiteConfig.get()
    config.discord_audit_channel_id = fake_discord.add_channel(name="officers")
    config.save()
    later = now + timedelta(minutes=30)
    run_checker(now=later, client=client)
    row = refresh(row)
    assert row.escalated_at == now  # set once
    assert row.escalation_posted_at == later
    assert len(fake_discord.channel_messages(config.discord_audit_channel_id)) == 1


def test_onb34_a_failed_post_is_retried_on_a_later_run(fake_discord, client, channels, now):
    row = pending(joined(fake_discord, now), now)
    fake_discord.script("POST", MESSAGES, [503, 503, 503, 503])
    run_checker(now=now, client=client)
    assert refresh(row).escalation_posted_at is None
    run_checker(now=now, client=client)
    assert refresh(row).escalation_posted_at == now


def test_onb33_onb11_what_never_escalates(fake_discord, client, channels, now):
    not_due = pending(joined(fake_discord, now, username="a"), now, overdue=False)
    absent = pending(joined(fake_discord, now, username="b", present=False), now)
    talking = quiet(
        joined(fake_discord, now, username="c"),
        now,
        State.ASKED_ALTS,
        minutes=3 * 24 * 60,
        deadline_at=now - timedelta(days=1),
    )
    declined = session(
        joined(fake_discord, now, username="d"), now, State.DECLINED, dm_blocked_at=now
    )

    run_checker(now=now, client=client)

    for row in (not_due, absent, talking, declined):
        assert refresh(row).escalated_at is None
    # ONB-11: the absent member is still verified.
    assert refresh(absent).verification_attempts == 1
    assert fake_discord.channel_messages(channels.discord_audit_channel_id) == []


def test_onb32_a_match_is_verified_and_provisioned_in_the_same_run(
    fake_discord, client, channels, now
):
    WowCharacterFactory(
        name="Trogmoon", guild_rank=rank("Member"), playable_class=playable_class("Druid")
    )
    user = joined(fake_discord, now)
    row = pending(user, now, name="Trogmoon")

    report = run_checker(now=now, client=client)

    row = refresh(row)
    assert row.state == State.PROVISIONED
    assert report.counts["verified"] == 1 and report.counts["provisioned"] == 1
    assert row.escalated_at is None  # a match before the escalation step
    assert report.counts["still_pending"] == 0


def test_onb32_verified_but_stuck_for_a_day_escalates_provisioning_stuck(
    fake_discord, client, channels, now
):
    WowCharacterFactory(name="Trogmoon", guild_rank=rank("Member"))
    user = joined(fake_discord, now)
    row = pending(user, now - timedelta(days=2), name="Trogmoon", overdue=False)
    fake_discord.script("GET", "/guilds/{g}/members/{u}", [503] * 4)
    run_checker(now=now - timedelta(days=2), client=client)
    assert refresh(row).state == State.VERIFIED
    fake_discord.script("GET", "/guilds/{g}/members/{u}", [503] * 4)
    report = run_checker(now=now, client=client)
    row = refresh(row)
    assert row.escalation_reason == EscalationReason.PROVISIONING_STUCK
    assert report.counts["provisioning_failed"] == 1
    [post] = fake_discord.channel_messages(channels.discord_audit_channel_id)
    assert post.embeds[0]["description"].startswith("Stuck: ")


# --- ONB-31 triggers: the schedule, the task, the admin button --------------------------------


def test_onb31_the_schedule_runs_every_30_minutes():
    [spec] = [s for s in schedules() if s.name == "onboarding-deadline-check"]
    assert spec.func == CHECKER_TASK == "onboarding.checker_tasks.run_deadline_checker"
    assert spec.minutes == 30


def test_onb62_queue_checker_run_runs_it_in_the_worker(
    fake_discord, django_capture_on_commit_callbacks
):
    now = timezone.now()  # the task runs the checker at the real time
    session(joined(fake_discord, now), now)
    with django_capture_on_commit_callbacks(execute=True):
        queue_checker_run()
    run = SyncRun.objects.get(source=SyncSource.ONBOARDING)
    assert run.trigger == "admin", run.details
    assert run.counts["resumed"] == 1, (run.counts, run.details)


def test_onb41_a_refused_opening_dm_posts_the_notice_at_once_from_a_worker(
    fake_discord, channels, django_capture_on_commit_callbacks, now
):
    user = joined(fake_discord, now)
    row = session(user, now, State.ASKED_IN_GUILD, prompted_at=now, opening_dm_sent_at=now)
    with django_capture_on_commit_callbacks(execute=True):
        report_opening_dm(discord_user_id=user.discord_id, outcome=DMS_CLOSED, now=now)
    row = refresh(row)
    assert row.state == State.DECLINED
    assert row.landing_notice_status == LandingNoticeStatus.POSTED
    [notice] = fake_discord.channel_messages(channels.onboarding_landing_channel_id)
    assert notice.content.startswith(f"<@{user.discord_id}> Welcome to ")


def test_bot14_without_a_token_the_database_steps_still_run(fake_discord, settings, now):
    settings.DISCORD_BOT_TOKEN = ""
    waiting = session(joined(fake_discord, now), now)
    overdue = pending(joined(fake_discord, now, username="late"), now)

    report = run_checker(now=now)

    assert any("Discord not configured" in warning for warning in report.warnings)
    assert fake_discord.requests == []
    assert refresh(waiting).state == State.AWAITING_DM
    assert refresh(overdue).verification_attempts == 1
    assert refresh(overdue).escalation_reason == EscalationReason.NO_MATCH


def test_bot19_a_rejected_token_stops_the_discord_steps(fake_discord, channels, now):
    bad = DiscordRestClient(token="wrong-token", sleep=lambda seconds: None)
    first = session(joined(fake_discord, now, username="a"), now)
    second = session(joined(fake_discord, now, username="b"), now)
    overdue = pending(joined(fake_discord, now, username="late"), now)

    report = run_checker(now=now, client=bad)

    assert len([r for r in fake_discord.requests if not r.authorized]) == 1  # never repeated
    assert any("rejected the bot token" in warning for warning in report.warnings)
    assert refresh(overdue).escalation_posted_at is None  # retried on a later run
    assert refresh(first).state == refresh(second).state == State.AWAITING_DM


def test_onb31_every_roster_sync_queues_the_checker(
    fake_blizzard, monkeypatch, django_capture_on_commit_callbacks
):
    from identity.models import SyncTrigger
    from identity.services.roster_sync import sync_roster

    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args, **kwargs: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        sync_roster(trigger=SyncTrigger.COMMAND, post=False)
    assert queued == [(CHECKER_TASK, "schedule")]


def test_onb1_the_settings_have_the_specs_defaults():
    from django.conf import settings as django_settings

    assert django_settings.ONBOARDING_ANSWER_WINDOW_SECONDS == 300
    assert django_settings.ONBOARDING_NUDGE_AFTER_SECONDS == 3600
    assert django_settings.ONBOARDING_DEADLINE_HOURS == 24
    assert django_settings.ONBOARDING_RESUME_BATCH == 10
    assert django_settings.ONBOARDING_RESUME_MAX_AGE_DAYS == 14
    assert timing.resume_batch() == 10
    assert timing.resume_max_age() == timedelta(days=14)
    assert timing.deadline_after() == timedelta(hours=24)
