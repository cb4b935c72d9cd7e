"""Applying an upload: idempotency, staleness, realms, note rules, unknown characters,
the answer and the query count (UPL-7 … UPL-11, UPL-13)."""

import re
from datetime import UTC, datetime
from math import ceil

import pytest
from django.db import connection

from identity.models import AddonUpload, WowCharacter
from identity.uploads.apply import payload_sha256
from identity.uploads.tokens import create_token
from tests.factories import WowCharacterFactory
from tests.uploads.support import character, payload, post

pytestmark = pytest.mark.django_db


def upload(client, secret, body):
    response = post(client, secret, body)
    assert response.status_code == 200, response.json()
    return response.json()


# --- UPL-7 idempotency ----------------------------------------------------------------------


def test_upl7_hash_is_canonical_json_without_companion_version():
    body = payload()
    same = dict(reversed(list(payload(export_time=body["export_time"]).items())))
    same["companion_version"] = "9.9.9"
    assert payload_sha256(body) == payload_sha256(same)
    assert payload_sha256(body) != payload_sha256({**body, "member_count": 7})
    import hashlib
    import json

    canonical = json.dumps(
        {k: v for k, v in body.items() if k != "companion_version"},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert payload_sha256(body) == hashlib.sha256(canonical.encode()).hexdigest()


def test_upl7_the_same_body_again_is_a_duplicate_nothing_written_nothing_queued(
    client, secret, django_capture_on_commit_callbacks
):
    trog = WowCharacterFactory(name="Trogmoon", guild_note="old")
    body = payload(characters=[character(guild_note="first")])
    with django_capture_on_commit_callbacks() as first_callbacks:
        first = upload(client, secret, body)
    assert len(first_callbacks) == 1
    trog.guild_note = "changed by hand"
    trog.save()
    with django_capture_on_commit_callbacks() as again_callbacks:
        again = upload(client, secret, {**body, "companion_version": "2.0.0"})
    assert again_callbacks == []
    assert again == {**first, "duplicate": True}
    assert AddonUpload.objects.count() == 1
    trog.refresh_from_db()
    assert trog.guild_note == "changed by hand"


def test_upl7_idempotency_is_per_token_another_tokens_same_body_is_its_own_upload(
    client, secret, new_token, django_capture_on_commit_callbacks
):
    """Issue 11 item 10: the second token never sees the first token's upload id or results."""
    WowCharacterFactory(name="Trogmoon", guild_note="old")
    body = payload(characters=[character(guild_note="first")])
    first = upload(client, secret, body)
    other = create_token(name="Other PC")
    with django_capture_on_commit_callbacks() as callbacks:
        second = upload(client, other.secret, body)
    assert second["upload_id"] != first["upload_id"]
    assert second["duplicate"] is False
    assert len(callbacks) == 1  # its own pipeline run is queued
    assert second["unchanged"] == 1 and second["updated"] == 0  # its own results
    rows = AddonUpload.objects.order_by("pk")
    assert [(row.token_id, row.status) for row in rows] == [
        (new_token.token.pk, "applied"),
        (other.token.pk, "applied"),
    ]
    assert rows[0].payload_sha256 == rows[1].payload_sha256
    # Each token's resend is a duplicate of its own upload only.
    assert upload(client, other.secret, body) == {**second, "duplicate": True}
    assert upload(client, secret, body) == {**first, "duplicate": True}


def test_upl7_upload_row_fields(client, secret, new_token):
    body = payload()
    answer = upload(client, secret, body)
    row = AddonUpload.objects.get(pk=answer["upload_id"])
    assert row.token == new_token.token
    assert row.payload_sha256 == payload_sha256(body)
    assert row.export_time == datetime.fromtimestamp(body["export_time"], tz=UTC)
    assert (row.guild_name, row.addon_version, row.companion_version) == (
        "Pull All The Things",
        "2.0.0",
        "1.0.0",
    )
    assert row.can_view_officer_notes is True and row.characters_received == 1
    assert row.status == "applied" and row.matching == "queued"
    assert row.payload == body


# --- UPL-8 staleness ------------------------------------------------------------------------


def test_upl8_an_older_export_is_stored_stale_and_writes_nothing(
    client, secret, django_capture_on_commit_callbacks
):
    trog = WowCharacterFactory(name="Trogmoon")
    upload(
        client, secret, payload(export_time=1700000100, characters=[character(guild_note="new")])
    )
    with django_capture_on_commit_callbacks() as callbacks:
        answer = upload(
            client,
            secret,
            payload(export_time=1700000000, characters=[character(guild_note="older")]),
        )
    assert answer["stale"] is True and answer["duplicate"] is False
    assert answer["matching"] == "skipped" and answer["updated"] == 0
    assert callbacks == []
    trog.refresh_from_db()
    assert trog.guild_note == "new"
    assert AddonUpload.objects.get(pk=answer["upload_id"]).status == "stale"


def test_upl8_equal_export_time_with_different_content_is_applied(client, secret):
    trog = WowCharacterFactory(name="Trogmoon")
    upload(client, secret, payload(export_time=1700000100, characters=[character(guild_note="a")]))
    answer = upload(
        client, secret, payload(export_time=1700000100, characters=[character(guild_note="b")])
    )
    assert answer["stale"] is False
    trog.refresh_from_db()
    assert trog.guild_note == "b"


# --- UPL-9 realms ---------------------------------------------------------------------------


@pytest.mark.parametrize("realm", ["AlteracMountains", "Alterac Mountains", "alterac-mountains"])
def test_upl9_realm_spellings_match_by_realm_key(client, secret, realm):
    blood = WowCharacterFactory(
        name="Bloodvalor", realm_slug="alterac-mountains", realm_name="Alterac Mountains"
    )
    answer = upload(
        client, secret, payload(characters=[character("Bloodvalor", realm, guild_note="x")])
    )
    assert (answer["updated"], answer["unknown"]) == (1, 0)
    blood.refresh_from_db()
    assert blood.guild_note == "x"


def test_upl9_apostrophe_realm_and_case_folded_name(client, secret):
    trog = WowCharacterFactory(name="Trogmoon", realm_slug="senjin", realm_name="")
    answer = upload(
        client, secret, payload(characters=[character("TROGMOON", "Sen'jin", guild_note="GM")])
    )
    assert answer["updated"] == 1
    trog.refresh_from_db()
    assert trog.guild_note == "GM"


def test_upl9_accents_are_kept_in_names(client, secret):
    WowCharacterFactory(name="Zatanna")
    zat = WowCharacterFactory(name="Zatañña")
    answer = upload(client, secret, payload(characters=[character("Zatañña", guild_note="ñ")]))
    assert answer["updated"] == 1
    zat.refresh_from_db()
    assert zat.guild_note == "ñ"
    assert WowCharacter.objects.get(name="Zatanna").guild_note == ""


def test_upl9_unknown_entry_reports_the_known_realms_slug_else_realm_slug(client, secret):
    WowCharacterFactory(
        name="Someone", realm_slug="alterac-mountains", realm_name="Alterac Mountains"
    )
    answer = upload(
        client,
        secret,
        payload(
            characters=[
                character("Newbie", "AlteracMountains"),
                character("Other", "Aggra (Português)"),
                character("Third", "Sen'jin"),  # the SiteConfig realm
            ]
        ),
    )
    assert answer["unknown_characters"] == [
        {"name": "Newbie", "realm": "alterac-mountains"},
        {"name": "Other", "realm": "aggra-portugues"},
        {"name": "Third", "realm": "senjin"},
    ]


# --- UPL-10 note rules ----------------------------------------------------------------------


def test_upl10_guild_note_present_is_stored_trimmed_blank_clears_absent_keeps(client, secret):
    a = WowCharacterFactory(name="Alpha", guild_note="old")
    b = WowCharacterFactory(name="Bravo", guild_note="old")
    c = WowCharacterFactory(name="Charlie", guild_note="old")
    d = WowCharacterFactory(name="Delta", guild_note="old")
    body = payload(
        characters=[
            character("Alpha", guild_note="  new note  "),
            character("Bravo", guild_note="   "),
            character("Charlie"),
            character("Delta", guild_note=None),
        ]
    )
    answer = upload(client, secret, body)
    for row in (a, b, c, d):
        row.refresh_from_db()
    assert (a.guild_note, b.guild_note, c.guild_note, d.guild_note) == (
        "new note",
        "",
        "old",
        "old",
    )
    assert (answer["updated"], answer["unchanged"]) == (2, 2)


def test_upl10_officer_note_written_only_when_the_uploader_can_see_them(client, secret):
    a = WowCharacterFactory(name="Alpha", officer_note="main of Mike")
    b = WowCharacterFactory(name="Bravo", officer_note="alt")
    body = payload(
        can_view_officer_notes=True,
        characters=[character("Alpha", officer_note=" new "), character("Bravo", officer_note="")],
    )
    answer = upload(client, secret, body)
    assert answer["officer_notes_applied"] is True
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.officer_note, b.officer_note) == ("new", "")


