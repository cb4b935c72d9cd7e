"""Receipts, ballots, picks and a secret campaign's counters (CMP-3, CMP-18, CMP-22)."""

import uuid

from django.db import models
from django.db.models import Q

from campaigns.models.campaigns import Campaign, CampaignEntry
from identity.models import Player


class BallotReceipt(models.Model):
    """CMP-3: who voted and when — never what. UNIQUE(campaign, player) is the one-ballot rule.

    For a secret campaign (CMP-22) the receipt is the only row that names the voter, and
    nothing links it to picks: the picks only add to `SecretPickCount` rows, which have no
    time, no voter and are all rewritten by every vote. Officers see secret campaigns'
    receipts as names in alphabetical order without times; `voted_at` stays for the voter's
    own `my-vote` answer. What remains visible: docs/OPERATIONS.md ("Campaigns: what a secret
    ballot keeps visible").
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="receipts")
    player = models.ForeignKey(
        Player, on_delete=models.SET_NULL, null=True, blank=True, related_name="ballot_receipts"
    )
    voted_at = models.DateTimeField()

    class Meta:
        ordering = ["voted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "player"], name="ballot_receipt_one_per_player"
            )
        ]

    def __str__(self) -> str:
        return f"Receipt #{self.pk} ({self.campaign_id})"


class Ballot(models.Model):
    """CMP-3: a non-secret campaign's ballot — voter, cast time and picks.

    Secret campaigns store no Ballot or BallotPick rows at all (CMP-22): their picks only
    increment `SecretPickCount`. Rows with no voter are ballots whose player was deleted.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(
        Player, on_delete=models.SET_NULL, null=True, blank=True, related_name="ballots"
    )
    cast_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "voter"],
                condition=Q(voter__isnull=False),
                name="ballot_one_per_voter",
            )
        ]

    def __str__(self) -> str:
        return f"Ballot {self.pk}"


class BallotPick(models.Model):
    """CMP-3: one ranked pick of a ballot."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="picks")
    entry = models.ForeignKey(CampaignEntry, on_delete=models.PROTECT, related_name="picks")
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(condition=Q(rank__gte=1, rank__lte=10), name="pick_rank_1_10"),
            models.UniqueConstraint(fields=["ballot", "rank"], name="pick_rank_unique"),
            models.UniqueConstraint(fields=["ballot", "entry"], name="pick_entry_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank}: {self.entry_id}"


class SecretPickCount(models.Model):
    """CMP-3/CMP-22: how many ballots of a secret campaign ranked `entry` at `rank`.

    All the results need (CMP-23 … CMP-25 are position-based points, so counts per
    (entry, rank) give exactly the same standings as the ballots would). A secret campaign
    has one row per (entry, rank 1…N), all created together, zeroed, in the first vote's
    transaction (entries are fixed once live, CMP-10), so no row's id or creation says which
    entry a voter picked. Each vote then rewrites every counter row of the campaign in one
    UPDATE (`count + 1` for the picks, `count + 0` for the rest), in the receipt's
    transaction with the campaign row locked: the rows carry no time, no voter and no order,
    and on PostgreSQL every row's `xmin` is the latest voter's transaction, which shows only
    that they voted last (their receipt says that anyway). Residual exposure: docs/OPERATIONS.md.
    """

    entry = models.ForeignKey(CampaignEntry, on_delete=models.PROTECT, related_name="secret_counts")
    rank = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "rank"], name="secret_count_one_per_rank"),
            models.CheckConstraint(
                condition=Q(rank__gte=1, rank__lte=10), name="secret_count_rank_1_10"
            ),
            models.CheckConstraint(condition=Q(count__gte=0), name="secret_count_not_negative"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank}: {self.entry_id} × {self.count}"
