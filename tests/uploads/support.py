"""Helpers of the addon upload API tests: bodies and requests."""

import gzip
import json
import time

URL = "/api/v1/guild-sync/addon-upload"


def character(name="Trogmoon", realm="Sen'jin", **fields) -> dict:
    return {"name": name, "realm": realm, **fields}


def payload(characters=None, **fields) -> dict:
    body = {
        "schema_version": 1,
        "guild_name": "Pull All The Things",
        "export_time": int(time.time()) - 60,
        "export_time_iso": "2026-03-01T12:00:00Z",
        "addon_version": "2.0.0",
        "can_view_officer_notes": True,
        "member_count": 1,
        "companion_version": "1.0.0",
        "characters": [character(guild_note="GM / Mike")] if characters is None else characters,
    }
    body.update(fields)
    return body


def post(
    client, secret: str | None, body, *, gzipped=False, content_type="application/json", **headers
):
    data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    if gzipped:
        data = gzip.compress(data)
        headers.setdefault("HTTP_CONTENT_ENCODING", "gzip")
    if secret is not None:
        headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {secret}")
    return client.generic("POST", URL, data, content_type=content_type, **headers)


def get(client, secret: str | None, **headers):
    if secret is not None:
        headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {secret}")
    return client.get(URL, **headers)
