"""GET …/results, …/results/live and …/my-vote (CMP-22, CMP-27, CMP-30, CMP-34, CMP-42)."""

import pytest

from campaigns.models import Campaign
from campaigns.services.lifecycle import close_campaign
from tests.campaigns.api.support import client_for, data_of, end_passed, error_of, store_ballot, url
from tests.campaigns.factories import CampaignFactory, EntryFactory, live_campaign, member
from tests.factories import UserFactory, rank

pytestmark = pytest.mark.django_db

ROW_KEYS = {
    "rank",
    "tied",
    "winner",
    "points",
    "place_counts",
    "first_place_count",
    "second_place_count",
    "third_place_count",
    "entry",
}


def worked_example_three(**kwargs) -> tuple[Campaign, list]:
    """CMP-27 example 3: (A,B,C), (B,A,D) → A and B co-winners, C and D share rank 3."""
    campaign = live_campaign(**kwargs)
    voters = [member("Veteran"), member("Veteran")]
    store_ballot(campaign, voters[0], "A", "B", "C")
    store_ballot(campaign, voters[1], "B", "A", "D")
    return campaign, voters


def by_name(data) -> dict:
    return {row["entry"]["name"]: row for row in data["results"]}


# --- /results ------------------------------------------------------------------------------------


def test_cmp42_results_of_a_closed_campaign_are_final_for_everyone(client):
    campaign, voters = worked_example_three()
    member("Veteran")  # eligible, never voted
    close_campaign(campaign, reason=Campaign.CloseReason.MANUAL)

    for viewer in (client, client_for(member("Member")), client_for(voters[0])):
        data = data_of(viewer.get(url(campaign, "/results")))
        assert data["final"] is True
        assert data["calculated_at"].endswith("Z")
        assert data["stats"] == {
            "total_voted": 2,
            "total_eligible": 3,
            "percent_voted": 66.7,
            "all_voted": False,
        }
    rows = by_name(data)
    assert [row["entry"]["name"] for row in data["results"]] == ["A", "B", "C", "D", "E"]
    assert set(data["results"][0]) == ROW_KEYS
    assert sorted(data["winners"]) == sorted([rows["A"]["entry"]["id"], rows["B"]["entry"]["id"]])
    assert rows["A"] | {"entry": None} == {
        "rank": 1,
        "tied": True,
        "winner": True,
        "points": 5,
        "place_counts": [1, 1, 0],
        "first_place_count": 1,
        "second_place_count": 1,
        "third_place_count": 0,
        "entry": None,
    }
    assert (rows["C"]["rank"], rows["C"]["tied"], rows["C"]["winner"]) == (3, True, False)
    assert (rows["D"]["rank"], rows["D"]["points"]) == (3, 1)
    assert (rows["E"]["rank"], rows["E"]["points"], rows["E"]["tied"]) == (5, 0, False)
    assert set(rows["A"]["entry"]) == {
        "id",
        "name",
        "description",
        "image_url",
        "sort_order",
        "player",
    }


def test_cmp27_results_order_through_the_api_second_example():
    """CMP-27 example 2: B beats A on 2nd places, D beats C on 1st places."""
    campaign = live_campaign()
    ballots = [("A", "B", "C"), ("B", "C", "A"), ("D", "E", "A")]
    voters = []
    for names in ballots:
        voter = member("Veteran")
        voters.append(voter)
        store_ballot(campaign, voter, *names)
    data = data_of(client_for(voters[0]).get(url(campaign, "/results")))
    assert data["final"] is False
    order = [(row["entry"]["name"], row["rank"], row["points"]) for row in data["results"]]
    assert order == [("B", 1, 5), ("A", 2, 5), ("D", 3, 3), ("C", 4, 3), ("E", 5, 2)]
    assert len(data["winners"]) == 1


