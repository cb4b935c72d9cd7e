"""Strict validation (UPL-6): all-or-nothing, up to 20 problems, clear messages."""

import time

import pytest

from identity.models import AddonUpload, WowCharacter
from identity.uploads.validation import EXPORT_TIME_SKEW_S, validate_upload
from patt.refusals import Refused, status_for
from tests.factories import WowCharacterFactory
from tests.uploads.support import character, payload, post

pytestmark = pytest.mark.django_db
GUILD = "Pull All The Things"


def problems_of(body, now=None) -> list[str]:
    with pytest.raises(Refused) as refused:
        validate_upload(body, guild_name=GUILD, now=now)
    assert status_for(refused.value) == 400
    return refused.value.details


def test_upl6_a_valid_upload_passes():
    valid = validate_upload(payload(), guild_name=GUILD)
    assert [e.name for e in valid.entries] == ["Trogmoon"]
    assert valid.can_view_officer_notes is True


def test_upl6_invalid_upload_answer_has_the_envelope_and_details(client, secret):
    body = payload(characters=[character(), {"realm": "Sen'jin"}, character("Zed", level="80")])
    response = post(client, secret, body)
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error": "Invalid upload (2 problems).",
        "details": ["characters[1].name: required", "characters[2].level: must be an integer"],
    }


def test_upl6_all_or_nothing_no_note_written_when_one_entry_is_bad(client, secret):
    trog = WowCharacterFactory(name="Trogmoon", guild_note="old")
    body = payload(characters=[character(guild_note="new"), character("X", rank=100)])
    assert post(client, secret, body).status_code == 400
    trog.refresh_from_db()
    assert trog.guild_note == "old"
    assert AddonUpload.objects.count() == 0


def test_upl6_at_most_20_problems_are_collected():
    body = payload(characters=[{"name": ""}] * 50)
    details = problems_of(body)
    assert len(details) == 20
    assert details[0] == "characters[0].name: required"


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("export_time", None, "export_time: required"),
        ("export_time", "1700000000", "export_time: must be an integer (Unix seconds)"),
        ("export_time", 1104537599, "export_time: before 2005-01-01"),
        ("export_time", True, "export_time: must be an integer (Unix seconds)"),
        ("guild_name", None, "guild_name: required"),
        ("guild_name", 7, "guild_name: must be a string"),
        ("characters", None, "characters: required"),
        ("characters", {"1": {}}, "characters: must be a list"),
        ("can_view_officer_notes", "yes", "can_view_officer_notes: must be true or false"),
        ("member_count", -1, "member_count: must be 0 or more"),
        ("addon_version", "v" * 41, "addon_version: at most 40 characters"),
        ("export_time_iso", 5, "export_time_iso: must be a string"),
        ("companion_version", "c" * 41, "companion_version: at most 40 characters"),
        ("schema_version", "1", "schema_version: must be the integer 1"),
    ],
)
def test_upl6_top_level_rules(field, value, problem):
    body = payload()
    if value is None:
        body.pop(field)
    else:
        body[field] = value
    assert problems_of(body) == [problem]


def test_upl6_export_time_at_most_five_minutes_ahead():
    """Issue 11 item 9: only clock skew is allowed; a day-ahead export would make every
    honest upload stale (UPL-8) until that time passed."""
    now = time.time()
    assert EXPORT_TIME_SKEW_S == 300
    ok = payload(export_time=int(now) + EXPORT_TIME_SKEW_S)
    assert validate_upload(ok, guild_name=GUILD, now=now)
    too_far = (
        "export_time: more than 5 minutes in the future (check the computer's clock and time zone)"
    )
    assert problems_of(payload(export_time=int(now) + EXPORT_TIME_SKEW_S + 1), now) == [too_far]
    assert problems_of(payload(export_time=int(now) + 3600)) == [too_far]


