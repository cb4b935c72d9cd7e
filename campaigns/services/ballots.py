"""Casting a ballot and reading one's own vote (CMP-17 … CMP-22).

`cast_ballot` is the one server path for votes: the page form and the JSON endpoint both call
it. Logging never puts a ballot's contents next to its voter (CMP-21): the only log line names
the campaign and the number of picks.

Secret ballots (CMP-22, issue 11 item 5): no per-ballot row is stored. The receipt says who
voted; the picks only add to the campaign's `SecretPickCount` counters (`count_secret_picks`),
in the receipt's transaction. Nothing ties the two together: the counters carry no voter, no
time and no order, every vote rewrites all of them, and no page, JSON answer, admin screen or
Discord post shows live standings of a secret campaign. What stays visible — who voted (names,
and to the database the receipt's time), totals after close — is in docs/OPERATIONS.md.
"""

import logging
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone

from campaigns.models import (
    Ballot,
    BallotPick,
    BallotReceipt,
    Campaign,
    CampaignEntry,
    CampaignStatus,
    CloseReason,
    SecretPickCount,
)
from campaigns.services.access import passes_view_gate, voting_open
from campaigns.services.lifecycle import close_campaign, close_if_due, lock_for_ballot
from campaigns.services.stats import VoteStats, snapshot_stats, vote_stats
from identity.models import Player
from identity.services.viewer import Viewer
from patt.compiled import CompiledQuery, fields_of, instance_of
from patt.refusals import Refused

logger = logging.getLogger("campaigns.ballots")

NOT_FOUND = "Campaign not found."
SIGN_IN = "Sign in to vote."
NO_VIEW = "You don't have permission to view this campaign."
NO_PLAYER = "Your account isn't linked to a guild member, so you can't vote. Ask an officer."
NOT_OPEN = "Voting hasn't opened yet."
CLOSED = "Voting has closed."
RANK_TOO_LOW = "Your rank ({rank}) can't vote in this campaign — {min_rank} or higher can."
ALREADY_VOTED = "You have already voted in this campaign. Votes can't be changed."
BAD_FORMAT = "Invalid ballot format."
WRONG_COUNT = "Pick exactly {n} entries (you picked {m})."
DUPLICATE_ENTRY = "Each entry can only be picked once."
DUPLICATE_RANK = "Each rank can only be used once."
RANK_RANGE = "Ranks must be between 1 and {n}."
FOREIGN_ENTRY = "Entry {id} is not part of this campaign."


@dataclass
class CastBallot:
    """A stored ballot: the picks as `(rank, entry_id, entry name)` in rank order, whether it
    closed the campaign (CMP-19) and the vote stats after it."""

    message: str
    picks: list[tuple[int, int, str]] = field(default_factory=list)
    campaign_closed: bool = False
    stats: VoteStats | None = None


def _closed_message(campaign: Campaign) -> str:
    return NOT_OPEN if campaign.status == CampaignStatus.DRAFT else CLOSED


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_picks(raw: object) -> list[tuple[int, int]] | None:
    """CMP-17 check 8: a list of objects with integer `entry_id` and `rank`."""
    if not isinstance(raw, list):
        return None
    parsed: list[tuple[int, int]] = []
    for item in raw:
        if not isinstance(item, dict):
            return None
        entry_id, rank = item.get("entry_id"), item.get("rank")
        if not (_is_int(entry_id) and _is_int(rank)):
            return None
        parsed.append((entry_id, rank))
    return parsed


def _check_picks(campaign: Campaign, picks: list[tuple[int, int]]) -> str | None:
    """CMP-17 checks 9-12 (13 needs the entries)."""
    n = campaign.picks_per_voter
    if len(picks) != n:
        return WRONG_COUNT.format(n=n, m=len(picks))
    if len({entry_id for entry_id, _ in picks}) != len(picks):
        return DUPLICATE_ENTRY
    if len({rank for _, rank in picks}) != len(picks):
        return DUPLICATE_RANK
    if any(not 1 <= rank <= n for _, rank in picks):
        return RANK_RANGE.format(n=n)
    return None


def _campaign_row(campaign_id: int) -> QuerySet:
    return Campaign.objects.filter(pk=campaign_id).order_by().values_list(*fields_of(Campaign))


# Compiled once per process: every ballot loads its campaign (issue 17, patt.compiled).
_CAMPAIGN_ROW = CompiledQuery(_campaign_row)


