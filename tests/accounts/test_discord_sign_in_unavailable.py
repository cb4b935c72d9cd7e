"""Discord sign-in without a configured Discord app (ACC-10, issue 11 item 8).

The button is hidden then (ACC-13), but the URLs stay reachable: a bookmark, an old form, a
callback from before the app was removed. allauth finds no app and raised
`SocialApp.DoesNotExist` (a 500); the site sends the visitor to the password sign-in with a
message saying Discord sign-in is not available.
"""

import pytest

from identity.auth.views import DISCORD_UNAVAILABLE_MESSAGE
from tests.accounts.support import flashes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_discord_app(settings):
    settings.DISCORD_CLIENT_ID = ""
    settings.DISCORD_CLIENT_SECRET = ""
    settings.SOCIALACCOUNT_PROVIDERS = {"discord": {"SCOPE": ["identify"], "APPS": []}}


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/accounts/discord/login/"),
        ("get", "/accounts/discord/login/"),
        ("get", "/accounts/discord/login/?process=connect"),
        ("get", "/accounts/discord/login/callback/?code=abc&state=xyz"),
        ("get", "/accounts/discord/login/callback/"),
    ],
)
def test_acc10_discord_urls_without_an_app_say_it_is_not_available(client, method, url):
    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert flashes(response) == [DISCORD_UNAVAILABLE_MESSAGE]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Discord sign-in is not available on this site." in page.content.decode()


def test_acc10_safe_next_is_kept_on_the_way_to_the_password_form(client):
    response = client.post("/accounts/discord/login/", {"next": "/roster"})

    assert response["Location"] == "/accounts/login/?next=/roster"


def test_acc43_unsafe_next_is_dropped(client):
    response = client.post("/accounts/discord/login/", {"next": "https://evil.example/"})

    assert response["Location"] == "/accounts/login/"
