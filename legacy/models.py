"""The ledger of the legacy import (issue 14): where each legacy row went.

One row per (legacy table, legacy id), so a second run changes nothing and a later run imports
only the rows that are new. `object_id` names the new object (for a merged row: the object it
was merged into); a reported row has none.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q


class Bucket(models.TextChoices):
    IMPORTED = "imported", "Imported"
    MERGED = "merged", "Merged"
    REPORTED = "reported", "Reported"


class LegacyRow(models.Model):
    """One legacy row and what the import made of it."""

    Bucket = Bucket

    table = models.CharField(max_length=64, help_text="Schema-qualified legacy table.")
    legacy_id = models.BigIntegerField()
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    object_id = models.BigIntegerField(null=True, blank=True)
    bucket = models.CharField(max_length=8, choices=Bucket.choices)
    note = models.TextField(blank=True, default="")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["table", "legacy_id"]
        verbose_name = "legacy row"
        constraints = [
            models.UniqueConstraint(fields=["table", "legacy_id"], name="legacyrow_one_per_row"),
            models.CheckConstraint(
                condition=Q(bucket__in=Bucket.values), name="legacyrow_bucket_valid"
            ),
            # Imported and merged rows name their object; reported rows have none.
            models.CheckConstraint(
                condition=(Q(bucket="reported") & Q(object_id__isnull=True))
                | (~Q(bucket="reported") & Q(object_id__isnull=False)),
                name="legacyrow_object_matches_bucket",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.table}#{self.legacy_id} {self.bucket}"
