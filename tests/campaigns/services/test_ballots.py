"""Casting a ballot (CMP-17 … CMP-22)."""

import logging

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models.signals import pre_save

from campaigns.models import (
    Ballot,
    BallotPick,
    BallotReceipt,
    Campaign,
    CampaignStatus,
    SecretPickCount,
)
from campaigns.services.ballots import my_vote
from campaigns.services.lifecycle import close_campaign
from tests.campaigns.factories import CampaignFactory, EntryFactory, live_campaign, member
from tests.campaigns.services.ballot_rows import add_ballot, cast, go_live
from tests.factories import UserFactory, rank

pytestmark = pytest.mark.django_db


def picks_for(campaign, names="ABC"):
    ids = dict(campaign.entries.values_list("name", "pk"))
    return [{"entry_id": ids[name], "rank": index} for index, name in enumerate(names, 1)]


def refused(outcome, status, message):
    assert (outcome.ok, outcome.status, outcome.message) == (False, status, message)
    return True


@pytest.fixture
def campaign():
    member("Veteran")  # a second eligible member, so one ballot does not close it early
    return live_campaign()


@pytest.fixture
def voter():
    return member("Veteran")


# Success, CMP-18/19


def test_cmp18_success_stores_receipt_ballot_and_picks(campaign, voter):
    outcome = cast(campaign.pk, voter.user, picks_for(campaign, "CAB"))
    assert (outcome.ok, outcome.status, outcome.campaign_closed) == (True, 201, False)
    ids = dict(campaign.entries.values_list("name", "pk"))
    assert outcome.picks == [(1, ids["C"], "C"), (2, ids["A"], "A"), (3, ids["B"], "B")]
    assert outcome.stats.as_dict() == {
        "total_voted": 1,
        "total_eligible": 2,
        "percent_voted": 50.0,
        "all_voted": False,
    }
    receipt = BallotReceipt.objects.get(campaign=campaign)
    ballot = Ballot.objects.get(campaign=campaign)
    assert receipt.player == voter and ballot.voter == voter and ballot.cast_at is not None
    assert list(ballot.picks.values_list("rank", "entry__name")) == [(1, "C"), (2, "A"), (3, "B")]


def test_cmp18_accepts_picks_in_any_order(campaign, voter):
    picks = list(reversed(picks_for(campaign)))
    assert cast(campaign, voter.user, picks).ok


def test_cmp19_last_eligible_ballot_closes_the_campaign_early():
    first, last = member("Veteran"), member("Veteran")
    campaign = live_campaign()
    assert cast(campaign.pk, first.user, picks_for(campaign)).campaign_closed is False
    outcome = cast(campaign.pk, last.user, picks_for(campaign, "BCA"))
    assert outcome.ok and outcome.campaign_closed
    campaign.refresh_from_db()
    assert (campaign.status, campaign.close_reason) == ("closed", "all_voted")
    assert (campaign.voted_at_close, campaign.eligible_at_close) == (2, 2)
    assert campaign.results.count() == 5
    assert outcome.stats.all_voted


def test_cmp19_no_early_close_when_switched_off():
    only = member("Veteran")
    campaign = live_campaign(early_close_if_all_voted=False)
    outcome = cast(campaign.pk, only.user, picks_for(campaign))
    assert outcome.ok and not outcome.campaign_closed
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.LIVE


# CMP-17: each check with its message and status


def test_cmp17_check1_campaign_not_found(voter):
    assert refused(cast(999_999, voter.user, []), 404, "Campaign not found.")
    assert refused(cast("nope", voter.user, []), 404, "Campaign not found.")


def test_cmp17_check2_sign_in(campaign):
    assert refused(cast(campaign.pk, None, []), 401, "Sign in to vote.")
    assert refused(cast(campaign.pk, AnonymousUser(), []), 401, "Sign in to vote.")


def test_cmp17_check3_view_gate_comes_before_rank_and_player_checks():
    campaign = live_campaign(min_rank_to_view=rank("Veteran"))
    for user in (member("Member").user, UserFactory()):
        assert refused(
            cast(campaign.pk, user, "garbage"),
            403,
            "You don't have permission to view this campaign.",
        )


def test_cmp17_check4_account_without_active_player(campaign):
    message = "Your account isn't linked to a guild member, so you can't vote. Ask an officer."
    assert refused(cast(campaign.pk, UserFactory(), []), 403, message)
    gone = member("Veteran", active=False)
    assert refused(cast(campaign.pk, gone.user, []), 403, message)


