"""CMP-14 and CMP-58: the campaign page once it has left draft — read-only, stats, receipts
(who and when, never what), "Not voted yet", the agent log, never live standings."""

import pytest

from campaigns.models import (
    AgentEvent,
    AgentPostStatus,
    BallotReceipt,
    Campaign,
    ContestAgentLog,
)
from campaigns.services.lifecycle import archive, close_campaign
from tests.campaigns.admin.helpers import change_url, vote
from tests.campaigns.factories import CampaignFactory, live_campaign, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def race(officer):
    """A live campaign: 2 of 5 eligible voted (the acting officer is one of the five)."""
    campaign = live_campaign(entries=3, title="Art")
    vet1, vet2 = (
        member("Veteran", display_name="Vet One"),
        member("Veteran", display_name="Vet Two"),
    )
    member("Veteran", display_name="Vet Three")
    member("Guild Leader", display_name="Gwen")
    member("Member", display_name="Mem")  # not eligible
    vote(campaign, vet1, ["A", "B", "C"])
    vote(campaign, vet2, ["B", "A", "C"])
    return campaign


def test_cmp14_live_page_is_read_only_under_the_locked_heading(officer_client, race):
    page = officer_client.get(change_url(race))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Settings locked while live." in html
    assert 'name="_save"' not in html
    assert 'name="title"' not in html
    adminform = page.context["adminform"]
    assert set(adminform.readonly_fields) >= {"title", "picks_per_voter", "start_at"}


def test_cmp10_cmp14_posting_to_a_live_campaign_changes_nothing(officer_client, race):
    response = officer_client.post(change_url(race), {"title": "Hacked"})
    assert response.status_code == 403
    race.refresh_from_db()
    assert race.title == "Art"


def test_cmp14_closed_and_archived_headings(officer_client):
    campaign = live_campaign(entries=3)
    close_campaign(campaign, reason="manual")
    assert (
        "Settings locked while closed." in officer_client.get(change_url(campaign)).content.decode()
    )
    archive(campaign)
    assert (
        "Settings locked while archived."
        in officer_client.get(change_url(campaign)).content.decode()
    )


def test_cmp14_stats_line(officer_client, race):
    html = officer_client.get(change_url(race)).content.decode()
    assert "2 of 5 eligible members voted (40.0%)" in html


def test_cmp14_receipts_show_who_and_when_never_what(officer_client, race):
    page = officer_client.get(change_url(race))
    receipts = next(
        inline
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model.__name__ == "BallotReceipt"
    )
    assert receipts.opts.fields == ("player", "voted_at")
    assert not receipts.has_add_permission and not receipts.has_delete_permission
    html = page.content.decode()
    assert "Vet One" in html and "Vet Two" in html
    for ballot in race.ballots.all():
        assert str(ballot.pk) not in html
    assert "1. A" not in html and " pts<" not in html


def test_cmp14_not_voted_yet_lists_eligible_players_without_a_receipt(officer_client, race):
    page = officer_client.get(change_url(race))
    names = [player.display_name for player in page.context["not_voted"]]
    assert names == ["Gwen", "Officer Olga", "Vet Three"]
    html = page.content.decode()
    assert "Not voted yet" in html
    assert "Mem (" not in html


def test_cmp14_never_shows_standings_while_live(officer_client, race):
    html = officer_client.get(change_url(race)).content.decode()
    assert "Final results" not in html
    assert "campaign-results" not in html
    assert "🥇" not in html


def test_cmp14_closed_page_shows_final_results(officer_client, race):
    close_campaign(race, reason="manual")
    html = officer_client.get(change_url(race)).content.decode()
    assert "Final results" in html
    assert "🥇= A — 5 pts (winner)" in html
    assert "2 of 5 eligible members voted (40.0%)" in html


def test_cmp14_view_page_link(officer_client, race):
    html = officer_client.get(change_url(race)).content.decode()
    assert f'<a href="/vote/{race.pk}" class="viewsitelink">View page</a>' in html


