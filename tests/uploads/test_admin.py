"""The officers' admin of tokens and uploads (UPL-2, UPL-15)."""

import re

import pytest
from django.urls import reverse

from identity.models import AddonUpload, UploadToken
from identity.uploads.tokens import authenticate, create_token, hash_token
from tests.admin_tools.conftest import logged_in, make_officer
from tests.uploads.support import character, payload, post

pytestmark = pytest.mark.django_db

TOKENS = reverse("admin:identity_uploadtoken_changelist")
UPLOADS = reverse("admin:identity_addonupload_changelist")


@pytest.fixture
def officer_client(db):
    return logged_in(make_officer())


def test_upl2_officer_creates_a_token_shown_once(officer_client, caplog):
    response = officer_client.post(
        reverse("admin:identity_uploadtoken_add"), {"name": "Trog's gaming PC"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Copy it now -- it can't be shown again." in text
    (secret,) = re.findall(r'value="(pattsync_[A-Za-z0-9_-]{43})"', text)
    assert "no-store" in response["Cache-Control"]
    token = UploadToken.objects.get()
    assert token.token_hash == hash_token(secret) and token.prefix == secret[:16]
    assert token.created_by.username == "olga"
    assert authenticate(secret) == token
    # Never again: not on the change page, not in the list, not in the log.
    for url in (TOKENS, reverse("admin:identity_uploadtoken_change", args=[token.pk])):
        page = officer_client.get(url).content.decode()
        assert secret not in page and token.prefix in page
    assert secret not in caplog.text


def test_upl15_token_list_columns(officer_client):
    create_token(name="Trog's gaming PC")
    page = officer_client.get(TOKENS).content.decode()
    for column in ("Name", "Owner", "Prefix", "Created at", "Last used at", "State"):
        assert column in page
    assert "Active" in page


def test_upl2_revoke_action(officer_client):
    new = create_token(name="Laptop")
    response = officer_client.post(
        TOKENS, {"action": "revoke", "_selected_action": [new.token.pk]}, follow=True
    )
    assert "Revoked 1 upload tokens." in response.content.decode()
    new.token.refresh_from_db()
    assert new.token.revoked_at is not None and new.token.revoked_by.username == "olga"
    assert authenticate(new.secret) is None


def test_upl2_a_token_with_uploads_cannot_be_deleted(officer_client, client):
    new = create_token(name="Laptop")
    assert post(client, new.secret, payload()).status_code == 200
    url = reverse("admin:identity_uploadtoken_delete", args=[new.token.pk])
    response = officer_client.post(url, {"post": "yes"}, follow=True)
    assert "is in use and cannot be deleted" in response.content.decode()
    assert UploadToken.objects.filter(pk=new.token.pk).exists()


def test_upl2_a_token_without_uploads_can_be_deleted(officer_client):
    new = create_token(name="Unused")
    url = reverse("admin:identity_uploadtoken_delete", args=[new.token.pk])
    officer_client.post(url, {"post": "yes"})
    assert not UploadToken.objects.filter(pk=new.token.pk).exists()


def test_upl15_uploads_are_read_only_with_counts_unknown_characters_and_run(officer_client, client):
    new = create_token(name="Laptop")
    answer = post(client, new.secret, payload(characters=[character("Newbie")])).json()
    upload = AddonUpload.objects.get(pk=answer["upload_id"])
    assert "Addon upload #" in officer_client.get(UPLOADS).content.decode()
    page = officer_client.get(reverse("admin:identity_addonupload_change", args=[upload.pk]))
    text = page.content.decode()
    assert "Newbie-senjin" in text
    assert "Characters received" in text and "Sync run" in text
    assert 'name="_save"' not in text  # read-only
    assert officer_client.get(reverse("admin:identity_addonupload_add")).status_code == 403
    for query in ("?status__exact=applied", f"?token__id__exact={new.token.pk}"):
        assert officer_client.get(UPLOADS + query).status_code == 200


def test_upl15_rerun_matching_action(officer_client, client, monkeypatch):
    queued = []
    monkeypatch.setattr("identity.uploads.apply.queue_pipeline", queued.append)
    new = create_token(name="Laptop")
    answer = post(client, new.secret, payload()).json()
    response = officer_client.post(
        UPLOADS,
        {"action": "rerun_matching", "_selected_action": [answer["upload_id"]]},
        follow=True,
    )
    assert "Queued matching for 1 uploads." in response.content.decode()
    assert queued == [answer["upload_id"]]
