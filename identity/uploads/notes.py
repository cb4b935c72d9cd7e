"""Finding the uploaded characters and writing their notes (UPL-9, UPL-10, UPL-11).

Constant queries whatever the roster size: the known realms (one query), the candidate
characters by `name_key` (one query), then one `bulk_update` of the rows whose notes changed
and one UPDATE of `last_addon_sync_at` for the rest. Characters are never created, and an
upload never touches `in_guild`, rank, level, class or zone (the Blizzard sync owns them).
"""

from dataclasses import dataclass, field
from datetime import datetime

from identity.blizzard.names import realm_key, realm_slug
from identity.models import WowCharacter
from identity.uploads.validation import Entry
from patt.models import SiteConfig

NOTE_FIELDS = ("guild_note", "officer_note")


@dataclass
class NotesResult:
    updated: int = 0
    unchanged: int = 0
    unknown: list[dict] = field(default_factory=list)  # {"name", "realm" (slug)}


def known_realms() -> dict[str, str]:
    """UPL-9: realm key -> slug, from every character's realm_slug / realm_name and SiteConfig."""
    config = SiteConfig.get()
    realms = {}
    pairs = WowCharacter.objects.order_by().values_list("realm_slug", "realm_name").distinct()
    for slug, name in [*pairs, (config.guild_realm_slug, config.guild_realm_name)]:
        if not slug:
            continue
        for text in (slug, name):
            if text:
                realms.setdefault(realm_key(text), slug)
    return realms


def reported_slug(realm: str, realms: dict[str, str]) -> str:
    """UPL-9: the known realm's slug, else `realm_slug(text)` (IDN-21)."""
    return realms.get(realm_key(realm)) or realm_slug(realm) or realm


def find_characters(entries: list[Entry]) -> dict[int, WowCharacter]:
    """UPL-9: entry index -> the WowCharacter with its name_key on a realm with its realm key."""
    keys = {entry.name_key for entry in entries}
    by_key: dict[tuple[str, str], WowCharacter] = {}
    for character in WowCharacter.objects.filter(name_key__in=keys).order_by("pk"):
        for text in (character.realm_slug, character.realm_name):
            if text:
                by_key.setdefault((character.name_key, realm_key(text)), character)
    found = {}
    for entry in entries:
        character = by_key.get((entry.name_key, entry.realm_key))
        if character is not None:
            found[entry.index] = character
    return found


def new_notes(entry: Entry, character: WowCharacter, *, officer_notes: bool) -> dict[str, str]:
    """UPL-10: the notes this entry changes, {field: new value}.

    A present guild note is stored trimmed (blank clears it: every member sees guild notes).
    The officer note counts only when the uploader can see officer notes; otherwise every
    officer note in the upload is ignored, blank or not.
    """
    wanted = {"guild_note": entry.guild_note}
    if officer_notes:
        wanted["officer_note"] = entry.officer_note
    return {
        name: value
        for name, value in wanted.items()
        if value is not None and value != getattr(character, name)
    }


def apply_notes(entries: list[Entry], *, officer_notes: bool, export_time: datetime) -> NotesResult:
    """UPL-10, UPL-11: write the notes of the known characters; report the unknown ones.

    Runs inside the caller's transaction. `last_addon_sync_at` becomes the export time on
    every matched character, departed ones included.
    """
    result = NotesResult()
    found = find_characters(entries)
    changed: list[WowCharacter] = []
    untouched: list[int] = []
    seen: set[int] = set()
    realms = None
    for entry in entries:
        character = found.get(entry.index)
        if character is None:
            realms = known_realms() if realms is None else realms
            result.unknown.append({"name": entry.name, "realm": reported_slug(entry.realm, realms)})
            continue
        if character.pk in seen:  # two realm spellings that only the database tells apart
            result.unchanged += 1
            continue
        seen.add(character.pk)
        notes = new_notes(entry, character, officer_notes=officer_notes)
        if notes:
            for name, value in notes.items():
                setattr(character, name, value)
            character.last_addon_sync_at = export_time
            changed.append(character)
        else:
            untouched.append(character.pk)
    if changed:
        WowCharacter.objects.bulk_update(changed, [*NOTE_FIELDS, "last_addon_sync_at"])
    if untouched:
        WowCharacter.objects.filter(pk__in=untouched).update(last_addon_sync_at=export_time)
    result.updated = len(changed)
    result.unchanged += len(untouched)
    return result
