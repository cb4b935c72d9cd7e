"""Points and ranking (CMP-23 … CMP-27, CMP-49)."""

import pytest

from campaigns.services.lifecycle import close_campaign
from campaigns.services.scoring import (
    final_results,
    rank_entries,
    sole_leader,
    standings,
    winners,
)
from tests.campaigns.factories import CampaignFactory, EntryFactory, live_campaign
from tests.campaigns.services.ballot_rows import add_ballot, go_live

pytestmark = pytest.mark.django_db


def table(result):
    """{name: (rank, points, place_counts, tied, winner)} of a standings list."""
    return {s.entry.name: (s.rank, s.points, s.place_counts, s.tied, s.winner) for s in result}


def vote(campaign, *ballots):
    for names in ballots:
        add_ballot(campaign, names)
    return rank_entries(campaign)


def test_cmp23_points_are_n_minus_rank_plus_one_for_five_picks():
    campaign = live_campaign(entries=5, picks_per_voter=5)
    result = vote(campaign, "ABCDE")
    assert [(s.entry.name, s.points, s.rank) for s in result] == [
        ("A", 5, 1),
        ("B", 4, 2),
        ("C", 3, 3),
        ("D", 2, 4),
        ("E", 1, 5),
    ]


def test_cmp23_single_pick_is_worth_one_point():
    campaign = live_campaign(entries=3, picks_per_voter=1)
    result = vote(campaign, "B", "B", "C")
    assert table(result)["B"][:3] == (1, 2, [2])
    assert table(result)["C"][:3] == (2, 1, [1])
    assert table(result)["A"][:3] == (3, 0, [0])


def test_cmp27_example_1_clear_order_and_zero_point_entries_tied_last():
    result = vote(live_campaign(), "ABC", "BAC", "ACB")
    assert table(result) == {
        "A": (1, 8, [2, 1, 0], False, True),
        "B": (2, 6, [1, 1, 1], False, False),
        "C": (3, 4, [0, 1, 2], False, False),
        "D": (4, 0, [0, 0, 0], True, False),
        "E": (4, 0, [0, 0, 0], True, False),
    }
    assert [s.entry.name for s in result] == ["A", "B", "C", "D", "E"]


def test_cmp27_example_2_ties_broken_by_second_then_first_places():
    result = vote(live_campaign(), "ABC", "BCA", "DEA")
    assert table(result) == {
        "B": (1, 5, [1, 1, 0], False, True),
        "A": (2, 5, [1, 0, 2], False, False),
        "D": (3, 3, [1, 0, 0], False, False),
        "C": (4, 3, [0, 1, 1], False, False),
        "E": (5, 2, [0, 1, 0], False, False),
    }
    assert [s.entry.name for s in result] == ["B", "A", "D", "C", "E"]


def test_cmp27_example_3_co_winners_shared_rank_and_markers():
    result = vote(live_campaign(), "ABC", "BAD")
    assert table(result) == {
        "A": (1, 5, [1, 1, 0], True, True),
        "B": (1, 5, [1, 1, 0], True, True),
        "C": (3, 1, [0, 0, 1], True, False),
        "D": (3, 1, [0, 0, 1], True, False),
        "E": (5, 0, [0, 0, 0], False, False),
    }
    assert [(s.entry.name, s.marker) for s in result] == [
        ("A", "🥇="),
        ("B", "🥇="),
        ("C", "🥉="),
        ("D", "🥉="),
        ("E", "—"),
    ]
    assert [s.entry.name for s in winners(result)] == ["A", "B"]
    assert sole_leader(result) is None


def test_cmp27_example_4_three_co_winners():
    result = vote(live_campaign(), "ABC", "BCA", "CAB")
    ranks = {name: row[:3] for name, row in table(result).items()}
    assert ranks == {
        "A": (1, 6, [1, 1, 1]),
        "B": (1, 6, [1, 1, 1]),
        "C": (1, 6, [1, 1, 1]),
        "D": (4, 0, [0, 0, 0]),
        "E": (4, 0, [0, 0, 0]),
    }
    assert len(winners(result)) == 3


