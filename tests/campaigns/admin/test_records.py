"""CMP-16 ballots (view-only, secret ones never listed), CMP-58 agent log list, officer access."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from campaigns.models import (
    AgentEvent,
    AgentPostStatus,
    Ballot,
    Campaign,
    ContestAgentLog,
)
from campaigns.services.lifecycle import close_campaign
from tests.campaigns.admin.helpers import change_url, changelist_url, vote
from tests.campaigns.factories import live_campaign, member

pytestmark = pytest.mark.django_db

BALLOTS = "admin:campaigns_ballot_changelist"
LOGS = "admin:campaigns_contestagentlog_changelist"


def ballot_url(ballot) -> str:
    return reverse("admin:campaigns_ballot_change", args=[ballot.pk])


@pytest.fixture
def two_campaigns():
    """An open vote with Alice's ballot and a secret vote with Sam's."""
    public = live_campaign(entries=3, title="Open vote")
    secret = live_campaign(entries=3, title="Secret vote", secret_ballot=True)
    alice = member("Veteran", display_name="Alice")
    sam = member("Veteran", display_name="Sam Secret")
    return {
        "public": public,
        "secret": secret,
        "open_ballot": vote(public, alice, ["B", "C", "A"]),
        "secret_ballot": vote(secret, sam, ["C", "A", "B"]),
    }


def test_cmp16_non_secret_ballots_are_listed_with_campaign_voter_time_and_picks(
    superuser_client, two_campaigns
):
    response = superuser_client.get(reverse(BALLOTS))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [two_campaigns["open_ballot"]]
    html = response.content.decode()
    assert "Open vote" in html and "Alice" in html
    assert "1. B, 2. C, 3. A" in html


def test_cmp16_cmp22_secret_campaigns_have_no_ballots_to_list(superuser_client, two_campaigns):
    """A secret vote stores no Ballot row at all (issue 11 item 5), so the ballot admin has
    nothing of it — not in the list, not in the campaign filter's choices."""
    assert two_campaigns["secret_ballot"] is None
    assert not Ballot.objects.filter(campaign=two_campaigns["secret"]).exists()
    listing = superuser_client.get(reverse(BALLOTS))
    html = listing.content.decode()
    assert "Secret vote" not in html and "Sam Secret" not in html
    assert "1. C, 2. A, 3. B" not in html
    assert list(listing.context["cl"].result_list) == [two_campaigns["open_ballot"]]


def test_cmp16_cmp20_ballot_admin_is_view_only_for_superusers_too(superuser_client, two_campaigns):
    ballot = two_campaigns["open_ballot"]
    assert superuser_client.get(reverse("admin:campaigns_ballot_add")).status_code == 403
    page = superuser_client.get(ballot_url(ballot))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert superuser_client.post(ballot_url(ballot), {}).status_code == 403
    delete = reverse("admin:campaigns_ballot_delete", args=[ballot.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    actions = (
        superuser_client.get(reverse(BALLOTS))
        .context["cl"]
        .model_admin.get_actions(superuser_client.get(reverse(BALLOTS)).wsgi_request)
    )
    assert "delete_selected" not in actions
    assert Ballot.objects.filter(pk=ballot.pk).exists()


def _admin_links(html: str) -> set[str]:
    return {link for link in re.findall(r'href="(/admin/[^"#?]*)"', html) if "logout" not in link}


def test_cmp22_no_admin_page_ever_shows_who_picked_what_in_a_secret_ballot(
    superuser_client, officer_client, two_campaigns
):
    """Crawl every admin page reachable from the index (lists and the rows they link to)."""
    secret = two_campaigns["secret"]
    close_campaign(two_campaigns["public"], reason="manual")
    close_campaign(secret, reason="manual")
    pick_line = re.compile(r"1\. C, 2\. A, 3\. B")
    for client in (superuser_client, officer_client):
        seen: set[str] = set()
        queue = [reverse("admin:index"), changelist_url(), change_url(secret)]
        queue += [reverse(BALLOTS), reverse(LOGS)]
        while queue and len(seen) < 400:
            url = queue.pop()
            if url in seen or "/delete/" in url or "/action/" in url or "logout" in url:
                continue
            seen.add(url)
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            html = response.content.decode()
            assert not pick_line.search(html), url
            if "/campaigns/" in url or url == reverse("admin:index"):
                queue.extend(_admin_links(html) - seen)
        assert change_url(secret) in seen


def test_cmp58_agent_log_list_is_read_only_with_filters(superuser_client):
    campaign = live_campaign(entries=3, title="Art")
    other = live_campaign(entries=3, title="Other")
    ContestAgentLog.objects.create(
        campaign=campaign, event_type=AgentEvent.CAMPAIGN_LAUNCH, status=AgentPostStatus.POSTED
    )
    ContestAgentLog.objects.create(
        campaign=campaign,
        event_type=AgentEvent.FIRST_VOTE,
        status=AgentPostStatus.FAILED,
        error="429 rate limited",
    )
    ContestAgentLog.objects.create(
        campaign=other, event_type=AgentEvent.CAMPAIGN_LAUNCH, status=AgentPostStatus.POSTED
    )

    def rows(query=""):
        response = superuser_client.get(reverse(LOGS) + query)
        assert response.status_code == 200
        return list(response.context["cl"].result_list)

    assert len(rows()) == 3
    assert len(rows(f"?campaign__id__exact={campaign.pk}")) == 2
    assert len(rows("?event_type__exact=campaign_launch")) == 2
    assert [log.error for log in rows("?status__exact=failed")] == ["429 rate limited"]
    log = ContestAgentLog.objects.first()
    assert superuser_client.get(reverse("admin:campaigns_contestagentlog_add")).status_code == 403
    url = reverse("admin:campaigns_contestagentlog_change", args=[log.pk])
    assert 'name="_save"' not in superuser_client.get(url).content.decode()
    assert superuser_client.post(url, {}).status_code == 403


def test_cmp11_non_officer_gets_403_on_the_campaign_admin(member_client):
    live = live_campaign(entries=3)
    for url in (changelist_url(), change_url(live), reverse("admin:campaigns_campaign_add")):
        assert member_client.get(url).status_code == 403


def test_acc38_officers_manage_campaigns_and_only_view_ballots_receipts_and_logs(officer):
    perms = get_user_model().objects.get(pk=officer.pk).get_all_permissions()
    for action in ("add", "change", "delete", "view"):
        assert f"campaigns.{action}_campaign" in perms
        assert f"campaigns.{action}_campaignentry" in perms
    for model in ("ballot", "ballotreceipt", "contestagentlog"):
        assert f"campaigns.view_{model}" in perms
        assert f"campaigns.change_{model}" not in perms
        assert f"campaigns.delete_{model}" not in perms


def test_cmp16_ballot_list_queries_do_not_grow(superuser_client, django_assert_max_num_queries):
    campaign = live_campaign(entries=3)
    for _ in range(30):
        vote(campaign, member("Veteran"), ["A", "B", "C"])
    with django_assert_max_num_queries(12):
        response = superuser_client.get(reverse(BALLOTS))
    assert len(response.context["cl"].result_list) == 30
    assert Campaign.objects.count() == 1
