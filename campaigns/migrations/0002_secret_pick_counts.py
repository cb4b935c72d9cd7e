"""Secret ballots keep counters, not ballots (issue 11 item 5, CMP-3, CMP-22).

Creates `SecretPickCount` and converts every existing secret campaign: its BallotPick rows are
summed into one counter per (entry, rank 1…N) — zeros included, so no row's presence says
anything — and its Ballot and BallotPick rows are deleted. Receipts are kept (who voted).
Results already written at close (`CampaignResult`) are unchanged; live standings computed from
the counters equal the ones computed from the ballots (CMP-23 … CMP-25 only need per-rank
counts). Non-secret campaigns are not touched.

Irreversible in substance: going back drops the counters and cannot recreate the deleted
per-ballot rows (that is the point), so the reverse step only removes the table.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count


def secret_ballots_to_counts(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    CampaignEntry = apps.get_model("campaigns", "CampaignEntry")
    Ballot = apps.get_model("campaigns", "Ballot")
    BallotPick = apps.get_model("campaigns", "BallotPick")
    SecretPickCount = apps.get_model("campaigns", "SecretPickCount")
    for campaign in Campaign.objects.filter(secret_ballot=True).order_by("pk"):
        ballots = Ballot.objects.filter(campaign=campaign)
        if not ballots.exists():
            continue  # the first vote creates the counters
        picks = BallotPick.objects.filter(ballot__campaign=campaign)
        counts = {
            (entry_id, rank): n
            for entry_id, rank, n in picks.values_list("entry_id", "rank")
            .annotate(n=Count("pk"))
            .order_by()
        }
        top_rank = max([campaign.picks_per_voter, *(rank for _, rank in counts)])
        entry_ids = list(
            CampaignEntry.objects.filter(campaign=campaign).order_by("pk").values_list(
                "pk", flat=True
            )
        )
        SecretPickCount.objects.bulk_create(
            SecretPickCount(entry_id=entry_id, rank=rank, count=counts.get((entry_id, rank), 0))
            for entry_id in entry_ids
            for rank in range(1, top_rank + 1)
        )
        picks.delete()
        ballots.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SecretPickCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("rank", models.PositiveSmallIntegerField()),
                ("count", models.PositiveIntegerField(default=0)),
                (
                    "entry",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="secret_counts",
                        to="campaigns.campaignentry",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("entry", "rank"), name="secret_count_one_per_rank"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("rank__gte", 1), ("rank__lte", 10)),
                        name="secret_count_rank_1_10",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("count__gte", 0)), name="secret_count_not_negative"
                    ),
                ],
            },
        ),
        migrations.RunPython(secret_ballots_to_counts, migrations.RunPython.noop),
    ]
