"""The ballot, countdown and results in Chromium (CMP-37, CMP-38, CMP-40, ACC-46, ACC-54), and
issue 16's sweep: the campaign list and vote pages at 360 and 1366 px, axe-clean."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import Ballot, BallotReceipt, Campaign, CampaignEntry
from tests.browser.checks import WIDTH_IDS, WIDTHS, check_page
from tests.campaigns.factories import live_campaign, member
from tests.campaigns.pages.support import close, vote

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


def close_with_votes(campaign):
    """Three ballots (A wins, B second, C third), then closed."""
    vote(campaign, member("Veteran"), "A", "B", "C")
    vote(campaign, member("Veteran"), "A", "C", "B")
    vote(campaign, member("Veteran"), "B", "A", "C")
    return close(campaign)


def card(page, name):
    return page.locator(f'button.entry-card[data-entry-name="{name}"]')


def test_cmp38_pick_remove_repick_and_submit(signed_in_page, live_server, page_errors):
    campaign = live_campaign(entries=5, early_close_if_all_voted=False)
    voter = member("Veteran")
    member("Veteran")
    page = signed_in_page(voter.user)
    page.goto(f"/vote/{campaign.pk}")

    submit = page.locator("[data-submit]")
    expect(page.locator("[data-ballot-form]")).to_be_hidden()
    expect(page.get_by_text("Pick your top 3 — choose entries in order.")).to_be_visible()
    expect(submit).to_be_disabled()

    card(page, "A").click()
    card(page, "B").click()
    expect(submit).to_be_disabled()  # 2 of 3
    card(page, "C").click()
    expect(submit).to_be_enabled()
    expect(card(page, "A")).to_have_attribute("aria-pressed", "true")
    expect(card(page, "C").locator("[data-pick-badge]")).to_have_text("3rd")
    # full: other cards are unavailable and clicks on them do nothing
    expect(card(page, "D")).to_have_attribute("aria-disabled", "true")
    card(page, "D").click(force=True)  # Playwright waits for aria-disabled cards otherwise
    expect(card(page, "D")).to_have_attribute("aria-pressed", "false")

    # remove A: B and C move up, the button is disabled again
    card(page, "A").click()
    expect(card(page, "A")).to_have_attribute("aria-pressed", "false")
    expect(card(page, "B").locator("[data-pick-badge]")).to_have_text("1st")
    expect(card(page, "C").locator("[data-pick-badge]")).to_have_text("2nd")
    expect(page.locator("[data-slot-name]")).to_have_text(["B", "C", "—"])
    expect(submit).to_be_disabled()

    # keyboard: Enter on a focused card picks it
    card(page, "E").focus()
    page.keyboard.press("Enter")
    expect(card(page, "E").locator("[data-pick-badge]")).to_have_text("3rd")
    expect(submit).to_be_enabled()

    # Issue 16: the confirmation is the page's own <dialog>, listing the picks.
    browser_dialogs = []
    page.on("dialog", lambda dialog: browser_dialogs.append(dialog.message))
    submit.click()
    dialog = page.get_by_role("dialog", name="Submit your vote?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text("Submit these picks? Votes can't be changed.")).to_be_visible()
    expect(dialog.locator("[data-confirm-picks] li")).to_have_text(["1st B", "2nd C", "3rd E"])
    dialog.get_by_role("button", name="Submit vote").click()
    expect(page.get_by_text("Your vote is in! Thanks for voting.")).to_be_visible()
    assert browser_dialogs == []
    expect(page.get_by_role("heading", name="Live standings")).to_be_visible()
    picks = list(Ballot.objects.get().picks.values_list("rank", "entry__name"))
    assert picks == [(1, "B"), (2, "C"), (3, "E")]
    assert page_errors == []


def test_cmp38_dismissing_the_confirm_stores_nothing_and_clear_empties(signed_in_page, page_errors):
    """Issue 16: the dialog works from the keyboard: Escape and "Go back" close it, nothing is
    stored, and the focus returns to "Submit vote"."""
    campaign = live_campaign(entries=4)
    page = signed_in_page(member("Veteran").user)
    page.goto(f"/vote/{campaign.pk}")
    for name in ("D", "C", "B"):
        card(page, name).click()
    submit = page.locator("[data-submit]")
    dialog = page.locator("[data-confirm-dialog]")

    submit.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    assert dialog.evaluate("d => d.contains(document.activeElement)")  # focus moved in
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(submit).to_be_focused()

    submit.click()
    dialog.get_by_role("button", name="Go back").click()
    expect(dialog).to_be_hidden()
    expect(submit).to_be_focused()
    expect(submit).to_be_enabled()
    assert not BallotReceipt.objects.exists()
    page.get_by_role("button", name="Clear").click()
    expect(page.locator("[data-slot-name]")).to_have_text(["—", "—", "—"])
    expect(page.locator('button.entry-card[aria-pressed="true"]')).to_have_count(0)
    assert page_errors == []


def test_cmp39_kept_selections_are_applied_to_the_cards(signed_in_page, live_server):
    campaign = live_campaign(entries=4)
    page = signed_in_page(member("Veteran").user)
    page.goto(f"/vote/{campaign.pk}")
    # Post a short ballot through the form itself (as a no-JS browser would).
    page.evaluate(
        """() => {
            const form = document.querySelector('[data-ballot-form]');
            form.querySelector('[name=pick_1]').value =
                document.querySelector('[data-entry-name=C]').dataset.entryId;
            form.submit();
        }"""
    )
    expect(page.get_by_text("Pick exactly 3 entries (you picked 1).")).to_be_visible()
    expect(card(page, "C")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-slot-name]")).to_have_text(["C", "—", "—"])


def test_cmp38_phone_has_no_horizontal_scroll_and_a_sticky_picks_bar(signed_in_page, page_errors):
    campaign = live_campaign(entries=8, description="A " + "very long words " * 30)
    page = signed_in_page(member("Veteran").user)
    page.set_viewport_size(PHONE)
    page.goto(f"/vote/{campaign.pk}")
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"]
    bar = page.locator("[data-picks-bar]")
    assert bar.evaluate("el => getComputedStyle(el).position") == "sticky"
    box = bar.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"] + 1  # on screen at the bottom
    assert page_errors == []


def test_issue16_cmp38_picks_bar_is_sticky_on_a_desktop_too(signed_in_page, page_errors):
    campaign = live_campaign(entries=16)
    page = signed_in_page(member("Veteran").user)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/vote/{campaign.pk}")
    bar = page.locator("[data-picks-bar]")

    assert bar.evaluate("el => getComputedStyle(el).position") == "sticky"
    box = bar.bounding_box()
    assert box["y"] + box["height"] <= 768 + 1, "Submit is in reach without scrolling"
    assert box["y"] < page.locator(".entry-grid").bounding_box()["y"] + 768
    assert page_errors == []


def test_cmp40_results_on_a_phone_fit(page, live_server, page_errors):
    campaign = live_campaign(entries=5, early_close_if_all_voted=False)
    vote(campaign, member("Veteran"), "A", "B", "C")
    vote(campaign, member("Veteran"), "B", "A", "D")
    close(campaign)
    page.set_viewport_size(PHONE)
    page.goto(f"/vote/{campaign.pk}")
    expect(page.get_by_text("Co-winners: A & B")).to_be_visible()
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"]
    assert page_errors == []


def test_cmp37_countdown_ticks_every_second(page, live_server, page_errors):
    campaign = live_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(
        end_at=timezone.now() + timedelta(days=2, hours=3, minutes=4, seconds=30)
    )
    page.goto(f"/vote/{campaign.pk}")
    countdown = page.locator(".campaign-countdown [data-countdown]")
    expect(countdown).to_have_text(re.compile(r"^2d 3h 4m \d+s$"))
    first = countdown.text_content()
    page.wait_for_timeout(1300)
    assert countdown.text_content() != first
    assert page_errors == []


def test_cmp37_countdown_at_zero_says_ended_and_reloads_into_results(
    page, live_server, page_errors
):
    campaign = live_campaign(duration_hours=2)
    Campaign.objects.filter(pk=campaign.pk).update(end_at=timezone.now() + timedelta(seconds=2))
    page.goto(f"/vote/{campaign.pk}")
    expect(page.locator(".campaign-countdown [data-countdown]")).to_have_text(
        "Voting has ended", timeout=5000
    )
    expect(page.get_by_role("heading", name="Final results")).to_be_visible(timeout=8000)
    assert page_errors == []


def test_acc47_landing_vote_card_countdown_and_phone_fit(page, live_server, page_errors):
    live_campaign(title="Portrait contest", description="Pick your favourite portrait.")
    page.set_viewport_size(PHONE)
    page.goto("/")
    card = page.locator(".vote-card")
    expect(card.get_by_text("Portrait contest")).to_be_visible()
    expect(card.locator("[data-countdown]")).to_have_text(re.compile(r"^\d+d \d+h \d+m \d+s$"))
    expect(card.get_by_role("link", name="Sign in to vote")).to_be_visible()
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"]
    assert page_errors == []


# --- issue 16: the sweep (fits at 360 and 1366 px, axe-clean, screenshot) ----------------------


PICTURE_URL = "https://drive.google.com/thumbnail?id=entry"  # allowed by the CSP's img-src
PICTURE = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
    b'<rect width="10" height="10" fill="#7c3aed"/><circle cx="5" cy="5" r="3" fill="#fbbf24"/>'
    b"</svg>"
)


def serve_pictures(page):
    """No machine here reaches Google: the browser gets the entry pictures from this route."""
    page.route(
        "https://drive.google.com/**",
        lambda route: route.fulfill(status=200, content_type="image/svg+xml", body=PICTURE),
    )


def _art_contest(**kwargs):
    """A live contest with pictures on half of its entries (the others show the placeholder)."""
    campaign = live_campaign(entries=6, title="Transmog contest", **kwargs)
    CampaignEntry.objects.filter(campaign=campaign, name__in=["A", "B", "C"]).update(
        image_url=PICTURE_URL,
        description="A long description of a very fancy outfit " * 2,
    )
    return campaign


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_issue16_sweep_campaign_list(page, live_server, page_errors, viewport):
    _art_contest(description="Show off your best look. " * 6)
    close_with_votes(
        live_campaign(entries=4, title="Mount contest", early_close_if_all_voted=False)
    )
    page.set_viewport_size(viewport)
    serve_pictures(page)
    page.goto("/campaigns")

    expect(page.get_by_role("heading", name="Voting now")).to_be_visible()
    expect(page.locator(".vote-card .vote-card-thumb")).to_have_count(4)
    check_page(page, "campaigns")
    assert page_errors == []


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_issue16_sweep_live_vote_member(signed_in_page, page_errors, viewport):
    campaign = _art_contest()
    page = signed_in_page(member("Veteran").user)
    page.set_viewport_size(viewport)
    serve_pictures(page)
    page.goto(f"/vote/{campaign.pk}")
    card(page, "B").click()

    expect(page.locator("[data-slot-name]").first).to_have_text("B")
    # each card is named once, by its entry's name (not "B B …"); its pick badge describes it
    picked = page.get_by_role("button", name="B", exact=True)
    expect(picked).to_have_attribute("aria-pressed", "true")
    assert picked.evaluate(
        "el => el.getAttribute('aria-describedby').split(' ')"
        ".map(id => document.getElementById(id).textContent.trim()).join(' | ')"
    ).startswith("1st | A long description")
    check_page(page, "vote-live-member")
    page.locator("[data-entry-id]").nth(2).click()
    page.locator("[data-entry-id]").nth(3).click()
    page.locator("[data-submit]").click()
    expect(page.locator("[data-confirm-dialog]")).to_be_visible()
    check_page(page, "vote-confirm-dialog")
    assert page_errors == []


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_issue16_sweep_live_vote_visitor(page, live_server, page_errors, viewport):
    campaign = _art_contest()
    page.set_viewport_size(viewport)
    serve_pictures(page)
    page.goto(f"/vote/{campaign.pk}")

    expect(page.locator(".entry-card.is-readonly")).to_have_count(6)
    expect(page.get_by_text("Sign in to vote.", exact=True)).to_be_visible()
    check_page(page, "vote-live-visitor")
    assert page_errors == []


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_issue16_sweep_closed_vote_with_results(page, live_server, page_errors, viewport):
    campaign = close_with_votes(_art_contest(early_close_if_all_voted=False))
    page.set_viewport_size(viewport)
    serve_pictures(page)
    page.goto(f"/vote/{campaign.pk}")

    expect(page.get_by_role("heading", name="Final results")).to_be_visible()
    expect(page.locator(".result-row .medal svg")).to_have_count(3)
    check_page(page, "vote-closed-results")
    assert page_errors == []