def test_cmp42_results_live_standings_for_a_voter(client):
    campaign, voters = worked_example_three()
    data = data_of(client_for(voters[1]).get(url(campaign, "/results")))
    assert data["final"] is False
    assert data["calculated_at"].endswith("Z")
    assert data["stats"]["total_voted"] == 2
    assert [row["entry"]["name"] for row in data["results"][:2]] == ["A", "B"]


def test_cmp42_results_live_eligible_non_voter_is_told_to_vote(client):
    campaign, _ = worked_example_three()
    response = client_for(member("Veteran")).get(url(campaign, "/results"))
    assert response.status_code == 403
    assert error_of(response) == "Vote to see live standings."


def test_cmp42_results_live_anonymous_and_cannot_vote_wait_for_the_close(client):
    campaign, _ = worked_example_three()
    no_player = client_for()
    no_player.force_login(UserFactory())
    for viewer in (client, client_for(member("Member")), no_player):
        response = viewer.get(url(campaign, "/results"))
        assert response.status_code == 403
        assert error_of(response) == "Results are not available until voting closes."


def test_cmp42_results_of_a_draft_are_not_available(client):
    campaign = CampaignFactory()
    for viewer in (client, client_for(member("Officer"))):
        response = viewer.get(url(campaign, "/results"))
        assert response.status_code == 403
        assert error_of(response) == "Results are not available until voting closes."


def test_cmp42_results_unknown_campaign_404(client):
    response = client.get(url(424242, "/results"))
    assert response.status_code == 404
    assert error_of(response) == "Campaign not found."


def test_cmp33_results_gate_anonymous_401_signed_in_403(client):
    campaign, _ = worked_example_three(min_rank_to_view=rank("Veteran"))
    close_campaign(campaign, reason=Campaign.CloseReason.MANUAL)
    response = client.get(url(campaign, "/results"))
    assert (response.status_code, error_of(response)) == (401, "Sign in to view this campaign.")
    response = client_for(member("Initiate")).get(url(campaign, "/results"))
    assert (response.status_code, error_of(response)) == (
        403,
        "You don't have permission to view this campaign.",
    )


def test_cmp9_results_close_a_campaign_whose_end_passed_and_answer_final(client):
    campaign, _ = worked_example_three()
    end_passed(campaign)
    data = data_of(client.get(url(campaign, "/results")))
    assert data["final"] is True
    assert Campaign.objects.get(pk=campaign.pk).close_reason == "time"
    assert len(data["results"]) == 5


def test_cmp25_results_closed_without_ballots_have_no_winner(client):
    campaign = live_campaign()
    close_campaign(campaign, reason=Campaign.CloseReason.TIME)
    data = data_of(client.get(url(campaign, "/results")))
    assert data["winners"] == []
    assert all(row["points"] == 0 and row["rank"] == 1 for row in data["results"])


def test_cmp42_place_counts_for_fewer_than_three_picks(client):
    campaign = live_campaign(picks_per_voter=1)
    voter = member("Veteran")
    store_ballot(campaign, voter, "C")
    row = data_of(client_for(voter).get(url(campaign, "/results")))["results"][0]
    assert row["entry"]["name"] == "C"
    assert row["place_counts"] == [1]
    assert (row["first_place_count"], row["second_place_count"], row["third_place_count"]) == (
        1,
        0,
        0,
    )


# --- /results/live -------------------------------------------------------------------------------


def test_cmp42_live_results_need_sign_in(client):
    campaign, _ = worked_example_three()
    response = client.get(url(campaign, "/results/live"))
    assert response.status_code == 401
    assert error_of(response) == "Sign in required."


def test_cmp42_live_results_need_a_vote(client):
    campaign, _ = worked_example_three()
    for player in (member("Veteran"), member("Member")):
        response = client_for(player).get(url(campaign, "/results/live"))
        assert response.status_code == 403
        assert error_of(response) == "You must vote before seeing live standings."


