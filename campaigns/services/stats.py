"""Who may vote and how many did (CMP-28 … CMP-30)."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Exists, F, Func, IntegerField, OuterRef, QuerySet, Subquery

from campaigns.models import BallotReceipt, Campaign
from identity.models import Player
from patt.compiled import CompiledQuery


@dataclass(frozen=True)
class VoteStats:
    """CMP-29: participation of one campaign."""

    total_voted: int
    total_eligible: int
    percent_voted: float
    all_voted: bool

    @classmethod
    def build(cls, *, voted: int, eligible: int, all_voted: bool) -> "VoteStats":
        return cls(
            total_voted=voted,
            total_eligible=eligible,
            percent_voted=percent(voted=voted, eligible=eligible),
            all_voted=all_voted,
        )

    def as_dict(self) -> dict:
        return {
            "total_voted": self.total_voted,
            "total_eligible": self.total_eligible,
            "percent_voted": self.percent_voted,
            "all_voted": self.all_voted,
        }


def percent(*, voted: int, eligible: int) -> float:
    """CMP-29: voted / eligible * 100, rounded half-up to one decimal; 0.0 with no one eligible."""
    if eligible <= 0:
        return 0.0
    value = Decimal(voted) * 100 / Decimal(eligible)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def eligible_players(campaign: Campaign) -> QuerySet[Player]:
    """CMP-28: active Players with a linked active website user and rank level ≥ the vote rank."""
    return eligible_at_level(campaign.vote_level)


def eligible_at_level(vote_level: Any) -> QuerySet[Player]:
    """CMP-28 for a vote rank level (an int, or an expression such as an outer row's level)."""
    return Player.objects.filter(
        is_active=True,
        user__isnull=False,
        user__is_active=True,
        guild_rank__level__gte=vote_level,
    )


def players_not_voted(campaign: Campaign) -> QuerySet[Player]:
    """Players eligible now (CMP-28) who have no receipt in `campaign`."""
    return _not_voted(campaign.pk, campaign.vote_level)


def _not_voted(campaign_id: int, vote_level: int) -> QuerySet[Player]:
    receipts = BallotReceipt.objects.filter(campaign_id=campaign_id, player=OuterRef("pk"))
    return eligible_at_level(vote_level).filter(~Exists(receipts))


def count_of_rows(queryset: QuerySet) -> Subquery:
    """`SELECT COUNT(*)` of `queryset` as a scalar subquery: always one row (0 when none match),
    and COUNT as a plain function, so the outer query is not grouped."""
    counted = queryset.order_by().annotate(counted=Func(F("pk"), function="COUNT"))
    return Subquery(counted.values("counted"), output_field=IntegerField())


def _vote_counts(campaign_id: int, vote_level: int) -> QuerySet:
    """(voted, missing) of one campaign: its receipts, and the players eligible now (CMP-28)
    without one, as two scalar subqueries of one statement."""
    return (
        Campaign.objects.filter(pk=campaign_id)
        .order_by()
        .annotate(
            voted=count_of_rows(BallotReceipt.objects.filter(campaign_id=campaign_id)),
            missing=count_of_rows(_not_voted(campaign_id, vote_level)),
        )
        .values_list("voted", "missing")
    )


# Compiled once per process: every ballot asks for these counts (issue 17).
_VOTE_COUNTS = CompiledQuery(_vote_counts)


def vote_stats(campaign: Campaign) -> VoteStats:
    """CMP-29, live (one query of two counts, whatever the guild size).

    total_voted = receipts; total_eligible = total_voted + eligible-now players without a
    receipt, so a voter demoted later still counts on both sides and 100 % is never exceeded.
    Both counts come from one statement, so they see the same snapshot of the receipts.
    """
    voted, missing = _VOTE_COUNTS.first(campaign.pk, campaign.vote_level) or (0, 0)
    eligible = voted + missing
    return VoteStats.build(voted=voted, eligible=eligible, all_voted=eligible > 0 and missing == 0)


def snapshot_stats(campaign: Campaign) -> VoteStats | None:
    """CMP-30: the counts frozen at close, or None when the campaign has no snapshot."""
    if campaign.eligible_at_close is None or campaign.voted_at_close is None:
        return None
    eligible, voted = campaign.eligible_at_close, campaign.voted_at_close
    return VoteStats.build(
        voted=voted, eligible=eligible, all_voted=eligible > 0 and voted >= eligible
    )


def display_stats(campaign: Campaign) -> VoteStats | None:
    """CMP-30: the close snapshot once closed/archived, None for drafts, live counts otherwise."""
    if campaign.is_draft:
        return None
    if campaign.is_finished:
        snapshot = snapshot_stats(campaign)
        if snapshot is not None:
            return snapshot
    return vote_stats(campaign)
