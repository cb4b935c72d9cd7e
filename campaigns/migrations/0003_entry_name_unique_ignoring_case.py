"""Entry names unique per campaign ignoring case (issue 11 item 20, CMP-2, CMP-13).

Existing case-duplicates ("Trog" and "trog" in one campaign) would make the new constraint
fail, so they are renamed first instead of refusing to migrate: in each campaign the entry
with the lowest id keeps its name and every later one gets " (2)", " (3)", … appended (the
first suffix that is free, the name cut to stay within 200 characters). Each rename is printed.
Ballots, counters and results point at entries by id, so nothing else changes. Duplicates are
found with the database's own LOWER(), the function the constraint uses.
"""

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models.functions import Lower

MAX_NAME = 200


def rename_case_duplicates(apps, schema_editor):
    CampaignEntry = apps.get_model("campaigns", "CampaignEntry")
    rows = (
        CampaignEntry.objects.annotate(folded=Lower("name"))
        .order_by("campaign_id", "pk")
        .values_list("pk", "campaign_id", "name", "folded")
    )
    taken: dict[int, set[str]] = {}
    for _, campaign_id, _, folded in rows:
        taken.setdefault(campaign_id, set()).add(folded)
    kept: dict[int, set[str]] = {}
    for pk, campaign_id, name, folded in rows:
        names = kept.setdefault(campaign_id, set())
        if folded not in names:
            names.add(folded)
            continue
        number = 2
        while True:
            suffix = f" ({number})"
            candidate = name[: MAX_NAME - len(suffix)] + suffix
            candidate_folded = folded[: MAX_NAME - len(suffix)] + suffix
            if candidate_folded not in taken[campaign_id]:
                break
            number += 1
        CampaignEntry.objects.filter(pk=pk).update(name=candidate)
        taken[campaign_id].add(candidate_folded)
        names.add(candidate_folded)
        print(
            f"\n  Campaign {campaign_id}: entry {pk} “{name}” renamed to “{candidate}” "
            "(entry names are now unique ignoring case)."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0002_secret_pick_counts"),
    ]

    operations = [
        migrations.RunPython(rename_case_duplicates, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="campaignentry",
            name="campaign_entry_name_unique",
        ),
        migrations.AddConstraint(
            model_name="campaignentry",
            constraint=models.UniqueConstraint(
                models.F("campaign"),
                django.db.models.functions.text.Lower("name"),
                name="campaign_entry_name_ci_unique",
                violation_error_message="This campaign already has an entry with this name.",
            ),
        ),
    ]
