"""Upload tokens (UPL-2, UPL-3): created once, stored hashed, looked up by prefix, revocable."""

import hashlib
import hmac
import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from identity.models import UploadToken
from identity.uploads import tokens
from identity.uploads.tokens import (
    authenticate,
    bearer_secret,
    create_token,
    hash_token,
    record_use,
    revoke_tokens,
)
from tests.uploads.support import get, payload, post

pytestmark = pytest.mark.django_db


def test_upl2_token_format_prefix_and_only_the_hash_is_stored(new_token):
    secret, row = new_token.secret, UploadToken.objects.get(pk=new_token.token.pk)
    assert secret.startswith("pattsync_") and len(secret) == len("pattsync_") + 43
    assert row.prefix == secret[:16]
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(value) for value in UploadToken.objects.values_list().get(pk=row.pk)]
    assert secret not in stored


def test_upl2_a_prefix_collision_regenerates_the_token(monkeypatch):
    first = create_token(name="A")
    secrets = iter([first.secret[:16] + "x" * 27, "pattsync_" + "B" * 43])
    monkeypatch.setattr(tokens, "generate_secret", lambda: next(secrets))
    second = create_token(name="B")
    assert second.secret == "pattsync_" + "B" * 43
    assert UploadToken.objects.count() == 2


def test_upl3_bearer_header_parsing():
    assert bearer_secret("Bearer pattsync_abc") == "pattsync_abc"
    assert bearer_secret("bearer  pattsync_abc ") == "pattsync_abc"
    for bad in (None, "", "Bearer", "Basic pattsync_abc", "Bearer a b", "pattsync_abc"):
        assert bearer_secret(bad) is None
    assert bearer_secret("Bearer " + "x" * 500) is None


def test_upl3_authenticate_compares_hashes_in_constant_time(new_token, monkeypatch):
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(
        tokens.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b)
    )
    assert authenticate(new_token.secret) == new_token.token
    assert calls == [(hash_token(new_token.secret), new_token.token.token_hash)]
    calls.clear()
    assert authenticate("pattsync_unknownprefix" + "x" * 30) is None
    assert len(calls) == 1  # the dummy comparison for an unknown prefix


def test_upl3_a_wrong_token_with_a_known_prefix_is_refused(new_token):
    assert authenticate(new_token.secret[:16] + "y" * 43) is None


def test_upl3_missing_malformed_unknown_and_revoked_tokens_get_401(client, new_token):
    body = payload()
    revoked = create_token(name="Old laptop")
    revoke_tokens([revoked.token])
    cases = [
        {},
        {"HTTP_AUTHORIZATION": "Token abc"},
        {"HTTP_AUTHORIZATION": "Bearer pattsync_nope"},
        {"HTTP_AUTHORIZATION": f"Bearer {revoked.secret}"},
        {"HTTP_X_API_KEY": new_token.secret},  # the legacy shared-key scheme is gone (UPL-1)
    ]
    for headers in cases:
        response = post(client, None, body, **headers)
        assert response.status_code == 401, headers
        assert response.json() == {"ok": False, "error": "Invalid or revoked upload token."}
        assert response["WWW-Authenticate"] == "Bearer"


def test_upl2_revoke_takes_effect_immediately(client, new_token):
    assert get(client, new_token.secret).status_code == 200
    assert revoke_tokens([new_token.token]) == 1
    assert get(client, new_token.secret).status_code == 401
    new_token.token.refresh_from_db()
    assert new_token.token.revoked_at is not None


def test_upl3_last_used_is_written_at_most_once_a_minute(new_token, django_assert_num_queries):
    token = new_token.token
    record_use(token, "127.0.0.1")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and token.last_used_ip == "127.0.0.1"
    with django_assert_num_queries(0):
        record_use(token, "10.0.0.9")
    token.last_used_at = timezone.now() - timedelta(minutes=2)
    record_use(token, "10.0.0.9")
    token.refresh_from_db()
    assert token.last_used_ip == "10.0.0.9" and token.last_used_at > first


def test_upl3_a_successful_request_updates_last_used(client, new_token):
    get(client, new_token.secret, REMOTE_ADDR="127.0.0.5")
    new_token.token.refresh_from_db()
    assert new_token.token.last_used_ip == "127.0.0.5"


def test_upl2_token_is_never_logged(client, new_token, caplog):
    with caplog.at_level(logging.DEBUG):
        post(client, new_token.secret, payload())
        post(client, new_token.secret + "x", payload())
        post(client, new_token.secret, b"not json")
    assert new_token.secret not in caplog.text
    assert new_token.secret[16:] not in caplog.text
