"""Payload building (CMPN-17/18) from WoW-style files."""

from __future__ import annotations

import pytest
from companion_savedvars import character, db, file_text
from patt_companion.luadata import load_var
from patt_companion.payload import NoExport, PayloadError, build_payload, payload_hash


def test_cmpn17_top_level_mapping_from_a_wow_file():
    payload = build_payload(load_var(file_text(), "PATTSyncDB"), version="9.9.9")
    body = payload.body
    assert body["schema_version"] == 1
    assert body["guild_name"] == "Pull All The Things"
    assert body["export_time"] == 1740153600
    assert body["export_time_iso"] == "2025-02-21T16:00:00Z"
    assert body["addon_version"] == "2.0.0"
    assert body["can_view_officer_notes"] is True
    assert body["member_count"] == 1
    assert body["companion_version"] == "9.9.9"
    assert body["characters"] == [
        {
            "name": "Trogmoon",
            "realm": "Sen'jin",
            "class": "Shaman",
            "class_file": "SHAMAN",
            "level": 80,
            "rank": 0,
            "rank_name": "Guild Master",
            "guild_note": "GM / Mike",
            "officer_note": "",
            "is_online": True,
            "last_online": "Online",
            "zone": "Dornogal",
            "achievement_points": 12345,
        }
    ]


def test_cmpn17_addon_1x_without_officer_flag_and_version():
    data = db()
    del data["lastExport"]["canViewOfficerNotes"]
    del data["lastExport"]["addonVersion"]
    body = build_payload(data).body
    assert body["can_view_officer_notes"] is False
    assert body["addon_version"] == "unknown"


def test_cmpn17_missing_export_time_skips_the_file():
    data = db()
    del data["lastExport"]["exportTime"]
    with pytest.raises(PayloadError, match="exportTime"):
        build_payload(data)


@pytest.mark.parametrize("value", [None, {"schemaVersion": 1}, "x"])
def test_cmpn11_no_export_yet(value):
    with pytest.raises(NoExport, match=r"No export in the file yet \(run /pattsync in game\)\."):
        build_payload(value)


def test_cmpn17_characters_dict_with_positive_int_keys_and_empty_table():
    data = db(characters=[])
    data["lastExport"]["characters"] = {3: character("C"), 1: character("A")}
    assert [c["name"] for c in build_payload(data).characters] == ["A", "C"]
    data["lastExport"]["characters"] = {}
    assert build_payload(data).characters == []
    data["lastExport"]["characters"] = {"x": 1}
    with pytest.raises(PayloadError, match="characters is not a list"):
        build_payload(data)


def test_cmpn18_defaults_and_dropped_names():
    data = db(characters=[{"name": "  Bare  "}, {"name": "   "}, {"realm": "X"}])
    payload = build_payload(data)
    assert payload.dropped == 2
    assert payload.characters == [
        {
            "name": "Bare",
            "realm": "Sen'jin",  # ADD-8: GetRealmName() when the record has none
            "class": "Unknown",
            "class_file": "UNKNOWN",
            "level": 0,
            "rank": 99,
            "rank_name": "Unknown",
            "is_online": False,
            "last_online": "",
            "zone": "",
            "achievement_points": 0,
        }
    ]


def test_cmpn18_absent_note_keys_are_omitted_not_cleared():
    record = character()
    del record["note"]
    del record["officerNote"]
    entry = build_payload(db(characters=[record])).characters[0]
    assert "guild_note" not in entry
    assert "officer_note" not in entry


def test_cmpn18_clean_coercion_else_default_with_one_warning_per_field():
    records = [
        character("A", level="80", rank=2.0, isOnline=1),
        character("B", level="eighty"),
        character("C", level={}),
    ]
    payload = build_payload(db(characters=records))
    a, b, c = payload.characters
    assert (a["level"], a["rank"], a["is_online"]) == (80, 2, True)
    assert b["level"] == 0 and c["level"] == 0
    assert len([w for w in payload.warnings if ".level " in w]) == 1


def test_cmpn18_hash_is_canonical_json_without_companion_version():
    one = build_payload(db(), version="1.0.0")
    two = build_payload(db(), version="2.0.0")
    assert one.sha256 == two.sha256 == payload_hash(one.body)
    import hashlib
    import json

    body = {k: v for k, v in one.body.items() if k != "companion_version"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert one.sha256 == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert build_payload(db(export_time=1740153601)).sha256 != one.sha256
