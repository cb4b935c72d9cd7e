"""The landing page, navigation and site script in Chromium (ACC-4, ACC-45 … ACC-48, ACC-54).

Tests marked `@pytest.mark.urls(__name__)` add a page with one fixed timestamp (ACC-4), and
the `every_nav_item` fixture adds a "Vote" item (as the campaigns app's context processor does
for a live campaign), so the header is checked at its fullest.
"""

import re
from datetime import UTC, datetime

import pytest
from django.http import HttpResponse
from django.template import engines
from django.urls import path
from playwright.sync_api import expect

from patt import urls as patt_urls
from patt.models import SiteConfig
from tests.browser.checks import WIDTH_IDS, WIDTHS, check_page
from tests.factories import (
    PlayerCharacterFactory,
    PlayerFactory,
    UserFactory,
    WowCharacterFactory,
    playable_class,
    rank,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}

_STAND_IN = engines["django"].from_string(
    '{% extends "base.html" %}{% load patt_tags %}{% block title %}Stand-in{% endblock %}'
    '{% block content %}<p class="moment">Raid starts {{ moment|utc_time }}</p>{% endblock %}'
)


def _stand_in(request):
    """A page in the site layout with one fixed timestamp (ACC-4)."""
    moment = datetime(2026, 3, 1, 21, 0, tzinfo=UTC)
    return HttpResponse(_STAND_IN.render({"moment": moment}, request))


urlpatterns = [
    *patt_urls.urlpatterns,
    path("test/moment", _stand_in),
]
handler400 = patt_urls.handler400
handler403 = patt_urls.handler403
handler404 = patt_urls.handler404
handler500 = patt_urls.handler500

EVERY_NAV_LABEL = [
    "Home",
    "Vote (you have not voted yet)",
    "Campaigns",
    "Roster",
    "My characters",
    "Mito's Corner",
    "Raid planner",
    "Admin",
]


def live_vote_in_nav(request):
    """Context processor standing in for the campaigns app's `nav_vote` (ACC-45)."""
    return {"nav_vote": {"url": "/vote/1", "needs_vote": True}}


@pytest.fixture
def every_nav_item(settings):
    engine = settings.TEMPLATES[0]
    processors = [*engine["OPTIONS"]["context_processors"], f"{__name__}.live_vote_in_nav"]
    settings.TEMPLATES = [
        {**engine, "OPTIONS": {**engine["OPTIONS"], "context_processors": processors}}
    ]


@pytest.fixture
def crowded_landing(settings):
    """Everything the landing page can show today, with long words that could widen it."""
    settings.DISCORD_CLIENT_ID = "123456789012345678"
    config = SiteConfig.get()
    config.raid_schedule_text = "Tuesday & Thursday 8–11 pm Eastern; Sunday alt runs " * 3
    config.about_text = "Pneumonoultramicroscopicsilicovolcanoconiosis-level raiding. " * 4
    config.discord_invite_url = "https://discord.gg/pullallthethings"
    config.save()
    for name, rank_name, class_name in [
        ("Trog", "Guild Leader", "Druid"),
        ("Bloodvalorthedeathknightofthenorthernreaches", "Officer", "Death Knight"),
        ("Zatañña", "Officer", "Mage"),
    ]:
        character = WowCharacterFactory(name=name[:12], playable_class=playable_class(class_name))
        player = PlayerFactory(
            display_name=name, guild_rank=rank(rank_name), main_character=character
        )
        PlayerCharacterFactory(player=player, character=character)


def officer_user(name="Shodoomtheshamanofthestormpeaks"):
    user = UserFactory(username=name[:20].lower(), is_staff=True)
    PlayerFactory(display_name=name, user=user, guild_rank=rank("Officer"))
    return user


def member_user():
    user = UserFactory(username="rocket")
    PlayerFactory(display_name="Rocket", user=user, guild_rank=rank("Member"))
    return user


def assert_no_horizontal_scroll(page):
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,"
        " overflow: [getComputedStyle(document.documentElement).overflowX,"
        "            getComputedStyle(document.body).overflowX]})"
    )
    # A clipped overflow would hide a too-wide page from this check instead of fixing it.
    assert widths["overflow"] == ["visible", "visible"]
    assert widths["scroll"] <= widths["inner"], widths


def public_nav_labels() -> list[str]:
    """The ACC-45 items anyone sees, among those whose pages exist in the URL map."""
    from django.urls import NoReverseMatch, reverse

    from patt.registry import nav_items

    labels = []
    for entry in nav_items():
        try:
            reverse(entry.url_name)
        except NoReverseMatch:
            continue
        if entry.audience == "anyone":
            labels.append(entry.label)
    return labels


def nav_labels(locator) -> list[str]:
    return [" ".join(text.split()) for text in locator.locator(".nav-link").all_inner_texts()]


# --- ACC-46: no horizontal scrolling on a phone ---------------------------------------------


