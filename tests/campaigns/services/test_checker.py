"""The status checker and `manage.py check_campaigns` (CMP-31, CMP-7)."""

import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus
from campaigns.services import lifecycle
from campaigns.services.lifecycle import CHECKER_CACHE_LOCK, CHECKER_LOCK_ID, check_campaign_status
from tests.campaigns.factories import CampaignFactory, EntryFactory, live_campaign, member
from tests.campaigns.services.ballot_rows import add_ballot, go_live

pytestmark = pytest.mark.django_db


def due_draft(entries: int = 3, *, started_minutes_ago: int = 5, **kwargs) -> Campaign:
    """A draft whose start time passed a few minutes ago (saved earlier, as in real life)."""
    campaign = CampaignFactory(**kwargs)
    for index in range(entries):
        EntryFactory(campaign=campaign, name=f"E{index}")
    start = timezone.now() - timedelta(minutes=started_minutes_ago)
    Campaign.objects.filter(pk=campaign.pk).update(
        start_at=start, end_at=start + timedelta(hours=campaign.duration_hours)
    )
    campaign.refresh_from_db()
    return campaign


def test_cmp31_due_draft_goes_live_keeping_its_start_time():
    campaign = due_draft()
    start = campaign.start_at
    result = check_campaign_status()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.LIVE and campaign.start_at == start
    assert result.activated == 1
    assert result.line.startswith("Campaign check: 1 activated")


def test_cmp31_future_draft_stays_draft():
    campaign = CampaignFactory()
    for index in range(3):
        EntryFactory(campaign=campaign, name=f"E{index}")
    check_campaign_status()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_cmp7_checker_leaves_a_draft_without_enough_entries_and_warns_once_per_hour(caplog):
    campaign = due_draft(entries=2)
    with caplog.at_level(logging.WARNING, logger="campaigns.lifecycle"):
        first = check_campaign_status()
        second = check_campaign_status()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
    assert first.not_ready == second.not_ready == 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "2 of the 3 entries" in warnings[0].getMessage()
    # The throttle is per campaign and expires after the hour (simulated by clearing the key).
    cache.delete(lifecycle.WARNING_CACHE_KEY.format(pk=campaign.pk))
    with caplog.at_level(logging.WARNING, logger="campaigns.lifecycle"):
        check_campaign_status()
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 2


def test_cmp7_checker_does_not_activate_a_draft_whose_end_passed(caplog):
    campaign = due_draft(duration_hours=1, started_minutes_ago=90)
    with caplog.at_level(logging.WARNING, logger="campaigns.lifecycle"):
        check_campaign_status()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
    assert "end time has passed" in caplog.text


def test_cmp31_live_campaign_past_its_end_closes_with_reason_time():
    campaign = go_live(CampaignFactory(duration_hours=1), started_hours_ago=2)
    result = check_campaign_status()
    campaign.refresh_from_db()
    assert (campaign.status, campaign.close_reason) == ("closed", "time")
    assert result.closed_time == 1


def test_cmp31_closes_early_when_everyone_eligible_voted_without_a_vote_trigger():
    voter, dropout = member("Veteran"), member("Veteran")
    campaign = live_campaign()
    add_ballot(campaign, "ABC", voter=voter)
    assert check_campaign_status().closed_all_voted == 0
    dropout.is_active = False  # the non-voter lost eligibility: everyone left has voted
    dropout.save()
    result = check_campaign_status()
    campaign.refresh_from_db()
    assert (campaign.status, campaign.close_reason) == ("closed", "all_voted")
    assert result.closed_all_voted == 1


def test_cmp31_early_close_off_keeps_the_campaign_live():
    voter = member("Veteran")
    campaign = live_campaign(early_close_if_all_voted=False)
    add_ballot(campaign, "ABC", voter=voter)
    check_campaign_status()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.LIVE


def test_cmp31_one_failing_campaign_is_logged_and_does_not_stop_the_others(monkeypatch, caplog):
    broken = go_live(CampaignFactory(duration_hours=1), started_hours_ago=2)
    healthy = go_live(CampaignFactory(duration_hours=1), started_hours_ago=2)
    real = lifecycle.rank_entries

    def rank_entries(campaign):
        if campaign.pk == broken.pk:
            raise RuntimeError("boom")
        return real(campaign)

    monkeypatch.setattr(lifecycle, "rank_entries", rank_entries)
    with caplog.at_level(logging.ERROR, logger="campaigns.lifecycle"):
        result = check_campaign_status()
    broken.refresh_from_db()
    healthy.refresh_from_db()
    assert broken.status == CampaignStatus.LIVE  # its transaction rolled back
    assert healthy.status == CampaignStatus.CLOSED
    assert (result.failed, result.closed_time) == (1, 1)
    assert f"Status check of campaign {broken.pk} failed" in caplog.text


def test_cmp31_skips_while_another_checker_holds_the_lock(on_postgres):
    campaign = due_draft()
    if on_postgres:
        other = connection.copy()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [CHECKER_LOCK_ID])
    else:
        cache.add(CHECKER_CACHE_LOCK, "1", 60)
    try:
        result = check_campaign_status()
    finally:
        if on_postgres:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [CHECKER_LOCK_ID])
            other.close()
        else:
            cache.delete(CHECKER_CACHE_LOCK)
    assert result.skipped
    assert result.line == "Campaign check skipped: another status checker is running."
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
    assert check_campaign_status().activated == 1  # the lock was released


def test_cmp31_check_campaigns_command_runs_the_checker_once():
    campaign = due_draft()
    out = StringIO()
    call_command("check_campaigns", stdout=out)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.LIVE
    assert out.getvalue().strip() == (
        "Campaign check: 1 activated, 0 closed (time), 0 closed (all voted), "
        "0 drafts not ready, 0 failed."
    )


def test_cmp31_task_returns_the_result_line():
    from campaigns.tasks import check_campaign_status as task

    assert task().startswith("Campaign check: ")


def test_cmp31_checker_still_runs_and_throttles_when_the_cache_is_unavailable(monkeypatch, caplog):
    """Without a working cache (no `createcachetable` yet) the lock and throttle are per process."""

    class BrokenCache:
        def add(self, *args, **kwargs):
            raise RuntimeError("no such table: patt_cache")

        def delete(self, *args, **kwargs):
            raise RuntimeError("no such table: patt_cache")

    monkeypatch.setattr(lifecycle, "cache", BrokenCache())
    monkeypatch.setattr(lifecycle, "_process_warned", {})
    ready, short = due_draft(), due_draft(entries=1)
    with caplog.at_level(logging.WARNING, logger="campaigns.lifecycle"):
        first = check_campaign_status()
        second = check_campaign_status()
    assert (first.activated, first.not_ready, second.not_ready) == (1, 1, 1)
    ready.refresh_from_db()
    assert ready.status == CampaignStatus.LIVE
    assert sum("was due to start" in r.getMessage() for r in caplog.records) == 1
    assert short.status == CampaignStatus.DRAFT
