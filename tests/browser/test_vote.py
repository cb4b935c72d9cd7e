"""The ballot, countdown and results in Chromium (CMP-37, CMP-38, CMP-40, ACC-46, ACC-54)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import Ballot, BallotReceipt, Campaign
from tests.campaigns.factories import live_campaign, member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


def card(page, name):
    return page.locator(f'button.entry-card[data-entry-name="{name}"]')


def test_cmp38_pick_remove_repick_and_submit(signed_in_page, live_server, page_errors):
    campaign = live_campaign(entries=5, early_close_if_all_voted=False)
    voter = member("Veteran")
    member("Veteran")
    page = signed_in_page(voter.user)
    page.goto(f"/vote/{campaign.pk}")

    submit = page.get_by_role("button", name="Submit vote")
    expect(page.locator("[data-ballot-form]")).to_be_hidden()
    expect(page.get_by_text("Pick your top 3 — click entries in order.")).to_be_visible()
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

    messages = []

    def accept(dialog):
        messages.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    submit.click()
    expect(page.get_by_text("Your vote is in! Thanks for voting.")).to_be_visible()
    assert messages == ["Submit these picks? Votes can't be changed."]
    expect(page.get_by_role("heading", name="Live standings")).to_be_visible()
    picks = list(Ballot.objects.get().picks.values_list("rank", "entry__name"))
    assert picks == [(1, "B"), (2, "C"), (3, "E")]
    assert page_errors == []


def test_cmp38_dismissing_the_confirm_stores_nothing_and_clear_empties(signed_in_page, page_errors):
    campaign = live_campaign(entries=4)
    page = signed_in_page(member("Veteran").user)
    page.goto(f"/vote/{campaign.pk}")
    for name in ("D", "C", "B"):
        card(page, name).click()
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Submit vote").click()
    expect(page.get_by_role("button", name="Submit vote")).to_be_enabled()
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


def test_cmp40_results_on_a_phone_fit(page, live_server, page_errors):
    from tests.campaigns.pages.support import close, vote

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
