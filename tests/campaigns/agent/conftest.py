"""Fixtures of the contest agent tests (CMP-43 … CMP-57): a fake Discord with the site's
announcement channel, and `agent(...)`, one run against it with a seeded random source."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.agent import run_agent
from campaigns.models import Ballot, BallotPick, BallotReceipt, Campaign, ContestAgentLog
from patt.models import SiteConfig
from tests.campaigns.factories import member

CHANNEL = "123456789012345678"


@pytest.fixture
def channel(fake_discord, db):
    """SiteConfig's announcement channel, known to the fake Discord."""
    config = SiteConfig.get()
    config.channel_announcement = CHANNEL
    config.save()
    fake_discord.add_channel(CHANNEL, name="announcements")
    return CHANNEL


@pytest.fixture
def agent(discord_client, channel):
    """`agent(**kwargs)`: one run of the agent with the test's REST client and rng seed 7."""

    def run(**kwargs):
        kwargs.setdefault("client", discord_client)
        kwargs.setdefault("rng", random.Random(7))
        return run_agent(**kwargs)

    return run


def voters(count: int, rank_name: str = "Veteran") -> list:
    return [member(rank_name) for _ in range(count)]


def vote(campaign, player, *names: str) -> None:
    """A stored ballot for `player` (receipt, ballot, picks) ranking `names` in order."""
    by_name = {entry.name: entry for entry in campaign.entries.all()}
    now = timezone.now()
    BallotReceipt.objects.create(campaign=campaign, player=player, voted_at=now)
    ballot = Ballot.objects.create(campaign=campaign, voter=player, cast_at=now)
    BallotPick.objects.bulk_create(
        BallotPick(ballot=ballot, entry=by_name[name], rank=rank)
        for rank, name in enumerate(names, 1)
    )


def posted_events(campaign) -> list[str]:
    return list(
        ContestAgentLog.objects.filter(campaign=campaign, status="posted")
        .order_by("pk")
        .values_list("event_type", flat=True)
    )


def logs(campaign) -> list[ContestAgentLog]:
    return list(ContestAgentLog.objects.filter(campaign=campaign).order_by("pk"))


def posted_event(result, campaign) -> str | None:
    """The event `result` posted for `campaign`, or None."""
    for outcome in result.outcomes:
        if outcome.campaign_id == campaign.pk and outcome.status == "posted":
            return outcome.event
    return None


def set_closed_at(campaign, when) -> None:
    Campaign.objects.filter(pk=campaign.pk).update(closed_at=when)
    campaign.refresh_from_db()


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
