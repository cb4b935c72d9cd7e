"""CMP-11: the campaign changelist — columns, markers, filters, search, order, query count."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services.lifecycle import archive, close_campaign
from tests.campaigns.admin.helpers import changelist_url, listed, vote
from tests.campaigns.factories import CampaignFactory, EntryFactory, live_campaign, member

pytestmark = pytest.mark.django_db


def set_status(campaign, status, **fields):
    Campaign.objects.filter(pk=campaign.pk).update(status=status, **fields)
    campaign.refresh_from_db()
    return campaign


def test_cmp11_columns(officer_client):
    start = timezone.now() + timedelta(days=1)
    start = start.replace(minute=0, second=0, microsecond=0)
    CampaignFactory(title="Art", start_at=start, duration_hours=48, agent_chattiness="hype")
    html = officer_client.get(changelist_url()).content.decode()
    for header in ("Status", "Start (UTC)", "End (UTC)", "Duration", "Entries", "Votes"):
        assert f">{header}</a>" in html or f">{header}</span>" in html
    assert '<span class="campaign-status status-draft">Draft</span>' in html
    assert f"{start:%b} {start.day}, {start:%Y %H:%M}" in html
    end = start + timedelta(hours=48)
    assert f"{end:%b} {end.day}, {end:%Y %H:%M}" in html
    assert "48 h" in html
    assert "Hype — everything, including lead changes" in html


def test_cmp11_votes_column_counts_voted_and_eligible(officer_client):
    campaign = live_campaign(entries=3)
    voters = [member("Veteran") for _ in range(2)]
    member("Officer")
    member("Veteran", account=False)  # not eligible: no website account (CMP-28)
    member("Member")  # not eligible: rank too low
    for player in voters:
        vote(campaign, player, ["A", "B", "C"])
    response = officer_client.get(changelist_url())
    row = listed(response)[0]
    # eligible: the two voters, the Officer and the acting officer (Olga)
    assert response.context["cl"].model_admin.votes(row) == "2 / 4"
    assert '<td class="field-votes">2 / 4</td>' in response.content.decode()


def test_cmp11_cmp30_closed_campaign_votes_come_from_the_snapshot(officer_client):
    campaign = live_campaign(entries=3)
    voter = member("Veteran")
    vote(campaign, voter, ["A", "B", "C"])
    close_campaign(campaign, reason="manual")
    member("Veteran")  # eligible after the close: not counted
    admin = officer_client.get(changelist_url()).context["cl"].model_admin
    campaign.refresh_from_db()
    assert (campaign.voted_at_close, campaign.eligible_at_close) == (1, 2)
    assert admin.votes(Campaign.objects.get(pk=campaign.pk)) == "1 / 2"


def test_cmp11_draft_votes_column_is_a_dash(officer_client):
    CampaignFactory()
    response = officer_client.get(changelist_url())
    assert response.context["cl"].model_admin.votes(listed(response)[0]) == "—"


def test_cmp11_default_order_live_draft_closed_then_start_descending(officer_client):
    now = timezone.now()
    draft_late = CampaignFactory(title="draft late", start_at=now + timedelta(days=5))
    draft_soon = CampaignFactory(title="draft soon", start_at=now + timedelta(days=1))
    live = live_campaign(title="live", entries=3)
    closed = live_campaign(title="closed", entries=3)
    close_campaign(closed, reason="manual")
    gone = live_campaign(title="archived", entries=3)
    close_campaign(gone, reason="manual")
    archive(gone)
    titles = [c.title for c in listed(officer_client.get(changelist_url()))]
    assert titles == ["live", "draft late", "draft soon", "closed"]
    assert draft_late.pk and draft_soon.pk and live.pk


def test_cmp11_archived_campaigns_only_with_the_archived_filter(officer_client):
    gone = live_campaign(title="old", entries=3)
    close_campaign(gone, reason="manual")
    archive(gone)
    assert listed(officer_client.get(changelist_url())) == []
    assert [c.title for c in listed(officer_client.get(changelist_url() + "?status=archived"))] == [
        "old"
    ]
    assert listed(officer_client.get(changelist_url() + "?status=closed")) == []


def test_cmp11_filters_secret_ballot_agent_enabled_and_status(officer_client):
    CampaignFactory(title="secret", secret_ballot=True)
    CampaignFactory(title="quiet agent", agent_enabled=False)
    live_campaign(title="running", entries=3)

    def titles(query):
        return sorted(c.title for c in listed(officer_client.get(changelist_url() + query)))

    assert titles("?secret_ballot__exact=1") == ["secret"]
    assert titles("?agent_enabled__exact=0") == ["quiet agent"]
    assert titles("?status=live") == ["running"]
    assert titles("?status=draft") == ["quiet agent", "secret"]


def test_cmp11_search_by_title(officer_client):
    CampaignFactory(title="Profile Pic Contest")
    CampaignFactory(title="Mount of the month")
    found = listed(officer_client.get(changelist_url() + "?q=profile"))
    assert [c.title for c in found] == ["Profile Pic Contest"]


def test_cmp7_cmp11_warning_markers(officer_client):
    now = timezone.now()
    short = CampaignFactory(title="short")
    EntryFactory(campaign=short)
    ended = CampaignFactory(title="ended", duration_hours=1)
    for _ in range(3):
        EntryFactory(campaign=ended)
    fine = CampaignFactory(title="fine")
    Campaign.objects.filter(pk=short.pk).update(start_at=now - timedelta(hours=1))
    Campaign.objects.filter(pk=ended.pk).update(
        start_at=now - timedelta(hours=3), end_at=now - timedelta(hours=2)
    )
    response = officer_client.get(changelist_url())
    admin = response.context["cl"].model_admin
    markers = {c.title: str(admin.warnings(c)) for c in listed(response)}
    assert "⚠ start time passed — not enough entries" in markers["short"]
    assert "⚠ end time passed" in markers["ended"]
    assert markers["fine"] == ""
    html = response.content.decode()
    assert "⚠ start time passed — not enough entries" in html
    assert "⚠ end time passed" in html
    assert fine.pk


def test_cmp9_changelist_closes_live_campaigns_past_their_end(officer_client):
    campaign = live_campaign(entries=3)
    Campaign.objects.filter(pk=campaign.pk).update(
        start_at=timezone.now() - timedelta(hours=5), end_at=timezone.now() - timedelta(hours=1)
    )
    response = officer_client.get(changelist_url())
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CLOSED and campaign.close_reason == "time"
    assert [c.pk for c in listed(response)] == [campaign.pk]


def _fill(size: int) -> None:
    """`size` campaigns of every status and `size` receipts on a live one."""
    live = live_campaign(entries=3)
    for _ in range(size):
        vote(live, member("Veteran"), ["A", "B", "C"])
    for index in range(size):
        campaign = live_campaign(entries=3) if index % 3 else CampaignFactory()
        if index % 3 == 2:
            close_campaign(campaign, reason="manual")


@pytest.mark.parametrize("size", [10, 200])
def test_cmp11_changelist_queries_do_not_grow_with_campaigns_or_receipts(
    officer_client, django_assert_max_num_queries, size
):
    _fill(size)
    # +1: the bot status in the admin header (issue 13, BOT-3); +1: the worker status (issue 16).
    with django_assert_max_num_queries(12):
        response = officer_client.get(changelist_url())
    assert response.status_code == 200
    assert len(listed(response)) == min(size + 1, 100)
