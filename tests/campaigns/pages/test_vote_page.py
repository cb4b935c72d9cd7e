"""`/vote/<id>`: gate, viewer kinds, states, header, lazy close, ballot form (CMP-9, CMP-22,
CMP-33 … CMP-39)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Ballot, BallotReceipt, Campaign, CampaignEntry
from tests.campaigns.factories import CampaignFactory, EntryFactory, live_campaign, member
from tests.campaigns.pages.support import archive, bulk_members, close, entry, vote
from tests.factories import UserFactory, rank

pytestmark = pytest.mark.django_db


def page(client, campaign, user=None):
    if user is not None:
        client.force_login(user)
    return client.get(f"/vote/{campaign.pk}")


def text(response) -> str:
    return response.content.decode()


def form_data(campaign, *names):
    return {f"pick_{i}": str(entry(campaign, n).pk) for i, n in enumerate(names, start=1)}


# --- CMP-33 view gate -------------------------------------------------------------------


def test_cmp33_anonymous_failing_gate_is_sent_to_sign_in(client):
    campaign = live_campaign(min_rank_to_view=rank("Member"))
    response = page(client, campaign)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/vote/{campaign.pk}"


def test_cmp33_signed_in_failing_gate_gets_403_with_message(client):
    campaign = live_campaign(min_rank_to_view=rank("Veteran"))
    response = page(client, campaign, member("Member").user)
    assert response.status_code == 403
    assert "You don&#x27;t have permission to view this campaign." in text(response)


def test_cmp33_gate_passes_at_the_view_rank(client):
    campaign = live_campaign(min_rank_to_view=rank("Member"))
    assert page(client, campaign, member("Member").user).status_code == 200


# --- CMP-39 unknown campaign / anonymous POST ---------------------------------------------


def test_cmp39_unknown_campaign_is_a_404_page_saying_campaign_not_found(client):
    response = client.get("/vote/999999")
    assert response.status_code == 404
    assert "Campaign not found." in text(response)
    assert client.post("/vote/999999", {}).status_code == 404


def test_cmp39_anonymous_post_redirects_to_sign_in(client):
    campaign = live_campaign()
    response = client.post(f"/vote/{campaign.pk}", form_data(campaign, "A", "B", "C"))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/vote/{campaign.pk}"
    assert not BallotReceipt.objects.exists()


# --- CMP-34 what each viewer sees -----------------------------------------------------------


def test_cmp34_draft_is_coming_soon_without_entries_for_members(client):
    campaign = CampaignFactory(title="Portrait contest")
    EntryFactory(campaign=campaign, name="Hidden entry")
    body = text(page(client, campaign, member("Veteran").user))
    assert "Coming soon" in body
    assert "Voting opens" in body
    assert f'data-countdown="{campaign.start_at.strftime("%Y-%m-%dT%H:%M:%S")}Z"' in body
    assert "Hidden entry" not in body
    assert "Draft" in body
    # anonymous visitors too (public campaign)
    client.logout()
    body = text(page(client, campaign))
    assert "Coming soon" in body and "Hidden entry" not in body


def test_cmp34_officer_sees_read_only_entry_preview_of_a_draft(client):
    campaign = CampaignFactory()
    EntryFactory(campaign=campaign, name="Preview entry")
    body = text(page(client, campaign, member("Officer").user))
    assert "Coming soon" in body
    assert "Preview entry" in body
    assert "data-ballot" not in body


def test_cmp34_issue16_live_anonymous_sees_summary_entries_and_sign_in_prompt(client):
    """CMP-34's visitor view, with issue 16's change: the entries (pictures included) are shown
    read-only, so an art contest is seen before signing in; still no ballot, no standings."""
    campaign = live_campaign(title="Art vote", description="Pick the best art.")
    CampaignEntry.objects.filter(campaign=campaign, name="B").update(
        image_url="https://example.com/b.png"
    )
    voter = member("Veteran")
    member("Veteran")
    vote(campaign, voter, "A", "B", "C")
    body = text(page(client, campaign))
    assert "Art vote" in body and "Pick the best art." in body
    assert "data-countdown=" in body
    assert "5 entries" in body
    assert "1 of 2 eligible members have voted" in body
    assert "Sign in to vote." in body
    assert f'href="/accounts/login/?next=/vote/{campaign.pk}"' in body
    assert body.count('class="entry-card is-readonly"') == 5
    assert '<img src="https://example.com/b.png" alt="" loading="lazy"' in body
    assert "data-ballot" not in body
    assert "Live standings" not in body


def test_cmp34_cmp37_cannot_vote_rank_sees_entries_read_only_with_banner(client):
    campaign = live_campaign()
    body = text(page(client, campaign, member("Member").user))
    assert (
        "Your rank isn&#x27;t high enough to vote in this campaign (Veteran or higher can "
        "vote). You can still browse the entries." in body
    )
    assert 'class="entry-card is-readonly"' in body
    assert "data-ballot" not in body
    assert "Live standings" not in body


def test_cmp37_no_player_banner(client):
    campaign = live_campaign()
    body = text(page(client, campaign, UserFactory()))
    assert (
        "Your account isn&#x27;t linked to a guild member yet, so you can&#x27;t vote. "
        "Ask an officer." in body
    )
    assert 'class="entry-card is-readonly"' in body


def test_cmp34_cmp38_eligible_non_voter_gets_the_ballot_and_no_standings(client):
    campaign = live_campaign(entries=4)
    body = text(page(client, campaign, member("Veteran").user))
    assert "Pick your top 3 — choose entries in order." in body  # issue 16: no "click"
    assert "click" not in re.sub(r"<[^>]+>", " ", body)
    assert body.count('aria-pressed="false"') == 4
    assert 'data-picks-required="3"' in body
    assert "Submit vote" in body and "Clear" in body
    assert "Live standings" not in body


def test_cmp34_voter_sees_vote_is_in_own_picks_and_live_standings(client):
    campaign = live_campaign()
    voter = member("Veteran")
    member("Veteran")
    vote(campaign, voter, "B", "A", "C")
    body = text(page(client, campaign, voter.user))
    assert "Your vote is in!" in body
    assert re.search(r"1st</span>\s*B.*2nd</span>\s*A.*3rd</span>\s*C", body, re.S)
    assert "Live standings" in body
    assert "1 of 2 eligible members voted (50.0%)" in body
    assert "data-ballot" not in body


def test_cmp34_closed_everyone_sees_final_results_and_voter_own_picks(client):
    campaign = live_campaign()
    voter = member("Veteran")
    member("Veteran")
    vote(campaign, voter, "A", "B", "C")
    campaign = close(campaign, "manual")
    anonymous = text(page(client, campaign))
    assert "Final results" in anonymous
    assert "1 of 2 eligible members voted (50.0%)" in anonymous
    assert "Your picks" not in anonymous
    mine = text(page(client, campaign, voter.user))
    assert "Final results" in mine and "Your picks" in mine


def test_cmp35_archived_campaign_url_works_like_closed_with_badge(client):
    campaign = live_campaign()
    vote(campaign, member("Veteran"), "A", "B", "C")
    campaign = archive(close(campaign))
    response = page(client, campaign)
    assert response.status_code == 200
    body = text(response)
    assert "Final results" in body
    assert ">Archived</span>" in body


# --- CMP-37 header ---------------------------------------------------------------------------


def test_cmp37_header_live_badge_countdown_and_ranking_rule(client):
    campaign = live_campaign(picks_per_voter=3)
    body = text(page(client, campaign))
    assert ">Live</span>" in body
    assert "data-countdown-reload" in body
    assert 'data-countdown-done="Voting has ended"' in body
    assert (
        "Points: 1st = 3 … last = 1. Ties: most 1st places, then most 2nd places; still level "
        "= shared place." in body
    )


@pytest.mark.parametrize(
    ("reason", "note"),
    [
        ("time", None),
        ("all_voted", "(closed early — everyone voted)"),
        ("manual", "(closed by the officers)"),
    ],
)
def test_cmp37_closed_line_says_why(client, reason, note):
    campaign = close(live_campaign(), reason)
    body = text(page(client, campaign))
    assert ">Closed</span>" in body
    assert "Voting closed <time" in body
    for other in ("(closed early — everyone voted)", "(closed by the officers)"):
        assert (other in body) == (other == note)


# --- CMP-9 lazy close ----------------------------------------------------------------------


def test_cmp9_page_closes_a_campaign_past_its_end_before_answering(client):
    campaign = live_campaign(duration_hours=2)
    voter = member("Veteran")
    member("Veteran")
    vote(campaign, voter, "A", "B", "C")
    Campaign.objects.filter(pk=campaign.pk).update(
        start_at=timezone.now() - timedelta(hours=2), end_at=timezone.now() - timedelta(minutes=1)
    )
    body = text(page(client, campaign))
    campaign.refresh_from_db()
    assert campaign.status == "closed" and campaign.close_reason == "time"
    assert "Final results" in body


# --- CMP-39 the fallback form ----------------------------------------------------------------


def test_cmp39_fallback_form_has_n_selects_listing_every_entry_and_csrf(client):
    campaign = live_campaign(entries=5, picks_per_voter=3)
    body = text(page(client, campaign, member("Veteran").user))
    assert f'method="post" action="/vote/{campaign.pk}"' in body
    assert "csrfmiddlewaretoken" in body
    for number, label in ((1, "1st choice"), (2, "2nd choice"), (3, "3rd choice")):
        assert f'name="pick_{number}"' in body
        assert label in body
    assert 'name="pick_4"' not in body
    assert body.count(f'<option value="{entry(campaign, "E").pk}"') == 3


def test_cmp39_success_is_303_with_flash(client):
    campaign = live_campaign()
    voter = member("Veteran")
    member("Veteran")
    client.force_login(voter.user)
    response = client.post(f"/vote/{campaign.pk}", form_data(campaign, "C", "A", "B"))
    assert response.status_code == 303
    assert response["Location"] == f"/vote/{campaign.pk}"
    body = text(client.get(response["Location"]))
    assert "Your vote is in! Thanks for voting." in body
    picks = list(Ballot.objects.get().picks.values_list("rank", "entry__name"))
    assert picks == [(1, "C"), (2, "A"), (3, "B")]


def test_cmp39_refusal_rerenders_400_with_message_and_kept_selections(client):
    campaign = live_campaign()
    client.force_login(member("Veteran").user)
    data = form_data(campaign, "A", "B")
    response = client.post(f"/vote/{campaign.pk}", data)
    assert response.status_code == 400
    body = text(response)
    assert "Pick exactly 3 entries (you picked 2)." in body
    assert f'<option value="{data["pick_1"]}" selected>' in body
    assert f'<option value="{data["pick_2"]}" selected>' in body
    assert "data-ballot" in body
    assert not BallotReceipt.objects.exists()


def test_cmp39_duplicate_entry_and_garbage_values_are_clear_400s(client):
    campaign = live_campaign()
    client.force_login(member("Veteran").user)
    a = entry(campaign, "A").pk
    response = client.post(f"/vote/{campaign.pk}", {"pick_1": a, "pick_2": a, "pick_3": a})
    assert response.status_code == 400
    assert "Each entry can only be picked once." in text(response)
    response = client.post(f"/vote/{campaign.pk}", {"pick_1": "x", "pick_2": "1", "pick_3": "2"})
    assert response.status_code == 400
    assert "Invalid ballot format." in text(response)


def test_cmp39_second_vote_refused_with_cmp17_message(client):
    campaign = live_campaign()
    voter = member("Veteran")
    member("Veteran")
    vote(campaign, voter, "A", "B", "C")
    client.force_login(voter.user)
    response = client.post(f"/vote/{campaign.pk}", form_data(campaign, "C", "B", "A"))
    assert response.status_code == 400
    assert "You have already voted in this campaign. Votes can&#x27;t be changed." in text(response)
    assert BallotReceipt.objects.count() == 1


def test_cmp39_rank_too_low_post_refused(client):
    campaign = live_campaign()
    client.force_login(member("Member").user)
    response = client.post(f"/vote/{campaign.pk}", form_data(campaign, "A", "B", "C"))
    assert response.status_code == 400
    assert "Your rank (Member) can&#x27;t vote in this campaign — Veteran or higher can." in text(
        response
    )


def test_cmp39_post_to_a_draft_says_voting_has_not_opened(client):
    campaign = CampaignFactory()
    for name in "ABC":
        EntryFactory(campaign=campaign, name=name)
    client.force_login(member("Veteran").user)
    response = client.post(f"/vote/{campaign.pk}", form_data(campaign, "A", "B", "C"))
    assert response.status_code == 400
    assert "Voting hasn&#x27;t opened yet." in text(response)


def test_cmp39_last_vote_closing_early_shows_final_results(client):
    campaign = live_campaign()
    voter = member("Veteran")
    client.force_login(voter.user)
    response = client.post(f"/vote/{campaign.pk}", form_data(campaign, "A", "B", "C"), follow=True)
    body = text(response)
    assert "Your vote is in! Thanks for voting." in body
    assert "Final results" in body
    assert "(closed early — everyone voted)" in body


# --- CMP-22 secret ballots -------------------------------------------------------------------


def test_cmp22_secret_ballot_picks_shown_once_in_the_flash_then_never(client):
    campaign = live_campaign(secret_ballot=True)
    voter = member("Veteran")
    member("Veteran")
    client.force_login(voter.user)
    response = client.post(f"/vote/{campaign.pk}", form_data(campaign, "B", "C", "A"), follow=True)
    body = text(response)
    assert "Your vote is in! Thanks for voting. Your picks: 1st B, 2nd C, 3rd A." in body
    assert (
        "Your vote is in! This is a secret ballot, so your picks aren&#x27;t stored with your "
        "name." in body
    )
    again = text(client.get(f"/vote/{campaign.pk}"))
    assert "Your picks: 1st B" not in again
    assert "This is a secret ballot" in again
    assert 'class="my-picks"' not in again


# --- ACC-54: no inline scripts or styles ------------------------------------------------------


def test_acc54_vote_page_has_no_inline_script_or_style(client):
    campaign = live_campaign()
    voter = member("Veteran")
    member("Veteran")
    vote(campaign, voter, "A", "B", "C")
    for user in (None, voter.user, member("Veteran").user):
        if user is not None:
            client.force_login(user)
        body = text(client.get(f"/vote/{campaign.pk}"))
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
        assert "<style" not in body
        assert not re.search(r"\sstyle=", body)
        assert not re.search(r"\son[a-z]+=", body)


# --- constant queries ------------------------------------------------------------------------


def _count_queries(client, campaign, django_assert_max_num_queries):
    """Queries of one GET, after a first GET has warmed the per-process SiteConfig cache."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(f"/vote/{campaign.pk}")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/vote/{campaign.pk}")
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("viewer_kind", ["voter", "eligible", "anonymous"])
def test_vote_page_queries_do_not_grow_with_the_guild(
    client, viewer_kind, django_assert_max_num_queries
):
    campaign = live_campaign(entries=8)
    voter = member("Veteran")
    vote(campaign, voter, "A", "B", "C")
    if viewer_kind == "voter":
        client.force_login(voter.user)
    elif viewer_kind == "eligible":
        client.force_login(member("Veteran").user)
    bulk_members(10, prefix="small")
    small = _count_queries(client, campaign, django_assert_max_num_queries)
    bulk_members(1000, prefix="large")
    large = _count_queries(client, campaign, django_assert_max_num_queries)
    assert small == large
    with django_assert_max_num_queries(14):
        client.get(f"/vote/{campaign.pk}")


def test_closed_page_queries_do_not_grow_with_ballots(client, django_assert_max_num_queries):
    campaign = live_campaign(entries=6, early_close_if_all_voted=False)
    for _ in range(3):
        vote(campaign, member("Veteran"), "A", "B", "C")
    small = _count_queries(client, close(campaign), django_assert_max_num_queries)
    other = live_campaign(entries=6, early_close_if_all_voted=False)
    for _ in range(30):
        vote(other, member("Veteran"), "B", "C", "D")
    large = _count_queries(client, close(other), django_assert_max_num_queries)
    assert small == large
