"""Demo campaigns for `manage.py seed_demo` (campaigns spec): two live, one closed, one draft.

- the live "Salt All The Things Profile Pic Contest" (CMP-59's campaign), started two days ago,
  with ballots from about half of the rank-eligible demo players;
- a live secret ballot, "Raid Moment of the Season" (CMP-22): receipts and counters only, no
  standings until it closes;
- a closed "Guild Tabard Redesign" whose final results have co-winners;
- a draft "Mythic+ Team Name" starting in a few days.

Each campaign is matched by its exact title and only created when missing, so a second run
writes nothing. Ballots are deterministic (fixed seed) and written in bulk; transitions go
through `campaigns.services.lifecycle`.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import StringIO

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from campaigns.management.commands.setup_art_vote import ART_VOTE_TITLE
from campaigns.models import (
    Ballot,
    BallotPick,
    BallotReceipt,
    Campaign,
    CampaignEntry,
    CampaignResult,
    CloseReason,
)
from campaigns.services.ballots import count_secret_picks
from campaigns.services.lifecycle import activate_now, close_campaign, next_full_hour_plus_24h
from identity.demo.plan import OFFICER_USERNAME
from identity.models import Player

CLOSED_TITLE = "Guild Tabard Redesign"
CLOSED_ENTRIES = ["Salty Anchor", "Crimson Moon", "Golden Pretzel", "Night Elf Noir", "Troll Disco"]
# 1st, 2nd, 3rd by index into CLOSED_ENTRIES: Salty Anchor and Crimson Moon end level on
# 10 points with two 1st and two 2nd places each — co-winners (CMP-25).
CLOSED_BALLOTS = [(0, 1, 2), (1, 0, 3), (0, 1, 4), (1, 0, 2), (2, 3, 4), (3, 2, 4)]
SECRET_TITLE = "Raid Moment of the Season"
SECRET_ENTRIES = [
    "The one-shot wipe on pull",
    "Battle res on the healer",
    "Mailbox bridge strategy",
    "Last-second Bloodlust",
]
# Ranked picks (indexes into SECRET_ENTRIES) of the demo players who already voted.
SECRET_BALLOTS = [(3, 1), (0, 3), (3, 0), (1, 2), (3, 2)]
DRAFT_TITLE = "Mythic+ Team Name"
DRAFT_ENTRIES = ["Key Smashers", "Depleted & Proud", "Salt Lords", "Affix Whisperers"]
LIVE_STARTED = timedelta(hours=50)
BALLOT_SEED = 20260301


@dataclass
class CampaignSeedResult:
    live_ballots: int
    secret_voters: int
    closed_ballots: int
    created: int

    @property
    def line(self) -> str:
        return (
            f"Demo campaigns: “{ART_VOTE_TITLE}” live with {self.live_ballots} ballots, "
            f"“{SECRET_TITLE}” live secret ballot with {self.secret_voters} voters, "
            f"“{CLOSED_TITLE}” closed with {self.closed_ballots} ballots (co-winners), "
            f"“{DRAFT_TITLE}” draft; {self.created} created this run."
        )


def seed_demo_campaigns(now: datetime | None = None) -> CampaignSeedResult:
    """Create the demo campaigns that are missing; idempotent (matched by title)."""
    now = now or timezone.now()
    created = 0
    with transaction.atomic():
        officer = Player.objects.filter(user__username=OFFICER_USERNAME).first()
        if not Campaign.objects.filter(title=ART_VOTE_TITLE).exists():
            _live_art_vote(now)
            created += 1
        if not Campaign.objects.filter(title=SECRET_TITLE).exists():
            _secret_campaign(now, officer)
            created += 1
        if not Campaign.objects.filter(title=CLOSED_TITLE).exists():
            _closed_campaign(now, officer)
            created += 1
        if not Campaign.objects.filter(title=DRAFT_TITLE).exists():
            _draft_campaign(now, officer)
            created += 1
    return CampaignSeedResult(
        live_ballots=Ballot.objects.filter(campaign__title=ART_VOTE_TITLE).count(),
        secret_voters=BallotReceipt.objects.filter(campaign__title=SECRET_TITLE).count(),
        closed_ballots=Ballot.objects.filter(campaign__title=CLOSED_TITLE).count(),
        created=created,
    )


def _voters(min_level: int) -> list[Player]:
    """Active players of the rank, without the demo logins (they are left to try voting)."""
    return list(
        Player.objects.filter(
            is_active=True, guild_rank__level__gte=min_level, user__isnull=True
        ).order_by("pk")
    )


def _write_ballots(campaign: Campaign, ballots: list[tuple[Player, list[int], datetime]]):
    """Receipts, ballots and picks in bulk; `ballots` = (voter, entry ids in rank order, time).
    A secret campaign gets receipts and counters only (CMP-22)."""
    BallotReceipt.objects.bulk_create(
        BallotReceipt(campaign=campaign, player=voter, voted_at=at) for voter, _, at in ballots
    )
    if campaign.secret_ballot:
        for _, entry_ids, _ in ballots:
            count_secret_picks(campaign, picks=[(pk, rank) for rank, pk in enumerate(entry_ids, 1)])
        return
    rows = [Ballot(campaign=campaign, voter=voter, cast_at=at) for voter, _, at in ballots]
    Ballot.objects.bulk_create(rows)
    BallotPick.objects.bulk_create(
        BallotPick(ballot=row, entry_id=entry_id, rank=rank)
        for row, (_, entry_ids, _) in zip(rows, ballots, strict=True)
        for rank, entry_id in enumerate(entry_ids, start=1)
    )


def _started(campaign: Campaign, start: datetime) -> None:
    """Backdate a campaign that `activate_now` just opened (demo history only)."""
    Campaign.objects.filter(pk=campaign.pk).update(
        start_at=start, end_at=start + timedelta(hours=campaign.duration_hours)
    )
    campaign.refresh_from_db()


def _live_art_vote(now: datetime) -> None:
    call_command("setup_art_vote", stdout=StringIO())
    campaign = Campaign.objects.get(title=ART_VOTE_TITLE)
    activate_now(campaign)
    start = now - LIVE_STARTED
    _started(campaign, start)
    entries = list(CampaignEntry.objects.filter(campaign=campaign).order_by("sort_order"))
    rng = random.Random(BALLOT_SEED)
    # Favourites get more weight, so the standings have a story (a leader and a chase).
    weights = [9, 7, 6, 5, 4, 3, 3, 2, 2, 1][: len(entries)]
    voters = _voters(campaign.vote_level)[::2]
    ballots = []
    for index, voter in enumerate(voters):
        picks: list[int] = []
        while len(picks) < campaign.picks_per_voter:
            entry = rng.choices(entries, weights=weights)[0]
            if entry.pk not in picks:
                picks.append(entry.pk)
        at = start + (now - start) * (index + 1) / (len(voters) + 1)
        ballots.append((voter, picks, at))
    _write_ballots(campaign, ballots)


def _opened(now: datetime, start: datetime, names: list[str], **fields):
    """A campaign with `names` as entries, made live by `activate_now` and backdated to have
    started at `start`; returns it and its entries in order."""
    campaign = Campaign.objects.create(
        min_rank_to_vote_id=2,
        start_at=next_full_hour_plus_24h(now),
        agent_chattiness=Campaign.Chattiness.NORMAL,
        **fields,
    )
    entries = [
        CampaignEntry.objects.create(campaign=campaign, name=name, sort_order=index)
        for index, name in enumerate(names, start=1)
    ]
    activate_now(campaign)
    _started(campaign, start)
    return campaign, entries


def _demo_ballots(campaign, entries, picks_list, start: datetime, every: timedelta):
    """(voter, entry ids in rank order, time) for the first demo voters, one ballot each."""
    voters = _voters(campaign.vote_level)[: len(picks_list)]
    return [
        (voter, [entries[i].pk for i in picks], start + every * (n + 1))
        for n, (voter, picks) in enumerate(zip(voters, picks_list, strict=False))
    ]


def _secret_campaign(now: datetime, officer: Player | None) -> None:
    """CMP-22: a live secret ballot — receipts (names only) and counters, no ballot rows."""
    start = now - timedelta(hours=20)
    campaign, entries = _opened(
        now,
        start,
        SECRET_ENTRIES,
        title=SECRET_TITLE,
        description=(
            "Secret ballot: vote for the raid moment of the season. Nobody, officers included, "
            "can see who picked what, and the standings stay hidden until voting closes."
        ),
        picks_per_voter=2,
        duration_hours=96,
        secret_ballot=True,
        created_by=officer,
    )
    _write_ballots(
        campaign, _demo_ballots(campaign, entries, SECRET_BALLOTS, start, timedelta(hours=1))
    )


def _closed_campaign(now: datetime, officer: Player | None) -> None:
    start = now - timedelta(days=12)
    campaign, entries = _opened(
        now,
        start,
        CLOSED_ENTRIES,
        title=CLOSED_TITLE,
        description="Pick the new guild tabard. The winner goes on the bank alts first.",
        picks_per_voter=3,
        duration_hours=72,
        created_by=officer,
    )
    ballots = _demo_ballots(campaign, entries, CLOSED_BALLOTS, start, timedelta(hours=6))
    _write_ballots(campaign, ballots)
    close_campaign(campaign, reason=CloseReason.TIME)
    # The checker would have closed it at its end time; date the close accordingly.
    Campaign.objects.filter(pk=campaign.pk).update(closed_at=campaign.end_at)
    CampaignResult.objects.filter(campaign=campaign).update(calculated_at=campaign.end_at)


def _draft_campaign(now: datetime, officer: Player | None) -> None:
    campaign = Campaign.objects.create(
        title=DRAFT_TITLE,
        description="Our Mythic+ team needs a name. Rank your top 3.",
        picks_per_voter=3,
        min_rank_to_vote_id=2,
        start_at=next_full_hour_plus_24h(now) + timedelta(days=2),
        duration_hours=96,
        created_by=officer,
    )
    CampaignEntry.objects.bulk_create(
        CampaignEntry(campaign=campaign, name=name, sort_order=index)
        for index, name in enumerate(DRAFT_ENTRIES, start=1)
    )
