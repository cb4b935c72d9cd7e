"""Agent runs against the loopback fake Discord (CMP-43 … CMP-53), real REST client."""

import random
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone

from campaigns import tasks
from campaigns.agent import messages, run_agent, runner
from campaigns.agent.runner import AGENT_CACHE_LOCK, AGENT_LOCK_ID, PERMANENT_PREFIX
from campaigns.models import Campaign, CampaignEntry, ContestAgentLog
from campaigns.services.lifecycle import archive, close_campaign
from campaigns.services.scoring import standings
from campaigns.services.stats import display_stats
from patt.models import SiteConfig
from tests.campaigns.agent.conftest import (
    CHANNEL,
    hours,
    logs,
    posted_event,
    posted_events,
    set_closed_at,
    vote,
    voters,
)
from tests.campaigns.factories import CampaignFactory, live_campaign
from tests.campaigns.services.ballot_rows import cast
from tests.fakes.fake_discord import Reply

pytestmark = pytest.mark.django_db
MESSAGES = "/channels/{channel_id}/messages"


def launched(agent, campaign):
    """Run once so the launch is out of the way; returns the campaign fresh from the database."""
    assert posted_event(agent(), campaign) == "campaign_launch"
    campaign.refresh_from_db()
    return campaign


# --- CMP-46: every chattiness level over one whole campaign ---------------------------------

CMP46_SEQUENCES = {
    "quiet": ["campaign_launch", None, None, None, None, None, None, None, "campaign_closed", None],
    "normal": [
        "campaign_launch",
        "first_vote",
        None,
        "milestone_50",
        None,
        "all_voted",
        "final_stretch",
        "last_call",
        "campaign_closed",
        None,
    ],
    "hype": [
        "campaign_launch",
        "first_vote",
        "milestone_25",
        "milestone_50",
        "milestone_75",
        "all_voted",
        "final_stretch",
        "last_call",
        "campaign_closed",
        None,
    ],
}


@pytest.mark.parametrize("chattiness", ["quiet", "normal", "hype"])
def test_cmp46_cmp47_each_chattiness_over_a_whole_campaign(agent, fake_discord, chattiness):
    """One post per run at most, in the order CMP-47 gives, only what CMP-46 allows."""
    campaign = live_campaign(agent_chattiness=chattiness, early_close_if_all_voted=False)
    people = voters(8)
    got = [posted_event(agent(), campaign)]  # launch
    for batch in ([0], [1], [2, 3], [4, 5], [6, 7]):  # 12.5 %, 25 %, 50 %, 75 %, 100 %
        for index in batch:
            vote(campaign, people[index], "A", "B", "C")
        got.append(posted_event(agent(), campaign))
    campaign.refresh_from_db()
    got.append(posted_event(agent(now=campaign.end_at - hours(20)), campaign))
    got.append(posted_event(agent(now=campaign.end_at - hours(0.5)), campaign))
    close_campaign(campaign, reason="time")
    got.append(posted_event(agent(), campaign))
    got.append(posted_event(agent(), campaign))
    assert got == CMP46_SEQUENCES[chattiness]
    assert len(fake_discord.channel_messages(CHANNEL)) == len([e for e in got if e])


# --- CMP-43: scope ---------------------------------------------------------------------------


def test_cmp43_agent_off_never_posts(agent, fake_discord):
    campaign = live_campaign(agent_enabled=False)
    vote(campaign, voters(1)[0], "A", "B", "C")
    agent()
    close_campaign(campaign, reason="manual")
    result = agent()
    assert result.outcomes == []
    assert fake_discord.requests_to("POST") == []
    assert not ContestAgentLog.objects.exists()


def test_cmp43_drafts_are_not_followed(agent, fake_discord):
    CampaignFactory()
    assert agent().outcomes == []
    assert fake_discord.requests_to("POST") == []


def test_cmp43_results_window_is_48_hours(agent, fake_discord):
    old = live_campaign()
    recent = live_campaign()
    close_campaign(old, reason="time")
    close_campaign(recent, reason="time")
    set_closed_at(old, timezone.now() - hours(49))
    set_closed_at(recent, timezone.now() - hours(47))
    result = agent()
    assert [o.campaign_id for o in result.outcomes] == [recent.pk]
    assert posted_events(recent) == ["campaign_closed"]
    assert posted_events(old) == []


