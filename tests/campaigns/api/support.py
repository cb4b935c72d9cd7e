"""Helpers for the campaigns JSON API tests (CMP-41, CMP-42)."""

import json
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from campaigns.models import Ballot, BallotPick, BallotReceipt, Campaign
from campaigns.services.ballots import count_secret_picks

API = "/api/v1/campaigns"


def url(campaign_or_id, suffix: str = "") -> str:
    pk = getattr(campaign_or_id, "pk", campaign_or_id)
    return f"{API}/{pk}{suffix}"


def client_for(player=None, **kwargs) -> Client:
    """A test client, signed in as `player`'s website account when given."""
    client = Client(**kwargs)
    if player is not None:
        client.force_login(player.user)
    return client


def post_vote(client: Client, campaign, picks, **extra):
    return client.post(
        url(campaign, "/vote"),
        data=json.dumps({"picks": picks}),
        content_type="application/json",
        **extra,
    )


def picks_for(campaign, *names: str) -> list[dict]:
    """The JSON picks for entries named `names`, ranked in that order."""
    by_name = dict(campaign.entries.values_list("name", "pk"))
    return [{"entry_id": by_name[name], "rank": rank} for rank, name in enumerate(names, 1)]


def store_ballot(campaign, player, *names: str) -> None:
    """A stored ballot without going through the API (fixture data, not under test)."""
    by_name = dict(campaign.entries.values_list("name", "pk"))
    now = timezone.now()
    BallotReceipt.objects.create(campaign=campaign, player=player, voted_at=now)
    picks = [(by_name[name], rank) for rank, name in enumerate(names, 1)]
    if campaign.secret_ballot:
        count_secret_picks(campaign, picks=picks)  # CMP-22: counters only
        return
    ballot = Ballot.objects.create(campaign=campaign, voter=player, cast_at=now)
    BallotPick.objects.bulk_create(
        BallotPick(ballot=ballot, entry_id=entry_id, rank=rank) for entry_id, rank in picks
    )


def store_ballots(campaign, players, names) -> None:
    """Many ballots at once (bulk inserts), for the query-count tests."""
    by_name = dict(campaign.entries.values_list("name", "pk"))
    now = timezone.now()
    BallotReceipt.objects.bulk_create(
        BallotReceipt(campaign=campaign, player=player, voted_at=now) for player in players
    )
    ballots = Ballot.objects.bulk_create(
        Ballot(campaign=campaign, voter=player, cast_at=now) for player in players
    )
    BallotPick.objects.bulk_create(
        BallotPick(ballot=ballot, entry_id=by_name[name], rank=rank)
        for ballot in ballots
        for rank, name in enumerate(names, 1)
    )


def end_passed(campaign) -> Campaign:
    """Move a live campaign's end into the past without closing it (the lazy close's case)."""
    start = timezone.now() - timedelta(hours=campaign.duration_hours, minutes=1)
    Campaign.objects.filter(pk=campaign.pk).update(
        start_at=start, end_at=start + timedelta(hours=campaign.duration_hours)
    )
    campaign.refresh_from_db()
    return campaign


def error_of(response) -> str:
    body = response.json()
    assert body["ok"] is False, body
    return body["error"]


def data_of(response):
    body = response.json()
    assert body["ok"] is True, body
    return body["data"]
