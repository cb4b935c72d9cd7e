"""Eligibility and participation (CMP-28 … CMP-30)."""

import pytest

from campaigns.models import Campaign
from campaigns.services.lifecycle import close_campaign
from campaigns.services.stats import (
    VoteStats,
    display_stats,
    eligible_players,
    percent,
    players_not_voted,
    vote_stats,
)
from identity.models import Player
from tests.campaigns.factories import CampaignFactory, live_campaign, member
from tests.campaigns.services.ballot_rows import add_ballot
from tests.factories import rank

pytestmark = pytest.mark.django_db


@pytest.fixture
def guild():
    """CMP-29's example guild."""
    return {
        "GL": member("Guild Leader"),
        "OFF": member("Officer"),
        "VET1": member("Veteran"),
        "VET2": member("Veteran"),
        "VET3": member("Veteran"),
        "VET4": member("Veteran", account=False),
        "MEM": member("Member"),
        "INIT": member("Initiate"),
    }


def test_cmp28_eligible_now_needs_active_player_active_account_and_rank(guild):
    campaign = live_campaign()
    gone = member("Veteran", active=False)
    locked_out = member("Veteran")
    locked_out.user.is_active = False
    locked_out.user.save()
    eligible = set(eligible_players(campaign).values_list("pk", flat=True))
    assert eligible == {guild[k].pk for k in ("GL", "OFF", "VET1", "VET2", "VET3")}
    assert gone.pk not in eligible and locked_out.pk not in eligible


def test_cmp29_example_two_of_five_then_demotion_keeps_two_of_five(guild):
    campaign = live_campaign()
    add_ballot(campaign, "ABC", voter=guild["VET1"])
    add_ballot(campaign, "BCA", voter=guild["VET2"])
    assert vote_stats(campaign) == VoteStats(2, 5, 40.0, False)
    Player.objects.filter(pk=guild["VET2"].pk).update(guild_rank=rank("Member"))
    assert vote_stats(campaign) == VoteStats(2, 5, 40.0, False)
    assert set(players_not_voted(campaign)) == {guild["GL"], guild["OFF"], guild["VET3"]}


def test_cmp29_example_guild_leader_without_account_gives_zero_of_zero():
    member("Guild Leader", account=False)
    member("Officer")
    campaign = live_campaign(min_rank_to_vote=rank("Guild Leader"))
    stats = vote_stats(campaign)
    assert stats == VoteStats(0, 0, 0.0, False)
    assert stats.as_dict() == {
        "total_voted": 0,
        "total_eligible": 0,
        "percent_voted": 0.0,
        "all_voted": False,
    }


def test_cmp29_all_voted_when_every_eligible_player_has_a_receipt():
    voters = [member("Veteran") for _ in range(2)]
    campaign = live_campaign()
    for voter in voters:
        add_ballot(campaign, "ABC", voter=voter)
    assert vote_stats(campaign) == VoteStats(2, 2, 100.0, True)


@pytest.mark.parametrize(
    ("voted", "eligible", "expected"),
    [(1, 3, 33.3), (2, 3, 66.7), (1, 8, 12.5), (1, 16, 6.3), (1, 40, 2.5), (0, 0, 0.0)],
)
def test_cmp29_percent_rounds_half_up_to_one_decimal(voted, eligible, expected):
    assert percent(voted=voted, eligible=eligible) == expected


def test_cmp30_display_stats_use_the_snapshot_after_close(guild):
    campaign = live_campaign()
    add_ballot(campaign, "ABC", voter=guild["VET1"])
    close_campaign(campaign, reason=Campaign.CloseReason.MANUAL)
    campaign.refresh_from_db()
    assert (campaign.voted_at_close, campaign.eligible_at_close) == (1, 5)
    member("Veteran")  # a newcomer after close changes nothing
    assert display_stats(campaign) == VoteStats(1, 5, 20.0, False)
    assert vote_stats(campaign).total_eligible == 6


def test_cmp30_display_stats_none_for_drafts_and_live_otherwise(guild):
    assert display_stats(CampaignFactory()) is None
    campaign = live_campaign()
    assert display_stats(campaign) == VoteStats(0, 5, 0.0, False)


@pytest.mark.parametrize("players", [10, 200])
def test_cmp29_vote_stats_issues_constant_queries(players, django_assert_max_num_queries):
    campaign = live_campaign()
    for index in range(players):
        voter = member("Veteran")
        if index % 2:
            add_ballot(campaign, "ABC", voter=voter)
    with django_assert_max_num_queries(2):
        stats = vote_stats(campaign)
    assert stats.total_eligible == players