def test_cmp43_archived_within_48_hours_still_gets_its_results(agent):
    campaign = live_campaign()
    close_campaign(campaign, reason="manual")
    archive(Campaign.objects.get(pk=campaign.pk))
    agent()
    assert posted_events(campaign) == ["campaign_closed"]
    assert agent().outcomes == []  # results posted: out of scope


def test_cmp43_one_failing_campaign_does_not_stop_the_others(agent, monkeypatch):
    first, second = live_campaign(), live_campaign()
    real = runner.vote_stats

    def broken(campaign):
        if campaign.pk == first.pk:
            raise RuntimeError("boom")
        return real(campaign)

    monkeypatch.setattr(runner, "vote_stats", broken)
    result = agent()
    assert [o.status for o in result.outcomes] == ["error", "posted"]
    assert posted_events(second) == ["campaign_launch"]


def test_cmp43_campaign_option_runs_only_that_campaign(agent):
    first, second = live_campaign(), live_campaign()
    result = agent(campaign_id=second.pk)
    assert [o.campaign_id for o in result.outcomes] == [second.pk]
    assert posted_events(first) == []


# --- CMP-44: channel -------------------------------------------------------------------------


def test_cmp44_no_channel_skips_silently_and_keeps_events_pending(discord_client, fake_discord, db):
    campaign = live_campaign()
    result = run_agent(client=discord_client, rng=random.Random(1))
    assert [o.status for o in result.outcomes] == ["no_channel"]
    assert fake_discord.requests_to("POST") == []
    assert not ContestAgentLog.objects.exists()
    config = SiteConfig.get()
    config.channel_announcement = CHANNEL
    config.save()
    fake_discord.add_channel(CHANNEL)
    run_agent(client=discord_client, rng=random.Random(1))
    assert posted_events(campaign) == ["campaign_launch"]


def test_cmp44_campaign_channel_wins_over_the_site_channel(agent, fake_discord):
    own = fake_discord.add_channel("223456789012345678")
    campaign = CampaignFactory(discord_channel_id=own)
    Campaign.objects.filter(pk=campaign.pk).update(
        status="live", start_at=timezone.now(), end_at=timezone.now() + hours(10)
    )
    agent()
    assert len(fake_discord.channel_messages(own)) == 1
    assert fake_discord.channel_messages(CHANNEL) == []


def test_cmp44_discord_not_configured_posts_and_logs_nothing(settings, channel, fake_discord):
    settings.DISCORD_BOT_TOKEN = ""
    live_campaign()
    result = run_agent(rng=random.Random(1))
    assert "Discord not configured" in result.line
    assert not ContestAgentLog.objects.exists()
    assert fake_discord.requests == []


def test_cmp52_builds_its_own_client_from_settings(channel, fake_discord):
    campaign = live_campaign()
    run_agent(rng=random.Random(1))
    assert posted_events(campaign) == ["campaign_launch"]


# --- CMP-48: superseded events ---------------------------------------------------------------


def test_cmp48_superseded_milestones_are_never_posted_late(agent):
    campaign = launched(agent, live_campaign(agent_chattiness="normal"))
    people = voters(4)
    for person in people[:3]:  # 75 %: first_vote, 25 and 50 all detected at once
        vote(campaign, person, "A", "B", "C")
    assert posted_event(agent(), campaign) == "milestone_50"
    for _ in range(3):
        assert posted_event(agent(), campaign) is None
    assert posted_events(campaign) == ["campaign_launch", "milestone_50"]


def test_cmp48_hype_jumps_straight_to_milestone_75(agent):
    campaign = launched(agent, live_campaign(agent_chattiness="hype"))
    for person in voters(4)[:3]:
        vote(campaign, person, "A", "B", "C")
    agent(), agent(), agent()
    assert posted_events(campaign) == ["campaign_launch", "milestone_75"]


def test_cmp48_final_stretch_dropped_after_last_call(agent):
    campaign = launched(agent, live_campaign(agent_chattiness="normal"))
    soon = campaign.end_at - hours(0.5)
    assert posted_event(agent(now=soon), campaign) == "last_call"
    assert posted_event(agent(now=soon), campaign) is None
    assert "final_stretch" not in posted_events(campaign)