def _load_campaign(campaign: Campaign | int | str) -> Campaign | None:
    """The campaign row, fresh (its ranks load only if a refusal names one)."""
    pk = campaign.pk if isinstance(campaign, Campaign) else campaign
    if not _is_int(pk):
        try:
            pk = int(str(pk))
        except (TypeError, ValueError):
            return None
    row = _CAMPAIGN_ROW.first(pk)
    return None if row is None else instance_of(Campaign, row)


def cast_ballot(*, campaign: Campaign | int | str, viewer: Viewer, picks: object) -> CastBallot:
    """CMP-17 … CMP-19, CMP-21, CMP-22: validate in CMP-17's order, then store.

    `viewer` is who votes (`viewer_of(request)` at the edge, `viewer_for_user` elsewhere). The
    first failing check raises `Refused` with CMP-17's message and a code the edge maps to
    CMP-17's status (`not_found` 404, `sign_in_required` 401, `forbidden` 403, `conflict` 409,
    `invalid` 400); nothing is stored. Storing runs in one transaction with the campaign row
    locked: check 5 again, the receipt first (its UNIQUE constraint is the one-ballot rule),
    then the ballot and its picks — or, for a secret campaign, only the counters (CMP-22);
    finally, after the commit, the early close (`all_voted`) when everyone eligible has voted
    (see `_store`).

    Check 7 (already voted) is the receipt's UNIQUE constraint for a well-formed ballot: the
    insert fails and the answer is check 7's. Only a ballot that fails checks 8-13 asks for the
    receipt first, so a player who has voted hears check 7 whatever they sent — CMP-17's order
    without a query on every ballot (issue 17: the faster ballot box).
    """
    loaded = _load_campaign(campaign)
    if loaded is None:
        raise Refused(NOT_FOUND, code=Refused.NOT_FOUND)
    campaign = close_if_due(loaded)  # CMP-9
    if not viewer.signed_in:
        raise Refused(SIGN_IN, code=Refused.SIGN_IN_REQUIRED)
    player, level = viewer.player, viewer.level
    if not passes_view_gate(campaign, level=level):
        raise Refused(NO_VIEW, code=Refused.FORBIDDEN)
    if player is None or not player.is_active:
        raise Refused(NO_PLAYER, code=Refused.FORBIDDEN)
    if not voting_open(campaign):
        raise Refused(_closed_message(campaign), code=Refused.CONFLICT)
    if not viewer.may_vote(required_level=campaign.vote_level):
        rank_name = player.guild_rank.name if player.guild_rank else "no rank"
        min_rank = campaign.min_rank_to_vote.name
        raise Refused(
            RANK_TOO_LOW.format(rank=rank_name, min_rank=min_rank), code=Refused.FORBIDDEN
        )
    parsed = _parse_picks(picks)
    names: dict[int, str] = {}
    problem = BAD_FORMAT if parsed is None else _check_picks(campaign, parsed)
    if parsed is not None and not problem:
        names = dict(
            CampaignEntry.objects.filter(
                campaign=campaign, pk__in=[entry_id for entry_id, _ in parsed]
            ).values_list("pk", "name")
        )
        problem = next(
            (FOREIGN_ENTRY.format(id=entry_id) for entry_id, _ in parsed if entry_id not in names),
            None,
        )
    if parsed is None or problem:
        if BallotReceipt.objects.filter(campaign=campaign, player=player).exists():
            raise Refused(ALREADY_VOTED, code=Refused.CONFLICT)  # check 7 comes first
        raise Refused(problem or BAD_FORMAT, code=Refused.INVALID)
    return _store(campaign, player, sorted(parsed, key=lambda pick: pick[1]), names)


