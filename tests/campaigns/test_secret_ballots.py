"""Secret ballots are not linkable (issue 11 item 5, CMP-3, CMP-22).

A secret campaign stores the receipt (who voted) and per-(entry, rank) counters, nothing per
ballot; its standings are never shown while it is live; officers see its voters as names in
alphabetical order without times; results after close are exactly what the ballots give.
"""

import pytest
from django.db import connection
from django.db.models import Sum

from campaigns.models import Ballot, BallotPick, BallotReceipt, SecretPickCount
from campaigns.services.access import campaign_viewer
from campaigns.services.lifecycle import close_campaign
from campaigns.services.scoring import final_results, rank_entries
from identity.services.viewer import viewer_for_user
from tests.campaigns.api.support import client_for, data_of, error_of, url
from tests.campaigns.factories import live_campaign, member
from tests.campaigns.services.ballot_rows import cast

pytestmark = pytest.mark.django_db

RESULTS_LATER = "Results when voting closes"
NOT_AVAILABLE = "Results are not available until voting closes."

# CMP-27's worked examples: (picks per voter, ballots as strings of entry names, 1st first).
WORKED_EXAMPLES = {
    "clear_winner": (3, ["ABC", "BAC", "ACB"]),
    "second_places_break_the_tie": (3, ["ABC", "BCA", "DEA"]),
    "co_winners_and_shared_bronze": (3, ["ABC", "BAD"]),
    "three_co_winners": (3, ["ABC", "BCA", "CAB"]),
    "five_picks": (5, ["ABCDE"]),
    "no_ballots": (3, []),
}


def picks(campaign, names: str) -> list[dict]:
    ids = dict(campaign.entries.values_list("name", "pk"))
    return [{"entry_id": ids[name], "rank": rank} for rank, name in enumerate(names, 1)]


def vote(campaign, player, names: str) -> None:
    outcome = cast(campaign.pk, player.user, picks(campaign, names))
    assert outcome.ok, outcome.message


def table(standings) -> list[tuple]:
    return [
        (s.entry.name, s.points, list(s.place_counts), s.rank, s.tied, s.winner, s.medal)
        for s in standings
    ]


@pytest.mark.parametrize("example", sorted(WORKED_EXAMPLES))
def test_cmp22_cmp27_counters_rank_exactly_like_ballots(example):
    """Points, places, shared ranks, co-winners and medals from the counters equal the ones
    from per-ballot rows, live and at close, for every CMP-27 worked example."""
    n, ballots = WORKED_EXAMPLES[example]
    public = live_campaign(picks_per_voter=n, early_close_if_all_voted=False)
    secret = live_campaign(picks_per_voter=n, early_close_if_all_voted=False, secret_ballot=True)
    for names in ballots:
        voter = member("Veteran")
        vote(public, voter, names)
        vote(secret, voter, names)
    assert not Ballot.objects.filter(campaign=secret).exists()
    assert table(rank_entries(secret)) == table(rank_entries(public))
    close_campaign(public, reason="manual")
    close_campaign(secret, reason="manual")
    assert table(final_results(secret)) == table(final_results(public))


def test_cmp22_first_vote_creates_every_counter_in_entry_and_rank_order():
    """Issue 11 item 5: a counter row's id never reveals a pick — all (entry, rank) rows are
    created together, in entry-then-rank order, whatever the first voter picked."""
    campaign = live_campaign(entries=4, secret_ballot=True, early_close_if_all_voted=False)
    vote(campaign, member("Veteran"), "DCB")
    rows = list(
        SecretPickCount.objects.filter(entry__campaign=campaign)
        .order_by("pk")
        .values_list("entry__name", "rank", "count")
    )
    assert [(name, rank) for name, rank, _ in rows] == [
        (name, rank) for name in "ABCD" for rank in (1, 2, 3)
    ]
    assert {(name, rank) for name, rank, count in rows if count} == {
        ("D", 1),
        ("C", 2),
        ("B", 3),
    }
    vote(campaign, member("Veteran"), "ABC")
    assert SecretPickCount.objects.filter(entry__campaign=campaign).count() == 12
    assert SecretPickCount.objects.aggregate(total=Sum("count"))["total"] == 6


