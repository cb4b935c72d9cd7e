"""Import of the legacy Google Sheets export (ROS-63 … ROS-72).

`read_export_file` / `fetch_export` load the JSON, `read_csv_export` reads the legacy CSV exports
(`characters.csv` + `discord_ids.csv`) into the same shape, `validate_export` refuses a malformed
export before anything is written, and `import_export` runs the whole import in one transaction
(rolled back on `dry_run`). Running it twice on the same export leaves the database as it was
after the first run: rows are only written where the stored data differ (ROS-65).

Writes go through the owners' functions: availability and preferences through
`save_availability` (ROS-8, `updated_via = import`), links through identity's
`link_character` (one owner per character, ranks follow links), quotes through the Mito's
Corner rules (`roster.services.quotes`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from identity.models import (
    Confidence,
    DiscordUser,
    GuildRank,
    LinkSource,
    PlayableClass,
    Player,
    PlayerCharacter,
    RankSource,
    Role,
    Specialization,
    WowCharacter,
)
from identity.services.links import link_character
from patt.models import Quote, QuoteTitle, SiteConfig
from patt.refusals import Refused
from patt.validators import has_unstorable_text
from roster.models import NOTES_MAX, PlayerAvailability, RaidPreferences, UpdatedVia
from roster.services import quotes as quote_rules
from roster.services.availability import save_availability
from roster.services.characters import resolve_realm
from roster.sheets_client import NOT_ONE_OBJECT, SheetsExportClient, SheetsExportError

DAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MEMBER_RANK_LEVEL = 2  # ROS-66: new players get "Member", else the lowest rank
# ROS-68: preferences last changed here are the member's own: kept unless --overwrite.
KEPT_SOURCES = {UpdatedVia.WEBSITE, UpdatedVia.API, UpdatedVia.ADMIN}
# ROS-69: sheet roles (case and spaces ignored) -> identity Role keys.
SHEET_ROLES = {
    "tank": "tank",
    "healer": "healer",
    "melee": "melee_dps",
    "meleedps": "melee_dps",
    "ranged": "ranged_dps",
    "rangeddps": "ranged_dps",
}
FALLBACK_ROLE = "ranged_dps"

ONE_SOURCE = (
    "Give exactly one of --file, --url or the CSV exports "
    "(--csv-dir, or --characters-csv with --discord-ids-csv)."
)
BOTH_CSV_FILES = "Give both --characters-csv and --discord-ids-csv (or --csv-dir)."
UNSTORABLE = (
    "The export contains text that cannot be stored (NUL characters or unpaired surrogates);"
    " nothing imported."
)
NOT_SUCCESS = "Export reports success=false; nothing imported."
RUN_MIGRATE = "Run migrate first."
NEXT_STEPS = (
    "Next steps: review players in the admin, check ranks after the next Blizzard sync,\n"
    "set Discord role ids on ranks, keep the sheet as a read-only archive."
)
_SPACES = re.compile(r"\s+")


# --- loading and validation (ROS-63, ROS-64) -------------------------------------------------


def _read_text(path: str) -> str:
    """A file's text (UTF-8, an Excel byte-order mark allowed); unreadable -> one fatal line."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise Refused(f"Cannot read {path}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise Refused(f"{path} is not UTF-8 text.") from None


def read_export_file(path: str) -> dict:
    """ROS-63 `--file`: the export as parsed JSON."""
    text = _read_text(path)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise Refused(f"{path} is not valid JSON ({exc}).") from None


def fetch_export(url: str) -> dict:
    """ROS-63 `--url`: GET with a 30 s timeout; non-200 or non-JSON is fatal (the client's
    messages, `roster.sheets_client`)."""
    try:
        with SheetsExportClient() as client:
            return client.fetch_export(url)
    except SheetsExportError as exc:
        raise Refused(exc.message) from None


