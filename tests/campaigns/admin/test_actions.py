"""CMP-15 actions (changelist and change-page buttons, behind confirm pages) and CMP-10 deletes."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from campaigns.models import Campaign, CampaignEntry
from campaigns.services.lifecycle import archive, close_campaign, next_full_hour_plus_24h
from patt.templatetags.patt_tags import utc_text
from tests.campaigns.admin.helpers import (
    action_url,
    change_url,
    changelist_url,
    delete_url,
    messages_of,
    run_action,
)
from tests.campaigns.factories import CampaignFactory, EntryFactory, live_campaign

pytestmark = pytest.mark.django_db


def draft_with_entries(count=3, **kwargs):
    campaign = CampaignFactory(**kwargs)
    for index in range(count):
        EntryFactory(campaign=campaign, name=f"E{index}")
    return campaign


def closed(**kwargs):
    campaign = live_campaign(entries=3, **kwargs)
    close_campaign(campaign, reason="manual")
    campaign.refresh_from_db()
    return campaign


def archived(**kwargs):
    campaign = closed(**kwargs)
    archive(campaign)
    campaign.refresh_from_db()
    return campaign


def status_of(campaign) -> str:
    return Campaign.objects.values_list("status", flat=True).get(pk=campaign.pk)


# --- confirm pages ----------------------------------------------------------------------


def test_cmp15_changelist_action_shows_a_confirm_page_before_doing_anything(officer_client):
    draft = draft_with_entries(title="Art", duration_hours=48)
    response = run_action(officer_client, "activate_now", [draft], confirm=False)
    assert response.status_code == 200
    html = response.content.decode()
    assert "It becomes visible to members immediately and voting closes" in html
    assert 'name="post" value="yes"' in html and "csrfmiddlewaretoken" in html
    assert status_of(draft) == "draft"


def test_cmp15_activate_confirm_text_names_the_end(officer_client):
    draft = draft_with_entries(duration_hours=48)
    html = officer_client.get(action_url(draft, "activate_now")).content.decode()
    end = timezone.now() + timedelta(hours=48)
    assert (
        f"It becomes visible to members immediately and voting closes {utc_text(end)}." in html
        or f"voting closes {utc_text(end - timedelta(minutes=1))}." in html
    )
    assert status_of(draft) == "draft"


def test_cmp15_close_confirm_text(officer_client):
    campaign = live_campaign(entries=3)
    html = officer_client.get(action_url(campaign, "close_now")).content.decode()
    assert "Results are calculated immediately and are final." in html
    assert status_of(campaign) == "live"


# --- Activate now -----------------------------------------------------------------------


def test_cmp15_activate_now_from_the_changelist(officer_client):
    draft = draft_with_entries(title="Art", duration_hours=48)
    before = timezone.now()
    response = run_action(officer_client, "activate_now", [draft])
    draft.refresh_from_db()
    assert draft.status == "live"
    assert draft.start_at >= before - timedelta(seconds=1)
    assert draft.end_at == draft.start_at + timedelta(hours=48)
    assert messages_of(response) == [f"“Art” is now live. Voting closes {utc_text(draft.end_at)}."]


def test_cmp15_activate_refused_when_already_live(officer_client):
    campaign = live_campaign(entries=3, title="Art")
    response = run_action(officer_client, "activate_now", [campaign])
    assert messages_of(response) == ["“Art” is already live; cannot activate."]


def test_cmp15_activate_refused_without_enough_entries(officer_client):
    draft = draft_with_entries(count=2, title="Art", picks_per_voter=3)
    response = run_action(officer_client, "activate_now", [draft])
    assert messages_of(response) == [
        "“Art” needs at least 3 entries before it can go live (it has 2)."
    ]
    assert status_of(draft) == "draft"


def test_cmp15_one_message_per_selected_campaign(officer_client):
    ready = draft_with_entries(title="Ready")
    short = draft_with_entries(count=1, title="Short")
    running = live_campaign(entries=3, title="Running")
    response = run_action(officer_client, "activate_now", [ready, short, running])
    texts = messages_of(response)
    assert len(texts) == 3
    assert any(text.startswith("“Ready” is now live.") for text in texts)
    assert "“Short” needs at least 3 entries before it can go live (it has 1)." in texts
    assert "“Running” is already live; cannot activate." in texts


# --- Close now --------------------------------------------------------------------------


def test_cmp15_close_now(officer_client):
    campaign = live_campaign(entries=3, title="Art")
    response = run_action(officer_client, "close_now", [campaign])
    assert messages_of(response) == ["“Art” closed. Results are final."]
    campaign.refresh_from_db()
    assert campaign.status == "closed" and campaign.close_reason == "manual"
    assert campaign.results.count() == 3


def test_cmp15_close_refused_unless_live(officer_client):
    draft = draft_with_entries(title="Art")
    response = run_action(officer_client, "close_now", [draft])
    assert messages_of(response) == ["“Art” is draft; only live campaigns can be closed."]
    assert status_of(draft) == "draft"


# --- Archive / Unarchive ----------------------------------------------------------------


def test_cmp15_archive_and_unarchive(officer_client):
    campaign = closed(title="Art")
    assert messages_of(run_action(officer_client, "archive", [campaign])) == ["“Art” archived."]
    assert status_of(campaign) == "archived"
    officer_client.get(changelist_url())  # shows (and so consumes) the message
    # Archived campaigns are listed (and so selectable) only under the archived filter.
    response = run_action(officer_client, "unarchive", [campaign], query="?status=archived")
    assert messages_of(response) == ["“Art” restored."]
    assert status_of(campaign) == "closed"


def test_cmp15_archive_refused_unless_closed(officer_client):
    campaign = live_campaign(entries=3, title="Art")
    response = run_action(officer_client, "archive", [campaign])
    assert messages_of(response) == ["Only closed campaigns can be archived."]
    assert status_of(campaign) == "live"


def test_cmp15_unarchive_refused_unless_archived(officer_client):
    campaign = closed(title="Art")
    response = run_action(officer_client, "unarchive", [campaign])
    assert messages_of(response) == ["“Art” is not archived."]


# --- Duplicate as draft -----------------------------------------------------------------


def test_cmp15_duplicate_as_draft(officer, officer_client):
    campaign = closed(title="Art", secret_ballot=True, agent_chattiness="hype")
    response = run_action(officer_client, "duplicate_as_draft", [campaign])
    assert messages_of(response) == ["Created draft “Art (copy)”."]
    copy = Campaign.objects.get(title="Art (copy)")
    assert copy.status == "draft"
    assert copy.secret_ballot and copy.agent_chattiness == "hype"
    assert copy.start_at == next_full_hour_plus_24h()
    assert copy.created_by == officer.player
    assert sorted(copy.entries.values_list("name", flat=True)) == ["A", "B", "C"]


# --- change-page buttons ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "labels"),
    [
        (draft_with_entries, ["Activate now", "Duplicate as draft"]),
        (lambda: live_campaign(entries=3), ["Close now", "Duplicate as draft"]),
        (closed, ["Archive", "Duplicate as draft"]),
        (archived, ["Unarchive", "Duplicate as draft"]),
    ],
)
def test_cmp15_change_page_buttons_follow_the_status(officer_client, make, labels):
    campaign = make()
    page = officer_client.get(change_url(campaign))
    assert [action.label for action, _ in page.context["campaign_buttons"]] == labels
    html = page.content.decode()
    for _action, url in page.context["campaign_buttons"]:
        assert f'href="{url}"' in html


def test_cmp15_button_confirm_then_post_runs_the_action(officer_client):
    campaign = live_campaign(entries=3, title="Art")
    confirm = officer_client.get(action_url(campaign, "close_now"))
    assert confirm.status_code == 200
    assert 'method="post"' in confirm.content.decode()
    assert status_of(campaign) == "live"
    response = officer_client.post(action_url(campaign, "close_now"))
    assert response.status_code == 302 and response.url == change_url(campaign)
    assert messages_of(response) == ["“Art” closed. Results are final."]
    assert status_of(campaign) == "closed"


def test_cmp15_button_post_needs_the_csrf_token(officer):
    campaign = live_campaign(entries=3)
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    assert client.post(action_url(campaign, "close_now")).status_code == 403
    assert status_of(campaign) == "live"
    page = client.get(action_url(campaign, "close_now"))
    token = page.context["csrf_token"]
    assert client.post(action_url(campaign, "close_now"), {"csrfmiddlewaretoken": str(token)})
    assert status_of(campaign) == "closed"


def test_cmp15_unknown_action_is_a_404(officer_client):
    draft = draft_with_entries()
    assert officer_client.get(action_url(draft, "explode")).status_code == 404


def test_cmp15_buttons_are_refused_to_non_officers(member_client):
    campaign = live_campaign(entries=3)
    assert member_client.post(action_url(campaign, "close_now")).status_code == 403
    assert status_of(campaign) == "live"


# --- CMP-10 deletes ---------------------------------------------------------------------


def test_cmp10_draft_can_be_deleted(officer_client):
    draft = draft_with_entries()
    response = officer_client.post(delete_url(draft), {"post": "yes"})
    assert response.status_code == 302
    assert not Campaign.objects.filter(pk=draft.pk).exists()
    assert not CampaignEntry.objects.exists()


def test_cmp10_deleting_a_closed_campaign_is_refused_with_the_message(officer_client):
    campaign = closed()
    for method in (officer_client.get, officer_client.post):
        response = method(delete_url(campaign), {"post": "yes"})
        assert response.status_code == 302 and response.url == change_url(campaign)
        assert messages_of(response) == [
            "Only draft campaigns can be deleted; archive closed ones instead."
        ]
        officer_client.get(response.url)  # shows (and so consumes) the message
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_cmp10_bulk_delete_refuses_when_any_campaign_left_draft(officer_client):
    draft = draft_with_entries()
    campaign = live_campaign(entries=3, title="Running")
    response = run_action(officer_client, "delete_selected", [draft, campaign])
    assert messages_of(response) == [
        "“Running”: Only draft campaigns can be deleted; archive closed ones instead."
    ]
    assert Campaign.objects.count() == 2


def test_cmp10_bulk_delete_of_drafts(officer_client):
    drafts = [draft_with_entries(), draft_with_entries()]
    response = run_action(officer_client, "delete_selected", drafts)
    assert response.status_code == 302
    assert not Campaign.objects.exists()


def test_cmp10_locked_page_has_no_delete_link(officer_client):
    campaign = closed()
    html = officer_client.get(change_url(campaign)).content.decode()
    assert delete_url(campaign) not in html
    assert changelist_url()
