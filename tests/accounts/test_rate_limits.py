"""Rate limits with the real values of settings.py (ACC-40 … ACC-42).

Every test here starts from an empty local-memory cache; the client IP is 127.0.0.1.
"""

import logging

import pytest
from django.conf import settings as django_settings

from tests.accounts.support import PASSWORD, invited_player, is_signed_in, signup_data, text_of
from tests.factories import PlayerFactory, UserFactory, rank

pytestmark = pytest.mark.django_db

# ACC-42: this module proves the 429s with the limits exactly as configured.
REAL_RATE_LIMITS = True

SLOW_DOWN = "Slow down! Too many attempts. Try again in a few minutes."
TOO_MANY_FAILURES = "Too many failed sign-in attempts. Try again in a few minutes."


def assert_429(response, message):
    assert response.status_code == 429
    assert message in text_of(response)
    assert 'class="site-header"' in response.content.decode(), "themed page, site layout"


def test_acc40_configured_limits():
    assert django_settings.ACCOUNT_RATE_LIMITS == {
        "login": "30/m/ip",
        "login_failed": "10/m/ip,5/5m/key",
        "signup": "20/m/ip",
        "invite_redeem": "10/10m/ip",
    }


def test_acc41_login_posts_limited_to_30_per_minute_per_ip(client):
    for _ in range(30):
        # An incomplete form authenticates nobody, so only `login` counts.
        assert client.post("/accounts/login/", {"login": "", "password": ""}).status_code == 200

    assert_429(client.post("/accounts/login/", {"login": "", "password": ""}), SLOW_DOWN)
    assert client.get("/accounts/login/").status_code == 200, "GETs are not limited"


def test_acc41_login_failed_5_per_5_minutes_per_username_case_insensitive(client):
    user = UserFactory(username="trog", password=PASSWORD)
    PlayerFactory(display_name="Trog", user=user, guild_rank=rank("Member"))
    for name in ("trog", "TROG", "Trog", "trog", "tRoG"):
        response = client.post("/accounts/login/", {"login": name, "password": "wrong-guess"})
        assert response.status_code == 200

    response = client.post("/accounts/login/", {"login": "trog", "password": PASSWORD})

    assert_429(response, TOO_MANY_FAILURES)
    assert not is_signed_in(client), "the attempt is not processed, even with the right password"


def test_acc41_login_failed_10_per_minute_per_ip(client):
    for number in range(10):
        response = client.post(
            "/accounts/login/", {"login": f"guess{number}", "password": "wrong-guess"}
        )
        assert response.status_code == 200

    response = client.post("/accounts/login/", {"login": "another", "password": "wrong-guess"})

    assert_429(response, TOO_MANY_FAILURES)


def test_acc41_successful_sign_ins_do_not_count_as_failures(client):
    UserFactory(username="trog", password=PASSWORD)
    for _ in range(6):
        assert (
            client.post("/accounts/login/", {"login": "trog", "password": PASSWORD}).status_code
            == 302
        )
        client.post("/accounts/logout/")


def test_acc41_invite_redeem_10_per_10_minutes_every_signup_post_counts(client):
    _, invite = invited_player()
    for _ in range(10):
        response = client.post("/accounts/signup/", {"code": "ZZZZ9999"})
        assert response.status_code == 200

    response = client.post("/accounts/signup/", signup_data(invite.code))

    assert_429(response, SLOW_DOWN)
    assert not is_signed_in(client)
    invite.refresh_from_db()
    assert invite.used_at is None, "the attempt is not processed"


def test_acc41_signup_20_per_minute_per_ip(client, settings):
    # Lift only invite_redeem, to see allauth's own `signup` limit.
    settings.ACCOUNT_RATE_LIMITS = {
        **django_settings.ACCOUNT_RATE_LIMITS,
        "invite_redeem": "1000/10m/ip",
    }
    for _ in range(20):
        assert client.post("/accounts/signup/", {}).status_code == 200

    assert_429(client.post("/accounts/signup/", {}), SLOW_DOWN)


def test_acc41_discord_sign_in_posts_count_as_login(client, discord_app):
    for _ in range(30):
        assert client.post("/accounts/discord/login/").status_code == 302

    assert_429(client.post("/accounts/discord/login/"), SLOW_DOWN)


def test_acc41_refusal_logged_at_warning_with_the_ip_never_the_password(client, caplog):
    UserFactory(username="trog", password=PASSWORD)
    secret = "Never-Log-This-Password-1"
    with caplog.at_level(logging.DEBUG):
        for _ in range(6):
            response = client.post("/accounts/login/", {"login": "trog", "password": secret})

    assert response.status_code == 429
    refusals = [
        r
        for r in caplog.records
        if r.name == "identity.auth.ratelimit" and r.levelno == logging.WARNING
    ]
    assert len(refusals) == 1
    assert "127.0.0.1" in refusals[0].getMessage()
    assert all(secret not in record.getMessage() for record in caplog.records)


def test_acc51_rate_limit_refusal_under_api_is_json(rf):
    from identity.auth.ratelimit import handler429

    response = handler429(rf.post("/api/v1/something"))

    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response.content == b'{"ok": false, "error": "Too many requests. Try again later."}'
