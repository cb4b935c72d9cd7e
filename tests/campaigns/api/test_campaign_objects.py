"""GET /api/v1/campaigns and /api/v1/campaigns/<id> (CMP-9, CMP-30, CMP-33 … CMP-35, CMP-41)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services.lifecycle import close_campaign
from tests.campaigns.api.support import (
    API,
    client_for,
    data_of,
    end_passed,
    error_of,
    store_ballot,
    url,
)
from tests.campaigns.factories import CampaignFactory, EntryFactory, live_campaign, member
from tests.factories import rank

pytestmark = pytest.mark.django_db

CAMPAIGN_KEYS = {
    "id",
    "title",
    "description",
    "status",
    "start_at",
    "end_at",
    "duration_hours",
    "picks_per_voter",
    "points",
    "min_rank_to_vote",
    "min_rank_to_view",
    "secret_ballot",
    "early_close_if_all_voted",
    "entry_count",
    "seconds_remaining",
    "closed_at",
    "close_reason",
    "stats",
    "viewer",
}


def closed_campaign(**kwargs) -> Campaign:
    campaign = live_campaign(**kwargs)
    close_campaign(campaign, reason=Campaign.CloseReason.MANUAL)
    campaign.refresh_from_db()
    return campaign


def archived_campaign(**kwargs) -> Campaign:
    campaign = closed_campaign(**kwargs)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.ARCHIVED)
    return campaign


def listed_ids(response) -> list[int]:
    return [c["id"] for c in data_of(response)["campaigns"]]


# --- the list (CMP-35, CMP-42) ----------------------------------------------------------------


def test_cmp35_list_shows_live_and_closed_never_archived_and_drafts_only_to_officers(client):
    live = live_campaign()
    closed = closed_campaign()
    archived_campaign()
    draft = CampaignFactory()

    assert sorted(listed_ids(client.get(API))) == sorted([live.pk, closed.pk])
    veteran = client_for(member("Veteran"))
    assert sorted(listed_ids(veteran.get(API))) == sorted([live.pk, closed.pk])
    officer = client_for(member("Officer"))
    assert sorted(listed_ids(officer.get(API))) == sorted([live.pk, closed.pk, draft.pk])


def test_cmp35_list_hides_campaigns_whose_view_gate_the_viewer_fails(client):
    public = live_campaign()
    veterans_only = live_campaign(min_rank_to_view=rank("Veteran"))
    assert listed_ids(client.get(API)) == [public.pk]
    assert listed_ids(client_for(member("Member")).get(API)) == [public.pk]
    assert sorted(listed_ids(client_for(member("Veteran")).get(API))) == sorted(
        [public.pk, veterans_only.pk]
    )


def test_cmp42_list_status_filter(client):
    live = live_campaign()
    closed = closed_campaign()
    draft = CampaignFactory()
    officer = client_for(member("Officer"))

    assert listed_ids(client.get(API + "?status=live")) == [live.pk]
    assert listed_ids(client.get(API + "?status=closed")) == [closed.pk]
    # Drafts: officers only, everyone else gets an empty list (not an error).
    assert listed_ids(client.get(API + "?status=draft")) == []
    assert listed_ids(client_for(member("Veteran")).get(API + "?status=draft")) == []
    assert listed_ids(officer.get(API + "?status=draft")) == [draft.pk]
    # Archived is a real status that the list never shows.
    assert listed_ids(officer.get(API + "?status=archived")) == []


@pytest.mark.parametrize("value", ["open", "LIVE", "<b>x</b>"])
def test_cmp42_list_unknown_status_is_400_with_its_message(client, value):
    response = client.get(API, {"status": value})
    assert response.status_code == 400
    assert error_of(response) == f"Unknown status '{value}'."


def test_cmp42_list_order_live_ending_soonest_then_drafts_then_newest_closed(client):
    later = live_campaign(duration_hours=300)
    sooner = live_campaign(duration_hours=10)
    first_closed = closed_campaign()
    second_closed = closed_campaign()
    draft = CampaignFactory()
    officer = client_for(member("Officer"))
    assert listed_ids(officer.get(API)) == [
        sooner.pk,
        later.pk,
        draft.pk,
        second_closed.pk,
        first_closed.pk,
    ]


def test_cmp41_list_campaign_object_has_exactly_the_documented_keys(client):
    live_campaign(discord_channel_id="123456789012345678", agent_chattiness="hype")
    [campaign] = data_of(client.get(API))["campaigns"]
    assert set(campaign) == CAMPAIGN_KEYS
    # Channel and agent settings are never exposed.
    assert not any(key.startswith(("discord", "agent")) for key in campaign)
    assert "123456789012345678" not in client.get(API).content.decode()


def test_cmp9_list_closes_a_live_campaign_whose_end_passed_before_answering(client):
    campaign = end_passed(live_campaign())
    [listed] = data_of(client.get(API))["campaigns"]
    assert listed["status"] == "closed"
    assert listed["close_reason"] == "time"
    assert listed["seconds_remaining"] is None
    assert Campaign.objects.get(pk=campaign.pk).results.count() == 5


# --- the detail (CMP-41) ------------------------------------------------------------------------


def test_cmp41_detail_fields_for_a_live_campaign(client):
    campaign = live_campaign(picks_per_voter=3, duration_hours=48)
    voter = member("Veteran")
    store_ballot(campaign, voter, "A", "B", "C")
    member("Veteran")  # eligible, not voted

    data = data_of(client_for(voter).get(url(campaign)))
    assert set(data) == CAMPAIGN_KEYS | {"entries"}
    assert data["id"] == campaign.pk
    assert data["title"] == campaign.title
    assert data["status"] == "live"
    assert data["points"] == [3, 2, 1]
    assert data["duration_hours"] == 48
    assert data["min_rank_to_vote"] == 3
    assert data["min_rank_to_view"] is None
    assert data["entry_count"] == 5
    assert data["closed_at"] is None and data["close_reason"] is None
    assert data["start_at"].endswith("Z") and data["end_at"].endswith("Z")
    # Started an hour ago, 48 h long: 47 h left (minus the test's own run time).
    assert 47 * 3600 - 60 <= data["seconds_remaining"] <= 47 * 3600
    assert data["stats"] == {
        "total_voted": 1,
        "total_eligible": 2,
        "percent_voted": 50.0,
        "all_voted": False,
    }
    assert data["viewer"] == {
        "signed_in": True,
        "level": 3,
        "can_vote": False,
        "has_voted": True,
        "can_see_results": True,
    }
    assert [e["name"] for e in data["entries"]] == ["A", "B", "C", "D", "E"]


def test_cmp41_detail_entry_shape_with_absolute_image_urls_and_player(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    campaign = CampaignFactory(min_rank_to_vote=rank("Veteran"))
    artist = member("Member", display_name="Trog")
    EntryFactory(
        campaign=campaign,
        name="Linked",
        image_url="https://drive.google.com/uc?id=abc&export=view",
        sort_order=1,
        player=artist,
        description="Orc in a hat",
    )
    EntryFactory(
        campaign=campaign,
        name="Uploaded",
        image=SimpleUploadedFile("art.png", b"\x89PNG\r\n\x1a\n", content_type="image/png"),
        sort_order=2,
    )
    EntryFactory(campaign=campaign, name="Bare", sort_order=3)
    officer = client_for(member("Officer"))  # drafts: officers see the entry preview

    entries = data_of(officer.get(url(campaign)))["entries"]
    linked, uploaded, bare = entries
    assert linked == {
        "id": linked["id"],
        "name": "Linked",
        "description": "Orc in a hat",
        "image_url": "https://drive.google.com/uc?id=abc&export=view",
        "sort_order": 1,
        "player": {"id": artist.pk, "display_name": "Trog"},
    }
    assert uploaded["image_url"].startswith("http://testserver/media/campaigns/entries/art")
    assert uploaded["player"] is None
    assert bare["image_url"] is None


def test_cmp41_stats_null_and_entries_hidden_for_drafts_except_officer_preview(client):
    campaign = CampaignFactory()
    for index in range(3):
        EntryFactory(campaign=campaign, name=f"E{index}")
    for viewer in (client, client_for(member("Veteran")), client_for(member("Member"))):
        data = data_of(viewer.get(url(campaign)))
        assert data["status"] == "draft"
        assert data["stats"] is None
        assert data["entries"] is None
        assert data["entry_count"] == 3
        assert data["seconds_remaining"] is None
    officer = data_of(client_for(member("Officer")).get(url(campaign)))
    assert officer["stats"] is None
    assert [e["name"] for e in officer["entries"]] == ["E0", "E1", "E2"]


def test_cmp34_detail_hides_live_entries_from_anonymous_visitors_only(client):
    campaign = live_campaign()
    anonymous = data_of(client.get(url(campaign)))
    assert anonymous["entries"] is None
    assert anonymous["entry_count"] == 5
    assert anonymous["stats"]["total_voted"] == 0  # participation is visible to everyone
    assert anonymous["viewer"] == {
        "signed_in": False,
        "level": 0,
        "can_vote": False,
        "has_voted": False,
        "can_see_results": False,
    }
    for player in (member("Member"), member("Veteran")):  # cannot vote / eligible
        data = data_of(client_for(player).get(url(campaign)))
        assert [e["name"] for e in data["entries"]] == ["A", "B", "C", "D", "E"]


def test_cmp34_detail_shows_entries_of_closed_campaigns_to_anonymous_visitors(client):
    campaign = closed_campaign()
    data = data_of(client.get(url(campaign)))
    assert data["status"] == "closed"
    assert data["close_reason"] == "manual"
    assert data["closed_at"].endswith("Z")
    assert data["viewer"]["can_see_results"] is True
    assert len(data["entries"]) == 5


def test_cmp41_viewer_object_for_each_kind(client):
    campaign = live_campaign()
    eligible = member("Veteran")
    junior = member("Member")
    voter = member("Officer")
    store_ballot(campaign, voter, "A", "B", "C")

    def viewer(player):
        return data_of(client_for(player).get(url(campaign)))["viewer"]

    assert viewer(eligible) == {
        "signed_in": True,
        "level": 3,
        "can_vote": True,
        "has_voted": False,
        "can_see_results": False,
    }
    assert viewer(junior)["level"] == 2
    assert viewer(junior)["can_vote"] is False
    assert viewer(voter)["has_voted"] is True
    assert viewer(voter)["can_see_results"] is True


def test_cmp41_signed_in_user_without_player_has_level_0(client):
    from tests.factories import UserFactory

    campaign = live_campaign()
    client.force_login(UserFactory())
    data = data_of(client.get(url(campaign)))
    assert data["viewer"] == {
        "signed_in": True,
        "level": 0,
        "can_vote": False,
        "has_voted": False,
        "can_see_results": False,
    }


def test_cmp42_detail_unknown_campaign_is_404(client):
    response = client.get(url(999999))
    assert response.status_code == 404
    assert error_of(response) == "Campaign not found."


def test_cmp33_detail_gate_anonymous_401_signed_in_403(client):
    campaign = live_campaign(min_rank_to_view=rank("Veteran"), min_rank_to_vote=rank("Officer"))
    response = client.get(url(campaign))
    assert response.status_code == 401
    assert error_of(response) == "Sign in to view this campaign."
    response = client_for(member("Member")).get(url(campaign))
    assert response.status_code == 403
    assert error_of(response) == "You don't have permission to view this campaign."
    assert client_for(member("Veteran")).get(url(campaign)).status_code == 200


def test_cmp9_detail_closes_a_campaign_whose_end_passed_before_answering(client):
    campaign = end_passed(live_campaign())
    voter = member("Veteran")
    store_ballot(campaign, voter, "A", "B", "C")
    data = data_of(client.get(url(campaign)))
    assert data["status"] == "closed"
    assert data["close_reason"] == "time"
    assert data["seconds_remaining"] is None
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CLOSED
    assert (campaign.voted_at_close, campaign.eligible_at_close) == (1, 1)


def test_cmp30_detail_stats_after_close_come_from_the_snapshot(client):
    campaign = live_campaign()
    store_ballot(campaign, member("Veteran"), "A", "B", "C")
    member("Veteran")
    close_campaign(campaign, reason=Campaign.CloseReason.MANUAL)
    # Eligibility changes after the close must not move the published numbers.
    for _ in range(3):
        member("Veteran")
    data = data_of(client.get(url(campaign)))
    assert data["stats"] == {
        "total_voted": 1,
        "total_eligible": 2,
        "percent_voted": 50.0,
        "all_voted": False,
    }


def test_cmp41_seconds_remaining_never_negative_and_null_unless_live(client):
    campaign = live_campaign()
    # A moment before the end: still live, a small non-negative number.
    Campaign.objects.filter(pk=campaign.pk).update(end_at=timezone.now() + timedelta(seconds=30))
    data = data_of(client.get(url(campaign)))
    assert data["status"] == "live"
    assert 0 <= data["seconds_remaining"] <= 30


def test_cmp41_archived_campaign_url_keeps_working(client):
    campaign = archived_campaign()
    data = data_of(client.get(url(campaign)))
    assert data["status"] == "archived"
    assert len(data["entries"]) == 5


@pytest.mark.parametrize("path", ["", "/results", "/results/live", "/my-vote"])
def test_cmp42_get_endpoints_refuse_post_with_json_405(client, path):
    campaign = live_campaign()
    response = client.post(url(campaign, path))
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["ok"] is False
