"""Strict, all-or-nothing validation of an upload's JSON (UPL-6).

Problems are collected (at most `MAX_PROBLEMS`) as `path: message` lines; any problem rejects
the whole upload. Unknown keys are ignored so newer companions keep working. Three refusals
are not "problems" but the whole answer, because nothing else in the upload matters then: an
unsupported `schema_version`, an export of another guild, and an empty `characters` list.
"""

import time
from dataclasses import dataclass

from identity.blizzard.names import realm_key
from patt.refusals import Refused

SCHEMA_VERSION = 1
MAX_PROBLEMS = 20
MAX_CHARACTERS = 5000
EARLIEST_EXPORT_TIME = 1104537600  # 2005-01-01T00:00:00Z
# UPL-6: an export may be at most this far ahead of the server's clock (clock skew only).
# More would freeze note sync: every honest upload until then would be older, so stale (UPL-8).
EXPORT_TIME_SKEW_S = 5 * 60

# (key, max length) of optional top-level strings, and of optional character strings.
TOP_STRINGS = (("addon_version", 40), ("export_time_iso", 40), ("companion_version", 40))
CHARACTER_STRINGS = tuple(
    (key, 100) for key in ("rank_name", "class", "class_file", "last_online", "zone")
)
NOTE_KEYS = ("guild_note", "officer_note")
NOTE_MAX = 255
# (key, minimum, maximum or None) of optional character integers.
CHARACTER_INTS = (("rank", 0, 99), ("level", 0, 100), ("achievement_points", 0, None))


@dataclass(frozen=True)
class Entry:
    """One character of the upload, trimmed. A note is None when absent (never a clear)."""

    index: int
    name: str
    realm: str
    guild_note: str | None
    officer_note: str | None

    @property
    def name_key(self) -> str:
        """As `WowCharacter.name_key`: case-folded, accents kept (Zatañña != Zatanna)."""
        return self.name.casefold()

    @property
    def realm_key(self) -> str:
        return realm_key(self.realm)

    @property
    def label(self) -> str:
        return f"{self.name}-{self.realm}"


@dataclass(frozen=True)
class ValidUpload:
    export_time: int
    guild_name: str
    can_view_officer_notes: bool
    addon_version: str
    companion_version: str
    entries: list[Entry]


class _Problems(Exception):
    """Raised internally once `MAX_PROBLEMS` are collected."""


class Collector:
    def __init__(self):
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(message)
        if len(self.items) >= MAX_PROBLEMS:
            raise _Problems


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_string(problems, path: str, value, max_length: int, *, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str):
        problems.add(f"{path}: {'required' if value is None else 'must be a string'}")
    elif required and not value.strip():
        problems.add(f"{path}: required")
    elif len(value.strip() if required else value) > max_length:
        problems.add(f"{path}: at most {max_length} characters")


def _check_int(problems, path: str, value, low: int, high: int | None) -> None:
    if value is None:
        return
    if not _is_int(value):
        problems.add(f"{path}: must be an integer")
    elif value < low or (high is not None and value > high):
        upper = f"..{high}" if high is not None else " or more"
        problems.add(f"{path}: must be {low}{upper}")


def _check_top(problems: Collector, payload: dict, now: float) -> None:
    export_time = payload.get("export_time")
    if export_time is None:
        problems.add("export_time: required")
    elif not _is_int(export_time):
        problems.add("export_time: must be an integer (Unix seconds)")
    elif export_time < EARLIEST_EXPORT_TIME:
        problems.add("export_time: before 2005-01-01")
    elif export_time > now + EXPORT_TIME_SKEW_S:
        problems.add(
            f"export_time: more than {EXPORT_TIME_SKEW_S // 60} minutes in the future "
            "(check the computer's clock and time zone)"
        )
    _check_string(problems, "guild_name", payload.get("guild_name"), 100, required=True)
    if not isinstance(payload.get("can_view_officer_notes", False), bool):
        problems.add("can_view_officer_notes: must be true or false")
    _check_int(problems, "member_count", payload.get("member_count"), 0, None)
    for key, max_length in TOP_STRINGS:
        _check_string(problems, key, payload.get(key), max_length, required=False)


