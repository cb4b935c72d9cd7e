"""The raid planner's Copy buttons and status polling in Chromium (ROS-37, ROS-42, ACC-54)."""

import datetime

import pytest
from playwright.sync_api import expect

from patt.models import SiteConfig
from roster.models import RaidEvent
from roster.services import planner
from tests.roster.planner.support import officer, roster_player

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def clipboard_page(new_context, sign_in):
    """A page whose context may read and write the clipboard."""
    context = new_context(locale="en-US", permissions=["clipboard-read", "clipboard-write"])

    def clipboard_page(user):
        sign_in(user, context)
        return context.new_page()

    return clipboard_page


def test_ros37_copy_buttons_put_the_commands_on_the_clipboard(clipboard_page, page_errors):
    target = planner.raid_today(config=SiteConfig.get()) + datetime.timedelta(days=2)
    roster_player("amy", "Paladin", "Holy", days=(target.weekday(),), auto_signup=True)
    roster_player("bob", days=())
    page = clipboard_page(officer())
    page.goto(f"/raid-admin?day={target.isoformat()}")

    create_button = page.locator('[data-copy-target="cmd-create"]')
    expect(create_button).to_be_visible()
    create_button.click()
    expect(create_button).to_have_text("Copied!")
    expected = (
        f"/create title:Heroic Raid date:{target.isoformat()} time:21:00 duration:120 "
        "template:wowretail2"
    )
    assert page.evaluate("navigator.clipboard.readText()") == expected

    page.locator('[data-copy-target="cmd-signups"]').click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(
        "# Auto-signed up (1):\n/adduser [EVENT_ID] @amy class:Paladin spec:Healer"
    )
    assert "/adduser [EVENT_ID] @bob status:Absence" in copied
    assert page_errors == []


def test_ros42_pending_status_updates_without_reload(clipboard_page, page_errors):
    roster_player("amy", days=(0, 1, 2, 3, 4, 5, 6))
    event = RaidEvent.objects.create(
        kind="raid",
        title="Heroic Raid",
        starts_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1),
        duration_minutes=120,
        template="wowretail2",
        channel_id="300000000000000001",
    )
    page = clipboard_page(officer())
    page.goto(f"/raid-admin?event={event.pk}")
    expect(page.get_by_text("Creating event...")).to_be_visible()
    RaidEvent.objects.filter(pk=event.pk).update(
        status="created",
        raid_helper_event_id="130000000000000001",
        event_url="https://discord.com/channels/1/2/130000000000000001",
        signups_attempted=1,
        signups_ok=1,
    )
    expect(page.get_by_text("Added 1/1 signups.")).to_be_visible(timeout=8000)
    assert page_errors == []
