"""The endpoint (UPL-1, UPL-13, UPL-14): methods, CSRF, sessions, the token check, errors."""

import pytest
from django.test import Client
from django.urls import reverse

from identity.uploads import apply
from tests.factories import UserFactory
from tests.uploads.support import URL, get, payload, post

pytestmark = pytest.mark.django_db


def test_upl1_url():
    assert reverse("addon-upload") == URL


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_upl1_other_methods_are_405_in_the_envelope(client, secret, method):
    response = client.generic(method, URL, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 405
    assert response.json() == {"ok": False, "error": "Method not allowed."}


def test_upl1_csrf_exempt(secret):
    strict = Client(enforce_csrf_checks=True)
    assert post(strict, secret, payload()).status_code == 200


def test_upl1_sessions_are_ignored_a_signed_in_superuser_still_needs_a_token(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = post(client, None, payload())
    assert response.status_code == 401
    assert get(client, None).status_code == 401


def test_upl13_an_unexpected_failure_is_a_500_envelope_with_error_id_and_nothing_written(
    client, secret, monkeypatch
):
    from identity.models import AddonUpload

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("identity.uploads.apply.apply_notes", broken)
    response = post(client, secret, payload())
    assert response.status_code == 500
    body = response.json()
    assert body["ok"] is False and body["error"] == "Internal server error."
    assert len(body["error_id"]) == 8
    assert AddonUpload.objects.count() == 0


def test_upl14_get_with_a_valid_token(client, secret, new_token):
    response = get(client, secret)
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "token": {"name": "Trog's gaming PC", "prefix": secret[:16]},
        "guild_name": "Pull All The Things",
        "max_bytes": 5242880,
        "last_upload": None,
    }


def test_upl14_get_shows_the_tokens_last_upload(client, secret):
    body = payload(export_time=1700000000)
    answer = post(client, secret, body).json()
    last = get(client, secret).json()["last_upload"]
    assert last == {
        "upload_id": answer["upload_id"],
        "received_at": answer["received_at"],
        "export_time": 1700000000,
        "status": "applied",
        "matching": "queued",
    }


def test_upl7_concurrent_duplicate_loses_on_the_unique_constraint(client, secret, monkeypatch):
    """The loser of a race passes the first lookup, then hits the unique hash on insert."""
    first = post(client, secret, payload(export_time=1700000000)).json()
    real_filter = apply.AddonUpload.objects.filter
    calls = {"n": 0}

    def first_lookup_misses(*args, **kwargs):
        calls["n"] += 1
        queryset = real_filter(*args, **kwargs)
        return queryset.none() if calls["n"] == 1 else queryset

    monkeypatch.setattr(apply.AddonUpload.objects, "filter", first_lookup_misses)
    again = post(client, secret, payload(export_time=1700000000))
    assert again.status_code == 200
    assert again.json() == {**first, "duplicate": True}
