"""Registering with an invite code and signing in with a password, in Chromium (ACC-18 … ACC-26).

Sign-out from the user menu and the non-officer refusal at /admin/ are in test_landing.py and
test_admin_access.py.
"""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from identity.models import InviteCode
from identity.services.invites import create_invite
from tests.browser.checks import WIDTH_IDS, WIDTHS, check_page
from tests.factories import DiscordUserFactory, PlayerFactory, UserFactory, rank

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "salt-all-the-things-42"


def test_acc23_to_acc26_register_with_an_invite_code(page, page_errors):
    discord_user = DiscordUserFactory(username="rocket", display_name="Rocket")
    player = PlayerFactory(
        display_name="Rocket", discord_user=discord_user, guild_rank=rank("Member")
    )
    invite = create_invite(player)

    page.goto(f"/register?code=%20{invite.code.lower()}%20")

    assert page.url.endswith(f"/accounts/signup/?code=%20{invite.code.lower()}%20")
    assert page.get_by_label("Invite code").input_value() == invite.code, "trimmed, upper-cased"
    assert page.get_by_label("Discord username").input_value() == "", "never pre-filled"
    page.get_by_label("Discord username").fill("Rocket")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD + "x")
    hint = page.locator("[data-password-match]")
    assert hint.text_content() == "Passwords do not match"
    page.get_by_label("Confirm password").fill(PASSWORD)
    assert hint.text_content() == "Passwords match"

    page.get_by_role("button", name="Create account").click()

    page.wait_for_url("**/")
    assert page.get_by_text("Welcome, Rocket! Your account is ready.").is_visible()
    assert page.locator(".user-summary-name, .user-name").first.text_content().strip() == "Rocket"
    user = get_user_model().objects.get(username="rocket")
    player.refresh_from_db()
    assert player.user == user
    assert InviteCode.objects.get(pk=invite.pk).used_by == user
    assert page_errors == []


def test_acc25_a_used_code_is_refused_on_the_page_keeping_code_and_username(page, page_errors):
    player = PlayerFactory(display_name="Mito", discord_user=DiscordUserFactory(username="mito"))
    invite = create_invite(player)
    InviteCode.objects.filter(pk=invite.pk).update(used_at=invite.created_at)

    page.goto(f"/register?code={invite.code}")
    page.get_by_label("Discord username").fill("mito")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    assert page.get_by_text("This invite code has already been used.").is_visible()
    assert page.get_by_label("Invite code").input_value() == invite.code
    assert page.get_by_label("Discord username").input_value() == "mito"
    assert page.get_by_label("Password", exact=True).input_value() == "", "never echoed"
    assert not get_user_model().objects.filter(username="mito").exists()
    assert page_errors == []


def test_acc18_to_acc20_password_sign_in(page, page_errors):
    user = UserFactory(username="shodoom", password=PASSWORD)
    PlayerFactory(display_name="Shodoom", user=user, guild_rank=rank("Veteran"))

    page.goto("/accounts/login/?next=/")
    page.get_by_label("Discord username").fill("SHODOOM")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("Invalid username or password.").is_visible()
    assert page.get_by_label("Discord username").input_value() == "SHODOOM"
    assert page.get_by_label("Password").input_value() == ""

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url("**/")
    assert page.get_by_text("Welcome back, Shodoom").is_visible()
    assert page_errors == []


# --- issue 16: the sweep (fits at 360 and 1366 px, axe-clean, screenshot) ----------------------


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_issue16_sweep_sign_in(page, live_server, page_errors, viewport):
    page.set_viewport_size(viewport)
    page.goto("/accounts/login/?next=/")
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator(".field-error")).to_have_count(2)  # both fields, one submission
    check_page(page, "sign-in-errors")
    assert page_errors == []


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_issue16_sweep_register_shows_every_error_at_once(page, live_server, page_errors, viewport):
    """Issue 16: one submission shows the empty field and both password problems; the fields
    keep their width whatever errors they carry."""
    page.set_viewport_size(viewport)
    page.goto("/register?code=ABCD2345")
    widths = [box["width"] for box in _field_boxes(page)]
    page.get_by_label("Password", exact=True).fill("Ab1!")
    page.get_by_label("Confirm password").fill("Ab1?")
    page.get_by_role("button", name="Create account").click()

    expect(page.locator(".form-errors p")).to_have_text(
        ["Passwords do not match.", "Password must be at least 8 characters."]
    )
    expect(page.locator("#id_username_error")).to_have_text("This field is required.")
    expect(page.get_by_label("Discord username")).to_have_attribute("aria-invalid", "true")
    assert [box["width"] for box in _field_boxes(page)] == widths
    check_page(page, "register-errors")
    assert page_errors == []


def _field_boxes(page):
    return [
        page.locator(f"#id_{name}").bounding_box()
        for name in ("code", "username", "password1", "password2")
    ]


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_issue16_sweep_error_pages(page, live_server, sign_in, page_errors, viewport):
    from tests.campaigns.factories import live_campaign, member

    gated = live_campaign(min_rank_to_view=rank("Officer"))
    page.set_viewport_size(viewport)

    assert page.goto("/vote/999999").status == 404
    expect(page.get_by_text("Campaign not found.")).to_be_visible()
    check_page(page, "error-404")

    sign_in(member("Member").user)
    assert page.goto(f"/vote/{gated.pk}").status == 403
    expect(page.get_by_text("You don't have permission to view this campaign.")).to_be_visible()
    check_page(page, "error-403")
    # the browser reports each error status it was answered with; nothing else went wrong
    assert [error for error in page_errors if "status of 40" not in error] == []