@pytest.mark.parametrize("can_view", [False, None])
def test_upl10_blank_officer_note_from_an_uploader_who_cannot_see_them_never_overwrites(
    client, secret, can_view
):
    a = WowCharacterFactory(name="Alpha", officer_note="main of Mike", guild_note="g")
    b = WowCharacterFactory(name="Bravo", officer_note="alt of Mike")
    body = payload(
        characters=[
            character("Alpha", officer_note="", guild_note="g"),
            character("Bravo", officer_note="something else"),
        ]
    )
    if can_view is None:
        del body["can_view_officer_notes"]  # absent = false
    else:
        body["can_view_officer_notes"] = can_view
    answer = upload(client, secret, body)
    assert answer["officer_notes_applied"] is False
    assert (answer["updated"], answer["unchanged"]) == (0, 2)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.officer_note, b.officer_note) == ("main of Mike", "alt of Mike")


def test_upl10_last_addon_sync_at_on_every_match_departed_included_nothing_else_changes(
    client, secret
):
    departed = WowCharacterFactory(
        name="Gone",
        in_guild=False,
        left_guild_at=datetime(2025, 1, 1, tzinfo=UTC),
        level=70,
        guild_rank_index=3,
    )
    same = WowCharacterFactory(name="Same", guild_note="keep")
    body = payload(
        export_time=1700000000,
        characters=[
            character(
                "Gone",
                guild_note="returned?",
                rank=0,
                level=80,
                zone="Dornogal",
                **{"class": "Mage"},
            ),
            character("Same", guild_note="keep"),
        ],
    )
    upload(client, secret, body)
    departed.refresh_from_db()
    same.refresh_from_db()
    export_time = datetime.fromtimestamp(1700000000, tz=UTC)
    assert departed.last_addon_sync_at == export_time == same.last_addon_sync_at
    assert departed.guild_note == "returned?"
    assert (departed.in_guild, departed.level, departed.guild_rank_index) == (False, 70, 3)
    assert departed.playable_class.name == "Druid"