def test_cmp42_live_results_for_a_voter_live_then_final(client):
    campaign, voters = worked_example_three()
    voter = client_for(voters[0])
    live = data_of(voter.get(url(campaign, "/results/live")))
    assert live["final"] is False
    close_campaign(campaign, reason=Campaign.CloseReason.MANUAL)
    final = data_of(voter.get(url(campaign, "/results/live")))
    assert final["final"] is True
    assert final["results"] == live["results"]


def test_cmp33_live_results_gate_403(client):
    campaign, _ = worked_example_three(min_rank_to_view=rank("Member"))
    response = client_for(member("Initiate")).get(url(campaign, "/results/live"))
    assert response.status_code == 403
    assert error_of(response) == "You don't have permission to view this campaign."


def test_cmp42_live_results_unknown_campaign_404(client):
    response = client.get(url(424242, "/results/live"))
    assert (response.status_code, error_of(response)) == (404, "Campaign not found.")


# --- /my-vote ------------------------------------------------------------------------------------


def test_cmp42_my_vote_needs_sign_in(client):
    campaign, _ = worked_example_three()
    response = client.get(url(campaign, "/my-vote"))
    assert (response.status_code, error_of(response)) == (401, "Sign in required.")


def test_cmp42_my_vote_404_when_not_voted(client):
    campaign, _ = worked_example_three()
    no_player = client_for()
    no_player.force_login(UserFactory())
    for viewer in (client_for(member("Veteran")), no_player):
        response = viewer.get(url(campaign, "/my-vote"))
        assert (response.status_code, error_of(response)) == (
            404,
            "You have not voted in this campaign.",
        )


def test_cmp42_my_vote_returns_the_voters_picks_in_rank_order(client):
    campaign, voters = worked_example_three()
    data = data_of(client_for(voters[1]).get(url(campaign, "/my-vote")))
    assert data["secret"] is False
    assert data["voted_at"].endswith("Z")
    assert [(p["rank"], p["entry_name"]) for p in data["picks"]] == [
        (1, "B"),
        (2, "A"),
        (3, "D"),
    ]
    assert set(data["picks"][0]) == {"rank", "entry_id", "entry_name"}


def test_cmp22_my_vote_of_a_secret_ballot_has_null_picks(client):
    campaign, voters = worked_example_three(secret_ballot=True)
    data = data_of(client_for(voters[0]).get(url(campaign, "/my-vote")))
    assert data["secret"] is True
    assert data["picks"] is None
    assert data["voted_at"].endswith("Z")


def test_cmp33_my_vote_gate_403(client):
    campaign = live_campaign(min_rank_to_view=rank("Officer"), min_rank_to_vote=rank("Officer"))
    response = client_for(member("Veteran")).get(url(campaign, "/my-vote"))
    assert response.status_code == 403
    assert error_of(response) == "You don't have permission to view this campaign."


def test_cmp42_my_vote_unknown_campaign_404(client):
    response = client_for(member("Veteran")).get(url(424242, "/my-vote"))
    assert (response.status_code, error_of(response)) == (404, "Campaign not found.")


def test_cmp22_results_never_name_voters_of_a_secret_ballot(client):
    campaign, voters = worked_example_three(secret_ballot=True)
    close_campaign(campaign, reason=Campaign.CloseReason.MANUAL)
    body = client.get(url(campaign, "/results")).content.decode()
    for voter in voters:
        assert voter.display_name not in body


def test_cmp42_entry_player_of_result_rows(client):
    campaign = CampaignFactory(picks_per_voter=1)
    artist = member("Member", display_name="Rocket")
    EntryFactory(campaign=campaign, name="Art", player=artist)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.LIVE)
    close_campaign(campaign, reason=Campaign.CloseReason.MANUAL)
    row = data_of(client.get(url(campaign, "/results")))["results"][0]
    assert row["entry"]["player"] == {"id": artist.pk, "display_name": "Rocket"}
