"""/roster-view in Chromium: tabs and "Who's out" switch without a reload (ROS-19, ROS-22)."""

import re

import pytest
from playwright.sync_api import expect

from tests.roster.public.support import roster_player

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def roster():
    roster_player("Trog", ("Trogmoon", "Druid", "Balance"), days=(3, 4))
    roster_player("Rocket", ("Rocketz", "Warrior", "Protection"), days=(3,), notes="Late shift")
    roster_player("Bonk", ("Bonk", "Death Knight", "Blood"), ("Bonkalt", "Mage", "Fire"))


def _mark_page(page):
    """A value that survives only while the page is not reloaded."""
    page.evaluate("window.__rosterViewMarker = 'still here'")


def _not_reloaded(page) -> bool:
    return page.evaluate("window.__rosterViewMarker") == "still here"


def test_ros19_switch_dashboard_tabs_without_reload(page, roster, page_errors):
    page.goto("/roster-view")
    expect(page.get_by_role("heading", name="Pull All The Things Raid Roster")).to_be_visible()
    expect(page.locator(".roster-panel-availability")).to_be_visible()
    _mark_page(page)

    page.get_by_role("link", name="Full roster").click()
    expect(page.locator(".roster-panel-roster")).to_be_visible()
    expect(page.locator(".roster-table tbody tr")).to_have_count(3)
    assert page.url.endswith("/roster-view?view=roster")
    expect(page.locator('.tab[aria-current="page"]')).to_have_text("Full roster")

    page.get_by_role("link", name="Show all characters").click()
    expect(page.locator(".roster-table tbody tr")).to_have_count(4)
    assert page.url.endswith("?view=roster&mains=0")

    page.locator('.sort-link[data-sort-key="character"]').click()  # issue 16 item 6
    # Bonk leads before the sort too: wait for the swap itself, or the next click lands on the
    # old link (whose href still asks for A to Z).
    expect(page).to_have_url(re.compile(r"\?view=roster&mains=0&sort=character$"))
    expect(page.locator(".roster-table tbody tr .character-name").first).to_have_text("Bonk")
    expect(page.locator('.sort-link[data-sort-key="character"]')).to_be_focused()
    page.locator('.sort-link[data-sort-key="character"]').click()  # again: Z to A
    expect(page.locator(".roster-table tbody tr .character-name").first).to_have_text("Trogmoon")
    assert page.url.endswith("?view=roster&mains=0&sort=-character")
    page.go_back()
    page.go_back()

    page.get_by_role("link", name="Composition").click()
    expect(page.locator(".roster-panel-composition")).to_be_visible()
    expect(page.get_by_role("heading", name="Healers")).to_be_visible()
    link = page.get_by_role("link", name="Open in Wowhead")
    expect(link).to_have_attribute("target", "_blank")

    page.go_back()
    expect(page.locator(".roster-table tbody tr")).to_have_count(4)
    assert _not_reloaded(page)
    assert page_errors == []


def test_ros19_latest_click_wins_when_answers_arrive_out_of_order(page, roster, page_errors):
    """Two quick clicks start two fetches; a slow answer to the first must not overwrite the view
    the member asked for last (page and address bar)."""
    page.goto("/roster-view?view=roster&mains=0")
    expect(page.locator(".roster-table tbody tr")).to_have_count(4)
    held = []
    page.route("**/roster-view?view=roster&mains=0&sort=-player", lambda route: held.append(route))

    page.locator('.sort-link[data-sort-key="player"]').click()  # Z to A, answer held
    for _ in range(250):  # the route handler runs once Playwright hears of the request
        if held:
            break
        page.wait_for_timeout(20)
    assert len(held) == 1
    page.locator('.sort-link[data-sort-key="character"]').click()  # A to Z, answered at once
    expect(page).to_have_url(re.compile(r"&sort=character$"))
    with page.expect_response(lambda response: response.url.endswith("&sort=-player")):
        held[0].continue_()
    page.wait_for_timeout(300)  # the stale answer is parsed and, without the guard, swapped in

    expect(page).to_have_url(re.compile(r"&sort=character$"))
    expect(page.locator(".roster-table tbody tr .character-name")).to_have_text(
        ["Bonk", "Bonkalt", "Rocketz", "Trogmoon"]
    )
    expect(page.locator('th[aria-sort="ascending"]')).to_have_text("Character▲")
    assert page_errors == []


def test_ros22_toggle_a_day_without_reload(page, roster, page_errors):
    page.goto("/roster-view")
    _mark_page(page)
    thursday = page.locator('[data-day="thursday"] .day-link')
    friday = page.locator('[data-day="friday"] .day-link')

    friday.click()
    expect(page.get_by_role("heading", name="Friday — Who's out?")).to_be_visible()
    expect(page.locator(".whos-out-list li")).to_have_text(
        ["Bonk No reason given", "Rocket Late shift"]
    )
    expect(friday).to_have_attribute("aria-expanded", "true")
    assert page.url.endswith("?view=availability&day=friday")

    page.locator('[data-day="friday"] .day-link').click()  # same day again: hidden
    expect(page.get_by_text("Who's out?")).to_have_count(0)
    expect(page.locator('[data-day="friday"] .day-link')).to_have_attribute(
        "aria-expanded", "false"
    )

    thursday.click()
    expect(page.get_by_role("heading", name="Thursday — Who's out?")).to_be_visible()
    expect(page.locator(".whos-out-list li")).to_have_count(1)
    assert _not_reloaded(page)
    assert page_errors == []


def test_ros19_works_without_js(new_context, roster, live_server):
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/roster-view")

    page.get_by_role("link", name="Full roster").click()
    page.wait_for_url("**/roster-view?view=roster")
    expect(page.locator(".roster-table tbody tr")).to_have_count(3)

    # Issue 16 item 6: the headers sort on the server, without JS too.
    page.locator('.sort-link[data-sort-key="character"]').click()
    page.wait_for_url("**/roster-view?view=roster&sort=character")
    expect(page.locator(".roster-table tbody tr .character-name")).to_have_text(
        ["Bonk", "Rocketz", "Trogmoon"]
    )
    expect(page.locator('th[aria-sort="ascending"]')).to_have_text("Character▲")

    page.get_by_role("link", name="Availability").click()
    page.locator('[data-day="thursday"] .day-link').click()
    page.wait_for_url("**/roster-view?view=availability&day=thursday")
    expect(page.get_by_text("Thursday — Who's out?")).to_be_visible()