def _check_character(problems: Collector, path: str, item) -> bool:
    """Check one character; True when it is fit to become an Entry."""
    if not isinstance(item, dict):
        problems.add(f"{path}: must be an object")
        return False
    before = len(problems.items)
    _check_string(problems, f"{path}.name", item.get("name"), 24, required=True)
    _check_string(problems, f"{path}.realm", item.get("realm"), 64, required=True)
    for key in NOTE_KEYS:
        _check_string(problems, f"{path}.{key}", item.get(key), NOTE_MAX, required=False)
    for key, low, high in CHARACTER_INTS:
        _check_int(problems, f"{path}.{key}", item.get(key), low, high)
    for key, max_length in CHARACTER_STRINGS:
        _check_string(problems, f"{path}.{key}", item.get(key), max_length, required=False)
    if item.get("is_online") is not None and not isinstance(item.get("is_online"), bool):
        problems.add(f"{path}.is_online: must be true or false")
    return len(problems.items) == before


def _note(value) -> str | None:
    return value.strip() if isinstance(value, str) else None


def _entries(problems: Collector, characters: list) -> list[Entry]:
    entries: list[Entry] = []
    seen: dict[tuple[str, str], Entry] = {}
    for index, item in enumerate(characters):
        path = f"characters[{index}]"
        if not _check_character(problems, path, item):
            continue
        entry = Entry(
            index=index,
            name=item["name"].strip(),
            realm=item["realm"].strip(),
            guild_note=_note(item.get("guild_note")),
            officer_note=_note(item.get("officer_note")),
        )
        first = seen.setdefault((entry.name_key, entry.realm_key), entry)
        if first is not entry:
            problems.add(f"{path}: duplicate of characters[{first.index}] ({first.label})")
            continue
        entries.append(entry)
    return entries


def validate_upload(payload: dict, *, guild_name: str, now: float | None = None) -> ValidUpload:
    """UPL-6: the upload as a ValidUpload, or `Refused` (code `invalid`, 400) with the problems
    found in `details`."""
    now = time.time() if now is None else now
    schema = payload.get("schema_version")
    if schema is None:
        raise Refused(
            "Invalid upload (1 problem).",
            code=Refused.INVALID,
            details=["schema_version: required"],
        )
    if _is_int(schema) and schema != SCHEMA_VERSION:
        raise Refused(
            f"Unsupported schema_version {schema} -- update the site or the companion.",
            code=Refused.INVALID,
        )
    uploaded_guild = payload.get("guild_name")
    if (
        isinstance(uploaded_guild, str)
        and uploaded_guild.strip()
        and uploaded_guild.strip().casefold() != guild_name.strip().casefold()
    ):
        raise Refused(
            f"This export is from guild '{uploaded_guild.strip()[:100]}', not '{guild_name}'.",
            code=Refused.INVALID,
        )
    characters = payload.get("characters")
    if isinstance(characters, list) and not characters:
        raise Refused("No character data provided.", code=Refused.INVALID)

    problems = Collector()
    entries: list[Entry] = []
    try:
        if not _is_int(schema):
            problems.add("schema_version: must be the integer 1")
        _check_top(problems, payload, now)
        if characters is None:
            problems.add("characters: required")
        elif not isinstance(characters, list):
            problems.add("characters: must be a list")
        elif len(characters) > MAX_CHARACTERS:
            problems.add(f"characters: at most {MAX_CHARACTERS} entries")
        else:
            entries = _entries(problems, characters)
    except _Problems:
        pass
    if problems.items:
        count = len(problems.items)
        noun = "problem" if count == 1 else "problems"
        raise Refused(
            f"Invalid upload ({count} {noun}).", code=Refused.INVALID, details=problems.items
        )
    return ValidUpload(
        export_time=payload["export_time"],
        guild_name=payload["guild_name"].strip(),
        can_view_officer_notes=payload.get("can_view_officer_notes", False) is True,
        addon_version=payload.get("addon_version") or "",
        companion_version=payload.get("companion_version") or "",
        entries=entries,
    )