def test_cmp48_closing_drops_pending_live_events(agent):
    campaign = launched(agent, live_campaign(agent_chattiness="hype"))
    people = voters(4)
    for person in people[:3]:
        vote(campaign, person, "A", "B", "C")
    close_campaign(campaign, reason="manual")
    agent(), agent()
    assert posted_events(campaign) == ["campaign_launch", "campaign_closed"]


# --- CMP-49: lead tracking -------------------------------------------------------------------


def lead_logs(campaign):
    return [
        (log.old_leader.name, log.new_leader.name, log.message)
        for log in logs(campaign)
        if log.event_type == "lead_change" and log.status == "posted"
    ]


def test_cmp49_first_lead_change_and_back_again_in_hype(agent):
    """A leads → B overtakes → A = B tie (nothing) → A ahead again."""
    campaign = live_campaign(agent_chattiness="hype", picks_per_voter=1)
    people = voters(40)  # 5 ballots stay under 25 %: no milestone in the way
    vote(campaign, people[0], "A")
    assert posted_event(agent(), campaign) == "campaign_launch"
    campaign.refresh_from_db()
    assert campaign.agent_last_leader.name == "A"  # the first leader: remembered, not posted
    assert posted_event(agent(), campaign) == "first_vote"
    assert posted_event(agent(), campaign) is None

    vote(campaign, people[1], "B")
    vote(campaign, people[2], "B")
    assert posted_event(agent(), campaign) == "lead_change"
    assert posted_event(agent(), campaign) is None
    campaign.refresh_from_db()
    assert campaign.agent_last_leader.name == "B"

    vote(campaign, people[3], "A")  # 2 : 2, a tie
    assert posted_event(agent(), campaign) is None
    campaign.refresh_from_db()
    assert campaign.agent_last_leader.name == "B"

    vote(campaign, people[4], "A")
    assert posted_event(agent(), campaign) == "lead_change"
    changes = lead_logs(campaign)
    assert [(old, new) for old, new, _ in changes] == [("A", "B"), ("B", "A")]
    assert "**B**" in changes[0][2] and "**A**" in changes[0][2]
    campaign.refresh_from_db()
    assert campaign.agent_last_leader.name == "A"


def test_cmp49_silent_tracking_in_normal(agent):
    campaign = launched(agent, live_campaign(agent_chattiness="normal", picks_per_voter=1))
    people = voters(40)
    vote(campaign, people[0], "A")
    agent()  # first_vote; A remembered
    vote(campaign, people[1], "B")
    vote(campaign, people[2], "B")
    assert posted_event(agent(), campaign) is None
    campaign.refresh_from_db()
    assert campaign.agent_last_leader.name == "B"
    assert not ContestAgentLog.objects.filter(event_type="lead_change").exists()


def test_cmp49_lead_change_lost_on_priority_is_re_evaluated(agent):
    campaign = launched(
        agent,
        live_campaign(agent_chattiness="hype", picks_per_voter=1, early_close_if_all_voted=False),
    )
    people = voters(3)
    vote(campaign, people[0], "A")
    agent()  # milestone_25 beats first_vote (33 %); A remembered
    vote(campaign, people[1], "B")
    vote(campaign, people[2], "B")  # everyone voted and B overtook
    assert posted_event(agent(), campaign) == "all_voted"
    campaign.refresh_from_db()
    assert campaign.agent_last_leader.name == "A"  # kept: the change lost on priority
    assert posted_event(agent(), campaign) == "lead_change"
    campaign.refresh_from_db()
    assert campaign.agent_last_leader.name == "B"


def test_cmp49_failed_lead_change_keeps_the_old_leader(agent, fake_discord, fake_time):
    campaign = launched(agent, live_campaign(agent_chattiness="hype", picks_per_voter=1))
    people = voters(40)
    vote(campaign, people[0], "A")
    agent()  # first_vote
    vote(campaign, people[1], "B")
    vote(campaign, people[2], "B")
    fake_discord.script("POST", MESSAGES, [Reply.rate_limited(120)])
    assert agent().outcomes[0].status == "failed"
    campaign.refresh_from_db()
    assert campaign.agent_last_leader.name == "A"
    failed = logs(campaign)[-1]
    assert (failed.status, failed.old_leader.name, failed.new_leader.name) == ("failed", "A", "B")
    fake_time.advance(300)  # the next run, five minutes later
    assert posted_event(agent(), campaign) == "lead_change"
    campaign.refresh_from_db()
    assert campaign.agent_last_leader.name == "B"


