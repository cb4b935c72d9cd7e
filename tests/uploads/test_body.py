"""Body cap, content type, encoding and JSON (UPL-5)."""

import gzip
import io
import json

import pytest

from identity.uploads.body import read_body, size_label
from patt.refusals import Refused, status_for
from tests.uploads.support import URL, payload, post

pytestmark = pytest.mark.django_db


def test_upl5_default_cap_is_5_mib(settings):
    from django.conf import settings as real

    assert real.ADDON_UPLOAD_MAX_BYTES == 5 * 1024 * 1024
    assert size_label(5 * 1024 * 1024) == "5 MiB"


def test_upl5_content_length_over_the_cap_is_refused_before_reading(client, secret, settings):
    settings.ADDON_UPLOAD_MAX_BYTES = 1024

    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the body must not be read")

    response = client.generic(
        "POST",
        URL,
        b"",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        CONTENT_LENGTH="2048",
        CONTENT_TYPE="application/json",
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    assert response.json() == {"ok": False, "error": "Upload too large (limit 1 KiB)."}


def test_upl5_bytes_read_are_capped_too(settings):
    settings.ADDON_UPLOAD_MAX_BYTES = 100

    class Request:
        stream = io.BytesIO(b"x" * 500)

        def read(self, size):
            return self.stream.read(size)

    with pytest.raises(Refused) as refused:
        read_body(Request())
    assert status_for(refused.value) == 413


def test_upl5_the_real_body_over_the_cap_is_413(client, secret, settings):
    settings.ADDON_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    body = payload(characters=[{"name": "A", "realm": "B", "zone": "z" * 99}] * 60000)
    response = post(client, secret, body)
    assert response.status_code == 413
    assert response.json()["error"] == "Upload too large (limit 5 MiB)."


def test_upl5_gzip_is_decompressed(client, secret):
    response = post(client, secret, payload(), gzipped=True)
    assert response.status_code == 200, response.json()
    assert response.json()["characters_received"] == 1


def test_upl5_decompressed_size_is_capped_a_gzip_bomb_is_413(client, secret, settings):
    settings.ADDON_UPLOAD_MAX_BYTES = 64 * 1024
    bomb = gzip.compress(b" " * (50 * 1024 * 1024) + json.dumps(payload()).encode())
    assert len(bomb) < 64 * 1024
    response = post(client, secret, bomb, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 413
    assert response.json()["error"] == "Upload too large (limit 64 KiB)."


def test_upl5_broken_gzip_is_400(client, secret):
    response = post(client, secret, b"\x1f\x8b not really gzip", HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "Body is not valid gzip data."}
    truncated = gzip.compress(json.dumps(payload()).encode())[:-12]
    assert post(client, secret, truncated, HTTP_CONTENT_ENCODING="gzip").status_code == 400


def test_upl5_other_content_encoding_is_415(client, secret):
    response = post(client, secret, payload(), HTTP_CONTENT_ENCODING="br")
    assert response.status_code == 415
    assert response.json()["ok"] is False
    assert "Content-Encoding" in response.json()["error"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_upl5_content_type_not_json_is_415(client, secret, content_type):
    response = post(client, secret, payload(), content_type=content_type)
    assert response.status_code == 415
    assert response.json() == {
        "ok": False,
        "error": "Send JSON (Content-Type: application/json).",
    }


def test_upl5_content_type_with_charset_is_json(client, secret):
    response = post(client, secret, payload(), content_type="application/json; charset=utf-8")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'"text"', "{}".encode("utf-16"), b'{"a": NaN}', b"\xff\xfe"],
)
def test_upl5_not_utf8_json_or_not_an_object_is_400(client, secret, body):
    response = post(client, secret, body)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "Body is not valid JSON."}


def test_upl5_deeply_nested_json_is_400_not_500(client, secret):
    response = post(client, secret, b'{"a": ' + b"[" * 100000 + b"]" * 100000 + b"}")
    assert response.status_code == 400


# --- Issue 11 item 7: NUL and unpaired surrogates ---------------------------------------------


def _raw_json(body: dict, marker: str, escape: str) -> bytes:
    """`body` as JSON text with `marker` replaced by a JSON escape (`\\u0000`, `\\ud800`)."""
    return json.dumps(body).replace(marker, escape).encode("ascii")


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\udfff"])
@pytest.mark.parametrize(
    "where",
    [
        "guild_note",  # a note: varchar on PostgreSQL
        "unknown_value",  # a value of an unknown key: only in the stored payload (jsonb)
        "unknown_key",  # an unknown key itself
        "top_level",  # a top-level string
    ],
)
def test_unstorable_text_anywhere_is_a_400_and_nothing_is_stored(client, secret, escape, where):
    """NUL (PostgreSQL text/jsonb refuse it) and unpaired surrogates (not encodable as UTF-8)
    anywhere in the body, unknown keys included, are refused before anything is hashed or
    stored; on PostgreSQL and SQLite alike this used to be a 500."""
    from identity.models import AddonUpload, WowCharacter
    from tests.factories import WowCharacterFactory
    from tests.uploads.support import character

    WowCharacterFactory(name="Trogmoon", guild_note="kept")
    marker = "MARKER"
    bodies = {
        "guild_note": payload(characters=[character(guild_note=f"GM{marker}")]),
        "unknown_value": payload(characters=[character(future_field=f"x{marker}")]),
        "unknown_key": payload(**{f"future{marker}": 1}),
        "top_level": payload(addon_version=f"2.0{marker}"),
    }
    for gzipped in (False, True):
        response = post(client, secret, _raw_json(bodies[where], marker, escape), gzipped=gzipped)
        assert response.status_code == 400
        assert response.json() == {
            "ok": False,
            "error": "Invalid upload: Text may not contain NUL characters or unpaired surrogates.",
        }
    assert AddonUpload.objects.count() == 0
    assert WowCharacter.objects.get(name="Trogmoon").guild_note == "kept"


def test_paired_surrogates_and_other_control_characters_are_fine(client, secret):
    """A correctly paired escape (an emoji) is ordinary text, not refused."""
    body = payload(characters=[{"name": "Trogmoon", "realm": "Sen'jin", "zone": "MARKER"}])
    response = post(client, secret, _raw_json(body, "MARKER", "\\ud83d\\ude00\\u0001"))
    assert response.status_code == 200, response.json()
