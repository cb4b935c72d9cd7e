"""The faster ballot box under real concurrency (issue 17 item 2; CMP-18, CMP-19, CMP-8).

Ballots share the campaign row (FOR SHARE) instead of queueing on it, and the early close is
decided after the commit. These tests pin the guarantees that must survive that: exactly one
early close when the last ballots arrive together, and no ballot stored after a close — in
both orders of a ballot racing a close. Row locks need PostgreSQL; on SQLite (which serialises
every writer) these are skipped with a reason.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from campaigns.models import Ballot, BallotReceipt, Campaign, CampaignResult
from campaigns.services import ballots as ballot_service
from campaigns.services.lifecycle import close_campaign, close_now
from tests.campaigns.factories import live_campaign, member
from tests.campaigns.services.ballot_rows import cast

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CLOSED = "Voting has closed."
WAIT = 20  # seconds; a thread stuck longer than this is a failure, not a slow machine


def picks_for(campaign, names="ABC"):
    ids = dict(campaign.entries.values_list("name", "pk"))
    return [{"entry_id": ids[name], "rank": rank} for rank, name in enumerate(names, 1)]


def run_threads(targets) -> list:
    """Start one thread per callable, join them all; return the exceptions they raised."""
    errors: list[BaseException] = []

    def wrap(target):
        def body():
            try:
                target()
            except BaseException as exc:  # surfaced by the caller
                errors.append(exc)
            finally:
                connection.close()

        return body

    threads = [threading.Thread(target=wrap(target)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT * 2)
        assert not thread.is_alive(), "a thread did not finish"
    return errors


def wait_for_lock_waiters(count: int) -> None:
    """Block until `count` sessions wait on a lock, or fail. Polls pg_stat_activity from a
    thread of its own: inside a transaction PostgreSQL keeps showing the first snapshot."""
    seen = threading.Event()

    def poll():
        deadline = time.monotonic() + WAIT
        try:
            with connections["default"].cursor() as cursor:
                while time.monotonic() < deadline:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                    if cursor.fetchone()[0] >= count:
                        seen.set()
                        return
                    time.sleep(0.02)
        finally:
            connection.close()

    poller = threading.Thread(target=poll)
    poller.start()
    poller.join(timeout=WAIT * 2)
    if not seen.is_set():
        pytest.fail(f"{count} session(s) never waited on the campaign row lock")


def test_cmp19_concurrent_last_ballots_close_the_campaign_exactly_once():
    voters = [member("Veteran") for _ in range(8)]
    campaign = live_campaign()
    picks = picks_for(campaign)
    barrier = threading.Barrier(len(voters))
    answers = []

    def vote(user):
        def body():
            barrier.wait(timeout=WAIT)
            answers.append(cast(campaign.pk, user, picks))

        return body

    assert run_threads([vote(voter.user) for voter in voters]) == []
    assert [answer.status for answer in answers] == [201] * len(voters)
    # Exactly one ballot reports the close it made (CMP-19), and the close ran once: one
    # results row per entry, the snapshot counting every ballot (CMP-8, CMP-30).
    assert sum(answer.campaign_closed for answer in answers) == 1
    row = Campaign.objects.get(pk=campaign.pk)
    assert (row.status, row.close_reason) == ("closed", "all_voted")
    assert (row.voted_at_close, row.eligible_at_close) == (8, 8)
    assert CampaignResult.objects.filter(campaign=campaign).count() == 5
    closer = next(answer for answer in answers if answer.campaign_closed)
    assert (closer.stats.total_voted, closer.stats.total_eligible) == (8, 8)


def test_cmp18_a_ballot_waiting_on_a_close_is_refused_after_it():
    """The close holds the row (FOR UPDATE); a ballot arriving meanwhile waits, then reads the
    closed row and is refused — it is not stored after the close."""
    voter = member("Veteran")
    member("Veteran")
    campaign = live_campaign()
    picks = picks_for(campaign)
    answers = []

    with transaction.atomic():
        row = Campaign.objects.select_for_update().get(pk=campaign.pk)
        assert close_campaign(row, reason="manual")
        errors_box = []
        thread = threading.Thread(
            target=lambda: _collect(
                errors_box, lambda: answers.append(cast(campaign.pk, voter.user, picks))
            )
        )
        thread.start()
        wait_for_lock_waiters(1)  # the ballot is blocked on the row the close holds
    thread.join(timeout=WAIT)
    assert errors_box == []
    assert [(a.status, a.message) for a in answers] == [(409, CLOSED)]
    assert not BallotReceipt.objects.filter(campaign=campaign).exists()
    assert not Ballot.objects.filter(campaign=campaign).exists()
    row = Campaign.objects.get(pk=campaign.pk)
    assert (row.status, row.voted_at_close) == ("closed", 0)


def test_cmp18_a_close_waits_for_the_ballot_in_flight_and_counts_it(monkeypatch):
    """A ballot in its transaction holds the row (FOR SHARE); a close arriving meanwhile waits
    for the commit, so its snapshot counts that ballot — none is stored after the close."""
    voter = member("Veteran")
    member("Veteran")
    campaign = live_campaign()
    picks = picks_for(campaign)
    inside, release = threading.Event(), threading.Event()
    original = ballot_service.voting_open

    def pausing_voting_open(row):
        # CMP-18's re-check runs inside the transaction, right after the row lock.
        if transaction.get_connection().in_atomic_block:
            inside.set()
            assert release.wait(WAIT)
        return original(row)

    monkeypatch.setattr(ballot_service, "voting_open", pausing_voting_open)
    answers, closes = [], []

    def ballot():
        answers.append(cast(campaign.pk, voter.user, picks))

    def close():
        assert inside.wait(WAIT)
        closes.append(close_now(Campaign.objects.get(pk=campaign.pk)))

    def conductor():
        assert inside.wait(WAIT)
        wait_for_lock_waiters(1)  # the close is blocked behind the ballot
        release.set()

    assert run_threads([ballot, close, conductor]) == []
    assert [a.status for a in answers] == [201]
    row = Campaign.objects.get(pk=campaign.pk)
    assert (row.status, row.close_reason) == ("closed", "manual")
    receipt = BallotReceipt.objects.get(campaign=campaign)
    assert row.voted_at_close == 1
    assert receipt.voted_at <= row.closed_at


def test_cmp18_ballots_racing_a_close_are_stored_before_it_or_refused():
    """Many ballots and a close at once: each ballot is either stored and in the close's
    snapshot, or refused with "Voting has closed." — never stored after the close."""
    voters = [member("Veteran") for _ in range(10)]
    member("Veteran")  # one never votes, so no early close interferes
    campaign = live_campaign()
    picks = picks_for(campaign)
    barrier = threading.Barrier(len(voters) + 1)
    answers = []

    def vote(user):
        def body():
            barrier.wait(timeout=WAIT)
            answers.append(cast(campaign.pk, user, picks))

        return body

    def close():
        barrier.wait(timeout=WAIT)
        time.sleep(0.005)  # let a few ballots in first
        close_now(Campaign.objects.get(pk=campaign.pk))

    assert run_threads([vote(v.user) for v in voters] + [close]) == []
    stored = BallotReceipt.objects.filter(campaign=campaign).count()
    outcomes = {(a.status, "" if a.ok else a.message) for a in answers}
    assert outcomes <= {(201, ""), (409, CLOSED)}
    assert len(answers) == len(voters)
    assert sum(a.ok for a in answers) == stored
    row = Campaign.objects.get(pk=campaign.pk)
    assert row.status == "closed"
    assert row.voted_at_close == stored
    assert Ballot.objects.filter(campaign=campaign).count() == stored


def _collect(errors: list, action) -> None:
    try:
        action()
    except BaseException as exc:  # surfaced by the caller
        errors.append(exc)
    finally:
        connection.close()
