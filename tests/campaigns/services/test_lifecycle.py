"""Status lifecycle: transitions, activation, close, lazy close (CMP-6 … CMP-9, CMP-15)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from campaigns.models import Campaign, CampaignEntry, CampaignResult, CampaignStatus
from campaigns.services.lifecycle import (
    END_PASSED_MARKER,
    NOT_ENOUGH_ENTRIES_MARKER,
    activate_now,
    activation_warning,
    archive,
    close_campaign,
    close_if_due,
    close_now,
    duplicate_as_draft,
    next_full_hour_plus_24h,
    unarchive,
)
from patt.refusals import Refused
from tests.campaigns.factories import CampaignFactory, EntryFactory, live_campaign, member
from tests.campaigns.services.ballot_rows import add_ballot, go_live

pytestmark = pytest.mark.django_db


def draft_with_entries(count: int, **kwargs) -> Campaign:
    campaign = CampaignFactory(**kwargs)
    for index in range(count):
        EntryFactory(campaign=campaign, name=f"E{index}")
    return campaign


def closed_campaign(**kwargs) -> Campaign:
    campaign = live_campaign(**kwargs)
    close_campaign(campaign, reason=Campaign.CloseReason.MANUAL)
    return campaign


# CMP-6/7/15: Activate now


def test_cmp6_activate_now_sets_start_to_now_so_the_full_duration_counts():
    campaign = draft_with_entries(3, duration_hours=48)
    before = timezone.now()
    live = activate_now(campaign)
    assert live.status == CampaignStatus.LIVE
    assert before <= live.start_at <= timezone.now()
    assert live.end_at == live.start_at + timedelta(hours=48)
    assert campaign.status == CampaignStatus.LIVE  # the caller's instance follows


def test_cmp7_activate_now_refuses_with_fewer_entries_than_picks():
    campaign = draft_with_entries(2, title="Art", picks_per_voter=3)
    with pytest.raises(Refused) as refused:
        activate_now(campaign)
    assert str(refused.value) == "“Art” needs at least 3 entries before it can go live (it has 2)."
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


@pytest.mark.parametrize("status", ["live", "closed", "archived"])
def test_cmp15_activate_now_refuses_a_campaign_that_left_draft(status):
    campaign = live_campaign(title="Art")
    if status != "live":
        close_campaign(campaign, reason="manual")
    if status == "archived":
        archive(campaign)
    with pytest.raises(Refused) as refused:
        activate_now(campaign)
    assert str(refused.value) == f"“Art” is already {status}; cannot activate."


# CMP-8: close procedure


def test_cmp8_close_writes_status_reason_time_results_and_snapshot():
    voter, other = member("Veteran"), member("Veteran")
    campaign = live_campaign()
    add_ballot(campaign, "ABC", voter=voter)
    assert close_campaign(campaign, reason=Campaign.CloseReason.TIME) is True
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    assert campaign.close_reason == "time" and campaign.closed_at is not None
    assert (campaign.voted_at_close, campaign.eligible_at_close) == (1, 2)
    rows = {
        r.entry.name: (r.rank, r.points, r.place_counts, r.is_winner)
        for r in CampaignResult.objects.filter(campaign=campaign).select_related("entry")
    }
    assert rows == {
        "A": (1, 3, [1, 0, 0], True),
        "B": (2, 2, [0, 1, 0], False),
        "C": (3, 1, [0, 0, 1], False),
        "D": (4, 0, [0, 0, 0], False),
        "E": (4, 0, [0, 0, 0], False),
    }
    assert other  # eligible but did not vote: counted in the snapshot


def test_cmp8_second_close_is_a_no_op():
    campaign = live_campaign()
    assert close_campaign(campaign, reason="time")
    first = Campaign.objects.get(pk=campaign.pk)
    assert close_campaign(campaign, reason="manual") is False
    again = Campaign.objects.get(pk=campaign.pk)
    assert (again.close_reason, again.closed_at) == ("time", first.closed_at)
    assert CampaignResult.objects.filter(campaign=campaign).count() == 5


def test_cmp8_close_only_from_live():
    draft = draft_with_entries(3)
    assert close_campaign(draft, reason="manual") is False
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.DRAFT


def test_cmp25_close_without_ballots_has_no_winner():
    campaign = live_campaign()
    close_campaign(campaign, reason="time")
    assert not CampaignResult.objects.filter(campaign=campaign, is_winner=True).exists()


def test_cmp15_close_now_is_manual_and_refused_unless_live():
    campaign = live_campaign(title="Art")
    closed = close_now(campaign)
    assert (closed.status, closed.close_reason) == ("closed", "manual")
    with pytest.raises(Refused) as refused:
        close_now(closed)
    assert str(refused.value) == "“Art” is closed; only live campaigns can be closed."
    with pytest.raises(Refused) as refused:
        close_now(CampaignFactory(title="Later"))
    assert str(refused.value) == "“Later” is draft; only live campaigns can be closed."


# CMP-6/15: archive, unarchive


def test_cmp6_archive_and_unarchive_move_between_closed_and_archived():
    campaign = closed_campaign(title="Art")
    assert archive(campaign).status == CampaignStatus.ARCHIVED
    assert unarchive(campaign).status == CampaignStatus.CLOSED
    campaign.refresh_from_db()
    assert campaign.close_reason == "manual"  # close fields survive the round trip


def test_cmp15_archive_refuses_anything_but_closed():
    with pytest.raises(Refused, match=r"^Only closed campaigns can be archived\.$"):
        archive(live_campaign())


def test_cmp15_unarchive_refuses_anything_but_archived():
    with pytest.raises(Refused) as refused:
        unarchive(closed_campaign(title="Art"))
    assert str(refused.value) == "“Art” is not archived."


def test_cmp6_nothing_returns_to_draft_or_reopens():
    campaign = closed_campaign()
    with pytest.raises(Refused):
        activate_now(campaign)
    with pytest.raises(Refused):
        close_now(campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED


# CMP-15: duplicate


def test_cmp15_duplicate_copies_settings_and_entries_into_a_new_draft():
    officer = member("Officer")
    source = live_campaign(title="Art", picks_per_voter=2, secret_ballot=True)
    before = timezone.now()
    copy = duplicate_as_draft(source, created_by=officer)
    after = timezone.now()
    assert copy.pk != source.pk
    assert copy.title == "Art (copy)"
    assert (copy.status, copy.picks_per_voter, copy.secret_ballot) == ("draft", 2, True)
    assert copy.created_by == officer
    assert copy.start_at in {next_full_hour_plus_24h(before), next_full_hour_plus_24h(after)}
    names = list(CampaignEntry.objects.filter(campaign=copy).values_list("name", flat=True))
    assert names == ["A", "B", "C", "D", "E"]


def test_cmp12_next_full_hour_plus_24h():
    now = datetime(2026, 3, 1, 9, 15, 30, tzinfo=UTC)
    assert next_full_hour_plus_24h(now) == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    on_the_hour = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert next_full_hour_plus_24h(on_the_hour) == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


# CMP-9: lazy close


def test_cmp9_lazy_close_closes_a_live_campaign_past_its_end():
    campaign = go_live(draft_with_entries(3, duration_hours=2), started_hours_ago=3)
    fresh = close_if_due(campaign)
    assert (fresh.status, fresh.close_reason) == ("closed", "time")


def test_cmp9_lazy_close_leaves_a_running_campaign_alone(django_assert_num_queries):
    campaign = live_campaign()
    with django_assert_num_queries(0):
        assert close_if_due(campaign) is campaign
    assert campaign.status == "live"


# CMP-7: admin markers


def test_cmp7_marker_not_enough_entries_after_start_passed():
    campaign = draft_with_entries(2)
    later = campaign.start_at + timedelta(minutes=1)
    assert activation_warning(campaign, now=later) == NOT_ENOUGH_ENTRIES_MARKER
    assert NOT_ENOUGH_ENTRIES_MARKER == "⚠ start time passed — not enough entries"
    assert activation_warning(campaign, now=campaign.start_at - timedelta(minutes=1)) == ""


def test_cmp7_marker_end_time_passed():
    campaign = draft_with_entries(3, duration_hours=1)
    assert activation_warning(campaign, now=campaign.end_at) == END_PASSED_MARKER
    assert END_PASSED_MARKER == "⚠ end time passed"
    assert activation_warning(campaign, now=campaign.start_at) == ""


def test_cmp7_marker_uses_an_entry_count_annotation(django_assert_num_queries):
    campaign = draft_with_entries(3)
    campaign.entry_count = 1
    with django_assert_num_queries(0):
        marker = activation_warning(campaign, now=campaign.end_at)
    assert marker == NOT_ENOUGH_ENTRIES_MARKER