def test_acc46_landing_at_390px_has_no_horizontal_scroll_anonymous(
    page, live_server, crowded_landing
):
    page.set_viewport_size(PHONE)
    page.goto("/")

    assert page.get_by_role("button", name="Sign in with Discord").is_visible()
    assert page.locator(".nav-desktop").is_hidden()
    assert page.locator(".nav-mobile > summary").is_visible()
    assert_no_horizontal_scroll(page)


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("viewport", [PHONE, SMALL_PHONE], ids=["390px", "360px"])
def test_acc46_landing_on_a_phone_has_no_horizontal_scroll_signed_in(
    signed_in_page, crowded_landing, every_nav_item, viewport
):
    page = signed_in_page(officer_user())
    page.set_viewport_size(viewport)
    page.goto("/")

    assert page.locator(".welcome").inner_text() == (
        "Welcome back, Shodoomtheshamanofthestormpeaks"
    )
    assert_no_horizontal_scroll(page)
    page.locator(".nav-mobile > summary").click()
    assert_no_horizontal_scroll(page)


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("width", [768, 1024, 1280])
def test_acc46_desktop_header_fits_every_nav_item_and_the_user_menu(
    signed_in_page, every_nav_item, width
):
    page = signed_in_page(officer_user())
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/")

    desktop = page.locator(".nav-desktop")
    assert nav_labels(desktop) == EVERY_NAV_LABEL
    for link in desktop.locator(".nav-link").all():
        assert link.is_visible()
    assert page.locator(".user-desktop summary").is_visible()
    assert page.locator(".nav-mobile").is_hidden()
    assert_no_horizontal_scroll(page)


# --- ACC-46: the mobile menu ----------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_acc46_mobile_menu_opens_from_its_summary_with_44px_tap_targets(
    signed_in_page, every_nav_item
):
    page = signed_in_page(officer_user("Shodoom"))
    page.set_viewport_size(PHONE)
    page.goto("/")
    menu = page.locator("details.nav-mobile")
    summary = menu.locator("summary")
    panel = menu.locator(".nav-mobile-panel")
    assert panel.is_hidden()

    summary.click()

    assert panel.is_visible()
    assert nav_labels(menu.locator("nav")) == EVERY_NAV_LABEL
    assert menu.locator(".user-identity").inner_text().split() == ["Shodoom", "Officer"]
    targets = [summary, *menu.locator(".nav-link").all()]
    # summary, links, Profile, Account, Sign out
    assert len(targets) == 1 + len(EVERY_NAV_LABEL) + 3
    for target in targets:
        assert target.is_visible()
        box = target.bounding_box()
        assert box["height"] >= 44, (target.inner_text(), box)
        assert box["width"] >= 44, (target.inner_text(), box)
    summary.click()
    assert panel.is_hidden()


def test_acc46_mobile_menu_works_without_javascript(new_context, live_server):
    page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    page.goto("/")

    page.locator("details.nav-mobile > summary").click()

    menu = page.locator("details.nav-mobile")
    assert nav_labels(menu.locator("nav")) == public_nav_labels()
    assert menu.get_by_role("link", name="Sign in").is_visible()
    assert page.get_by_role("heading", name="Active votes").is_visible()


@pytest.mark.urls(__name__)
def test_acc45_mobile_menu_closes_on_escape_and_outside_click(page, live_server):
    page.set_viewport_size(PHONE)
    page.goto("/")
    menu = page.locator("details.nav-mobile")

    menu.locator("summary").click()
    page.keyboard.press("Escape")
    assert menu.get_attribute("open") is None

    menu.locator("summary").click()
    page.locator(".site-footer p").click()
    assert menu.get_attribute("open") is None


# --- ACC-45: the desktop user menu and sign-out ---------------------------------------------


def test_acc45_user_menu_dropdown_shows_rank_account_and_sign_out(signed_in_page, live_server):
    page = signed_in_page(member_user())
    page.goto("/")
    dropdown = page.locator(".user-desktop details")
    assert dropdown.locator(".dropdown-panel").is_hidden()

    dropdown.locator("summary").click()

    assert dropdown.locator(".user-identity").inner_text().split() == ["Rocket", "Member"]
    assert dropdown.get_by_role("link", name="Account").get_attribute("href") == (
        "/accounts/password/change/"
    )
    assert dropdown.get_by_role("button", name="Sign out").is_visible()
    page.keyboard.press("Escape")
    assert dropdown.locator(".dropdown-panel").is_hidden()


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}], ids=["phone", "desk"])
def test_acc34_sign_out_from_the_user_menu_ends_the_session(signed_in_page, live_server, viewport):
    page = signed_in_page(member_user())
    page.set_viewport_size(viewport)
    page.goto("/")
    menu = page.locator("details.nav-mobile" if viewport == PHONE else ".user-desktop details")

    menu.locator("summary").click()
    menu.get_by_role("button", name="Sign out").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".hero-register").is_visible()
    assert page.locator(".welcome").count() == 0
    page.reload()
    assert page.locator(".user-menu").count() == 0, "the session is gone, not just the page"