# --- CMP-50: the results post ----------------------------------------------------------------


def expected_results(campaign, key) -> set[str]:
    campaign = Campaign.objects.get(pk=campaign.pk)
    context = messages.build_context(
        campaign,
        stats=display_stats(campaign),
        standings=standings(campaign),
        guild_name=SiteConfig.get().guild_name,
    )
    return {messages.fill(template, context) for template in messages.POOLS[key]}


def results_message(campaign) -> str:
    (log,) = [log for log in logs(campaign) if log.event_type == "campaign_closed"]
    return log.message


@pytest.mark.parametrize("reason", ["time", "all_voted", "manual"])
def test_cmp50_results_pool_follows_the_close_reason(agent, reason):
    campaign = launched(agent, live_campaign(agent_chattiness="quiet"))
    for person in voters(2):
        vote(campaign, person, "A", "B", "C")
    close_campaign(campaign, reason=reason)
    agent()
    message = results_message(campaign)
    assert message in expected_results(campaign, f"campaign_closed:{reason}")
    assert "🥇 A — 6 pts" in message and "**A**" in message


def test_cmp50_co_winners_get_the_tie_wording(agent):
    campaign = launched(agent, live_campaign())
    one, two = voters(2)
    vote(campaign, one, "A", "B", "C")
    vote(campaign, two, "B", "A", "D")
    close_campaign(campaign, reason="time")
    agent()
    message = results_message(campaign)
    assert message in expected_results(campaign, messages.CLOSED_TIE)
    assert "A & B" in message and "tie at the top" in message


def test_cmp50_no_ballots_means_no_winner(agent):
    campaign = launched(agent, live_campaign())
    close_campaign(campaign, reason="manual")
    agent()
    message = results_message(campaign)
    assert message in expected_results(campaign, messages.CLOSED_NO_BALLOTS)


def test_cmp50_results_posted_even_after_a_live_all_voted_post(agent):
    campaign = launched(agent, live_campaign(early_close_if_all_voted=False))
    (person,) = voters(1)
    vote(campaign, person, "A", "B", "C")
    assert posted_event(agent(), campaign) == "all_voted"
    close_campaign(campaign, reason="time")
    assert posted_event(agent(), campaign) == "campaign_closed"


def test_cmp47_campaign_closed_before_launch_skips_the_launch(agent):
    campaign = live_campaign()
    close_campaign(campaign, reason="manual")
    agent(), agent()
    assert posted_events(campaign) == ["campaign_closed"]


def test_cmp46_quiet_campaign_that_closes_early_posts_launch_then_results(agent):
    campaign = live_campaign(agent_chattiness="quiet")
    people = voters(3)
    assert posted_event(agent(), campaign) == "campaign_launch"
    by_name = dict(campaign.entries.values_list("name", "pk"))
    picks = [{"entry_id": by_name[n], "rank": r} for r, n in enumerate("ABC", 1)]
    for person in people[:2]:
        assert cast(campaign.pk, person.user, picks).ok
        assert posted_event(agent(), campaign) is None
    outcome = cast(campaign.pk, people[2].user, picks)
    assert outcome.campaign_closed
    assert posted_event(agent(), campaign) == "campaign_closed"
    assert agent().outcomes == []
    assert posted_events(campaign) == ["campaign_launch", "campaign_closed"]
    assert results_message(campaign) in expected_results(campaign, "campaign_closed:all_voted")


# --- CMP-51: failure and retry ---------------------------------------------------------------