# The legacy CSV exports of the sheet's tabs (issue 11 item 18). Their header row, as the
# legacy platform's one-time migration read them (sv_common/guild_sync/migration.py:
# "characters.csv: Discord,Character,Class,Spec,Role,MainAlt", "discord_ids.csv:
# Discord,DiscordID"); they are the export's `characters[]` rows and `discordIds` object, so
# each column maps to that key. Header names match ignoring case, spaces and punctuation
# ("Main/Alt", "Discord ID").
CHARACTERS_CSV = "characters.csv"
DISCORD_IDS_CSV = "discord_ids.csv"
CHARACTER_COLUMNS = {
    "Discord": "discord",
    "Character": "character",
    "Class": "class",
    "Spec": "spec",
    "Role": "role",
    "MainAlt": "mainAlt",
}
DISCORD_ID_COLUMNS = {"Discord": "discord", "DiscordID": "discordId"}
_NOT_ALNUM = re.compile(r"[\W_]+")


def csv_paths(
    *, csv_dir: str | None, characters_csv: str | None, discord_ids_csv: str | None
) -> tuple[str, str]:
    """`--csv-dir DIR` means DIR/characters.csv and DIR/discord_ids.csv; `--characters-csv` /
    `--discord-ids-csv` name (or, with `--csv-dir`, replace) either file."""
    if csv_dir:
        characters_csv = characters_csv or str(Path(csv_dir) / CHARACTERS_CSV)
        discord_ids_csv = discord_ids_csv or str(Path(csv_dir) / DISCORD_IDS_CSV)
    if not (characters_csv and discord_ids_csv):
        raise Refused(BOTH_CSV_FILES)
    return characters_csv, discord_ids_csv


def _header_key(name: str) -> str:
    return _NOT_ALNUM.sub("", name).casefold()