# --- ACC-54: no console errors, no CSP violations -------------------------------------------


@pytest.mark.urls(__name__)
def test_acc54_landing_has_no_console_errors_or_csp_violations(
    new_context, live_server, crowded_landing, every_nav_item, page_errors, sign_in
):
    anonymous = new_context().new_page()
    anonymous.goto("/")  # waits for "load": stylesheets, fonts and the script included

    signed_in = new_context(viewport=PHONE).new_page()
    sign_in(officer_user(), signed_in.context)
    signed_in.goto("/")
    signed_in.locator("details.nav-mobile > summary").click()

    assert anonymous.locator(".discord-sign-in").is_visible()
    assert signed_in.locator(".user-menu-flat").is_visible()
    assert page_errors == []


def test_acc54_error_listener_catches_a_csp_violation(page, live_server, page_errors):
    """The check above can fail: an inline style, refused by the CSP, is reported."""
    page.goto("/")

    page.evaluate(
        "() => { const s = document.createElement('style');"
        " s.textContent = 'body { color: red }'; document.head.appendChild(s); }"
    )
    page.wait_for_timeout(100)

    assert any("Content Security Policy" in error for error in page_errors), page_errors


# --- ACC-4: local time appended by the site script ------------------------------------------


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("timezone", "local"),
    [("America/New_York", "4:00 PM"), ("Asia/Tokyo", "Mar 2, 6:00 AM")],
)
def test_acc4_site_js_appends_the_viewers_local_time(new_context, live_server, timezone, local):
    # A page in the site layout with one fixed <time>, so the expected text never moves.
    page = new_context(locale="en-US", timezone_id=timezone).new_page()
    page.goto("/test/moment")

    assert page.locator(".moment").inner_text() == (
        f"Raid starts Mar 1, 2026 21:00 UTC · {local} your time"
    )


@pytest.mark.urls(__name__)
def test_acc4_without_javascript_the_utc_time_stays(new_context, live_server):
    page = new_context(java_script_enabled=False, timezone_id="America/New_York").new_page()
    page.goto("/test/moment")

    assert page.locator(".moment").inner_text() == "Raid starts Mar 1, 2026 21:00 UTC"


# --- issue 16: the sweep (fits at 360 and 1366 px, axe-clean, screenshot) ----------------------


def _week_to_show(player):
    """A posted raid in two days, the member available on it and two other days, a live vote."""
    import datetime

    from roster.models import RaidEvent, RaidEventStatus
    from roster.services.availability import save_availability
    from roster.services.planner import raid_start, raid_today
    from tests.campaigns.factories import live_campaign

    day = raid_today() + datetime.timedelta(days=2)
    RaidEvent.objects.create(
        kind=RaidEvent.RAID,
        title="Heroic Liberation of Undermine",
        starts_at=raid_start(day),
        duration_minutes=180,
        template="wowretail2",
        channel_id="123456789012345678",
        status=RaidEventStatus.CREATED,
        raid_helper_event_id="42",
        event_url="https://discord.com/channels/1/2/42",
    )
    save_availability(
        player,
        days=[day.weekday(), (day.weekday() + 2) % 7, (day.weekday() + 4) % 7],
        auto_signup=True,
        wants_reminders=False,
        notes="",
        via="website",
    )
    live_campaign(title="Transmog contest", description="Show off your best look. " * 5)


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_issue16_sweep_landing_visitor(page, live_server, crowded_landing, page_errors, viewport):
    from tests.campaigns.factories import live_campaign

    live_campaign(title="Transmog contest")
    page.set_viewport_size(viewport)
    page.goto("/")

    expect(page.locator(".vote-card .vote-card-thumb")).to_have_count(4)
    assert page.locator(".member-week").count() == 0
    check_page(page, "landing-visitor")
    assert page_errors == []


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_issue16_sweep_landing_member_week(signed_in_page, crowded_landing, page_errors, viewport):
    user = UserFactory(username="rocket")
    player = PlayerFactory(display_name="Rocket", user=user, guild_rank=rank("Veteran"))
    _week_to_show(player)
    page = signed_in_page(user)
    page.set_viewport_size(viewport)
    page.goto("/")

    week = page.get_by_role("region", name="Your week")
    expect(week.get_by_text("Heroic Liberation of Undermine")).to_be_visible()
    expect(week.locator("[data-signup]")).to_have_attribute("data-signup", "signed_up")
    expect(
        week.get_by_role("img", name=re.compile(r"^Your next 7 days: available on "))
    ).to_be_visible()
    expect(week.get_by_role("link", name="Transmog contest")).to_be_visible()
    check_page(page, "landing-member")
    assert page_errors == []
