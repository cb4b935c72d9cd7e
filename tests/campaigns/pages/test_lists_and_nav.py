"""`/campaigns` (CMP-36), the landing page's campaign sections (ACC-47, CMP-35) and the
"Vote" navigation item (ACC-45)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.context_processors import nav_vote
from campaigns.landing import short_description
from campaigns.models import Campaign
from tests.campaigns.factories import CampaignFactory, live_campaign, member
from tests.campaigns.pages.support import archive, close, vote
from tests.factories import UserFactory, rank

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def ends_in(campaign, hours):
    start = timezone.now() - timedelta(hours=1)
    Campaign.objects.filter(pk=campaign.pk).update(
        start_at=start, end_at=timezone.now() + timedelta(hours=hours)
    )


# --- CMP-36 /campaigns ------------------------------------------------------------------------


def test_cmp36_empty_list_says_no_campaigns_yet(client):
    response = client.get("/campaigns")
    assert response.status_code == 200
    assert "No campaigns yet." in text(response)


def test_cmp36_sections_order_and_visibility(client):
    later = live_campaign(title="Ends later")
    sooner = live_campaign(title="Ends sooner")
    ends_in(later, 50)
    ends_in(sooner, 5)
    CampaignFactory(title="A draft")
    old = close(live_campaign(title="Old result"))
    Campaign.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=2))
    new = live_campaign(title="New result", early_close_if_all_voted=False)
    vote(new, member("Veteran"), "B", "A", "C")
    close(new)
    archive(close(live_campaign(title="Archived one")))
    CampaignFactory(title="Hidden live", min_rank_to_view=rank("Officer"))

    body = text(client.get("/campaigns"))
    assert "Voting now" in body and "Results" in body
    assert "Drafts" not in body and "A draft" not in body
    assert "Archived one" not in body
    assert body.index("Ends sooner") < body.index("Ends later")
    assert body.index("New result") < body.index("Old result")
    assert "Winner" in body and ">B</span>" in body
    assert "No votes were cast" in body

    client.force_login(member("Officer").user)
    body = text(client.get("/campaigns"))
    assert "Drafts" in body and "A draft" in body
    assert "Archived one" not in body


def test_cmp35_view_gate_hides_campaigns_from_lists(client):
    hidden = live_campaign(title="Officers only", min_rank_to_view=rank("Officer"))
    assert "Officers only" not in text(client.get("/campaigns"))
    client.force_login(member("Veteran").user)
    assert "Officers only" not in text(client.get("/campaigns"))
    client.force_login(member("Officer").user)
    assert "Officers only" in text(client.get("/campaigns"))
    assert hidden.pk


def test_cmp36_results_are_capped_at_50(client):
    campaign = live_campaign()
    for index in range(51):
        Campaign.objects.filter(pk=campaign.pk).update(title=f"Result {index:02d}")
        campaign.refresh_from_db()
        close(campaign)
        campaign = live_campaign()
    body = text(client.get("/campaigns"))
    assert body.count('class="card result-card"') == 50


def test_cmp36_list_queries_constant(client, django_assert_max_num_queries):
    client.force_login(member("Officer").user)

    def count():
        client.get("/campaigns")
        with CaptureQueriesContext(connection) as captured:
            client.get("/campaigns")
        return len(captured)

    live_campaign()
    close(live_campaign())
    CampaignFactory()
    small = count()
    for _ in range(5):
        live_campaign()
        vote(live_campaign(early_close_if_all_voted=False), member("Veteran"), "A", "B", "C")
        CampaignFactory()
    for _ in range(5):
        close(live_campaign())
    assert count() == small
    with django_assert_max_num_queries(10):
        client.get("/campaigns")


# --- ACC-47 landing page cards ----------------------------------------------------------------


def test_acc47_active_vote_card_buttons_per_viewer(client):
    campaign = live_campaign(title="Portraits", description="x" * 150)
    body = text(client.get("/"))
    assert "Portraits" in body
    assert "x" * 100 + "…" in body and "x" * 101 not in body
    assert "5 entries" in body
    assert "data-countdown=" in body
    assert f'href="/accounts/login/?next=/vote/{campaign.pk}">Sign in to vote</a>' in body

    client.force_login(member("Member").user)
    assert f'href="/vote/{campaign.pk}">View entries</a>' in text(client.get("/"))

    veteran = member("Veteran")
    member("Veteran")
    client.force_login(veteran.user)
    assert f'href="/vote/{campaign.pk}">Vote now</a>' in text(client.get("/"))
    vote(campaign, veteran, "A", "B", "C")
    assert f'href="/vote/{campaign.pk}">You voted ✓ — see standings</a>' in text(client.get("/"))


def test_acc47_no_live_campaigns_message(client):
    assert "No active votes right now." in text(client.get("/"))


def test_acc47_recent_results_three_newest_with_winners(client):
    titles = []
    for index in range(4):
        campaign = live_campaign(title=f"Closed {index}", early_close_if_all_voted=False)
        if index == 3:
            vote(campaign, member("Veteran"), "A", "B", "C")
            vote(campaign, member("Veteran"), "B", "A", "D")
        close(campaign)
        Campaign.objects.filter(pk=campaign.pk).update(
            closed_at=timezone.now() - timedelta(hours=10 - index)
        )
        titles.append(campaign.title)
    archive(close(live_campaign(title="Archived result")))
    body = text(client.get("/"))
    assert "Recent results" in body
    assert "Closed 0" not in body and "Archived result" not in body
    assert body.index("Closed 3") < body.index("Closed 2") < body.index("Closed 1")
    assert "Co-winners" in body
    assert "No votes were cast" in body
    assert "View results" in body


def test_acc47_recent_results_hidden_when_none(client):
    assert "Recent results" not in text(client.get("/"))


def test_cmp9_lists_close_a_live_campaign_past_its_end(client):
    campaign = live_campaign(title="Overdue", duration_hours=2)
    Campaign.objects.filter(pk=campaign.pk).update(end_at=timezone.now() - timedelta(seconds=1))
    body = text(client.get("/"))
    campaign.refresh_from_db()
    assert campaign.status == "closed"
    assert "No active votes right now." in body
    assert "Overdue" in body  # now a recent result


def test_short_description_cuts_at_100_characters():
    assert short_description("short") == "short"
    assert short_description("a" * 100) == "a" * 100
    assert short_description("a" * 101) == "a" * 100 + "…"


def test_acc48_landing_queries_do_not_grow_with_campaigns(client):
    client.force_login(member("Veteran").user)

    def count():
        client.get("/")
        with CaptureQueriesContext(connection) as captured:
            client.get("/")
        return len(captured)

    live_campaign()
    close(live_campaign())
    small = count()
    for _ in range(6):
        vote(live_campaign(early_close_if_all_voted=False), member("Veteran"), "A", "B", "C")
        close(live_campaign())
    assert count() == small


# --- ACC-45 the Vote item ---------------------------------------------------------------------


def _nav(body: str) -> str:
    match = re.search(r'<a class="nav-link nav-vote" href="([^"]+)"[^>]*>(.*?)</a>', body)
    return match.groups() if match else None


def test_acc45_vote_item_points_at_the_live_campaign_ending_soonest(client):
    later = live_campaign()
    sooner = live_campaign()
    ends_in(later, 50)
    ends_in(sooner, 2)
    url, label = _nav(text(client.get("/campaigns")))
    assert url == f"/vote/{sooner.pk}"
    assert "nav-dot" not in label  # anonymous: no dot


def test_acc45_vote_item_dot_until_the_viewer_votes(client):
    campaign = live_campaign()
    veteran = member("Veteran")
    member("Veteran")
    client.force_login(veteran.user)
    _, label = _nav(text(client.get(f"/vote/{campaign.pk}")))
    assert "nav-dot" in label
    vote(campaign, veteran, "A", "B", "C")
    _, label = _nav(text(client.get(f"/vote/{campaign.pk}")))
    assert "nav-dot" not in label
    client.force_login(member("Member").user)
    _, label = _nav(text(client.get("/")))
    assert "nav-dot" not in label


def test_acc45_no_vote_item_without_a_visible_live_campaign(client):
    CampaignFactory()
    close(live_campaign())
    live_campaign(min_rank_to_view=rank("Officer"))
    assert _nav(text(client.get("/campaigns"))) is None


def test_acc45_nav_vote_is_lazy_no_query_until_read(django_assert_num_queries):
    live_campaign()
    request = RequestFactory().get("/admin/")
    request.user = UserFactory()
    with django_assert_num_queries(0):
        context = nav_vote(request)
    with django_assert_num_queries(2):  # the Player (none here), the campaign
        assert context["nav_vote"].url.startswith("/vote/")
