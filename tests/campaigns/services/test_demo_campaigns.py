"""`manage.py seed_demo` also seeds the demo campaigns, idempotently."""

import io

import pytest
from django.core.management import call_command

from campaigns.demo import CLOSED_TITLE, DRAFT_TITLE, SECRET_BALLOTS, SECRET_TITLE
from campaigns.management.commands.setup_art_vote import ART_VOTE_TITLE
from campaigns.models import Ballot, BallotReceipt, Campaign, CampaignResult, SecretPickCount
from campaigns.services.scoring import final_results, rank_entries, winners
from campaigns.services.stats import display_stats, eligible_players
from identity.models import Player

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo_settings(settings):
    settings.DEBUG = True


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", players=20, stdout=out)
    return out.getvalue()


def rows() -> dict:
    return {
        "campaigns": set(
            Campaign.objects.values_list("pk", "title", "status", "start_at", "closed_at")
        ),
        "ballots": set(Ballot.objects.values_list("pk", "campaign", "voter")),
        "receipts": set(BallotReceipt.objects.values_list("pk", "campaign", "player")),
        "results": set(CampaignResult.objects.values_list("pk", "entry", "rank", "points")),
        "counters": set(SecretPickCount.objects.values_list("pk", "entry", "rank", "count")),
    }


def test_seed_demo_creates_a_live_art_vote_a_closed_tie_and_a_draft():
    out = seed()
    live = Campaign.objects.get(title=ART_VOTE_TITLE)
    closed = Campaign.objects.get(title=CLOSED_TITLE)
    draft = Campaign.objects.get(title=DRAFT_TITLE)
    assert (live.status, closed.status, draft.status) == ("live", "closed", "draft")
    voters = BallotReceipt.objects.filter(campaign=live).count()
    rank_eligible = Player.objects.filter(
        is_active=True, guild_rank__level__gte=live.vote_level
    ).count()
    assert voters > 0 and abs(voters - rank_eligible / 2) <= 2
    # The demo logins are left to try voting, so the campaign cannot close early.
    assert not eligible_players(live).filter(ballot_receipts__campaign=live).exists()
    assert rank_entries(live)[0].points > 0
    assert not display_stats(live).all_voted
    results = final_results(closed)
    assert len(winners(results)) == 2
    assert display_stats(closed).total_voted == 6
    assert draft.entries.count() == 4
    assert "Demo campaigns: “Salt All The Things Profile Pic Contest” live with" in out


def test_seed_demo_has_a_live_secret_ballot_with_counters_only():
    """Issue 11 item 5: the demo shows a secret campaign — receipts and counters, no ballots."""
    out = seed()
    secret = Campaign.objects.get(title=SECRET_TITLE)
    assert (secret.status, secret.secret_ballot) == ("live", True)
    assert not Ballot.objects.filter(campaign=secret).exists()
    assert BallotReceipt.objects.filter(campaign=secret).count() == len(SECRET_BALLOTS)
    counters = SecretPickCount.objects.filter(entry__campaign=secret)
    assert counters.count() == secret.entries.count() * secret.picks_per_voter
    assert sum(counters.values_list("count", flat=True)) == 2 * len(SECRET_BALLOTS)
    assert not display_stats(secret).all_voted
    assert f"“{SECRET_TITLE}” live secret ballot with {len(SECRET_BALLOTS)} voters" in out


def test_seed_demo_campaigns_are_idempotent():
    seed()
    first = rows()
    out = seed()
    assert rows() == first
    assert "0 created this run" in out