@pytest.mark.parametrize(
    "replies", [[Reply.error(503)] * 4, [Reply.rate_limited(120)]], ids=["503", "429"]
)
def test_cmp51_transient_failure_is_logged_and_retried_next_run(
    agent, fake_discord, fake_time, replies
):
    campaign = live_campaign()
    fake_discord.script("POST", MESSAGES, replies)
    result = agent()
    assert result.outcomes[0].status == "failed"
    (failed,) = logs(campaign)
    assert failed.status == "failed" and failed.event_type == "campaign_launch"
    assert failed.error and not failed.discord_message_id
    fake_time.advance(300)  # the next run, five minutes later
    assert posted_event(agent(), campaign) == "campaign_launch"
    assert [log.status for log in logs(campaign)] == ["failed", "posted"]


@pytest.mark.parametrize("broken", ["403", "404"])
def test_cmp51_permanent_error_waits_60_minutes(agent, fake_discord, broken):
    campaign = live_campaign()
    if broken == "403":
        fake_discord.script("POST", MESSAGES, [Reply.error(403, 50013)])
    else:
        fake_discord.script("POST", MESSAGES, [Reply.error(404, 10003)])
    start = timezone.now()
    assert agent(now=start).outcomes[0].status == "failed"
    assert logs(campaign)[0].error.startswith(PERMANENT_PREFIX)
    assert f"HTTP {broken}" in logs(campaign)[0].error
    assert agent(now=start + timedelta(minutes=30)).outcomes[0].status == "backoff"
    assert agent(now=start + timedelta(minutes=59)).outcomes[0].status == "backoff"
    assert len(fake_discord.requests_to("POST", MESSAGES)) == 1
    assert agent(now=start + timedelta(minutes=61)).outcomes[0].status == "posted"
    assert [log.status for log in logs(campaign)] == ["failed", "posted"]


def test_cmp51_backoff_is_per_campaign(agent, fake_discord):
    first, second = live_campaign(), live_campaign()
    fake_discord.script("POST", MESSAGES, [Reply.error(403, 50013)])
    agent()
    result = agent(now=timezone.now() + timedelta(minutes=5))
    assert [o.status for o in result.outcomes] == ["backoff", "nothing"]
    assert posted_events(second) == ["campaign_launch"]
    assert posted_events(first) == []


def test_cmp51_bad_token_stops_the_run(agent, fake_discord):
    first, second = live_campaign(), live_campaign()
    fake_discord.script("POST", MESSAGES, [Reply.error(401)])
    result = agent()
    assert "Stopped: Discord refused the bot token" in result.line
    assert [o.status for o in result.outcomes] == ["failed"]
    assert [log.status for log in logs(first)] == ["failed"]
    assert logs(second) == []
    assert len(fake_discord.requests_to("POST", MESSAGES)) == 1


# --- CMP-52/53: what is sent -----------------------------------------------------------------


def test_cmp52_cmp53_posted_embed_and_log(agent, fake_discord, settings):
    settings.SITE_URL = "https://patt.example"
    config = SiteConfig.get()
    config.accent_colour = "#123abc"
    config.bot_name = "Salty"
    config.save()
    campaign = live_campaign(title="Portrait Contest", agent_chattiness="hype")
    CampaignEntry.objects.filter(campaign=campaign, name="A").update(
        image_url="https://img.example/a.png"
    )
    now = timezone.now()
    agent(now=now)
    (message,) = fake_discord.channel_messages(CHANNEL)
    assert message.content == ""
    assert message.allowed_mentions == {"parse": []}
    (embed,) = message.embeds
    assert embed["title"] == "📣 Portrait Contest"
    assert embed["url"] == f"https://patt.example/vote/{campaign.pk}"
    assert embed["color"] == 0x123ABC
    assert embed["footer"] == {"text": "Salty • patt.example"}
    assert embed["timestamp"] == now.isoformat()
    assert "thumbnail" not in embed  # no leader yet
    (log,) = logs(campaign)
    assert (log.status, log.discord_message_id) == ("posted", message.id)
    assert log.message == embed["description"]

    for person in voters(2):
        vote(campaign, person, "A", "B", "C")
    close_campaign(campaign, reason="time")
    agent()
    results = fake_discord.channel_messages(CHANNEL)[-1].embeds[0]
    assert results["title"] == "🏆 Portrait Contest"
    assert results["thumbnail"] == {"url": "https://img.example/a.png"}


# --- CMP-43: dry run, the command, the task, no overlap --------------------------------------


