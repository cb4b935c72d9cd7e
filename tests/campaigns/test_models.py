"""Database constraints of the campaign model (CMP-1 … CMP-5) and editability (CMP-10).

Constraints are checked by writing straight past the model's Python rules (queryset updates,
bulk inserts), so each test fails when the database constraint is missing.
"""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from campaigns.models import (
    DRAFT_ONLY_CAMPAIGN,
    DRAFT_ONLY_DELETE,
    DRAFT_ONLY_ENTRIES,
    Ballot,
    BallotPick,
    BallotReceipt,
    Campaign,
    CampaignEntry,
    CampaignResult,
    ContestAgentLog,
)
from campaigns.services.lifecycle import close_campaign
from identity.models import GuildRank
from tests.campaigns.factories import CampaignFactory, EntryFactory, live_campaign, member

pytestmark = pytest.mark.django_db


def violates(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()
    return True


def update(campaign, **fields):
    return lambda: Campaign.objects.filter(pk=campaign.pk).update(**fields)


# CMP-1


@pytest.mark.parametrize("picks", [0, 11])
def test_cmp1_picks_per_voter_check_1_to_10(picks):
    assert violates(update(CampaignFactory(), picks_per_voter=picks))


@pytest.mark.parametrize("hours", [0, 8761])
def test_cmp1_duration_check_1_to_8760(hours):
    assert violates(update(CampaignFactory(), duration_hours=hours))


def test_cmp1_status_and_chattiness_vocabularies():
    campaign = CampaignFactory()
    assert violates(update(campaign, status="paused"))
    assert violates(update(campaign, agent_chattiness="loud"))
    assert violates(update(campaign, close_reason="bored"))


def test_cmp1_vote_rank_must_be_an_existing_level():
    campaign = CampaignFactory()
    missing = GuildRank.objects.order_by("-level").first().level + 10
    for field in ("min_rank_to_vote", "min_rank_to_view"):
        change = update(campaign, **{field: missing})
        # Foreign keys are checked at commit; force the check inside the savepoint.
        assert violates(lambda change=change: (change(), connection.check_constraints()))


def test_cmp1_end_is_derived_from_start_and_duration():
    campaign = CampaignFactory(duration_hours=5)
    assert campaign.end_at == campaign.start_at + timedelta(hours=5)
    campaign.duration_hours = 6
    campaign.save()
    assert campaign.end_at == campaign.start_at + timedelta(hours=6)
    assert violates(update(campaign, end_at=campaign.start_at))


def test_cmp8_close_fields_must_match_the_status():
    campaign = live_campaign()
    assert violates(update(campaign, status="closed"))
    assert violates(update(campaign, closed_at=timezone.now(), close_reason="time"))


# CMP-2


def test_cmp2_entry_name_unique_per_campaign():
    entry = EntryFactory(name="Trog")
    assert violates(
        lambda: CampaignEntry.objects.bulk_create(
            [CampaignEntry(campaign=entry.campaign, name="Trog")]
        )
    )
    EntryFactory(name="Trog")  # another campaign may use the name


@pytest.mark.parametrize("other", ["trog", "TROG", "tRoG"])
def test_cmp2_entry_name_unique_per_campaign_ignoring_case(other):
    """Issue 11 item 20: "Trog" and "trog" are one entry, enforced by the database."""
    entry = EntryFactory(name="Trog")
    assert violates(
        lambda: CampaignEntry.objects.bulk_create(
            [CampaignEntry(campaign=entry.campaign, name=other)]
        )
    )
    EntryFactory(name=other)  # another campaign may use it


def test_cmp2_image_url_must_be_https():
    entry = EntryFactory()
    assert violates(
        lambda: CampaignEntry.objects.filter(pk=entry.pk).update(image_url="http://x.test/a.png")
    )


# CMP-3


def test_cmp3_one_receipt_per_player_per_campaign():
    campaign, player = live_campaign(), member("Veteran")
    BallotReceipt.objects.create(campaign=campaign, player=player, voted_at=timezone.now())
    assert violates(
        lambda: BallotReceipt.objects.create(
            campaign=campaign, player=player, voted_at=timezone.now()
        )
    )


def test_cmp3_one_named_ballot_per_voter_but_any_number_of_secret_ones():
    campaign, player = live_campaign(), member("Veteran")
    Ballot.objects.create(campaign=campaign, voter=player, cast_at=timezone.now())
    assert violates(lambda: Ballot.objects.create(campaign=campaign, voter=player))
    Ballot.objects.create(campaign=campaign)
    Ballot.objects.create(campaign=campaign)
    assert Ballot.objects.filter(campaign=campaign, voter__isnull=True).count() == 2


def test_cmp3_pick_rank_at_least_one_and_unique_rank_and_entry_per_ballot():
    campaign = live_campaign()
    a, b = campaign.entries.get(name="A"), campaign.entries.get(name="B")
    ballot = Ballot.objects.create(campaign=campaign)
    assert violates(lambda: BallotPick.objects.create(ballot=ballot, entry=a, rank=0))
    BallotPick.objects.create(ballot=ballot, entry=a, rank=1)
    assert violates(lambda: BallotPick.objects.create(ballot=ballot, entry=b, rank=1))
    assert violates(lambda: BallotPick.objects.create(ballot=ballot, entry=a, rank=2))


def test_cmp3_receipts_and_ballots_survive_player_deletion():
    campaign, player = live_campaign(), member("Veteran")
    BallotReceipt.objects.create(campaign=campaign, player=player, voted_at=timezone.now())
    Ballot.objects.create(campaign=campaign, voter=player, cast_at=timezone.now())
    player.delete()
    assert BallotReceipt.objects.filter(campaign=campaign, player__isnull=True).count() == 1
    assert Ballot.objects.filter(campaign=campaign, voter__isnull=True).count() == 1


def test_cmp3_picked_entries_are_protected():
    campaign = live_campaign()
    ballot = Ballot.objects.create(campaign=campaign)
    entry = campaign.entries.get(name="A")
    BallotPick.objects.create(ballot=ballot, entry=entry, rank=1)
    assert violates(lambda: CampaignEntry.objects.filter(pk=entry.pk).delete())


# CMP-4


def test_cmp4_one_result_per_entry_and_winners_are_first_with_points():
    campaign = live_campaign()
    close_campaign(campaign, reason="manual")
    entry = campaign.entries.get(name="A")
    now = timezone.now()
    row = {"campaign": campaign, "entry": entry, "points": 0, "place_counts": [0, 0, 0]}
    row["calculated_at"] = now
    assert violates(lambda: CampaignResult.objects.create(rank=1, **row))
    CampaignResult.objects.filter(campaign=campaign).delete()
    assert violates(lambda: CampaignResult.objects.create(rank=1, is_winner=True, **row))
    assert violates(lambda: CampaignResult.objects.create(rank=0, **row))


# CMP-5


def test_cmp5_agent_log_status_and_event_vocabularies():
    campaign = live_campaign()
    log = {"campaign": campaign}
    assert violates(
        lambda: ContestAgentLog.objects.create(event_type="campaign_launch", status="maybe", **log)
    )
    assert violates(
        lambda: ContestAgentLog.objects.create(event_type="party", status="posted", **log)
    )


# CMP-10


def test_cmp10_settings_editable_only_in_draft():
    assert DRAFT_ONLY_CAMPAIGN == "Campaign can only be edited while in draft."
    assert DRAFT_ONLY_DELETE.startswith("Only draft campaigns can be deleted; archive")
    draft = CampaignFactory()
    draft.title = "Renamed"
    draft.save()
    campaign = live_campaign()
    campaign.title = "Renamed"
    with pytest.raises(ValidationError, match=re.escape(DRAFT_ONLY_CAMPAIGN)):
        campaign.save()
    with pytest.raises(ValidationError, match=re.escape(DRAFT_ONLY_CAMPAIGN)):
        campaign.full_clean()
    assert Campaign.objects.get(pk=campaign.pk).title != "Renamed"


def test_cmp10_entries_changeable_only_in_draft():
    campaign = live_campaign()
    entry = campaign.entries.get(name="A")
    message = re.escape(DRAFT_ONLY_ENTRIES)
    assert DRAFT_ONLY_ENTRIES == "Entries can only be changed while the campaign is in draft."
    entry.name = "Z"
    with pytest.raises(ValidationError, match=message):
        entry.save()
    with pytest.raises(ValidationError, match=message):
        entry.delete()
    with pytest.raises(ValidationError, match=message):
        CampaignEntry(campaign=campaign, name="New").save()


def test_cmp10_only_drafts_can_be_deleted():
    CampaignFactory().delete()
    campaign = live_campaign()
    close_campaign(campaign, reason="manual")
    with pytest.raises(ValidationError, match=re.escape(DRAFT_ONLY_DELETE)):
        campaign.delete()
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_cmp10_lifecycle_code_may_save_outside_draft():
    campaign = live_campaign()
    campaign.agent_last_leader = campaign.entries.first()
    campaign.save(lifecycle=True)
    campaign.refresh_from_db()
    assert campaign.agent_last_leader is not None
