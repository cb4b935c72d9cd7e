"""Fixtures of the account tests.

- Every test gets a fresh local-memory cache (ACC-9) and, unless its module sets
  `REAL_RATE_LIMITS = True`, raised rate limits (ACC-42), so tests that sign in often never
  trip them; `test_rate_limits.py` runs with the values of settings.py.
- `discord_app`: a configured Discord OAuth app (the button shows, allauth finds the app).
- `fake_oauth`: `discord_app` plus allauth's Discord adapter pointed at the loopback fake.
- `discord_sign_in`: drives the whole OAuth dance through allauth's real views.
"""

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.providers.discord.views import DiscordOAuth2Adapter
from django.core.cache import cache

from tests.accounts.fake_discord_oauth import FakeDiscordOAuth

CLIENT_ID = "123456789012345678"
CLIENT_SECRET = "fake-client-secret"
RAISED_RATE_LIMITS = {
    "login": "1000/m/ip",
    "login_failed": "1000/m/ip,1000/5m/key",
    "signup": "1000/m/ip",
    "invite_redeem": "1000/10m/ip",
}


@pytest.fixture(autouse=True)
def _local_cache_and_limits(settings, request):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "patt-accounts-tests",
        }
    }
    if not getattr(request.module, "REAL_RATE_LIMITS", False):
        settings.ACCOUNT_RATE_LIMITS = RAISED_RATE_LIMITS
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def discord_app(settings):
    settings.DISCORD_CLIENT_ID = CLIENT_ID
    settings.DISCORD_CLIENT_SECRET = CLIENT_SECRET
    settings.SOCIALACCOUNT_PROVIDERS = {
        "discord": {
            "SCOPE": ["identify"],
            "APPS": [{"client_id": CLIENT_ID, "secret": CLIENT_SECRET, "key": ""}],
        }
    }


@pytest.fixture
def fake_oauth(discord_app, monkeypatch):
    fake = FakeDiscordOAuth(client_id=CLIENT_ID, client_secret=CLIENT_SECRET).start()
    monkeypatch.setattr(
        DiscordOAuth2Adapter, "access_token_url", f"{fake.base_url}/api/oauth2/token"
    )
    monkeypatch.setattr(DiscordOAuth2Adapter, "profile_url", f"{fake.base_url}/api/users/@me")
    try:
        yield fake
    finally:
        fake.stop()


@dataclass
class OAuthRun:
    start: object  # the POST /accounts/discord/login/ response
    authorize: dict  # query parameters of the authorize redirect
    callback: object  # the callback response


@pytest.fixture
def discord_sign_in(fake_oauth):
    """`discord_sign_in(client, user_json, next=None)` → `OAuthRun`.

    POST /accounts/discord/login/ (with `next`), read the authorize redirect, let the fake
    "approve" (a code for `user_json`) and come back to the callback with code and state.
    """

    def run(client, user_json: dict, next: str | None = None) -> OAuthRun:
        data = {"next": next} if next is not None else {}
        start = client.post("/accounts/discord/login/", data)
        assert start.status_code == 302, start
        location = urlsplit(start["Location"])
        authorize = {key: values[0] for key, values in parse_qs(location.query).items()}
        code = fake_oauth.issue_code(user_json)
        callback = client.get(
            "/accounts/discord/login/callback/", {"code": code, "state": authorize["state"]}
        )
        return OAuthRun(start=start, authorize=authorize, callback=callback)

    return run