def test_cmp17_check5_draft_has_not_opened(voter):
    draft = CampaignFactory()
    for name in "ABC":
        EntryFactory(campaign=draft, name=name)
    assert refused(cast(draft.pk, voter.user, []), 409, "Voting hasn't opened yet.")


def test_cmp17_check5_closed_campaign(campaign, voter):
    close_campaign(campaign, reason="manual")
    assert refused(cast(campaign.pk, voter.user, []), 409, "Voting has closed.")


def test_cmp17_check5_past_end_time_is_closed_lazily(voter):
    campaign = go_live(CampaignFactory(duration_hours=1), started_hours_ago=2)
    assert refused(cast(campaign.pk, voter.user, []), 409, "Voting has closed.")
    campaign.refresh_from_db()
    assert (campaign.status, campaign.close_reason) == ("closed", "time")


def test_cmp17_check6_rank_too_low_names_both_ranks(campaign):
    assert refused(
        cast(campaign.pk, member("Member").user, "garbage"),
        403,
        "Your rank (Member) can't vote in this campaign — Veteran or higher can.",
    )


def test_cmp17_check7_already_voted_comes_before_format(campaign, voter):
    add_ballot(campaign, "ABC", voter=voter)
    assert refused(
        cast(campaign.pk, voter.user, "garbage"),
        409,
        "You have already voted in this campaign. Votes can't be changed.",
    )


def test_cmp17_check7_a_second_valid_ballot_is_refused_by_the_receipt_and_stores_nothing(
    campaign, voter
):
    """Issue 17: a well-formed ballot is not pre-checked for a receipt; the receipt's UNIQUE
    constraint refuses the second one with check 7's answer and nothing more is stored."""
    assert cast(campaign.pk, voter.user, picks_for(campaign, "ABC")).ok
    outcome = cast(campaign.pk, voter.user, picks_for(campaign, "CBA"))
    assert refused(outcome, 409, "You have already voted in this campaign. Votes can't be changed.")
    assert (BallotReceipt.objects.count(), Ballot.objects.count(), BallotPick.objects.count()) == (
        1,
        1,
        3,
    )


@pytest.mark.parametrize("problem", ["wrong count", "foreign entry", "repeated rank"])
def test_cmp17_check7_comes_before_checks_9_to_13(campaign, voter, problem):
    """Issue 17: a ballot failing a later check asks for the receipt, so a player who has voted
    hears check 7 whatever the picks."""
    add_ballot(campaign, "ABC", voter=voter)
    picks = picks_for(campaign)
    if problem == "wrong count":
        picks = picks[:2]
    elif problem == "foreign entry":
        picks[0]["entry_id"] = 999_999
    else:
        picks[1]["rank"] = 1
    assert refused(
        cast(campaign.pk, voter.user, picks),
        409,
        "You have already voted in this campaign. Votes can't be changed.",
    )


@pytest.mark.parametrize(
    "picks",
    [
        None,
        "ABC",
        {"entry_id": 1, "rank": 1},
        [1, 2, 3],
        [{"entry_id": "1", "rank": 1}],
        [{"entry_id": 1, "rank": 1.0}],
        [{"entry_id": True, "rank": 1}],
        [{"entry": 1, "rank": 1}],
    ],
)
def test_cmp17_check8_invalid_ballot_format(campaign, voter, picks):
    assert refused(cast(campaign.pk, voter.user, picks), 400, "Invalid ballot format.")


def test_cmp17_check9_exactly_n_picks(campaign, voter):
    picks = picks_for(campaign, "AB")
    assert refused(
        cast(campaign.pk, voter.user, picks), 400, "Pick exactly 3 entries (you picked 2)."
    )
    assert refused(cast(campaign.pk, voter.user, []), 400, "Pick exactly 3 entries (you picked 0).")


def test_cmp17_check10_no_entry_twice_comes_before_rank_checks(campaign, voter):
    picks = picks_for(campaign)
    picks[1] = {"entry_id": picks[0]["entry_id"], "rank": 1}  # also a duplicate rank
    assert refused(cast(campaign.pk, voter.user, picks), 400, "Each entry can only be picked once.")


def test_cmp17_check11_no_rank_twice(campaign, voter):
    picks = picks_for(campaign)
    picks[1]["rank"] = 9  # out of range too: check 11 comes first
    picks[2]["rank"] = 9
    assert refused(cast(campaign.pk, voter.user, picks), 400, "Each rank can only be used once.")


