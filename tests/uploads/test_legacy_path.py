"""The legacy companion's upload path answers 410 naming the new companion and endpoint
(issue 11 item 15; UPL-1: the shared-key `X-API-Key` scheme is not supported)."""

import pytest
from django.test import Client

from identity.models import AddonUpload
from tests.uploads.support import URL, payload, post

pytestmark = pytest.mark.django_db

LEGACY_URL = "/api/guild-sync/addon-upload"


@pytest.mark.parametrize("path", [LEGACY_URL, LEGACY_URL + "/"])
@pytest.mark.parametrize("method", ["POST", "GET", "PUT"])
def test_legacy_upload_path_is_gone_with_a_message_naming_the_new_companion(path, method):
    strict = Client(enforce_csrf_checks=True)  # the old companion sends no CSRF token
    response = strict.generic(
        method,
        path,
        b'{"characters": []}',
        content_type="application/json",
        HTTP_X_API_KEY="old-shared-key",
    )
    assert response.status_code == 410
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["ok"] is False
    assert "patt-companion" in body["error"]
    assert "/api/v1/guild-sync/addon-upload" in body["error"]
    assert body["companion"] == "patt-companion"
    assert body["endpoint"] == URL


def test_legacy_upload_path_stores_nothing_while_the_new_endpoint_works(secret):
    client = Client()
    client.post(LEGACY_URL, payload(), content_type="application/json")
    assert AddonUpload.objects.count() == 0
    assert post(client, secret, payload()).status_code == 200
