"""Concurrent real HTTP votes against the live server (CMP-18, CMP-19, CMP-42).

Each thread is its own browser: a `requests.Session` with its own signed-in session cookie and
its own CSRF cookie (from the sign-in page), sending the token in `X-CSRFToken`. Real
concurrency needs PostgreSQL (row locks); on SQLite these tests are skipped with a reason.
"""

import threading

import pytest
import requests
from django.conf import settings
from django.db import connections
from django.test import Client

from campaigns.models import Ballot, BallotPick, BallotReceipt, Campaign
from tests.campaigns.api.support import picks_for, url
from tests.campaigns.factories import live_campaign, member

ALREADY_VOTED = "You have already voted in this campaign. Votes can't be changed."


def browser_session(base_url: str, user) -> requests.Session:
    """A signed-in session with its own session cookie and CSRF cookie."""
    session = requests.Session()
    session.get(f"{base_url}/accounts/login/", timeout=30).raise_for_status()
    assert session.cookies.get(settings.CSRF_COOKIE_NAME)
    client = Client()
    client.force_login(user)
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return session


def post_all(base_url: str, jobs: list[tuple[requests.Session, str, dict]]) -> list:
    """POST every job at once (a barrier releases them together); returns the responses."""
    barrier = threading.Barrier(len(jobs))
    responses = [None] * len(jobs)
    failures = []

    def send(slot: int) -> None:
        session, path, body = jobs[slot]
        token = session.cookies.get(settings.CSRF_COOKIE_NAME)
        try:
            barrier.wait(timeout=30)
            responses[slot] = session.post(
                base_url + path, json=body, headers={"X-CSRFToken": token}, timeout=60
            )
        except Exception as exc:  # reported below, not swallowed
            failures.append(exc)

    threads = [threading.Thread(target=send, args=(slot,)) for slot in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert failures == []
    return responses


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_cmp18_concurrent_votes_of_one_player_store_exactly_one_ballot(live_server):
    campaign = live_campaign()
    voter = member("Veteran")
    member("Veteran")  # someone still to vote, so the first ballot does not close the campaign
    attempts = 8
    sessions = [browser_session(live_server.url, voter.user) for _ in range(attempts)]
    assert len({s.cookies.get(settings.SESSION_COOKIE_NAME) for s in sessions}) == attempts
    orders = [("A", "B", "C"), ("B", "C", "D"), ("C", "D", "E"), ("E", "A", "B")]
    jobs = [
        (session, url(campaign, "/vote"), {"picks": picks_for(campaign, *orders[i % 4])})
        for i, session in enumerate(sessions)
    ]
    responses = post_all(live_server.url, jobs)
    connections.close_all()

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (attempts - 1)
    for response in responses:
        if response.status_code == 409:
            assert response.json() == {"ok": False, "error": ALREADY_VOTED}
    [winner] = [r for r in responses if r.status_code == 201]
    stored_names = [p["entry_name"] for p in winner.json()["data"]["picks"]]

    assert BallotReceipt.objects.filter(campaign=campaign, player=voter).count() == 1
    assert Ballot.objects.filter(campaign=campaign).count() == 1
    ballot = Ballot.objects.get(campaign=campaign)
    assert ballot.voter_id == voter.pk
    assert list(ballot.picks.values_list("entry__name", flat=True)) == stored_names
    assert BallotPick.objects.filter(ballot__campaign=campaign).count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_cmp19_concurrent_votes_of_every_eligible_player_all_stored_and_close_once(live_server):
    campaign = live_campaign()
    voters = [member("Veteran") for _ in range(12)]
    jobs = [
        (
            browser_session(live_server.url, voter.user),
            url(campaign, "/vote"),
            {"picks": picks_for(campaign, "A", "B", "C")},
        )
        for voter in voters
    ]
    responses = post_all(live_server.url, jobs)
    connections.close_all()

    assert [response.status_code for response in responses] == [201] * len(voters)
    closed_flags = [response.json()["data"]["campaign_closed"] for response in responses]
    assert closed_flags.count(True) == 1
    campaign.refresh_from_db()
    assert (campaign.status, campaign.close_reason) == (Campaign.Status.CLOSED, "all_voted")
    assert (campaign.voted_at_close, campaign.eligible_at_close) == (12, 12)
    assert Ballot.objects.filter(campaign=campaign).count() == 12
    assert campaign.results.get(entry__name="A").points == 36


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_cmp19_cmp22_concurrent_secret_votes_all_counted_and_close_once(live_server):
    """Issue 11 item 5: 12 simultaneous secret votes — 12 receipts, no ballot rows, every pick
    counted once (the counters' UPDATE is atomic under the campaign row lock)."""
    campaign = live_campaign(secret_ballot=True)
    voters = [member("Veteran") for _ in range(12)]
    orders = [("A", "B", "C"), ("B", "C", "A")]
    jobs = [
        (
            browser_session(live_server.url, voter.user),
            url(campaign, "/vote"),
            {"picks": picks_for(campaign, *orders[index % 2])},
        )
        for index, voter in enumerate(voters)
    ]
    responses = post_all(live_server.url, jobs)
    connections.close_all()

    assert [response.status_code for response in responses] == [201] * len(voters)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.close_reason) == (Campaign.Status.CLOSED, "all_voted")
    assert BallotReceipt.objects.filter(campaign=campaign).count() == 12
    assert not Ballot.objects.exists() and not BallotPick.objects.exists()
    points = dict(campaign.results.values_list("entry__name", "points"))
    assert points == {"A": 6 * 3 + 6 * 1, "B": 6 * 2 + 6 * 3, "C": 6 * 1 + 6 * 2, "D": 0, "E": 0}
