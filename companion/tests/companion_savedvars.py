"""Builders for WoW-style PATTSync SavedVariables files used across the companion tests."""

from __future__ import annotations

from patt_companion.luadata import dump_saved_variables


def character(name="Trogmoon", realm="Sen'jin", **extra) -> dict:
    record = {
        "name": name,
        "realm": realm,
        "class": "Shaman",
        "classFile": "SHAMAN",
        "level": 80,
        "rank": 0,
        "rankName": "Guild Master",
        "zone": "Dornogal",
        "note": "GM / Mike",
        "officerNote": "",
        "isOnline": True,
        "lastOnline": "Online",
        "achievementPoints": 12345,
    }
    record.update(extra)
    return record


def db(export_time=1740153600, characters=None, **extra) -> dict:
    characters = [character()] if characters is None else characters
    export = {
        "schemaVersion": 1,
        "exportTime": export_time,
        "exportTimeISO": "2025-02-21T16:00:00Z",
        "addonVersion": "2.0.0",
        "guildName": "Pull All The Things",
        "realmName": "Sen'jin",
        "canViewOfficerNotes": True,
        "memberCount": len(characters),
        "characters": characters,
    }
    export.update(extra)
    return {
        "schemaVersion": 1,
        "lastExportTime": export_time,
        "totalExports": 3,
        "lastExport": export,
    }


def file_text(export_time=1740153600, characters=None, **extra) -> str:
    return dump_saved_variables({"PATTSyncDB": db(export_time, characters, **extra)})