def test_cmp22_every_vote_rewrites_every_counter_row(on_postgres):
    """On PostgreSQL a row's xmin is the transaction that last wrote it. All counter rows
    share the latest vote's transaction, so xmin cannot tell which counters it changed."""
    if not on_postgres:
        pytest.skip("xmin is PostgreSQL's")
    campaign = live_campaign(entries=4, secret_ballot=True, early_close_if_all_voted=False)
    for names in ("ABC", "BCD"):
        vote(campaign, member("Veteran"), names)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(DISTINCT xmin::text) FROM {SecretPickCount._meta.db_table}"
            )
            assert cursor.fetchone()[0] == 1


# --- what voters, the page, JSON and the landing card show -----------------------------------


@pytest.fixture
def secret_race():
    """A live secret campaign: Zed voted A, B, C; Amy voted B, A, C; Kim has not voted."""
    campaign = live_campaign(secret_ballot=True, title="Secret vote")
    zed = member("Veteran", display_name="Zed")
    amy = member("Veteran", display_name="Amy")
    kim = member("Veteran", display_name="Kim")
    vote(campaign, zed, "ABC")
    vote(campaign, amy, "BAC")
    return campaign, zed, amy, kim


def test_cmp22_voter_of_a_live_secret_campaign_sees_no_standings(secret_race):
    campaign, zed, _, _ = secret_race
    client = client_for(zed)
    viewer = campaign_viewer(campaign, viewer=viewer_for_user(zed.user))
    assert viewer.has_voted and not viewer.can_see_results
    page = client.get(f"/vote/{campaign.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    assert RESULTS_LATER in html
    assert not page.context["show_results"] and page.context["result_rows"] == []
    assert "Live standings" not in html and " pts" not in html
    assert "2 of 3 eligible members have voted" in html
    for suffix in ("/results", "/results/live"):
        response = client.get(url(campaign, suffix))
        assert (response.status_code, error_of(response)) == (403, NOT_AVAILABLE), suffix
    assert data_of(client.get(url(campaign)))["viewer"]["can_see_results"] is False
    landing = client.get("/").content.decode()
    assert "You voted ✓ — results when voting closes" in landing


def test_cmp22_eligible_non_voter_is_not_told_to_vote_for_standings(secret_race):
    """Voting would not show standings of a live secret campaign either."""
    campaign, _, _, kim = secret_race
    response = client_for(kim).get(url(campaign, "/results"))
    assert (response.status_code, error_of(response)) == (403, NOT_AVAILABLE)


def test_cmp22_non_secret_voter_still_sees_live_standings():
    campaign = live_campaign(title="Open vote")
    voter = member("Veteran")
    member("Veteran")
    vote(campaign, voter, "ABC")
    client = client_for(voter)
    html = client.get(f"/vote/{campaign.pk}").content.decode()
    assert "Live standings" in html and RESULTS_LATER not in html
    assert client.get(url(campaign, "/results/live")).status_code == 200


def test_cmp22_after_close_secret_results_and_participation_are_shown(secret_race):
    campaign, zed, _, kim = secret_race
    close_campaign(campaign, reason="manual")
    for viewer in (zed, kim):
        client = client_for(viewer)
        html = client.get(f"/vote/{campaign.pk}").content.decode()
        assert "Final results" in html and RESULTS_LATER not in html
        results = data_of(client.get(url(campaign, "/results")))
        points = {row["entry"]["name"]: row["points"] for row in results["results"]}
        assert points == {"A": 5, "B": 5, "C": 2, "D": 0, "E": 0}
        assert results["stats"]["total_voted"] == 2


def test_cmp22_nothing_per_ballot_is_stored_for_a_secret_campaign(secret_race):
    campaign = secret_race[0]
    assert not Ballot.objects.filter(campaign=campaign).exists()
    assert not BallotPick.objects.filter(entry__campaign=campaign).exists()
    assert BallotReceipt.objects.filter(campaign=campaign).count() == 2