def _store(
    campaign: Campaign,
    player: Player,
    picks: list[tuple[int, int]],
    names: dict[int, str],
) -> CastBallot:
    """CMP-18/19: store in one transaction with the campaign row locked, receipt first; then,
    after the commit, the early close.

    Issue 17 (the faster ballot box): a public ballot shares the campaign row with the other
    ballots in flight (`lock_for_ballot`, FOR SHARE), so 500 simultaneous voters are stored side
    by side instead of one after another; a close (FOR UPDATE) waits for them and every later
    ballot reads the closed row (check 5 again) — no ballot after close. A secret ballot keeps
    the exclusive lock: it rewrites all of the campaign's counters (CMP-22), so secret ballots
    queue on those rows anyway, and the first one creates them.

    The early close (CMP-19) is decided after the commit, from the same live counts the answer
    carries: the last ballot to commit sees every receipt, and `close_campaign` closes only a
    live row under FOR UPDATE, so when the last ballots commit together each may try and
    exactly one closes. No ballot waits behind a count of eligible voters. Should the process
    die between the commit and the close, the status checker (CMP-31) closes the campaign.
    Call it outside any transaction (the views do; ATOMIC_REQUESTS is off): inside an outer
    one the share lock would outlive the commit and two last ballots could deadlock upgrading
    it to the close's FOR UPDATE (PostgreSQL would then cancel one of them).
    """
    try:
        with transaction.atomic():
            if campaign.secret_ballot:
                row = Campaign.objects.select_for_update().get(pk=campaign.pk)
            else:
                row = lock_for_ballot(campaign.pk)
            if not voting_open(row):
                raise Refused(_closed_message(row), code=Refused.CONFLICT)
            now = timezone.now()
            BallotReceipt.objects.create(campaign=row, player=player, voted_at=now)
            if row.secret_ballot:
                count_secret_picks(row, picks=picks)  # CMP-22: counters only, no ballot row
            else:
                ballot = Ballot.objects.create(campaign=row, voter=player, cast_at=now)
                BallotPick.objects.bulk_create(
                    BallotPick(ballot=ballot, entry_id=entry_id, rank=rank)
                    for entry_id, rank in picks
                )
    except IntegrityError:
        raise Refused(ALREADY_VOTED, code=Refused.CONFLICT) from None
    logger.info("Ballot cast in campaign %s (%s picks)", campaign.pk, len(picks))
    stats = vote_stats(row)
    closed = False
    if row.early_close_if_all_voted and stats.all_voted:
        closed = close_campaign(row, reason=CloseReason.ALL_VOTED)
        if closed:
            stats = snapshot_stats(row) or stats  # CMP-30: the counts the close froze
    return CastBallot(
        message="Your vote is in! Thanks for voting.",
        picks=[(rank, entry_id, names[entry_id]) for entry_id, rank in picks],
        campaign_closed=closed,
        stats=stats,
    )


def count_secret_picks(campaign: Campaign, *, picks: list[tuple[int, int]]) -> None:
    """CMP-22: add one secret ballot's `(entry_id, rank)` picks to the campaign's counters.

    Call inside the transaction that stores the receipt, with the campaign row locked (as
    `_store` does), so counters and receipts always agree. The first vote creates every
    (entry, rank 1…N) counter at 0 at once — entries are fixed once live (CMP-10) — so a row's
    existence or id never reveals a pick. Then one UPDATE rewrites all of the campaign's
    counters: +1 where picked, +0 elsewhere. An atomic `count = count + …` in the database, and
    every row gets the same new version, so neither values' history nor row versions single
    out what this vote changed.
    """
    counters = SecretPickCount.objects.filter(entry__campaign_id=campaign.pk)
    if not counters.exists():
        entry_ids = CampaignEntry.objects.filter(campaign_id=campaign.pk).values_list(
            "pk", flat=True
        )
        SecretPickCount.objects.bulk_create(
            SecretPickCount(entry_id=entry_id, rank=rank, count=0)
            for entry_id in sorted(entry_ids)
            for rank in range(1, campaign.picks_per_voter + 1)
        )
    picked = Q()
    for entry_id, rank in picks:
        picked |= Q(entry_id=entry_id, rank=rank)
    counters.update(count=F("count") + Case(When(picked, then=Value(1)), default=Value(0)))


def my_vote(campaign: Campaign, *, player: Player | None) -> dict[str, Any] | None:
    """CMP-22 / my-vote: {"voted_at", "secret", "picks"} for the player's receipt, else None.

    `voted_at` is the receipt's datetime. `picks` is [{"rank", "entry_id", "entry_name"}] in rank
    order, or None for a secret ballot (its picks are stored without a name).
    """
    if player is None:
        return None
    receipt = BallotReceipt.objects.filter(campaign=campaign, player=player).first()
    if receipt is None:
        return None
    if campaign.secret_ballot:
        picks = None
    else:
        picks = [
            {"rank": rank, "entry_id": entry_id, "entry_name": name}
            for rank, entry_id, name in BallotPick.objects.filter(
                ballot__campaign=campaign, ballot__voter=player
            )
            .order_by("rank")
            .values_list("rank", "entry_id", "entry__name")
        ]
    return {"voted_at": receipt.voted_at, "secret": campaign.secret_ballot, "picks": picks}
