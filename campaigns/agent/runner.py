"""One run of the contest agent (CMP-43 … CMP-52): at most one Discord post per campaign.

Scope (CMP-43): live campaigns with the agent on; closed or archived ones with the agent on,
closed in the last 48 hours and without a posted results message. Each campaign is handled on
its own: one that fails is logged and the others still run. Posting happens outside any
transaction; the log row (and the remembered leader of a lead change) is written afterwards.

No overlap: a run holds a job lock for its whole length and a second run that finds it held
skips. On PostgreSQL that is a session-level advisory lock (`pg_try_advisory_lock`, released
in `finally` and by PostgreSQL itself if the worker dies); other databases use a self-expiring
cache key (`cache.add`), shared by all workers through the database or Redis cache.
"""

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from campaigns.agent import messages
from campaigns.agent.events import Decision, decide
from campaigns.models import (
    AgentEvent,
    AgentPostStatus,
    Campaign,
    CampaignStatus,
    ContestAgentLog,
)
from campaigns.services.scoring import rank_entries, sole_leader, standings, winners
from campaigns.services.stats import display_stats, vote_stats
from patt.discord.errors import DiscordAuthError, DiscordError, DiscordNotConfigured
from patt.discord.rest import DiscordRestClient
from patt.job_lock import JobLock
from patt.models import SiteConfig

logger = logging.getLogger(__name__)

RESULTS_WINDOW = timedelta(hours=48)  # CMP-43
PERMANENT_BACKOFF = timedelta(minutes=60)  # CMP-51

AGENT_LOCK_ID = 0x50A7_A6E7
AGENT_CACHE_LOCK = "campaigns:contest-agent-lock"
AGENT_CACHE_LOCK_SECONDS = 15 * 60  # longer than any run; frees itself if a worker dies

# The log's error text starts with one of these, so the next run knows how long to wait.
PERMANENT_PREFIX = "Permanent error (next try in 60 minutes): "
TRANSIENT_PREFIX = "Temporary error (retried next run): "
AUTH_PREFIX = "Discord refused the bot token; the run stopped: "


class _StopRun(Exception):
    """CMP-51: a bad token ends the run's Discord work."""


@dataclass
class CampaignOutcome:
    """What the run did for one campaign.

    `status`: "posted", "failed", "would_post" (dry run), "nothing" (no candidate),
    "no_channel" (CMP-44), "backoff" (CMP-51, permanent error less than an hour ago),
    "error" (an unexpected failure, logged).
    """

    campaign_id: int
    title: str
    status: str
    event: str = ""
    channel_id: str = ""
    message: str = ""
    error: str = ""
    embed: dict | None = None


