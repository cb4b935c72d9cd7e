"""The main admin pages in Chromium as an officer (issue 16, item 5): each fits 360 and 1366 px
without horizontal scroll, has no serious or critical axe-core violation (contrast included)
and leaves a screenshot under tests/browser/screenshots/; no CSP violation on the way.

Also in the browser: the dark theme by default and Django's theme toggle, the viewer's local
time beside UTC times and under the campaign's start input, and the red worker banner.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule
from playwright.sync_api import expect

from identity.models import (
    AuditIssue,
    IssueSeverity,
    IssueType,
    SyncRun,
    SyncSource,
    SyncStatus,
    SyncTrigger,
)
from onboarding.models import OnboardingSession
from roster.services.availability import save_availability
from tests.admin_tools.conftest import make_officer
from tests.browser.checks import (
    LAPTOP,
    WIDTH_IDS,
    WIDTHS,
    assert_fits,
    axe_violations,
    horizontal_overflow,
    screenshot,
)
from tests.campaigns.factories import CampaignFactory
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
    rank,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_YORK = "America/New_York"
LONG_SUMMARY = (
    "WoW character 'Lunestra-Sargeras' (Priest, Initiate) has no player link and has not "
    "logged in for 158 days"
)


def small_guild():
    """A modest guild with something on every main admin page; returns the player to open."""
    player = PlayerFactory(
        display_name="Trog", guild_rank=rank("Member"), discord_user=DiscordUserFactory()
    )
    for name in ("Trogmoon", "Trogdor-Bleeding-Hollow-Long"):
        PlayerCharacterFactory(player=player, character__name=name, character__level=80)
    save_availability(
        player, days=[1, 3], auto_signup=False, wants_reminders=False, notes="", via="import"
    )
    WowCharacterFactory(name="Ulsha", last_login_at=datetime(2026, 1, 15, 21, 0, tzinfo=UTC))
    gone = WowCharacterFactory(
        name="Drakelthar", realm_name="Bleeding Hollow", in_guild=False, left_guild_at=None
    )
    now = timezone.now()
    for n, (severity, kind) in enumerate(
        (
            (IssueSeverity.CRITICAL, IssueType.ROLE_MISMATCH),
            (IssueSeverity.WARNING, IssueType.ORPHAN_WOW),
            (IssueSeverity.INFO, IssueType.STALE_CHARACTER),
        )
    ):
        AuditIssue.objects.create(
            dedup_key=f"sweep:{n}",
            issue_type=kind,
            severity=severity,
            summary=LONG_SUMMARY,
            character=gone,
            player=player if n == 0 else None,
            discord_user=player.discord_user if n == 0 else None,
        )
    CampaignFactory(title="Salt All The Things Profile Pic Contest", start_at=now + timedelta(1))
    OnboardingSession.objects.create(
        discord_user=DiscordUserFactory(username="newbie_ashe"), deadline_at=now - timedelta(1)
    )
    SyncRun.objects.create(
        source=SyncSource.BLIZZARD_ROSTER,
        trigger=SyncTrigger.SCHEDULE,
        status=SyncStatus.ERROR,
        started_at=now - timedelta(minutes=1),
        finished_at=now,
        error="503",
    )
    Schedule.objects.create(
        name="identity.discord_member_sync",
        func="identity.tasks.run_discord_pipeline",
        schedule_type=Schedule.MINUTES,
        minutes=15,
        next_run=now - timedelta(hours=3),
    )
    return player


@pytest.fixture
def officer_page(new_context, sign_in):
    """A page signed in as an officer on a small guild (`officer_page.player`), in New York's
    time zone, so the local time beside UTC shows (it is left out for a viewer in UTC)."""
    player = small_guild()
    context = new_context(locale="en-US", timezone_id=NEW_YORK, viewport=LAPTOP)
    sign_in(make_officer("olga"), context)
    page = context.new_page()
    page.player = player
    return page


def sweep(page, page_errors, url: str, name: str, viewport) -> None:
    page.set_viewport_size(viewport)
    response = page.goto(url)
    assert response.status == 200, url
    # check_page's sweep, with the findings in the failure message. The page's own errors are
    # read before axe-core runs: its probing of Select2's boxes trips the CSP ("applying inline
    # style") in the console, which is axe's doing, not the page's.
    assert page_errors == []
    screenshot(page, f"{name}-{viewport['width']}")
    assert horizontal_overflow(page)["scroll"] <= viewport["width"], horizontal_overflow(page)
    assert_fits(page)
    violations = axe_violations(page)
    assert violations == [], violations


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_admin_index(officer_page, page_errors, viewport):
    sweep(officer_page, page_errors, "/admin/", "admin-index", viewport)
    if viewport == LAPTOP:
        assert_dark_by_default_and_the_theme_toggle_works(officer_page)


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_admin_players_list(officer_page, page_errors, viewport):
    sweep(officer_page, page_errors, "/admin/identity/player/", "admin-players", viewport)


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_admin_player_change_page(officer_page, page_errors, viewport):
    url = f"/admin/identity/player/{officer_page.player.pk}/change/"
    sweep(officer_page, page_errors, url, "admin-player", viewport)
    week = officer_page.locator(".week-row .week-day")
    expect(week).to_have_count(7)
    expect(week.nth(1).locator("input")).to_be_checked()


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_admin_characters_list(officer_page, page_errors, viewport):
    sweep(officer_page, page_errors, "/admin/identity/wowcharacter/", "admin-characters", viewport)
    # the local time beside the UTC time (static/js/admin-local-time.js)
    cell = officer_page.locator("#result_list td.field-last_login", has_text="2026-01-15")
    expect(cell).to_contain_text("2026-01-15 21:00 UTC")
    expect(cell.locator(".local-time")).to_have_text(" · Jan 15, 4:00 PM EST your time")
    if viewport == LAPTOP:
        assert_nothing_clipped(officer_page)


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_admin_audit_issues_list(officer_page, page_errors, viewport):
    sweep(officer_page, page_errors, "/admin/identity/auditissue/", "admin-audit", viewport)
    expect(officer_page.locator(".severity-chip.severity-critical")).to_have_text("Critical")
    if viewport == LAPTOP:
        assert_nothing_clipped(officer_page)
        summary = officer_page.locator("#result_list .field-summary").first.bounding_box()
        assert summary["width"] >= 230, f"the summary column is {summary['width']} px wide"


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_admin_campaigns_list(officer_page, page_errors, viewport):
    sweep(officer_page, page_errors, "/admin/campaigns/campaign/", "admin-campaigns", viewport)


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_admin_campaign_add_page(officer_page, page_errors, viewport):
    """Issue 16: the page was 2,000 px wide at 1366 px (the entries table's default widths)."""
    sweep(
        officer_page, page_errors, "/admin/campaigns/campaign/add/", "admin-campaign-add", viewport
    )
    if viewport == LAPTOP:
        assert_nothing_clipped(officer_page)
    # the viewer's time under the UTC start input, following the typing
    officer_page.locator("#id_start_at").fill("2026-07-04T18:00")
    expect(officer_page.locator(".local-time-input")).to_have_text("Your time: Jul 4, 2:00 PM EDT")


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_admin_sync_page(officer_page, page_errors, viewport):
    sweep(officer_page, page_errors, "/admin/identity/sync/", "admin-sync", viewport)


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_admin_worker_health(officer_page, page_errors, viewport):
    sweep(officer_page, page_errors, "/admin/identity/sync/health/", "admin-health", viewport)
    expect(officer_page.locator("#worker-down")).to_be_visible()
    expect(officer_page.locator("#schedules .health-overdue").first).to_have_text("overdue")


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_admin_onboarding_sessions_list(officer_page, page_errors, viewport):
    url = "/admin/onboarding/onboardingsession/"
    sweep(officer_page, page_errors, url, "admin-onboarding", viewport)


def assert_nothing_clipped(page) -> None:
    """No table in the page scrolls sideways inside its box (a clipped column)."""
    clipped = page.evaluate(
        "() => Array.from(document.querySelectorAll("
        "'#changelist .results, .inline-group .tabular'))"
        ".filter(box => box.scrollWidth > box.clientWidth + 1)"
        ".map(box => [box.className, box.scrollWidth, box.clientWidth])"
    )
    assert clipped == []


# --- the theme ---------------------------------------------------------------------------------


def assert_dark_by_default_and_the_theme_toggle_works(page) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("data-theme", "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 18, 20)", "the site's dark background"
    page.locator("#user-tools .theme-toggle").click()
    expect(html).to_have_attribute("data-theme", "light")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == (
        "rgb(255, 255, 255)"
    )
    page.reload()
    expect(html).to_have_attribute("data-theme", "light")  # the choice is kept
