"""Every account page uses the site layout and no inline code (ACC-11, ACC-54)."""

import pytest
from django.contrib.auth import get_user_model

from tests.accounts.support import PASSWORD, inline_code
from tests.factories import PlayerFactory, UserFactory, rank

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/signup/?code=abcd2345",
    "/accounts/inactive/",
    "/accounts/not-a-member/",
    "/accounts/discord/login/",
    "/accounts/3rdparty/login/cancelled/",
    "/accounts/3rdparty/login/error/",
]
SIGNED_IN_PAGES = [
    "/accounts/logout/",
    "/accounts/password/change/",
    "/accounts/3rdparty/",
    "/accounts/reauthenticate/",
]


def assert_site_page(response, url):
    html = response.content.decode()
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html, url
    assert 'class="site-header"' in html, url
    assert '<main id="main"' in html, url
    assert inline_code(response) == [], url
    # ACC-44: the guild's name, title suffix and footer, even where allauth puts its own
    # `site` into the template context.
    assert '<span class="brand-full">Pull All The Things</span>' in html, url
    assert " · PATT</title>" in html, url
    assert "Pull All The Things · Real life first, zero toxicity · Sen&#x27;jin (US)" in html, url


@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_acc11_account_pages_use_the_site_layout_without_inline_code(client, discord_app, url):
    response = client.get(url)

    assert response.status_code in (200, 401, 403), url
    assert_site_page(response, url)


@pytest.mark.parametrize("url", SIGNED_IN_PAGES)
def test_acc11_signed_in_account_pages_use_the_site_layout(client, discord_app, url):
    user = UserFactory(username="trog", password=PASSWORD)
    PlayerFactory(display_name="Trog", user=user, guild_rank=rank("Member"))
    client.force_login(user)

    response = client.get(url)

    assert response.status_code == 200, url
    assert_site_page(response, url)


def test_acc11_password_set_page_uses_the_site_layout(client):
    client.force_login(get_user_model().objects.create_user("discordonly"))

    response = client.get("/accounts/password/set/")

    assert response.status_code == 200
    assert_site_page(response, "/accounts/password/set/")


def test_acc41_429_page_uses_the_site_layout(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "invite_redeem": "1/10m/ip"}
    client.post("/accounts/signup/", {})

    response = client.post("/accounts/signup/", {})

    assert response.status_code == 429
    assert_site_page(response, "429")
