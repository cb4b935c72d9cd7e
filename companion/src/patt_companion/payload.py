"""Turning a parsed PATTSyncDB into the upload payload (CMPN-17/18)."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field

from patt_companion import __version__

log = logging.getLogger("patt_companion")

SCHEMA_VERSION = 1


class PayloadError(ValueError):
    """The file cannot be uploaded (no export, no export time, characters not a list)."""


class NoExport(PayloadError):
    """PATTSyncDB is nil or has no lastExport yet (CMPN-11)."""


@dataclass
class Payload:
    body: dict
    sha256: str
    dropped: int = 0  # characters without a name (CMPN-18)
    warnings: list[str] = field(default_factory=list)

    @property
    def export_time(self) -> int:
        return self.body["export_time"]

    @property
    def characters(self) -> list[dict]:
        return self.body["characters"]


def payload_hash(body: dict) -> str:
    """SHA-256 of canonical JSON (sorted keys, compact, UTF-8) without companion_version --
    the same rule as the server's UPL-7."""
    canonical = {k: v for k, v in body.items() if k != "companion_version"}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _as_int(value, default):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _as_str(value, default):
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return None


def _as_bool(value, default):
    if isinstance(value, bool):
        return value
    if value in (0, 1) and not isinstance(value, float):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


# payload key, file key, coercion, default (ADD-8)
CHARACTER_FIELDS = [
    ("realm", "realm", _as_str, None),
    ("class", "class", _as_str, "Unknown"),
    ("class_file", "classFile", _as_str, "UNKNOWN"),
    ("level", "level", _as_int, 0),
    ("rank", "rank", _as_int, 99),
    ("rank_name", "rankName", _as_str, "Unknown"),
    ("guild_note", "note", _as_str, ""),
    ("officer_note", "officerNote", _as_str, ""),
    ("is_online", "isOnline", _as_bool, False),
    ("last_online", "lastOnline", _as_str, ""),
    ("zone", "zone", _as_str, ""),
    ("achievement_points", "achievementPoints", _as_int, 0),
]
NOTE_KEYS = {"note", "officerNote"}


def _characters_list(raw) -> list:
    """characters as a list: list as is, dict with only positive int keys -> values in key
    order, {} -> [] (CMPN-17)."""
    if isinstance(raw, list):
        return raw
    if isinstance(raw, dict) and all(type(k) is int and k > 0 for k in raw):
        return [raw[k] for k in sorted(raw)]
    raise PayloadError("characters is not a list")


def build_payload(db, *, realm_fallback: str | None = None, version: str = __version__) -> Payload:
    """PATTSyncDB (parsed) -> Payload (CMPN-17/18). Raises NoExport / PayloadError."""
    if not isinstance(db, dict) or not isinstance(db.get("lastExport"), dict):
        raise NoExport("No export in the file yet (run /pattsync in game).")
    export = db["lastExport"]
    warnings: list[str] = []
    export_time = _as_int(export.get("exportTime"), None)
    if export_time is None:
        raise PayloadError("The export has no exportTime; skipping the file.")
    realm_name = _as_str(export.get("realmName"), None) or realm_fallback
    characters = _characters_list(export.get("characters", {}))
    warned: set[str] = set()
    out = []
    dropped = 0
    for index, raw in enumerate(characters):
        if not isinstance(raw, dict):
            dropped += 1
            continue
        name = _as_str(raw.get("name"), None)
        name = name.strip() if name else ""
        if not name:
            dropped += 1
            continue
        entry: dict = {"name": name}
        for key, file_key, coerce, default in CHARACTER_FIELDS:
            if file_key not in raw:
                if file_key in NOTE_KEYS:
                    continue  # absent note never clears on the server (CMPN-18)
                value = realm_name if key == "realm" else default
            else:
                value = coerce(raw[file_key], default)
                if value is None:
                    if file_key not in warned:
                        warned.add(file_key)
                        warnings.append(
                            f"characters[{index + 1}].{file_key} has the wrong type; "
                            "using the default (further ones not reported)"
                        )
                    value = realm_name if key == "realm" else default
            if value is not None:
                entry[key] = value
        out.append(entry)
    body = {
        "schema_version": SCHEMA_VERSION,
        "guild_name": _as_str(export.get("guildName"), None) or "Unknown",
        "export_time": export_time,
        "export_time_iso": _as_str(export.get("exportTimeISO"), None) or "",
        "addon_version": _as_str(export.get("addonVersion"), None) or "unknown",
        "can_view_officer_notes": _as_bool(export.get("canViewOfficerNotes", False), False)
        or False,
        "member_count": _as_int(export.get("memberCount"), None) or len(out),
        "companion_version": version,
        "characters": out,
    }
    if not body["export_time_iso"]:
        del body["export_time_iso"]
    return Payload(body=body, sha256=payload_hash(body), dropped=dropped, warnings=warnings)