def test_cmp17_check12_ranks_between_1_and_n(campaign, voter):
    picks = picks_for(campaign)
    picks[2]["rank"] = 4
    assert refused(cast(campaign.pk, voter.user, picks), 400, "Ranks must be between 1 and 3.")
    picks[2]["rank"] = 0
    assert refused(cast(campaign.pk, voter.user, picks), 400, "Ranks must be between 1 and 3.")


def test_cmp17_check13_entry_of_another_campaign(campaign, voter):
    other = live_campaign()
    stranger = other.entries.get(name="A")
    picks = picks_for(campaign)
    picks[1]["entry_id"] = stranger.pk
    assert refused(
        cast(campaign.pk, voter.user, picks),
        400,
        f"Entry {stranger.pk} is not part of this campaign.",
    )


def test_cmp17_refusals_store_nothing(campaign, voter):
    cast(campaign.pk, voter.user, picks_for(campaign, "AB"))
    assert not BallotReceipt.objects.exists() and not Ballot.objects.exists()


def test_cmp18_integrity_error_on_the_receipt_rolls_back_and_says_already_voted(campaign, voter):
    """A concurrent submit that commits its receipt between the checks and the insert."""

    def sneak_in(sender, instance, **kwargs):
        BallotReceipt.objects.bulk_create(
            [
                BallotReceipt(
                    campaign_id=instance.campaign_id,
                    player=instance.player,
                    voted_at=instance.voted_at,
                )
            ]
        )

    pre_save.connect(sneak_in, sender=BallotReceipt)
    try:
        outcome = cast(campaign.pk, voter.user, picks_for(campaign))
    finally:
        pre_save.disconnect(sneak_in, sender=BallotReceipt)
    assert refused(outcome, 409, "You have already voted in this campaign. Votes can't be changed.")
    assert not Ballot.objects.exists() and not BallotPick.objects.exists()


# CMP-21: logging


def test_cmp21_ballot_contents_are_never_logged_with_the_voter(campaign, voter, caplog):
    voter.display_name = "Zorgblatt"
    voter.save()
    with caplog.at_level(logging.DEBUG):
        assert cast(campaign.pk, voter.user, picks_for(campaign)).ok
    entry_ids = set(campaign.entries.values_list("pk", flat=True))
    for record in caplog.records:
        text = record.getMessage()
        names_voter = "Zorgblatt" in text or voter.user.username in text
        names_picks = any(f"entry {pk}" in text.lower() for pk in entry_ids) or any(
            f" {name}," in text for name in "ABC"
        )
        assert not (names_voter and names_picks), text
        assert not names_voter, text


# CMP-22: secret ballots


def test_cmp22_secret_ballot_stores_the_receipt_and_counters_only(voter):
    """Issue 11 item 5: no Ballot or BallotPick row; the picks only add to the counters."""
    member("Veteran")
    campaign = live_campaign(secret_ballot=True)
    outcome = cast(campaign.pk, voter.user, picks_for(campaign))
    assert outcome.ok and [name for _, _, name in outcome.picks] == ["A", "B", "C"]
    assert not Ballot.objects.exists() and not BallotPick.objects.exists()
    assert BallotReceipt.objects.get(campaign=campaign).player == voter
    counted = {
        (name, rank): n
        for name, rank, n in SecretPickCount.objects.filter(count__gt=0).values_list(
            "entry__name", "rank", "count"
        )
    }
    assert counted == {("A", 1): 1, ("B", 2): 1, ("C", 3): 1}
    vote = my_vote(campaign, player=voter)
    assert vote["secret"] is True and vote["picks"] is None and vote["voted_at"] is not None


def test_cmp22_my_vote_lists_own_picks_of_a_non_secret_ballot(campaign, voter):
    cast(campaign.pk, voter.user, picks_for(campaign, "BCA"))
    vote = my_vote(campaign, player=voter)
    ids = dict(campaign.entries.values_list("name", "pk"))
    assert vote["secret"] is False
    assert vote["picks"] == [
        {"rank": 1, "entry_id": ids["B"], "entry_name": "B"},
        {"rank": 2, "entry_id": ids["C"], "entry_name": "C"},
        {"rank": 3, "entry_id": ids["A"], "entry_name": "A"},
    ]


def test_cmp22_my_vote_is_none_without_a_receipt(campaign, voter):
    assert my_vote(campaign, player=voter) is None
    assert my_vote(campaign, player=None) is None


def test_cmp20_receipt_unique_per_player_in_the_database(campaign, voter):
    add_ballot(campaign, "ABC", voter=voter)
    outcome = cast(campaign.pk, voter.user, picks_for(campaign))
    assert outcome.status == 409
    assert Campaign.objects.get(pk=campaign.pk).receipts.count() == 1
