"""POST /api/v1/campaigns/<id>/vote (CMP-17 … CMP-19, CMP-22, CMP-30, CMP-42)."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from campaigns.models import Ballot, BallotPick, BallotReceipt, Campaign
from campaigns.services.lifecycle import close_campaign
from tests.campaigns.api.support import (
    client_for,
    data_of,
    end_passed,
    error_of,
    picks_for,
    post_vote,
    store_ballot,
    url,
)
from tests.campaigns.factories import CampaignFactory, EntryFactory, live_campaign, member
from tests.factories import UserFactory, rank

pytestmark = pytest.mark.django_db

ALREADY_VOTED = "You have already voted in this campaign. Votes can't be changed."


def nothing_stored() -> bool:
    return not (
        BallotReceipt.objects.exists() or Ballot.objects.exists() or BallotPick.objects.exists()
    )


def test_cmp42_vote_success_201_with_picks_closed_flag_and_stats():
    campaign = live_campaign()
    voter = member("Veteran")
    member("Veteran")  # a second eligible player keeps the campaign open
    response = post_vote(client_for(voter), campaign, picks_for(campaign, "C", "A", "E"))
    assert response.status_code == 201
    data = data_of(response)
    by_name = dict(campaign.entries.values_list("name", "pk"))
    assert data == {
        "picks": [
            {"rank": 1, "entry_id": by_name["C"], "entry_name": "C"},
            {"rank": 2, "entry_id": by_name["A"], "entry_name": "A"},
            {"rank": 3, "entry_id": by_name["E"], "entry_name": "E"},
        ],
        "campaign_closed": False,
        "stats": {"total_voted": 1, "total_eligible": 2, "percent_voted": 50.0, "all_voted": False},
    }
    ballot = Ballot.objects.get()
    assert ballot.voter == voter
    assert list(ballot.picks.values_list("entry__name", "rank")) == [("C", 1), ("A", 2), ("E", 3)]


def test_cmp19_last_eligible_vote_closes_the_campaign_and_reports_the_snapshot():
    campaign = live_campaign()
    first, last = member("Veteran"), member("Officer")
    store_ballot(campaign, first, "A", "B", "C")
    response = post_vote(client_for(last), campaign, picks_for(campaign, "B", "A", "C"))
    assert response.status_code == 201
    data = data_of(response)
    assert data["campaign_closed"] is True
    assert data["stats"] == {
        "total_voted": 2,
        "total_eligible": 2,
        "percent_voted": 100.0,
        "all_voted": True,
    }
    campaign.refresh_from_db()
    assert (campaign.status, campaign.close_reason) == ("closed", "all_voted")
    assert (campaign.voted_at_close, campaign.eligible_at_close) == (2, 2)


def test_cmp22_secret_ballot_success_shows_the_picks_once_and_stores_no_voter():
    campaign = live_campaign(secret_ballot=True)
    voter = member("Veteran")
    member("Veteran")
    client = client_for(voter)
    data = data_of(post_vote(client, campaign, picks_for(campaign, "A", "B", "C")))
    assert [p["entry_name"] for p in data["picks"]] == ["A", "B", "C"]
    assert not Ballot.objects.exists() and not BallotPick.objects.exists()
    assert BallotReceipt.objects.get().player == voter
    assert data_of(client.get(url(campaign, "/my-vote")))["picks"] is None


# --- CMP-17's table, in order, through JSON ----------------------------------------------------


def test_cmp17_1_unknown_campaign_404():
    response = post_vote(client_for(member("Veteran")), 987654, [])
    assert (response.status_code, error_of(response)) == (404, "Campaign not found.")


def test_cmp17_2_anonymous_401(client):
    campaign = live_campaign()
    response = post_vote(client, campaign, picks_for(campaign, "A", "B", "C"))
    assert (response.status_code, error_of(response)) == (401, "Sign in to vote.")
    assert nothing_stored()


def test_cmp17_3_view_gate_403():
    campaign = live_campaign(min_rank_to_view=rank("Veteran"))
    response = post_vote(client_for(member("Member")), campaign, picks_for(campaign, "A", "B", "C"))
    assert (response.status_code, error_of(response)) == (
        403,
        "You don't have permission to view this campaign.",
    )


def test_cmp17_4_account_without_player_403():
    campaign = live_campaign()
    client = Client()
    client.force_login(UserFactory())
    response = post_vote(client, campaign, picks_for(campaign, "A", "B", "C"))
    assert (response.status_code, error_of(response)) == (
        403,
        "Your account isn't linked to a guild member, so you can't vote. Ask an officer.",
    )


def test_cmp17_5_draft_409_not_open_yet():
    campaign = CampaignFactory()
    for index in range(3):
        EntryFactory(campaign=campaign, name=f"E{index}")
    response = post_vote(client_for(member("Veteran")), campaign, [])
    assert (response.status_code, error_of(response)) == (409, "Voting hasn't opened yet.")


def test_cmp17_5_closed_409():
    campaign = live_campaign()
    close_campaign(campaign, reason=Campaign.CloseReason.MANUAL)
    response = post_vote(
        client_for(member("Veteran")), campaign, picks_for(campaign, "A", "B", "C")
    )
    assert (response.status_code, error_of(response)) == (409, "Voting has closed.")


def test_cmp9_vote_after_the_end_time_closes_the_campaign_and_is_refused():
    campaign = end_passed(live_campaign())
    response = post_vote(
        client_for(member("Veteran")), campaign, picks_for(campaign, "A", "B", "C")
    )
    assert (response.status_code, error_of(response)) == (409, "Voting has closed.")
    campaign.refresh_from_db()
    assert (campaign.status, campaign.close_reason) == ("closed", "time")
    assert nothing_stored()


def test_cmp17_6_rank_too_low_403():
    campaign = live_campaign()
    response = post_vote(client_for(member("Member")), campaign, picks_for(campaign, "A", "B", "C"))
    assert (response.status_code, error_of(response)) == (
        403,
        "Your rank (Member) can't vote in this campaign — Veteran or higher can.",
    )


def test_cmp17_7_second_vote_409_and_the_first_ballot_stays():
    campaign = live_campaign()
    voter = member("Veteran")
    member("Veteran")
    client = client_for(voter)
    assert post_vote(client, campaign, picks_for(campaign, "A", "B", "C")).status_code == 201
    response = post_vote(client, campaign, picks_for(campaign, "E", "D", "C"))
    assert (response.status_code, error_of(response)) == (409, ALREADY_VOTED)
    assert Ballot.objects.count() == 1
    assert list(Ballot.objects.get().picks.values_list("entry__name", flat=True)) == [
        "A",
        "B",
        "C",
    ]


@pytest.mark.parametrize(
    "picks",
    [
        None,
        "A,B,C",
        {"entry_id": 1, "rank": 1},
        [1, 2, 3],
        [{"entry_id": "1", "rank": 1}],
        [{"entry_id": 1.0, "rank": 1}],
        [{"entry_id": 1, "rank": True}],
        [{"entry_id": 1}],
    ],
)
def test_cmp17_8_invalid_ballot_format_400(picks):
    campaign = live_campaign()
    response = post_vote(client_for(member("Veteran")), campaign, picks)
    assert (response.status_code, error_of(response)) == (400, "Invalid ballot format.")
    assert nothing_stored()


def test_cmp17_8_body_without_picks_is_invalid_format():
    campaign = live_campaign()
    response = client_for(member("Veteran")).post(
        url(campaign, "/vote"), data="{}", content_type="application/json"
    )
    assert (response.status_code, error_of(response)) == (400, "Invalid ballot format.")


def test_cmp17_9_wrong_number_of_picks_400():
    campaign = live_campaign()
    response = post_vote(client_for(member("Veteran")), campaign, picks_for(campaign, "A", "B"))
    assert (response.status_code, error_of(response)) == (
        400,
        "Pick exactly 3 entries (you picked 2).",
    )


def test_cmp17_10_duplicate_entry_400():
    campaign = live_campaign()
    picks = picks_for(campaign, "A", "B", "C")
    picks[1]["entry_id"] = picks[0]["entry_id"]
    response = post_vote(client_for(member("Veteran")), campaign, picks)
    assert (response.status_code, error_of(response)) == (
        400,
        "Each entry can only be picked once.",
    )


def test_cmp17_11_duplicate_rank_400():
    campaign = live_campaign()
    picks = picks_for(campaign, "A", "B", "C")
    picks[2]["rank"] = 1
    response = post_vote(client_for(member("Veteran")), campaign, picks)
    assert (response.status_code, error_of(response)) == (400, "Each rank can only be used once.")


def test_cmp17_12_rank_out_of_range_400():
    campaign = live_campaign()
    picks = picks_for(campaign, "A", "B", "C")
    picks[2]["rank"] = 4
    response = post_vote(client_for(member("Veteran")), campaign, picks)
    assert (response.status_code, error_of(response)) == (400, "Ranks must be between 1 and 3.")


def test_cmp17_13_entry_of_another_campaign_400():
    campaign = live_campaign()
    other = live_campaign()
    foreign = picks_for(other, "A")[0]["entry_id"]
    picks = picks_for(campaign, "A", "B", "C")
    picks[1]["entry_id"] = foreign
    response = post_vote(client_for(member("Veteran")), campaign, picks)
    assert (response.status_code, error_of(response)) == (
        400,
        f"Entry {foreign} is not part of this campaign.",
    )
    assert nothing_stored()


# --- the body (CMP-42) ---------------------------------------------------------------------------

BODY_MUST_BE_JSON = "Request body must be JSON."


def test_cmp42_form_encoded_body_is_refused_as_not_json():
    campaign = live_campaign()
    client = client_for(member("Veteran"))
    response = client.post(url(campaign, "/vote"), {"pick_1": "1"})
    assert (response.status_code, error_of(response)) == (400, BODY_MUST_BE_JSON)
    response = client.post(
        url(campaign, "/vote"),
        data=json.dumps({"picks": picks_for(campaign, "A", "B", "C")}),
        content_type="text/plain",
    )
    assert (response.status_code, error_of(response)) == (400, BODY_MUST_BE_JSON)
    assert nothing_stored()


@pytest.mark.parametrize(
    "body",
    [b"", b"{picks:", b'{"picks": [}', b"\xff\xfe{}", b"[]", b'"picks"', b"null", b"[" * 5000],
)
def test_cmp42_unparseable_or_non_object_body_is_refused(body):
    campaign = live_campaign()
    response = client_for(member("Veteran")).post(
        url(campaign, "/vote"), data=body, content_type="application/json"
    )
    assert (response.status_code, error_of(response)) == (400, BODY_MUST_BE_JSON)


def test_cmp42_body_over_10_kb_is_refused_even_when_valid_json():
    campaign = live_campaign()
    picks = picks_for(campaign, "A", "B", "C")
    body = json.dumps({"picks": picks, "padding": "x" * (10 * 1024)})
    response = client_for(member("Veteran")).post(
        url(campaign, "/vote"), data=body, content_type="application/json"
    )
    assert (response.status_code, error_of(response)) == (400, BODY_MUST_BE_JSON)
    assert nothing_stored()
    # Just under the limit is fine.
    small = json.dumps({"picks": picks, "padding": "x" * (10 * 1024 - 300)})
    assert len(small) <= 10 * 1024
    response = client_for(member("Veteran")).post(
        url(campaign, "/vote"), data=small, content_type="application/json"
    )
    assert response.status_code == 201


def test_cmp42_json_with_charset_is_accepted():
    campaign = live_campaign()
    member("Veteran")
    response = client_for(member("Veteran")).post(
        url(campaign, "/vote"),
        data=json.dumps({"picks": picks_for(campaign, "A", "B", "C")}),
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 201


def test_cmp42_vote_get_is_405_json():
    campaign = live_campaign()
    response = client_for(member("Veteran")).get(url(campaign, "/vote"))
    assert response.status_code == 405
    assert response.json()["ok"] is False


# --- CSRF (CMP-42: X-CSRFToken on POST) ---------------------------------------------------------


def csrf_client(player) -> Client:
    """A browser-like client: CSRF checks on, a CSRF cookie from a page, then signed in."""
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    assert "csrftoken" in client.cookies
    client.force_login(player.user)
    return client


def test_cmp42_vote_without_csrf_token_is_refused_403_and_nothing_stored():
    campaign = live_campaign()
    client = csrf_client(member("Veteran"))
    response = post_vote(client, campaign, picks_for(campaign, "A", "B", "C"))
    assert response.status_code == 403
    assert error_of(response) == "CSRF check failed. Reload the page and try again."
    response = post_vote(
        client, campaign, picks_for(campaign, "A", "B", "C"), HTTP_X_CSRFTOKEN="wrong" * 8
    )
    assert response.status_code == 403
    assert nothing_stored()


def test_cmp42_vote_with_csrf_header_is_accepted():
    campaign = live_campaign()
    member("Veteran")
    client = csrf_client(member("Veteran"))
    token = client.cookies["csrftoken"].value
    response = post_vote(
        client, campaign, picks_for(campaign, "A", "B", "C"), HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201
    assert BallotReceipt.objects.count() == 1


def test_cmp18_receipt_time_is_now():
    campaign = live_campaign()
    member("Veteran")
    before = timezone.now() - timedelta(seconds=1)
    post_vote(client_for(member("Veteran")), campaign, picks_for(campaign, "A", "B", "C"))
    assert BallotReceipt.objects.get().voted_at >= before


@pytest.mark.parametrize("others", [1, 30])
def test_issue17_a_ballot_costs_a_constant_number_of_queries(django_assert_max_num_queries, others):
    """Issue 17 (the faster ballot box): session, user, the voter's Player with the account
    checks (one query), campaign, entries, the transaction (lock, three inserts) and one query
    of both counts — whatever the guild's size."""
    campaign = live_campaign()
    voter = member("Veteran")
    for _ in range(others):
        member("Veteran")
    client = client_for(voter)
    picks = picks_for(campaign, "A", "B", "C")
    with django_assert_max_num_queries(12):
        response = post_vote(client, campaign, picks)
    assert response.status_code == 201
