"""Rate limits (UPL-4): POSTs per token per hour, failed authentications per IP."""

import pytest

from identity.uploads.tokens import create_token
from tests.uploads.support import get, payload, post

pytestmark = pytest.mark.django_db


def test_upl4_posts_per_token_per_hour_then_429_with_retry_after(client, secret, settings):
    settings.ADDON_UPLOAD_RATE_PER_HOUR = 3
    answers = [
        post(client, secret, payload(export_time=payload()["export_time"] - i)) for i in range(3)
    ]
    assert [r.status_code for r in answers] == [200, 200, 200]
    refused = post(client, secret, payload())
    assert refused.status_code == 429
    assert refused.json() == {"ok": False, "error": "Too many requests. Try again later."}
    assert 1 <= int(refused["Retry-After"]) <= 3600


def test_upl4_the_limit_is_per_token(client, secret, settings):
    settings.ADDON_UPLOAD_RATE_PER_HOUR = 1
    other = create_token(name="Second PC").secret
    assert post(client, secret, payload()).status_code == 200
    assert post(client, secret, payload(export_time=1700000000)).status_code == 429
    assert post(client, other, payload(export_time=1700000001)).status_code == 200


def test_upl4_get_does_not_count_against_the_upload_limit(client, secret, settings):
    settings.ADDON_UPLOAD_RATE_PER_HOUR = 1
    for _ in range(3):
        assert get(client, secret).status_code == 200
    assert post(client, secret, payload()).status_code == 200


def test_upl4_default_limits():
    from django.conf import settings

    assert settings.ADDON_UPLOAD_RATE_PER_HOUR == 30
    assert settings.ADDON_UPLOAD_AUTH_FAILURES_PER_IP == 20


def test_upl4_failed_authentications_per_ip_then_429_even_for_a_good_token(
    client, secret, settings
):
    settings.ADDON_UPLOAD_AUTH_FAILURES_PER_IP = 20
    for _ in range(20):
        assert get(client, "pattsync_wrong-wrong-wrong").status_code == 401
    blocked = get(client, secret)
    assert blocked.status_code == 429
    assert blocked.json()["error"] == "Too many requests. Try again later."
    assert 1 <= int(blocked["Retry-After"]) <= 600
    # Another IP is not affected.
    assert get(client, secret, REMOTE_ADDR="127.0.0.9").status_code == 200