def test_upl10_bulk_update_of_changed_rows_only(client, secret):
    WowCharacterFactory(name="Changed", guild_note="a")
    WowCharacterFactory(name="Kept", guild_note="b")
    body = payload(
        characters=[character("Changed", guild_note="z"), character("Kept", guild_note="b")]
    )
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        upload(client, secret, body)
    updates = [
        (sql, params)
        for sql, params in statements
        if sql.startswith('UPDATE "identity_wowcharacter"')
    ]
    case_updates = [u for u in updates if "CASE" in u[0]]
    assert len(case_updates) == 1
    assert "Kept" not in str(case_updates[0][1]) and "z" in case_updates[0][1]


# --- UPL-11 unknown characters --------------------------------------------------------------


def test_upl11_unknown_characters_are_reported_never_created(client, secret):
    names = [f"Newbie{i}" for i in range(600)]
    answer = upload(client, secret, payload(characters=[character(n) for n in names]))
    assert WowCharacter.objects.count() == 0
    assert answer["unknown"] == 600
    assert len(answer["unknown_characters"]) == 100
    assert answer["unknown_characters"][0] == {"name": "Newbie0", "realm": "senjin"}
    row = AddonUpload.objects.get(pk=answer["upload_id"])
    assert len(row.unknown_characters) == 500 and row.unknown == 600


# --- UPL-13 the answer ----------------------------------------------------------------------


def test_upl13_success_answer_shape(client, secret):
    WowCharacterFactory(name="Trogmoon", guild_note="x")
    WowCharacterFactory(name="Same", guild_note="s")
    body = payload(
        characters=[
            character(guild_note="GM / Mike"),
            character("Same", guild_note="s"),
            character("Newbie"),
        ]
    )
    answer = upload(client, secret, body)
    row = AddonUpload.objects.get()
    assert answer == {
        "ok": True,
        "upload_id": row.pk,
        "duplicate": False,
        "stale": False,
        "characters_received": 3,
        "updated": 1,
        "unchanged": 1,
        "unknown": 1,
        "unknown_characters": [{"name": "Newbie", "realm": "senjin"}],
        "officer_notes_applied": True,
        "matching": "queued",
        "received_at": row.received_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", answer["received_at"])


# --- query count ----------------------------------------------------------------------------


def _count_queries(client, secret, n, export_time, changed):
    for i in range(n):
        WowCharacterFactory(name=f"Q{export_time}x{i}", guild_note="old")
    body = payload(
        export_time=export_time,
        characters=[
            character(f"Q{export_time}x{i}", guild_note="new" if i < changed else "old")
            for i in range(n)
        ]
        + [character(f"Unknown{export_time}x{i}") for i in range(n)],
    )
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        upload(client, secret, body)
    return len(queries)


def _warm_up(client, secret):
    """The first request of a test creates the SiteConfig row and stamps the token's use."""
    upload(client, secret, payload(export_time=1600000000, characters=[character("Warm")]))


def test_upl10_query_count_is_constant_in_the_number_of_characters(client, secret):
    _warm_up(client, secret)
    small = _count_queries(client, secret, 10, 1700000000, changed=5)
    large = _count_queries(client, secret, 500, 1700000001, changed=5)
    assert small == large


def test_upl10_query_count_constant_when_every_note_changes_up_to_the_databases_batching(
    client, secret
):
    _warm_up(client, secret)
    small = _count_queries(client, secret, 10, 1700000000, changed=10)
    large = _count_queries(client, secret, 500, 1700000001, changed=500)
    fields = 5  # pk, pk (CASE) and the three written fields: Django's bulk_update batch rule
    batch = connection.ops.bulk_batch_size(["pk"] * fields, [None] * 500)
    assert large - small == ceil(500 / batch) - 1
