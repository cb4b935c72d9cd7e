"""Mito's Corner in Chromium (ROS-54, ROS-55): tabs, inline edit/cancel, delete confirm,
shuffle without reload, success toasts that hide after 3 s; no CSP errors."""

import pytest
from playwright.sync_api import expect

from patt.models import Quote, QuoteTitle
from tests.factories import PlayerFactory, UserFactory, rank

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _officer():
    user = UserFactory(username="mito-officer")
    PlayerFactory(display_name="Officer", user=user, guild_rank=rank("Officer"))
    return user


def test_ros55_inline_edit_cancel_and_save_with_toast(signed_in_page, page_errors):
    quote = Quote.objects.create(text="Who pulled?")
    page = signed_in_page(_officer())
    page.goto("/mitos-corner")
    row = page.locator(f"#quote-{quote.pk}")
    text = row.locator("[data-quote-row-text]")
    area = row.locator("textarea")

    row.get_by_role("link", name="Edit").click()
    expect(area).to_be_visible()
    expect(text).to_be_hidden()
    area.fill("Changed my mind")
    row.get_by_role("link", name="Cancel").click()
    expect(text).to_have_text("Who pulled?")
    expect(area).to_be_hidden()
    assert page.url.endswith("/mitos-corner")  # no navigation

    row.get_by_role("link", name="Edit").click()
    expect(area).to_have_value("Who pulled?")
    area.fill("Who pulled? Be honest.")
    row.get_by_role("button", name="Save").click()
    toast = page.locator(".flash-success")
    toast_text = toast.locator(".flash-text")
    expect(toast_text).to_have_text("Saved.")
    expect(page.locator(f"#quote-{quote.pk} [data-quote-row-text]")).to_have_text(
        "Who pulled? Be honest."
    )
    expect(toast).to_be_hidden(timeout=5_000)
    assert page_errors == []


def test_ros55_delete_asks_for_confirmation(signed_in_page, page_errors):
    quote = Quote.objects.create(text="Soon gone")
    page = signed_in_page(_officer())
    page.goto("/mitos-corner")
    messages = []

    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    page.locator(f"#quote-{quote.pk}").get_by_role("link", name="Delete").click()
    assert messages == ["Delete this quote? This cannot be undone."]
    assert Quote.objects.filter(pk=quote.pk).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#quote-{quote.pk}").get_by_role("link", name="Delete").click()
    expect(page.locator(".flash-success .flash-text")).to_have_text("Deleted.")
    assert not Quote.objects.filter(pk=quote.pk).exists()
    assert page_errors == []


def test_ros54_tabs_and_shuffle_without_reload(page, page_errors):
    texts = [f"Quote {n}" for n in range(40)]
    Quote.objects.bulk_create(Quote(text=t) for t in texts)
    QuoteTitle.objects.create(text="Mana Whisperer")
    page.goto("/mitos-corner")
    page.evaluate("window.__stillHere = true")

    page.get_by_role("link", name="Quote of the day").click()
    panel = page.locator("#panel-today")
    expect(panel).to_be_visible()
    expect(page.locator("#panel-quotes")).to_be_hidden()
    first = panel.locator("[data-quote-text]").text_content()
    seen = {first}
    for _ in range(10):
        page.get_by_role("link", name="Shuffle again").click()
        seen.add(panel.locator("[data-quote-text]").text_content())
    assert len(seen) > 1 and seen <= set(texts)
    expect(panel.locator("[data-quote-title]")).to_have_text("Mana Whisperer")
    assert page.evaluate("window.__stillHere") is True  # no reload happened
    assert page_errors == []