def _read_csv(path: str, columns: dict[str, str]) -> list[dict]:
    """One CSV file as export rows (`columns`: header -> export key); other columns ignored.

    Fatal, nothing written: an unreadable file, a missing or repeated column, a row whose
    number of cells differs from the header's (a shifted row would import wrong data), or
    text the csv module cannot parse. Blank rows are kept (and flagged, as in the JSON
    export), so "character row N" is line N + 1 of the file (without multi-line cells).
    """
    name = Path(path).name
    reader = csv.reader(io.StringIO(_read_text(path), newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise Refused(f"{path} is empty; nothing imported.")
        positions: dict[str, int] = {}
        for index, cell in enumerate(header):
            key = _header_key(cell)
            if key in positions:
                raise Refused(f"{name}: column '{cell.strip()}' appears twice; nothing imported.")
            positions[key] = index
        missing = [column for column in columns if _header_key(column) not in positions]
        if missing:
            raise Refused(
                f"{name}: no {', '.join(repr(c) for c in missing)} column"
                f" (expected columns: {', '.join(columns)}); nothing imported."
            )
        wanted = [(positions[_header_key(column)], key) for column, key in columns.items()]
        rows = []
        for cells in reader:
            if not cells:  # an empty line
                rows.append({key: "" for _, key in wanted})
                continue
            if len(cells) != len(header):
                raise Refused(
                    f"{name} line {reader.line_num}: {len(cells)} cells where the header has"
                    f" {len(header)}; nothing imported."
                )
            rows.append({key: cells[position] for position, key in wanted})
    except csv.Error as exc:
        raise Refused(
            f"{name} line {reader.line_num}: not valid CSV ({exc}); nothing imported."
        ) from None
    return rows


def read_csv_export(*, characters_csv: str, discord_ids_csv: str) -> dict:
    """Issue 11 item 18: the legacy CSV exports as the export object `import_export` takes
    (`characters[]` and `discordIds`; no availability or quotes in these files), so the rules
    (ROS-64 … ROS-72) stay in one place and only the reader differs.

    A name given twice in discord_ids.csv with two different ids is fatal (which one is right
    is the operator's call); the same id twice is harmless.
    """
    characters = _read_csv(characters_csv, CHARACTER_COLUMNS)
    discord_ids: dict[str, str] = {}
    first_row: dict[str, int] = {}
    name = Path(discord_ids_csv).name
    for row_number, row in enumerate(_read_csv(discord_ids_csv, DISCORD_ID_COLUMNS), start=1):
        discord, snowflake = row["discord"].strip(), row["discordId"].strip()
        if not discord:
            continue
        if discord in discord_ids and discord_ids[discord] != snowflake:
            raise Refused(
                f"{name} row {row_number}: '{discord}' already has id"
                f" {discord_ids[discord] or '(blank)'} in row {first_row[discord]};"
                " nothing imported."
            )
        discord_ids[discord] = snowflake
        first_row.setdefault(discord, row_number)
    return {"success": True, "characters": characters, "discordIds": discord_ids}


def validate_export(data: object) -> None:
    """ROS-64: the top-level shape, checked before any write; and no text PostgreSQL cannot
    store (NUL, unpaired surrogates), which would otherwise fail half-way through the run."""
    if not isinstance(data, dict):
        raise Refused(NOT_ONE_OBJECT)
    if data.get("success") is not True:
        raise Refused(NOT_SUCCESS)
    for key, kind, name in (
        ("availability", list, "a list"),
        ("characters", list, "a list"),
        ("discordIds", dict, "an object"),
        ("mitoQuotes", list, "a list"),
        ("mitoTitles", list, "a list"),
    ):
        if key in data and data[key] is not None and not isinstance(data[key], kind):
            raise Refused(f"'{key}' must be {name}; nothing imported.")
    if has_unstorable_text(data):
        raise Refused(UNSTORABLE)


def check_reference_data() -> None:
    """ROS-64: classes, specs, roles and ranks come from the migrations."""
    if not (
        PlayableClass.objects.exists()
        and Specialization.objects.exists()
        and Role.objects.filter(key=FALLBACK_ROLE).exists()
        and GuildRank.objects.exists()
    ):
        raise Refused(RUN_MIGRATE)


# --- the report (ROS-72) ---------------------------------------------------------------------


@dataclass
class ImportReport:
    source: str
    dry_run: bool = False
    players_created: int = 0
    players_updated: int = 0
    discord_created: int = 0
    discord_linked: int = 0
    availability_written: int = 0
    availability_kept: int = 0
    characters_created: int = 0
    characters_linked: int = 0
    characters_updated: int = 0
    quotes_added: int = 0
    titles_added: int = 0
    flags: list[str] = field(default_factory=list)

    def flag(self, text: str) -> None:
        self.flags.append(text)

    def lines(self) -> list[str]:
        """ROS-72: the summary printed by the command."""
        head = f"Sheets import from {self.source}"
        if self.dry_run:
            head += " (DRY RUN -- nothing saved)"
        lines = [
            head,
            f"  Players:       created {self.players_created}, updated {self.players_updated}",
            f"  Discord users: created {self.discord_created}, linked {self.discord_linked}",
            f"  Availability:  written {self.availability_written}, kept {self.availability_kept}",
            f"  Characters:    created {self.characters_created}, "
            f"linked {self.characters_linked}, updated {self.characters_updated}",
            f"  Quotes added:  {self.quotes_added}   Titles added: {self.titles_added}",
        ]
        if self.flags:
            lines.append(f"  Flags ({len(self.flags)}):")
            lines += [f"    - {text}" for text in self.flags]
        else:
            lines.append("  No issues flagged.")
        lines += NEXT_STEPS.splitlines()
        return lines


# --- value rules -----------------------------------------------------------------------------


def truthy(value: object) -> bool:
    """ROS-68: JSON true, the number 1 or the string "true" (any case, trimmed)."""
    if value is True:
        return True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value == 1
    if isinstance(value, str):
        return value.strip().casefold() == "true"
    return False


def text(value: object) -> str:
    """A sheet cell as trimmed text (numbers and booleans as written, null as "")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _squash(value: str) -> str:
    return _SPACES.sub("", value).casefold()


# --- the import ------------------------------------------------------------------------------


@dataclass
class _Member:
    """A sheet name resolved to a player (ROS-66)."""

    name: str
    player: Player | None  # None: skipped (flagged)
    created: bool = False
    updated: bool = False
    main_row: int | None = None  # the character row that set or claimed the main


class _Import:
    def __init__(self, data: dict, *, report: ImportReport, realm: str | None, overwrite: bool):
        self.data = data
        self.report = report
        self.overwrite = overwrite
        self.now = timezone.now()
        self.config = SiteConfig.get()
        self.realm_slug, self.realm_name = self._realm(realm)
        self.discord_ids = self._discord_ids(data.get("discordIds") or {})
        self.members: dict[str, _Member] = {}
        self.classes = {c.name.casefold(): c for c in PlayableClass.objects.all()}
        self.specs = {
            (spec.playable_class_id, _squash(spec.name)): spec
            for spec in Specialization.objects.select_related("playable_class", "default_role")
        }
        self.roles = {role.key: role for role in Role.objects.all()}
        ranks = list(GuildRank.objects.order_by("level"))
        self.new_rank = next((r for r in ranks if r.level == MEMBER_RANK_LEVEL), ranks[0])

    # --- setup ---

    def _realm(self, realm: str | None) -> tuple[str, str]:
        """ROS-63 / ROS-69: `--realm` by the identity realm rules, as the roster form reads a
        realm (`resolve_realm`); default the SiteConfig realm."""
        try:
            return resolve_realm(realm)
        except Refused as exc:
            raise Refused(f"'{(realm or '').strip()}' is not a realm name.") from exc

    @staticmethod
    def _discord_ids(raw: dict) -> dict[str, str]:
        ids = {}
        for name, value in raw.items():
            snowflake = text(value)
            if isinstance(value, float) or not re.fullmatch(r"[0-9]{17,20}", snowflake):
                continue  # flagged when the name is used (ROS-67)
            ids[str(name)] = snowflake
        return ids

    def discord_id_for(self, name: str) -> str:
        """ROS-66: the id of the exact name, then of the lower-cased name (then any case)."""
        raw = self.data.get("discordIds") or {}
        for candidate in (name, name.lower()):
            if candidate in self.discord_ids:
                return self.discord_ids[candidate]
        key = name.casefold()
        for candidate, snowflake in self.discord_ids.items():
            if candidate.strip().casefold() == key:
                return snowflake
        for candidate, value in raw.items():
            if str(candidate).strip().casefold() == key and text(value):
                self.report.flag(f"'{name}': Discord id '{text(value)}' is not valid -- ignored")
                break
        return ""

    # --- players (ROS-66, ROS-67) ---

    def run(self) -> None:
        availability = self.data.get("availability") or []
        characters = self.data.get("characters") or []
        # ROS-66: players from availability rows first, then character rows with new names.
        for row in [*availability, *characters]:
            if isinstance(row, dict) and text(row.get("discord")):
                self.member(text(row.get("discord")))
        self.import_availability(availability)
        self.import_characters(characters)
        self.import_quotes(self.data.get("mitoQuotes") or [], quote_rules.QUOTE)
        self.import_quotes(self.data.get("mitoTitles") or [], quote_rules.TITLE)
        for member in self.members.values():
            if member.created:
                self.report.players_created += 1
            elif member.updated:
                self.report.players_updated += 1

    def member(self, name: str) -> _Member:
        key = name.casefold()
        if key not in self.members:
            self.members[key] = self._resolve(name)
        return self.members[key]

    def _resolve(self, name: str) -> _Member:
        """ROS-66: Discord id -> its Player; Discord username -> its Player; display name
        (several -> "ambiguous name", skipped); else a new Player. Then ROS-67."""
        snowflake = self.discord_id_for(name)
        by_id = (
            DiscordUser.objects.filter(discord_id=snowflake).select_related("player").first()
            if snowflake
            else None
        )
        player = getattr(by_id, "player", None) if by_id else None
        if player is None:
            for user in DiscordUser.objects.filter(username__iexact=name).select_related("player"):
                if user.username.casefold() == name.casefold() and hasattr(user, "player"):
                    player = user.player
                    break
        if player is None:
            same_name = [
                p
                for p in Player.objects.filter(display_name__iexact=name)
                if p.display_name.casefold() == name.casefold()
            ]
            if len(same_name) > 1:
                self.report.flag(
                    f"'{name}': ambiguous name ({len(same_name)} players are called that)"
                    " -- skipped"
                )
                return _Member(name=name, player=None)
            player = same_name[0] if same_name else None
        member = _Member(name=name, player=player)
        if player is None:
            player = member.player = Player.objects.create(
                display_name=name, guild_rank=self.new_rank, rank_source=RankSource.AUTO
            )
            member.created = True
        for other in self.members.values():
            if other.player is not None and other.player.pk == player.pk:
                self.report.flag(f"'{name}': same member as '{other.name}' -- rows merged")
                break
        self._discord(member, snowflake, by_id)
        return member

    def _discord(self, member: _Member, snowflake: str, by_id: DiscordUser | None) -> None:
        """ROS-67: create the DiscordUser for a new id and link it to a player without one;
        an id linked to someone else is never moved; a name without an id is flagged."""
        player = member.player
        assert player is not None  # called for a resolved member only
        if not snowflake:
            if player.discord_user_id is None:
                self.report.flag(f"'{member.name}': no Discord id")
            return
        if by_id is None:
            by_id = DiscordUser.objects.create(
                discord_id=snowflake,
                username=member.name,
                display_name=member.name,
                is_present=False,
            )
            self.report.discord_created += 1
        owner = getattr(by_id, "player", None)
        if owner is not None and owner.pk != player.pk:
            self.report.flag(
                f"'{member.name}': Discord id {snowflake} is linked to {owner.display_name}"
                " -- not moved"
            )
            return
        if owner is None:
            if player.discord_user_id is not None:
                self.report.flag(
                    f"'{member.name}': already linked to another Discord user than {snowflake}"
                    " -- kept"
                )
                return
            player.discord_user = by_id
            player.save(update_fields=["discord_user", "updated_at"])
            self.report.discord_linked += 1
            member.updated = True

    # --- availability (ROS-68) ---

    def import_availability(self, rows: list) -> None:
        seen: dict[int, int] = {}
        for index, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                self.report.flag(f"availability row {index}: not an object -- skipped")
                continue
            name = text(row.get("discord"))
            if not name:
                self.report.flag(f"availability row {index}: no Discord name -- skipped")
                continue
            member = self.member(name)
            if member.player is None:
                continue
            if member.player.pk in seen:
                self.report.flag(
                    f"availability row {index} ('{name}'): duplicate of row "
                    f"{seen[member.player.pk]} -- skipped"
                )
                continue
            seen[member.player.pk] = index
            notes = text(row.get("notes"))
            if len(notes) > NOTES_MAX:
                self.report.flag(
                    f"availability row {index} ('{name}'): notes longer than {NOTES_MAX}"
                    " characters -- skipped"
                )
                continue
            self._write_availability(
                member,
                days=[n for n, day in enumerate(DAY_KEYS) if truthy(row.get(day))],
                auto_signup=truthy(row.get("autoSignup")),
                wants_reminders=truthy(row.get("wantsReminders")),
                notes=notes,
            )

    def _write_availability(
        self,
        member: _Member,
        *,
        days: list[int],
        auto_signup: bool,
        wants_reminders: bool,
        notes: str,
    ) -> None:
        player = member.player
        assert player is not None  # skipped members are left out by the caller
        prefs = RaidPreferences.objects.filter(player=player).first()
        if prefs is not None and prefs.updated_via in KEPT_SOURCES and not self.overwrite:
            self.report.availability_kept += 1
            return
        if prefs is not None:
            stored = dict(
                PlayerAvailability.objects.filter(player=player).values_list("weekday", "available")
            )
            wanted = {n: n in days for n in range(7)}
            if (
                stored == wanted
                and prefs.auto_signup == auto_signup
                and prefs.wants_reminders == wants_reminders
                and prefs.notes == notes
                and prefs.updated_via == UpdatedVia.IMPORT
            ):
                return  # ROS-65: nothing differs, nothing written
        save_availability(
            player,
            days=days,
            auto_signup=auto_signup,
            wants_reminders=wants_reminders,
            notes=notes,
            via=UpdatedVia.IMPORT,
        )
        self.report.availability_written += 1

    # --- characters (ROS-69) ---

    def import_characters(self, rows: list) -> None:
        seen: dict[int, int] = {}
        for index, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                self.report.flag(f"character row {index}: not an object -- skipped")
                continue
            name = text(row.get("character"))
            label = f"character row {index} ('{name}')" if name else f"character row {index}"
            discord = text(row.get("discord"))
            if not discord:
                self.report.flag(f"{label}: no Discord name -- skipped")
                continue
            if not name:
                self.report.flag(f"{label}: no character name -- skipped")
                continue
            member = self.member(discord)
            if member.player is None:
                self.report.flag(f"{label}: member '{discord}' was skipped -- skipped")
                continue
            character = self._character(label, name, text(row.get("class")))
            if character is None:
                continue
            if character.pk in seen:
                self.report.flag(f"{label}: duplicate of row {seen[character.pk]} -- skipped")
                continue
            seen[character.pk] = index
            self._link(label, member, character, row, index)

    def _character(self, label: str, name: str, class_text: str) -> WowCharacter | None:
        """ROS-69: by (name, realm slug); else a unique in-guild namesake on another realm
        (connected realms); else a new character, which needs a known class."""
        sheet_class = self.classes.get(class_text.casefold())
        character = WowCharacter.objects.by_name(name, self.realm_slug).first()
        if character is None:
            namesakes = list(
                WowCharacter.objects.filter(in_guild=True, name_key=name.casefold())
                .exclude(realm_slug=self.realm_slug)
                .order_by("pk")[:2]
            )
            if len(namesakes) == 1:
                character = namesakes[0]
            elif namesakes:
                self.report.flag(
                    f"{label}: several guild characters called {name} on other realms"
                    f" -- using {self.realm_name}"
                )
        if character is not None:
            if (
                sheet_class is not None
                and character.playable_class_id
                and character.playable_class_id != sheet_class.pk
            ):
                armory_class = character.playable_class
                assert armory_class is not None  # its id is set (the condition above)
                self.report.flag(
                    f"{label}: class '{class_text}' differs from the armory's"
                    f" {armory_class.name} -- ignored"
                )
            elif class_text and sheet_class is None:
                self.report.flag(f"{label}: unknown class '{class_text}' -- ignored")
            return character
        if sheet_class is None:
            self.report.flag(f"{label}: unknown class '{class_text}' -- skipped")
            return None
        self.report.characters_created += 1
        return WowCharacter.objects.create(
            name=name,
            realm_slug=self.realm_slug,
            realm_name=self.realm_name,
            playable_class=sheet_class,
            in_guild=False,
            first_seen_at=self.now,
        )

    def _spec_and_role(
        self, label: str, character: WowCharacter, row: dict, class_text: str
    ) -> tuple[Specialization | None, Role]:
        """ROS-69: spec by (class, name), case and spaces ignored; role by the four names,
        anything else Ranged DPS with a flag."""
        class_id = character.playable_class_id
        if class_id is None:
            sheet_class = self.classes.get(class_text.casefold())
            class_id = sheet_class.pk if sheet_class else None
        spec_text = text(row.get("spec"))
        # No class, no spec: every stored spec has a class.
        spec = (
            self.specs.get((class_id, _squash(spec_text)))
            if spec_text and class_id is not None
            else None
        )
        if spec_text and spec is None:
            self.report.flag(f"{label}: unknown spec '{spec_text}'")
        role_text = text(row.get("role"))
        role_key = SHEET_ROLES.get(_squash(role_text))
        if role_key is None:
            self.report.flag(f"{label}: unknown role '{role_text}' -> Ranged")
            role_key = FALLBACK_ROLE
        return spec, self.roles[role_key]

    def _link(
        self, label: str, member: _Member, character: WowCharacter, row: dict, index: int
    ) -> None:
        player = member.player
        assert player is not None  # skipped members are left out by the caller
        spec, role = self._spec_and_role(label, character, row, text(row.get("class")))
        link = PlayerCharacter.objects.filter(character=character).first()
        if link is None:
            if character.automatch_blocked:
                self.report.flag(f"{label}: {character} was unlinked by an officer -- not linked")
                return
            try:
                link = link_character(
                    player=player,
                    character=character,
                    source=LinkSource.IMPORT,
                    confidence=Confidence.HIGH,
                    confirmed=False,
                ).link
            except Refused:  # IDN-12: the character has another owner
                self.report.flag(f"{label}: {character} is linked to another member -- unchanged")
                return
            self.report.characters_linked += 1
            new_link = True
        elif link.player_id != player.pk:
            self.report.flag(f"{label}: {character} is linked to another member -- unchanged")
            return
        else:
            new_link = False
        wanted = {"on_raid_roster": True, "raid_spec_id": spec.pk if spec else None}
        wanted["raid_role_id"] = role.pk
        changed = [name for name, value in wanted.items() if getattr(link, name) != value]
        if changed:
            for name in changed:
                setattr(link, name, wanted[name])
            link.save(update_fields=[name.removesuffix("_id") for name in changed])
            if not new_link:
                self.report.characters_updated += 1
        if text(row.get("mainAlt")).casefold() == "main":
            self._main(label, member, character, spec, index)

    def _main(
        self,
        label: str,
        member: _Member,
        character: WowCharacter,
        spec: Specialization | None,
        index: int,
    ) -> None:
        """ROS-69: "main" sets the player's main when none is set yet; a second main row for
        the same player is flagged and the first kept."""
        if member.main_row is not None:
            self.report.flag(
                f"{label}: second main for '{member.name}' -- row {member.main_row} kept"
            )
            return
        member.main_row = index
        player = member.player
        assert player is not None  # skipped members are left out by _link's caller
        if player.main_character_id is not None:
            return
        player.main_character = character
        fields = ["main_character", "updated_at"]
        if spec is not None and spec.playable_class_id == character.playable_class_id:
            player.main_spec = spec
            fields.append("main_spec")
        player.save(update_fields=fields)
        if not member.created:
            member.updated = True

    # --- quotes (ROS-70) ---

    def import_quotes(self, values: list, kind: str) -> None:
        known = quote_rules.existing_keys(kind)
        model = Quote if kind == quote_rules.QUOTE else QuoteTitle
        label = "quote" if kind == quote_rules.QUOTE else "title"
        for index, value in enumerate(values, start=1):
            if not isinstance(value, str):
                if value is not None:
                    self.report.flag(f"{label} {index}: not text -- skipped")
                continue
            value = value.strip()
            if not value or quote_rules.text_key(value) in known:
                continue
            if len(value) > quote_rules.MAX_LENGTH[kind]:
                self.report.flag(f"{label} {index}: {quote_rules.TOO_LONG[kind]} -- skipped")
                continue
            model.objects.create(text=value)
            known.add(quote_rules.text_key(value))
            if kind == quote_rules.QUOTE:
                self.report.quotes_added += 1
            else:
                self.report.titles_added += 1


class _DryRunRollback(Exception):
    pass


def import_export(
    data: object,
    *,
    source: str,
    realm: str | None = None,
    overwrite: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """ROS-63 … ROS-72: import the export `data`; returns the report.

    One transaction; `dry_run` runs everything and rolls back. Raises Refused for
    fatal problems (bad shape, success=false, no reference data) before writing anything.
    """
    validate_export(data)
    assert isinstance(data, dict)  # validate_export refused anything else
    check_reference_data()
    report = ImportReport(source=source, dry_run=dry_run)
    try:
        with transaction.atomic():
            _Import(data, report=report, realm=realm, overwrite=overwrite).run()
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    return report