def test_cmp43_dry_run_prints_and_writes_nothing(channel, fake_discord):
    campaign = live_campaign(agent_chattiness="hype")
    vote(campaign, voters(1)[0], "A", "B", "C")
    out = StringIO()
    call_command("run_contest_agent", "--dry-run", stdout=out)
    text = out.getvalue()
    assert f"#{campaign.pk}" in text and "would post campaign_launch" in text
    assert campaign.title in text
    assert "Contest agent (dry run): 1 campaigns, 1 would post" in text
    assert fake_discord.requests == []
    assert not ContestAgentLog.objects.exists()
    campaign.refresh_from_db()
    assert campaign.agent_last_leader is None  # not even the remembered leader


def test_cmp43_command_runs_one_campaign(channel, fake_discord):
    first, second = live_campaign(), live_campaign()
    out = StringIO()
    call_command("run_contest_agent", "--campaign", str(second.pk), stdout=out)
    assert "posted campaign_launch" in out.getvalue()
    assert posted_events(second) == ["campaign_launch"]
    assert posted_events(first) == []


def test_cmp43_command_unknown_campaign_is_a_clear_error(db):
    with pytest.raises(CommandError, match=r"Campaign 999999 not found\."):
        call_command("run_contest_agent", "--campaign", "999999")


def test_cmp43_task_returns_the_run_line(settings, db):
    settings.DISCORD_BOT_TOKEN = ""
    assert tasks.run_contest_agent().startswith("Contest agent: ")


def test_cmp43_no_overlap_a_held_lock_skips_the_run(agent, fake_discord):
    live_campaign()
    if connection.vendor == "postgresql":
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [AGENT_LOCK_ID])
            result = agent()
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [AGENT_LOCK_ID])
        finally:
            other.close()
    else:
        cache.add(AGENT_CACHE_LOCK, "1", 60)
        try:
            result = agent()
        finally:
            cache.delete(AGENT_CACHE_LOCK)
    assert result.skipped
    assert result.line == "Contest agent skipped: another run is in progress."
    assert fake_discord.requests_to("POST") == []
    assert not agent().skipped  # released by the holder: the next run goes ahead


def test_cmp43_a_run_releases_its_lock(agent):
    live_campaign()
    agent()
    assert not agent().skipped
    if connection.vendor != "postgresql":
        assert cache.get(AGENT_CACHE_LOCK) is None


# --- constant queries per campaign -----------------------------------------------------------


@pytest.mark.parametrize("guild_size", [10, 200])
def test_agent_queries_do_not_grow_with_the_guild(agent, django_assert_max_num_queries, guild_size):
    campaign = launched(agent, live_campaign(agent_chattiness="hype"))
    people = voters(guild_size)
    for person in people[: guild_size // 2]:
        vote(campaign, person, "A", "B", "C")
    with django_assert_max_num_queries(17):
        assert posted_event(agent(), campaign) == "milestone_50"


# --- CMP-22: secret ballots (issue 11 item 5) -------------------------------------------------


def test_cmp22_live_secret_campaign_posts_no_leader_and_no_lead_change(agent):
    """Hype would post every lead change; a live secret campaign posts no standings at all,
    so a lead change cannot line up with one new voter. The results post names the winner."""
    campaign = live_campaign(agent_chattiness="hype", picks_per_voter=1, secret_ballot=True)
    ids = dict(campaign.entries.values_list("name", "pk"))
    people = voters(8)

    def ballot(person, name):
        assert cast(campaign.pk, person.user, [{"entry_id": ids[name], "rank": 1}]).ok

    launched(agent, campaign)
    for person in people[:3]:
        ballot(person, "A")
    assert posted_event(agent(), campaign) == "milestone_25"
    for person in people[3:7]:
        ballot(person, "B")  # B overtakes A
    assert posted_event(agent(), campaign) == "milestone_75"
    assert posted_event(agent(), campaign) is None
    campaign.refresh_from_db()
    assert campaign.agent_last_leader is None
    live_messages = [log.message for log in logs(campaign)]
    assert "lead_change" not in posted_events(campaign)
    for text in live_messages:
        assert "**A**" not in text and "**B**" not in text and "🥇" not in text, text

    close_campaign(campaign, reason="manual")
    assert posted_event(agent(), campaign) == "campaign_closed"
    assert "**B**" in logs(campaign)[-1].message
