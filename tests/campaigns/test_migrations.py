"""The campaigns data migrations of issue 11: secret ballots become counters (item 5) and
case-duplicate entry names are renamed before the case-insensitive constraint (item 20).

Each test migrates the campaigns app back to 0001, writes rows with the historical models,
migrates forward and checks the result with the current models.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from campaigns.models import (
    Ballot,
    BallotPick,
    BallotReceipt,
    CampaignEntry,
    CampaignResult,
    SecretPickCount,
)
from campaigns.services.scoring import rank_entries

BEFORE = [("campaigns", "0001_initial")]
AFTER = [("campaigns", "0003_entry_name_unique_ignoring_case")]


@pytest.fixture
def old_apps():
    """The app registry as of campaigns 0001, with the database migrated back to it; the
    database is migrated to the latest state again afterwards."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate_forward() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)


def old_campaign(apps, title: str, *, secret: bool, names="ABCD", status="live"):
    Campaign = apps.get_model("campaigns", "Campaign")
    Entry = apps.get_model("campaigns", "CampaignEntry")
    start = timezone.now() - timedelta(hours=1)
    campaign = Campaign.objects.create(
        title=title,
        picks_per_voter=3,
        min_rank_to_vote_id=3,
        start_at=start,
        duration_hours=168,
        end_at=start + timedelta(hours=168),
        status=status,
        secret_ballot=secret,
    )
    entries = {
        name: Entry.objects.create(campaign=campaign, name=name, sort_order=index)
        for index, name in enumerate(names, 1)
    }
    return campaign, entries


def old_ballot(apps, campaign, entries, player, order: str, *, secret: bool) -> None:
    """A ballot the way the code before issue 11 stored it (secret: no voter, no time)."""
    Receipt = apps.get_model("campaigns", "BallotReceipt")
    Ballot = apps.get_model("campaigns", "Ballot")
    Pick = apps.get_model("campaigns", "BallotPick")
    now = timezone.now()
    Receipt.objects.create(campaign=campaign, player=player, voted_at=now)
    ballot = Ballot.objects.create(
        campaign=campaign, voter=None if secret else player, cast_at=None if secret else now
    )
    for rank, name in enumerate(order, 1):
        Pick.objects.create(ballot=ballot, entry=entries[name], rank=rank)


def players(apps, count: int) -> list:
    Player = apps.get_model("identity", "Player")
    return [Player.objects.create(display_name=f"Voter {n}") for n in range(count)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_cmp22_migration_turns_secret_ballots_into_counters(old_apps):
    """Issue 11 item 5: existing secret ballots are summed into counters and deleted; the
    standings stay the same; receipts and public ballots are untouched."""
    voters = players(old_apps, 3)
    secret, secret_entries = old_campaign(old_apps, "Secret", secret=True)
    public, public_entries = old_campaign(old_apps, "Public", secret=False)
    for voter, order in zip(voters, ["ABC", "BAC", "ACD"], strict=True):
        old_ballot(old_apps, secret, secret_entries, voter, order, secret=True)
        old_ballot(old_apps, public, public_entries, voter, order, secret=False)

    migrate_forward()

    assert not Ballot.objects.filter(campaign_id=secret.pk).exists()
    assert not BallotPick.objects.filter(entry__campaign_id=secret.pk).exists()
    assert BallotReceipt.objects.filter(campaign_id=secret.pk).count() == 3
    counters = SecretPickCount.objects.filter(entry__campaign_id=secret.pk)
    assert counters.count() == 4 * 3  # every (entry, rank), zeros included
    assert {(c.entry.name, c.rank): c.count for c in counters if c.count} == {
        ("A", 1): 2,
        ("B", 1): 1,
        ("B", 2): 1,
        ("A", 2): 1,
        ("C", 2): 1,
        ("C", 3): 2,
        ("D", 3): 1,
    }
    assert Ballot.objects.filter(campaign_id=public.pk).count() == 3
    assert BallotPick.objects.filter(ballot__campaign_id=public.pk).count() == 9
    assert not SecretPickCount.objects.filter(entry__campaign_id=public.pk).exists()

    from campaigns.models import Campaign

    def points(campaign_id):
        return [
            (s.entry.name, s.points, s.rank)
            for s in rank_entries(Campaign.objects.get(pk=campaign_id))
        ]

    assert (
        points(secret.pk)
        == points(public.pk)
        == [
            ("A", 8, 1),
            ("B", 5, 2),
            ("C", 4, 3),
            ("D", 1, 4),
        ]
    )
    assert not CampaignResult.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_cmp2_migration_renames_case_duplicates_instead_of_failing(old_apps, capsys):
    """Issue 11 item 20: "Trog"/"trog"/"TROG" in one campaign would break the new constraint;
    the oldest keeps its name, later ones get " (2)", " (3)" (skipping a name in use)."""
    campaign, _ = old_campaign(
        old_apps, "Dupes", secret=False, names=["Trog", "trog", "Trog (2)", "TROG"]
    )
    other, _ = old_campaign(old_apps, "Other", secret=False, names=["trog"])

    migrate_forward()

    names = list(
        CampaignEntry.objects.filter(campaign_id=campaign.pk)
        .order_by("pk")
        .values_list("name", flat=True)
    )
    assert names == ["Trog", "trog (3)", "Trog (2)", "TROG (4)"]
    assert list(
        CampaignEntry.objects.filter(campaign_id=other.pk).values_list("name", flat=True)
    ) == ["trog"]
    out = capsys.readouterr().out
    assert "“trog” renamed to “trog (3)”" in out and "“TROG” renamed to “TROG (4)”" in out
