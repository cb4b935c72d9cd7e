"""Factories for campaigns tests (CMP-1 … CMP-5). Ranks come from the migrations' ladder."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from campaigns.models import Campaign, CampaignEntry
from tests.factories import PlayerFactory, UserFactory, rank


class CampaignFactory(DjangoModelFactory):
    """A draft starting tomorrow; Veteran (3) and up vote, anyone views."""

    class Meta:
        model = Campaign

    title = factory.Sequence(lambda n: f"Campaign {n}")
    description = "Vote for your favourite."
    picks_per_voter = 3
    min_rank_to_vote = factory.LazyFunction(lambda: rank("Veteran"))
    start_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    duration_hours = 168


class EntryFactory(DjangoModelFactory):
    class Meta:
        model = CampaignEntry

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"Entry {n}")
    sort_order = factory.Sequence(lambda n: n)


def member(rank_name: str = "Veteran", *, account: bool = True, active: bool = True, **kwargs):
    """A Player of `rank_name`, with a website account unless `account=False`."""
    user = UserFactory() if account else None
    return PlayerFactory(guild_rank=rank(rank_name), user=user, is_active=active, **kwargs)


def live_campaign(*, entries: int = 5, **kwargs) -> Campaign:
    """A live campaign that started an hour ago, with `entries` entries named A, B, C, …

    Built as a draft and moved to live with a queryset update, the way the lifecycle code
    does, so model-level editability rules (CMP-10) are not in the way.
    """
    campaign = CampaignFactory(**kwargs)
    for index in range(entries):
        EntryFactory(campaign=campaign, name=chr(ord("A") + index), sort_order=index + 1)
    start = timezone.now() - timedelta(hours=1)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.LIVE,
        start_at=start,
        end_at=start + timedelta(hours=campaign.duration_hours),
    )
    campaign.refresh_from_db()
    return campaign
