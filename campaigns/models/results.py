"""Final standings, written once at close (CMP-4)."""

from django.db import models
from django.db.models import Q

from campaigns.models.campaigns import Campaign, CampaignEntry


class CampaignResult(models.Model):
    """CMP-4: final standings, one row per entry, written once at close."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="results")
    entry = models.ForeignKey(CampaignEntry, on_delete=models.CASCADE, related_name="results")
    points = models.PositiveIntegerField()
    place_counts = models.JSONField(default=list)
    rank = models.PositiveIntegerField()
    is_winner = models.BooleanField(default=False)
    calculated_at = models.DateTimeField()

    class Meta:
        ordering = ["rank", "entry__sort_order", "entry__name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "entry"], name="result_one_per_entry"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="result_rank_positive"),
            models.CheckConstraint(
                condition=Q(is_winner=False) | Q(rank=1, points__gt=0),
                name="result_winner_is_first_with_points",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} {self.entry_id}: {self.points} pts"