def test_cmp14_draft_page_has_view_page_link_and_no_locked_heading(officer_client):
    draft = CampaignFactory()
    html = officer_client.get(change_url(draft)).content.decode()
    assert f'href="/vote/{draft.pk}"' in html
    assert "Settings locked" not in html
    assert "Not voted yet" not in html


def test_cmp58_agent_log_is_a_read_only_inline(officer_client, race):
    ContestAgentLog.objects.create(
        campaign=race,
        event_type=AgentEvent.FIRST_VOTE,
        status=AgentPostStatus.POSTED,
        message="The first ballot is in!",
        discord_message_id="123",
    )
    ContestAgentLog.objects.create(
        campaign=race,
        event_type=AgentEvent.MILESTONE_50,
        status=AgentPostStatus.FAILED,
        error="403 Missing Permissions",
    )
    page = officer_client.get(change_url(race))
    log = next(
        inline
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model is ContestAgentLog
    )
    assert not log.has_add_permission and not log.has_change_permission
    assert not log.has_delete_permission
    html = page.content.decode()
    assert "The first ballot is in!" in html and "403 Missing Permissions" in html


def test_cmp9_change_page_closes_a_due_campaign_first(officer_client, race):
    from datetime import timedelta

    from django.utils import timezone

    Campaign.objects.filter(pk=race.pk).update(
        start_at=timezone.now() - timedelta(hours=10), end_at=timezone.now() - timedelta(minutes=1)
    )
    html = officer_client.get(change_url(race)).content.decode()
    race.refresh_from_db()
    assert race.status == Campaign.Status.CLOSED
    assert "Settings locked while closed." in html


@pytest.mark.parametrize("secret", [False, True], ids=["public", "secret"])
@pytest.mark.parametrize("size", [10, 200])
def test_cmp14_page_queries_do_not_grow_with_receipts(
    officer_client, django_assert_max_num_queries, size, secret
):
    campaign = live_campaign(entries=3, secret_ballot=secret)
    for index in range(size):
        player = member("Veteran")
        if index % 2:
            vote(campaign, player, ["A", "B", "C"])
    ContestAgentLog.objects.create(
        campaign=campaign, event_type=AgentEvent.CAMPAIGN_LAUNCH, status=AgentPostStatus.POSTED
    )
    # +1: the bot status in the admin header (issue 13, BOT-3); +1: the worker status (issue 16).
    with django_assert_max_num_queries(17):
        response = officer_client.get(change_url(campaign))
    assert response.status_code == 200


def test_cmp14_cmp22_secret_voters_listed_by_name_alphabetically_without_times(officer_client):
    """Issue 11 item 5: names only, alphabetical, no times, no receipt ids (vote order)."""
    campaign = live_campaign(entries=3, title="Secret", secret_ballot=True)
    zed, amy = member("Veteran", display_name="Zed"), member("Veteran", display_name="Amy")
    member("Veteran", display_name="Kim")
    vote(campaign, zed, ["A", "B", "C"])
    vote(campaign, amy, ["B", "A", "C"])
    page = officer_client.get(change_url(campaign))
    html = page.content.decode()
    assert page.context["voted_names"] == ["Amy", "Zed"]  # Zed voted first
    models = [inline.formset.model for inline in page.context["inline_admin_formsets"]]
    assert BallotReceipt not in models
    assert "voted at" not in html.lower()
    assert "receipts-" not in html  # no inline rows, so no hidden receipt ids
    assert "Amy" in html and "Zed" in html
    assert "Kim" in [player.display_name for player in page.context["not_voted"]]


def test_cmp14_public_campaign_keeps_who_and_when(officer_client):
    campaign = live_campaign(title="Open vote")
    voter = member("Veteran", display_name="Amy")
    member("Veteran")
    vote(campaign, voter, ["A", "B", "C"])
    page = officer_client.get(change_url(campaign))
    models = [inline.formset.model for inline in page.context["inline_admin_formsets"]]
    assert BallotReceipt in models
    assert "voted_names" not in page.context