def test_upl6_a_future_export_is_refused_and_honest_uploads_stay_applied(client, secret):
    """Issue 11 item 9 end to end: the wrong clock's upload is a 400 with nothing stored, so
    the next honest upload is applied, not stale."""
    future = post(client, secret, payload(export_time=int(time.time()) + 12 * 3600))
    assert future.status_code == 400
    assert future.json()["details"] == [
        "export_time: more than 5 minutes in the future (check the computer's clock and time zone)"
    ]
    assert AddonUpload.objects.count() == 0
    honest = post(client, secret, payload())
    assert honest.status_code == 200
    assert honest.json()["stale"] is False


def test_upl6_unsupported_schema_version_is_its_own_answer():
    with pytest.raises(Refused) as refused:
        validate_upload(payload(schema_version=2), guild_name=GUILD)
    assert refused.value.message == (
        "Unsupported schema_version 2 -- update the site or the companion."
    )


def test_upl6_missing_schema_version_is_a_problem():
    body = payload()
    del body["schema_version"]
    assert problems_of(body) == ["schema_version: required"]


def test_upl6_export_from_another_guild(client, secret):
    response = post(client, secret, payload(guild_name="Other Guild"))
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error": "This export is from guild 'Other Guild', not 'Pull All The Things'.",
    }


def test_upl6_guild_name_compared_case_insensitively():
    assert validate_upload(payload(guild_name="pull all the things"), guild_name=GUILD)


def test_upl6_empty_characters(client, secret):
    response = post(client, secret, payload(characters=[]))
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "No character data provided."}


def test_upl6_at_most_5000_characters():
    body = payload(characters=[character(f"C{i}") for i in range(5001)])
    assert problems_of(body) == ["characters: at most 5000 entries"]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"name": "   "}, "characters[0].name: required"),
        ({"name": "N" * 25}, "characters[0].name: at most 24 characters"),
        ({"name": 5}, "characters[0].name: must be a string"),
        ({"realm": ""}, "characters[0].realm: required"),
        ({"realm": "R" * 65}, "characters[0].realm: at most 64 characters"),
        ({"guild_note": "n" * 256}, "characters[0].guild_note: at most 255 characters"),
        ({"officer_note": 3}, "characters[0].officer_note: must be a string"),
        ({"rank": 100}, "characters[0].rank: must be 0..99"),
        ({"rank": -1}, "characters[0].rank: must be 0..99"),
        ({"level": 101}, "characters[0].level: must be 0..100"),
        ({"level": 80.0}, "characters[0].level: must be an integer"),
        ({"achievement_points": -5}, "characters[0].achievement_points: must be 0 or more"),
        ({"rank_name": "r" * 101}, "characters[0].rank_name: at most 100 characters"),
        ({"class": 1}, "characters[0].class: must be a string"),
        ({"class_file": "c" * 101}, "characters[0].class_file: at most 100 characters"),
        ({"last_online": []}, "characters[0].last_online: must be a string"),
        ({"zone": "z" * 101}, "characters[0].zone: at most 100 characters"),
        ({"is_online": "true"}, "characters[0].is_online: must be true or false"),
    ],
)
def test_upl6_character_rules(fields, problem):
    assert problems_of(payload(characters=[{**character(), **fields}])) == [problem]


def test_upl6_character_must_be_an_object():
    assert problems_of(payload(characters=["Trogmoon"])) == ["characters[0]: must be an object"]


def test_upl6_null_notes_are_absent_and_unknown_keys_ignored():
    body = payload(
        characters=[character(guild_note=None, officer_note=None, future_field={"x": 1})],
        something_new=True,
    )
    (entry,) = validate_upload(body, guild_name=GUILD).entries
    assert entry.guild_note is None and entry.officer_note is None


def test_upl6_duplicates_by_case_folded_name_and_realm_key():
    body = payload(
        characters=[
            character("Alpha"),
            character("Trogmoon", "Sen'jin"),
            character("Beta"),
            character("TROGMOON", "senjin"),
        ]
    )
    assert problems_of(body) == ["characters[3]: duplicate of characters[1] (Trogmoon-Sen'jin)"]


def test_upl6_same_name_on_another_realm_is_not_a_duplicate():
    body = payload(characters=[character("Trogmoon"), character("Trogmoon", "Area 52")])
    assert len(validate_upload(body, guild_name=GUILD).entries) == 2
    assert WowCharacter.objects.count() == 0
