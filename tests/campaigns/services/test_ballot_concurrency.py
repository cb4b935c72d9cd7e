"""CMP-18 under real concurrency: one ballot whatever the number of simultaneous submits —
for a secret campaign (CMP-22) one receipt and one ballot's worth of counters."""

import threading

import pytest
from django.db import connection
from django.db.models import Sum

from campaigns.models import Ballot, BallotPick, BallotReceipt, SecretPickCount
from tests.campaigns.factories import live_campaign, member
from tests.campaigns.services.ballot_rows import cast

THREADS = 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("secret", [False, True], ids=["public", "secret"])
def test_cmp18_concurrent_double_submits_store_exactly_one_ballot(secret):
    voter = member("Veteran")
    member("Veteran")  # someone else eligible, so the first ballot does not close the campaign
    campaign = live_campaign(secret_ballot=secret)
    ids = dict(campaign.entries.values_list("name", "pk"))
    picks = [{"entry_id": ids[name], "rank": rank} for rank, name in enumerate("ABC", 1)]
    barrier = threading.Barrier(THREADS)
    outcomes = []
    errors = []

    def submit():
        try:
            barrier.wait(timeout=10)
            outcomes.append(cast(campaign.pk, voter.user, picks))
        except Exception as exc:  # surfaced below; a thread must not die silently
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(outcomes) == THREADS
    assert sum(outcome.ok for outcome in outcomes) == 1
    for outcome in outcomes:
        if not outcome.ok:
            assert (outcome.status, outcome.message) == (
                409,
                "You have already voted in this campaign. Votes can't be changed.",
            )
    assert BallotReceipt.objects.filter(campaign=campaign).count() == 1
    if secret:
        counters = SecretPickCount.objects.filter(entry__campaign=campaign)
        assert not Ballot.objects.exists()
        assert counters.count() == 5 * 3  # every (entry, rank), created once
        assert counters.aggregate(total=Sum("count"))["total"] == 3
        assert set(counters.filter(count=1).values_list("entry_id", "rank")) == {
            (pick["entry_id"], pick["rank"]) for pick in picks
        }
    else:
        assert Ballot.objects.filter(campaign=campaign).count() == 1
        assert BallotPick.objects.filter(ballot__campaign=campaign).count() == 3