def test_cmp27_example_5_five_picks_one_ballot():
    result = vote(live_campaign(picks_per_voter=5), "ABCDE")
    assert [(s.rank, s.points, s.tied) for s in result] == [
        (1, 5, False),
        (2, 4, False),
        (3, 3, False),
        (4, 2, False),
        (5, 1, False),
    ]
    assert [s.marker for s in result] == ["🥇", "🥈", "🥉", "#4", "#5"]


def test_cmp24_zero_point_entries_share_one_rank_after_scored_ones():
    campaign = live_campaign(entries=6, picks_per_voter=2)
    result = vote(campaign, "AB")
    zero = [s for s in result if s.points == 0]
    assert {s.rank for s in zero} == {3}
    assert all(s.tied and s.medal == "" and s.marker == "—" for s in zero)


def test_cmp24_display_order_inside_shared_rank_is_sort_order_then_name():
    campaign = CampaignFactory()
    EntryFactory(campaign=campaign, name="Zed", sort_order=1)
    EntryFactory(campaign=campaign, name="Bob", sort_order=2)
    EntryFactory(campaign=campaign, name="Amy", sort_order=2)
    EntryFactory(campaign=campaign, name="Cat", sort_order=3)
    go_live(campaign)
    add_ballot(campaign, ["Cat", "Amy", "Zed"])
    add_ballot(campaign, ["Cat", "Zed", "Amy"])
    result = rank_entries(campaign)
    # Amy and Zed: 3 points, one 2nd place each -> shared rank 2, Zed first by sort order.
    assert [(s.entry.name, s.rank) for s in result] == [
        ("Cat", 1),
        ("Zed", 2),
        ("Amy", 2),
        ("Bob", 4),
    ]


def test_cmp25_no_ballots_means_no_winner_and_no_medals():
    result = rank_entries(live_campaign())
    assert winners(result) == []
    assert {s.rank for s in result} == {1}
    assert all(s.medal == "" and s.marker == "—" for s in result)
    assert sole_leader(result) is None


def test_cmp49_sole_leader_is_the_single_first_with_points():
    campaign = live_campaign()
    result = vote(campaign, "ABC")
    assert sole_leader(result).name == "A"


def test_cmp40_place_count_properties_for_fewer_than_three_picks():
    campaign = live_campaign(entries=3, picks_per_voter=2)
    result = vote(campaign, "AB")
    a = result[0]
    assert (a.first_place_count, a.second_place_count, a.third_place_count) == (1, 0, 0)
    assert len(a.place_counts) == 2


def test_cmp4_final_results_rebuild_the_same_standings_from_result_rows():
    campaign = live_campaign()
    live = vote(campaign, "ABC", "BAD")
    assert close_campaign(campaign, reason="manual")
    final = final_results(campaign)
    assert table(final) == table(live)
    assert [s.marker for s in final] == [s.marker for s in live]
    campaign.refresh_from_db()
    assert table(standings(campaign)) == table(live)


def test_cmp26_live_standings_include_every_vote_at_once():
    campaign = live_campaign()
    add_ballot(campaign, "ABC")
    assert rank_entries(campaign)[0].entry.name == "A"
    add_ballot(campaign, "BCA")
    add_ballot(campaign, "BCA")
    assert rank_entries(campaign)[0].entry.name == "B"


@pytest.mark.parametrize("ballots", [10, 200])
def test_cmp26_rank_entries_issues_constant_queries(ballots, django_assert_max_num_queries):
    campaign = live_campaign(entries=5)
    for index in range(ballots):
        add_ballot(campaign, ["ABCDE"[(index + k) % 5] for k in range(3)])
    with django_assert_max_num_queries(2):
        result = rank_entries(campaign)
        [s.entry.player for s in result]
    assert sum(s.points for s in result) == ballots * 6