@dataclass
class AgentRunResult:
    """One run; `line` is what the django-q2 task returns and the command prints last."""

    dry_run: bool = False
    skipped: bool = False  # another run held the lock
    stopped: str = ""  # why the run's Discord work stopped (401, not configured)
    outcomes: list[CampaignOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def line(self) -> str:
        if self.skipped:
            return "Contest agent skipped: another run is in progress."
        prefix = "Contest agent (dry run)" if self.dry_run else "Contest agent"
        posted = self.count("would_post") if self.dry_run else self.count("posted")
        verb = "would post" if self.dry_run else "posted"
        text = (
            f"{prefix}: {len(self.outcomes)} campaigns, {posted} {verb}, "
            f"{self.count('failed')} failed, {self.count('nothing')} with nothing new, "
            f"{self.count('no_channel')} without a channel, {self.count('backoff')} waiting "
            f"after an error, {self.count('error')} errors."
        )
        if self.stopped:
            text += f" Stopped: {self.stopped}."
        return text


def campaigns_in_scope(now: datetime, campaign_id: int | None = None):
    """CMP-43: live with the agent on; closed/archived with the agent on, closed within 48 h
    and no posted results message. Ordered by id."""
    results_posted = ContestAgentLog.objects.filter(
        campaign=OuterRef("pk"),
        event_type=AgentEvent.CAMPAIGN_CLOSED,
        status=AgentPostStatus.POSTED,
    )
    finished_recently = Q(
        status__in=[CampaignStatus.CLOSED, CampaignStatus.ARCHIVED],
        closed_at__gte=now - RESULTS_WINDOW,
    ) & ~Exists(results_posted)
    scope = Campaign.objects.filter(agent_enabled=True).filter(
        Q(status=CampaignStatus.LIVE) | finished_recently
    )
    if campaign_id is not None:
        scope = scope.filter(pk=campaign_id)
    return scope.select_related("agent_last_leader").order_by("pk")


def run_agent(
    *,
    campaign_id: int | None = None,
    dry_run: bool = False,
    client=None,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> AgentRunResult:
    """CMP-43 … CMP-52: one pass over the campaigns in scope, at most one post each.

    `client` is a `DiscordRestClient` (built from settings when None); `now` and `rng` (a
    `random.Random`) are injectable for tests. `dry_run` decides and builds the messages but
    calls no Discord API and writes nothing (not even the remembered leader or the lock).
    """
    now = now or timezone.now()
    rng = rng or random.Random()
    result = AgentRunResult(dry_run=dry_run)
    if dry_run:
        _run(result, campaign_id=campaign_id, client=None, now=now, rng=rng)
        return result
    with JobLock(key=AGENT_LOCK_ID, name=AGENT_CACHE_LOCK, ttl=AGENT_CACHE_LOCK_SECONDS) as held:
        if not held:
            result.skipped = True
            logger.info(result.line)
            return result
        own_client = client is None
        if own_client:
            try:
                client = DiscordRestClient()
            except DiscordNotConfigured:
                # CMP-44/51: nothing posted, nothing logged; events stay pending.
                result.stopped = "Discord not configured"
                return result
        try:
            _run(result, campaign_id=campaign_id, client=client, now=now, rng=rng)
        finally:
            if own_client:
                client.close()
    logger.info(result.line)
    return result


def _run(result: AgentRunResult, *, campaign_id, client, now, rng) -> None:
    site = SiteConfig.get()
    campaigns = list(campaigns_in_scope(now, campaign_id))
    ids = [campaign.pk for campaign in campaigns]
    posted = _posted_events(ids)
    waiting = _permanent_failures_since(ids, now - PERMANENT_BACKOFF)
    for campaign in campaigns:
        try:
            outcome = _handle(
                campaign,
                site=site,
                posted=posted.get(campaign.pk, set()),
                waiting=campaign.pk in waiting,
                client=client,
                now=now,
                rng=rng,
                dry_run=result.dry_run,
            )
        except _StopRun as stop:
            result.outcomes.append(stop.args[0])
            result.stopped = "Discord refused the bot token (401)"
            logger.error("Contest agent stopped: Discord refused the bot token")
            return
        except Exception as exc:  # one campaign must not stop the others (CMP-43)
            logger.exception("Contest agent failed on campaign %s", campaign.pk)
            outcome = CampaignOutcome(campaign.pk, campaign.title, "error", error=repr(exc))
        result.outcomes.append(outcome)


def _posted_events(ids: list[int]) -> dict[int, set[str]]:
    """CMP-5: the event types with a `posted` row, per campaign (one query)."""
    rows = (
        ContestAgentLog.objects.filter(campaign_id__in=ids, status=AgentPostStatus.POSTED)
        .order_by()
        .values_list("campaign_id", "event_type")
        .distinct()
    )
    posted: dict[int, set[str]] = {}
    for campaign_pk, event in rows:
        posted.setdefault(campaign_pk, set()).add(event)
    return posted


def _permanent_failures_since(ids: list[int], since: datetime) -> set[int]:
    """CMP-51: campaigns whose latest post attempt since `since` failed permanently."""
    rows = (
        ContestAgentLog.objects.filter(campaign_id__in=ids, created_at__gte=since)
        .order_by("campaign_id", "-created_at", "-pk")
        .values_list("campaign_id", "status", "error")
    )
    latest: dict[int, tuple[str, str]] = {}
    for campaign_pk, status, error in rows:
        latest.setdefault(campaign_pk, (status, error))
    return {
        pk
        for pk, (status, error) in latest.items()
        if status == AgentPostStatus.FAILED and error.startswith(PERMANENT_PREFIX)
    }


def _handle(campaign, *, site, posted, waiting, client, now, rng, dry_run) -> CampaignOutcome:
    """Decide, build and (unless dry run) post the one message of `campaign` for this run."""
    outcome = CampaignOutcome(campaign.pk, campaign.title, "nothing")
    channel = campaign.discord_channel_id or site.channel_announcement
    if not channel:
        outcome.status = "no_channel"  # CMP-44: silently skipped, events stay pending
        return outcome
    outcome.channel_id = channel

    live = campaign.status == CampaignStatus.LIVE
    if live:
        stats = vote_stats(campaign)
        # CMP-22: a live secret campaign has no standings to post — no leader, no lead
        # change, no top three — so they are never even computed.
        table = [] if campaign.secret_ballot else rank_entries(campaign)
        decision = decide(
            campaign,
            now=now,
            posted=posted,
            stats=stats,
            sole_leader=sole_leader(table),
            remembered=campaign.agent_last_leader,
        )
    else:
        stats = display_stats(campaign)
        table = standings(campaign)
        decision = decide(campaign, now=now, posted=posted)

    if decision.remember_now is not None and not dry_run:
        _remember_leader(campaign, decision.remember_now)
    if decision.event is None:
        return outcome
    if waiting:
        outcome.status = "backoff"
        outcome.event = decision.event
        return outcome

    event = decision.event
    change = decision.lead_change if event == AgentEvent.LEAD_CHANGE else None
    context = messages.build_context(
        campaign,
        stats=stats,
        standings=table,
        old_leader=change.old if change else None,
        new_leader=change.new if change else None,
        guild_name=site.guild_name,
    )
    text = messages.build_message(
        event, context, rng=rng, key=messages.pool_key(event, campaign, table)
    )
    embed = messages.build_embed(
        event, campaign, text, now=now, site_config=site, thumbnail_entry=_thumbnail(table, live)
    )
    outcome.event, outcome.message, outcome.embed = event, text, embed
    if dry_run:
        outcome.status = "would_post"
        return outcome
    return _post(campaign, decision, outcome, client=client)


def _thumbnail(table, live: bool):
    """CMP-53: the leader's image while live, the winner's once closed."""
    if live:
        return sole_leader(table)
    found = winners(table)
    return found[0].entry if found else None


def _remember_leader(campaign, entry) -> None:
    """CMP-49: the agent's remembered leader. A queryset update: the field is not a setting,
    so it may change outside draft (CMP-10)."""
    Campaign.objects.filter(pk=campaign.pk).update(agent_last_leader=entry)
    campaign.agent_last_leader = entry


def _post(campaign, decision: Decision, outcome: CampaignOutcome, *, client) -> CampaignOutcome:
    """CMP-51/52: post; log `posted` with the message id, or `failed` with the error."""
    change = decision.lead_change if outcome.event == AgentEvent.LEAD_CHANGE else None
    leaders = {"old_leader": change.old, "new_leader": change.new} if change else {}
    try:
        message_id = client.post_channel_message(outcome.channel_id, embeds=[outcome.embed])
    except DiscordAuthError as exc:
        _log_failure(campaign, outcome, leaders, AUTH_PREFIX + str(exc))
        raise _StopRun(outcome) from exc
    except DiscordError as exc:
        prefix = TRANSIENT_PREFIX if exc.transient else PERMANENT_PREFIX
        _log_failure(campaign, outcome, leaders, prefix + str(exc))
        return outcome
    except ValueError as exc:  # refused by the client's size check: retrying will not help
        _log_failure(campaign, outcome, leaders, PERMANENT_PREFIX + str(exc))
        return outcome
    with transaction.atomic():
        ContestAgentLog.objects.create(
            campaign=campaign,
            event_type=outcome.event,
            status=AgentPostStatus.POSTED,
            message=outcome.message,
            discord_message_id=str(message_id),
            **leaders,
        )
        if change is not None:
            _remember_leader(campaign, change.new)  # CMP-49: updated when the post succeeds
    outcome.status = "posted"
    logger.info("Contest agent posted %s for campaign %s", outcome.event, campaign.pk)
    return outcome


def _log_failure(campaign, outcome: CampaignOutcome, leaders: dict, error: str) -> None:
    """CMP-51: a failed row keeps the event pending (only `posted` rows count)."""
    ContestAgentLog.objects.create(
        campaign=campaign,
        event_type=outcome.event,
        status=AgentPostStatus.FAILED,
        message=outcome.message,
        error=error,
        **leaders,
    )
    outcome.status = "failed"
    outcome.error = error
    logger.warning(
        "Contest agent could not post %s for campaign %s: %s", outcome.event, campaign.pk, error
    )
