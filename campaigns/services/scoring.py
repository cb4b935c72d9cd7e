"""Points and ranking of campaign entries (CMP-23 … CMP-27, CMP-49).

`compute_standings` is the one pure implementation of the ranking rule; `rank_entries` feeds it
the live pick counts (one grouped query plus the entries query) and `final_results` rebuilds the
same `Standing` objects from the `CampaignResult` rows written at close.

The rule only needs, per entry, how many ballots ranked it 1st, 2nd, … (points are N - r + 1
per pick; ties compare 1st and 2nd places). So a secret campaign's counters (`SecretPickCount`,
CMP-22) give exactly the standings its ballots would: `pick_counts` reads either source.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from campaigns.models import (
    BallotPick,
    Campaign,
    CampaignEntry,
    CampaignResult,
    SecretPickCount,
)

MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


@dataclass(frozen=True)
class Standing:
    """One entry's place in the standings."""

    entry: CampaignEntry
    points: int
    place_counts: list[int]  # len N, index 0 = number of 1st places
    rank: int
    tied: bool
    winner: bool
    medal: str  # "🥇" / "🥈" / "🥉" or ""

    def _place(self, index: int) -> int:
        return self.place_counts[index] if index < len(self.place_counts) else 0

    @property
    def first_place_count(self) -> int:
        return self._place(0)

    @property
    def second_place_count(self) -> int:
        return self._place(1)

    @property
    def third_place_count(self) -> int:
        return self._place(2)

    @property
    def marker(self) -> str:
        """CMP-40: medal, else "#N"; "=" appended when tied; "—" for a 0-point entry."""
        if self.points == 0:
            return "—"
        marker = self.medal or f"#{self.rank}"
        return f"{marker}=" if self.tied else marker


def points_for_rank(*, picks_per_voter: int, rank: int) -> int:
    """CMP-23: a pick at rank r earns N - r + 1 points."""
    return picks_per_voter - rank + 1


def compute_standings(
    entries: Iterable[CampaignEntry],
    *,
    picks_per_voter: int,
    counts: Mapping[tuple[int, int], int],
) -> list[Standing]:
    """CMP-23 … CMP-25, pure: `counts[(entry_id, rank)]` = ballots that ranked it there.

    Order: points, then 1st places, then 2nd places (all descending); entries equal on all three
    share a rank (1, 2, 2, 4) and are `tied`; 0-point entries come last and share one rank.
    Inside a shared rank: `sort_order`, then name. Winners: rank 1 with points > 0. Medals for
    ranks 1-3 among entries with points.
    """
    n = picks_per_voter
    scored = []
    for entry in entries:
        place_counts = [counts.get((entry.pk, rank), 0) for rank in range(1, n + 1)]
        points = sum(
            count * points_for_rank(picks_per_voter=n, rank=rank)
            for rank, count in enumerate(place_counts, start=1)
        )
        scored.append((entry, points, place_counts))

    def key(item: tuple[CampaignEntry, int, list[int]]) -> tuple[int, int, int]:
        _, points, places = item
        second = places[1] if n > 1 else 0
        return (-points, -places[0], -second)

    scored.sort(key=lambda item: (key(item), item[0].sort_order, item[0].name, item[0].pk))
    keys = [key(item) for item in scored]
    group_size: dict[tuple[int, int, int], int] = {}
    for k in keys:
        group_size[k] = group_size.get(k, 0) + 1

    standings: list[Standing] = []
    rank = 0
    for position, ((entry, points, places), k) in enumerate(zip(scored, keys, strict=True)):
        if position == 0 or k != keys[position - 1]:
            rank = position + 1
        standings.append(
            Standing(
                entry=entry,
                points=points,
                place_counts=places,
                rank=rank,
                tied=group_size[k] > 1,
                winner=rank == 1 and points > 0,
                medal=MEDALS.get(rank, "") if points > 0 else "",
            )
        )
    return standings


def _entries(campaign: Campaign) -> QuerySet[CampaignEntry]:
    return CampaignEntry.objects.filter(campaign=campaign).select_related("player")


def pick_counts(campaign: Campaign) -> dict[tuple[int, int], int]:
    """`{(entry_id, rank): ballots}` in one query: a secret campaign's counters (CMP-22), else
    the ballots' picks grouped by entry and rank."""
    rows: Iterable[tuple[int, int, int]]
    if campaign.secret_ballot:
        rows = SecretPickCount.objects.filter(entry__campaign_id=campaign.pk).values_list(
            "entry_id", "rank", "count"
        )
    else:
        rows = (
            BallotPick.objects.filter(ballot__campaign=campaign)
            .values_list("entry_id", "rank")
            .annotate(n=Count("pk"))
            .order_by()
        )
    return {(entry_id, rank): n for entry_id, rank, n in rows if n}


def rank_entries(campaign: Campaign) -> list[Standing]:
    """CMP-26: standings from the current ballots or secret counters (one query + the
    entries). Used at close and for non-secret live standings; a live secret campaign's
    standings are never shown (CMP-22)."""
    return compute_standings(
        _entries(campaign), picks_per_voter=campaign.picks_per_voter, counts=pick_counts(campaign)
    )


def final_results(campaign: Campaign) -> list[Standing]:
    """CMP-4/CMP-26: the standings written at close, rebuilt from `CampaignResult` rows."""
    rows = list(
        CampaignResult.objects.filter(campaign=campaign)
        .select_related("entry", "entry__player")
        .order_by("rank", "entry__sort_order", "entry__name", "entry__pk")
    )
    per_rank: dict[int, int] = {}
    for row in rows:
        per_rank[row.rank] = per_rank.get(row.rank, 0) + 1
    return [
        Standing(
            entry=row.entry,
            points=row.points,
            place_counts=list(row.place_counts),
            rank=row.rank,
            tied=per_rank[row.rank] > 1,
            winner=row.is_winner,
            medal=MEDALS.get(row.rank, "") if row.points > 0 else "",
        )
        for row in rows
    ]


def standings(campaign: Campaign) -> list[Standing]:
    """Final results once closed or archived (CMP-4), live standings otherwise (CMP-26).

    Callers show live standings only where CMP-34 allows: never for a live secret campaign
    (`CampaignViewer.can_see_results`, the agent's `_handle`)."""
    if campaign.is_finished:
        return final_results(campaign)
    return rank_entries(campaign)


def winners(standings: list[Standing]) -> list[Standing]:
    """CMP-25: every entry at rank 1 with points (several = co-winners; none without ballots)."""
    return [standing for standing in standings if standing.winner]


def sole_leader(standings: list[Standing]) -> CampaignEntry | None:
    """CMP-49: the single entry at rank 1 with points > 0; None when tied or without votes."""
    leaders = winners(standings)
    return leaders[0].entry if len(leaders) == 1 else None
