"""Helpers of the campaign page tests: casting ballots and closing through the services."""

from django.contrib.auth import get_user_model

from campaigns.models import Campaign, CampaignEntry
from campaigns.services.lifecycle import close_campaign
from identity.models import Player
from tests.campaigns.services.ballot_rows import cast
from tests.factories import rank


def entry(campaign: Campaign, name: str) -> CampaignEntry:
    return CampaignEntry.objects.get(campaign=campaign, name=name)


def vote(campaign: Campaign, player: Player, *names: str):
    """Cast `player`'s ballot naming entries in rank order; the outcome must be a success."""
    picks = [
        {"entry_id": entry(campaign, name).pk, "rank": position}
        for position, name in enumerate(names, start=1)
    ]
    outcome = cast(campaign.pk, player.user, picks)
    assert outcome.ok, outcome.message
    return outcome


def close(campaign: Campaign, reason: str = "time") -> Campaign:
    """Close a live campaign (a campaign the last ballot already closed stays as it is)."""
    close_campaign(campaign, reason=reason)
    campaign = Campaign.objects.get(pk=campaign.pk)
    assert campaign.status == "closed"
    return campaign


def archive(campaign: Campaign) -> Campaign:
    from campaigns.services.lifecycle import archive as archive_campaign

    return archive_campaign(campaign)


def bulk_members(count: int, rank_name: str = "Veteran", prefix: str = "bulk") -> None:
    """`count` eligible Players with accounts, in two queries (query-count tests)."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"{prefix}{index}") for index in range(count)
    )
    if not users[0].pk:  # backends that do not return ids from bulk_create
        users = list(get_user_model().objects.filter(username__startswith=prefix))
    guild_rank = rank(rank_name)
    Player.objects.bulk_create(
        Player(display_name=f"{prefix} {user.pk}", user=user, guild_rank=guild_rank)
        for user in users
    )
