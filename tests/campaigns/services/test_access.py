"""Viewer kinds, the view gate and the lists (CMP-32 … CMP-35)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from campaigns.models import Campaign, CampaignStatus
from campaigns.services.access import (
    campaign_viewer,
    passes_view_gate,
    visible_campaigns,
)
from campaigns.services.lifecycle import archive, close_campaign
from identity.services.viewer import player_level, viewer_for_user, viewer_of
from tests.campaigns.factories import CampaignFactory, live_campaign, member
from tests.campaigns.services.ballot_rows import add_ballot
from tests.factories import UserFactory, rank

pytestmark = pytest.mark.django_db


def request_for(user=None):
    request = RequestFactory().get("/vote/1")
    request.user = user or AnonymousUser()
    return request


def test_acc1_player_level_is_zero_for_none_inactive_or_unranked():
    assert player_level(None) == 0
    assert player_level(member("Officer", active=False)) == 0
    unranked = member("Veteran")
    unranked.guild_rank = None
    assert player_level(unranked) == 0
    assert player_level(member("Veteran")) == 3


def test_cmp33_view_gate_public_or_level_reaches_view_rank():
    public = CampaignFactory()
    members_only = CampaignFactory(min_rank_to_view=rank("Member"))
    assert passes_view_gate(public, level=0)
    assert not passes_view_gate(members_only, level=1)
    assert passes_view_gate(members_only, level=2)


def test_cmp32_anonymous_viewer():
    viewer = campaign_viewer(live_campaign(), viewer=viewer_of(request_for()))
    assert viewer.kind == "anonymous"
    assert (viewer.signed_in, viewer.level, viewer.can_vote, viewer.has_voted) == (
        False,
        0,
        False,
        False,
    )
    assert not viewer.can_see_results


def test_cmp32_signed_in_viewer_failing_the_gate_is_no_access():
    campaign = live_campaign(min_rank_to_view=rank("Veteran"))
    viewer = campaign_viewer(campaign, viewer=viewer_of(request_for(member("Member").user)))
    assert viewer.kind == "no_access"
    assert not viewer.passes_gate and not viewer.can_vote


def test_cmp32_rank_too_low_or_no_player_cannot_vote():
    campaign = live_campaign()
    assert (
        campaign_viewer(campaign, viewer=viewer_of(request_for(member("Member").user))).kind
        == "cannot_vote"
    )
    assert (
        campaign_viewer(campaign, viewer=viewer_of(request_for(UserFactory()))).kind
        == "cannot_vote"
    )
    inactive = member("Officer", active=False)
    assert campaign_viewer(campaign, viewer=viewer_for_user(inactive.user)).kind == "cannot_vote"


def test_cmp32_eligible_non_voter_can_vote_and_not_see_live_standings():
    campaign = live_campaign()
    viewer = campaign_viewer(campaign, viewer=viewer_of(request_for(member("Veteran").user)))
    assert viewer.kind == "eligible"
    assert viewer.can_vote and not viewer.can_see_results


def test_cmp34_voter_sees_live_standings_and_cannot_vote_again():
    campaign = live_campaign()
    voter = member("Veteran")
    add_ballot(campaign, "ABC", voter=voter)
    viewer = campaign_viewer(campaign, viewer=viewer_for_user(voter.user))
    assert viewer.kind == "voter"
    assert viewer.has_voted and viewer.can_see_results and not viewer.can_vote


def test_cmp34_everyone_passing_the_gate_sees_final_results():
    campaign = live_campaign()
    close_campaign(campaign, reason=Campaign.CloseReason.MANUAL)
    assert campaign_viewer(campaign, viewer=viewer_of(request_for())).can_see_results
    assert not campaign_viewer(campaign, viewer=viewer_of(request_for())).can_vote
    archive(campaign)
    assert campaign_viewer(campaign, viewer=viewer_for_user(member("Member").user)).can_see_results


def test_cmp34_nobody_sees_results_of_a_draft():
    draft = CampaignFactory()
    viewer = campaign_viewer(draft, viewer=viewer_for_user(member("Officer").user))
    assert viewer.is_officer and not viewer.can_see_results and not viewer.can_vote


def test_acc2_officer_flag_from_level():
    campaign = live_campaign()
    assert campaign_viewer(campaign, viewer=viewer_for_user(member("Officer").user)).is_officer
    assert not campaign_viewer(campaign, viewer=viewer_for_user(member("Veteran").user)).is_officer


@pytest.mark.parametrize("players", [10, 200])
def test_cmp32_campaign_viewer_issues_constant_queries(players, django_assert_max_num_queries):
    campaign = live_campaign()
    viewer_player = member("Veteran")
    for _ in range(players):
        add_ballot(campaign, "ABC", voter=member("Veteran"))
    request = request_for(viewer_player.user)
    with django_assert_max_num_queries(2):
        viewer = campaign_viewer(campaign, viewer=viewer_of(request))
    assert viewer.kind == "eligible"


def test_cmp35_lists_hide_drafts_from_members_archived_from_everyone_and_apply_the_gate():
    live = live_campaign()
    gated = live_campaign(min_rank_to_view=rank("Veteran"))
    closed = live_campaign()
    close_campaign(closed, reason=Campaign.CloseReason.MANUAL)
    archived = live_campaign()
    close_campaign(archived, reason=Campaign.CloseReason.MANUAL)
    archive(archived)
    draft = CampaignFactory()
    assert set(visible_campaigns(level=0, is_officer=False)) == {live, closed}
    assert set(visible_campaigns(level=3, is_officer=False)) == {live, gated, closed}
    assert set(visible_campaigns(level=4, is_officer=True)) == {live, gated, closed, draft}
    assert (
        not visible_campaigns(level=5, is_officer=True)
        .filter(status=CampaignStatus.ARCHIVED)
        .exists()
    )
