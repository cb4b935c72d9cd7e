"""Discord users, website accounts, characters, players and their links (issue 14; README
§2-§4). The legacy database allows what the new one refuses (case duplicates, a character of
two players, a main that is not the player's own); each such row is merged or reported."""

from collections import defaultdict
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from identity.models import (
    CharacterNameHistory,
    DiscordUser,
    Player,
    PlayerCharacter,
    WowCharacter,
)
from legacy.importer.context import Context
from legacy.importer.reference import DIGITS
from legacy.importer.source import Row

PLACEHOLDER_REALM = "unknown"
BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")

# README §2, player_characters: legacy link_source → (link_source, confidence, confirmed).
LINK_SOURCES = {
    "note_key": ("guild_note", None, False),
    "note_key_stub": ("guild_note", "low", False),
    "exact_name": ("exact_name", "high", False),
    "fuzzy_name": ("fuzzy", "medium", False),
    "manual": ("manual", "high", True),
    "manual_claim": ("roster_form", "medium", False),
    "self_service": ("roster_form", "medium", False),
    "battlenet_oauth": ("import", "high", False),
}
LINK_STRENGTH = {"manual": 0, "battlenet_oauth": 1, "exact_name": 2, "note_key": 3}
# Legacy Discord role names (hard-coded) → the level of the rank that holds them.
ROLE_LEVELS = {"gm": 5, "guild leader": 5, "officer": 4, "veteran": 3, "member": 2, "initiate": 1}


def _now() -> datetime:
    return timezone.now()


def import_discord_users(ctx: Context) -> None:
    """guild_identity.discord_users → DiscordUser (by Discord id; '' or non-digits reported)."""
    table = "guild_identity.discord_users"
    existing = dict(DiscordUser.objects.values_list("discord_id", "pk"))
    rank_by_role = {
        rank.discord_role_name.casefold(): rank
        for rank in ctx.ranks.values()
        if rank.discord_role_name
    }
    by_level = {rank.level: rank for rank in ctx.ranks.values()}
    new, ids = [], []
    for row in ctx.read(table):
        discord_id = (row["discord_id"] or "").strip()
        if not DIGITS.match(discord_id):
            ctx.reported(
                table,
                row["id"],
                why=f"Discord id {row['discord_id']!r} is not a Discord id (digits); the next "
                "Discord sync adds the member if they are on the server",
            )
            continue
        if discord_id in existing:
            ctx.merged(
                table,
                row["id"],
                existing[discord_id],
                model=DiscordUser,
                why="this Discord id is already here",
            )
            continue
        present = row["is_present"] is True
        role = (row["highest_guild_role"] or "").strip().casefold()
        rank = rank_by_role.get(role) or by_level.get(ROLE_LEVELS.get(role, -1))
        user = DiscordUser(
            discord_id=discord_id,
            username=row["username"][:64],
            display_name=(row["display_name"] or "")[:100],
            highest_guild_role=rank,
            joined_at=row["joined_server_at"],
            is_present=present,
            left_at=None if present else row["removed_at"],
            first_seen_at=row["first_seen"] or row["joined_server_at"] or _now(),
            last_synced_at=row["last_sync"],
        )
        existing[discord_id] = user
        new.append(user)
        ids.append(row["id"])
        change = "" if row["is_present"] is not None else "is_present was NULL: not present"
        ctx.imported(table, row["id"], user, change=change)
    ctx.create(DiscordUser, new, table=table, legacy_ids=ids)


def import_users(ctx: Context) -> None:
    """common.users → Django users. The login name stays the legacy login name (lower case);
    a bcrypt hash becomes `bcrypt$<hash>` so the password keeps working (upgraded to PBKDF2 at
    the next sign-in). Accounts linked to no player are reported."""
    table = "common.users"
    User = get_user_model()
    linked = {
        row["website_user_id"]
        for row in ctx.legacy_rows("guild_identity.players")
        if row["website_user_id"] is not None
    }
    taken = {name.casefold() for name in User.objects.values_list("username", flat=True)}
    new, ids = [], []
    for row in ctx.read(table):
        login = (row["email"] or "").strip().lower()
        if row["id"] not in linked:
            ctx.reported(
                table,
                row["id"],
                why=f"website account {login!r} belongs to no player: not imported; the member "
                "can register again with an invite code",
            )
            continue
        if not login or len(login) > 150 or login.casefold() in taken:
            ctx.reported(
                table,
                row["id"],
                why=f"login name {login!r} is empty, too long or taken (ignoring case) by "
                "another account: the player is imported without an account; send them an "
                "invite code",
            )
            continue
        taken.add(login.casefold())
        hashed = row["password_hash"] or ""
        change = ""
        if hashed.startswith(BCRYPT_PREFIXES):
            password = f"bcrypt${hashed}"
        else:
            password = make_password(None)
            change = "password hash is not bcrypt: unusable password, reset needed"
        active = row["is_active"] is True
        if row["is_active"] is None:
            change = "; ".join(filter(None, [change, "is_active was NULL: inactive"]))
        user = User(
            username=login,
            password=password,
            is_active=active,
            last_login=row["last_login_at"],
            date_joined=row["created_at"] or _now(),
        )
        new.append(user)
        ids.append(row["id"])
        ctx.imported(table, row["id"], user, change=change)
    ctx.create(User, new, table=table, legacy_ids=ids)


def _ms(value: int | None) -> datetime | None:
    if value is None or value <= 0:
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def import_characters(ctx: Context) -> None:
    """guild_identity.wow_characters → WowCharacter.

    Rows equal ignoring case (or after casefold: ß/ss) on one realm are one character: the
    Blizzard-synced row (else the one still in the guild, else the oldest) is imported and the
    others merged into it. A row on the placeholder realm `unknown` is merged into the one
    character of that name on a real realm, reported when several exist, imported as is when
    none does. Never merged across real realms.
    """
    table = "guild_identity.wow_characters"
    rows = ctx.read(table)
    existing = {
        (c.name_key, c.realm_slug): c
        for c in WowCharacter.objects.only("pk", "name", "name_key", "realm_slug", "blizzard_id")
    }
    by_blizzard = {c.blizzard_id: c for c in existing.values() if c.blizzard_id}
    classes = ctx.ids.get("ref.classes", {})
    specs = ctx.ids.get("ref.specializations", {})
    ranks = ctx.ids.get("common.guild_ranks", {})

    def preference(row: Row) -> tuple:
        return (row["blizzard_character_id"] is None, row["removed_at"] is not None, row["id"])

    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        if not row["character_name"].strip() or not row["realm_slug"].strip():
            ctx.reported(
                table,
                row["id"],
                why="a character without a name or realm: nothing to identify it by; its "
                "links and issues are reported with it",
            )
            continue
        groups[(row["character_name"].casefold(), row["realm_slug"])].append(row)
    real_names: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key in [*groups, *existing]:
        if key[1] != PLACEHOLDER_REALM and key not in real_names[key[0]]:
            real_names[key[0]].append(key)

    new, ids = [], []
    kept: dict[tuple[str, str], WowCharacter] = dict(existing)
    placeholder: list[Row] = []
    for key, members in groups.items():
        if key[1] == PLACEHOLDER_REALM and real_names.get(key[0]):
            placeholder.extend(members)
            continue
        members.sort(key=preference)
        first, rest = members[0], members[1:]
        target = kept.get(key) or by_blizzard.get(first["blizzard_character_id"])
        if target is not None:
            for row in members:
                ctx.merged(table, row["id"], target, why="this character is already here")
            continue
        character = _character(first, classes, specs, ranks, ctx)
        if character.blizzard_id in by_blizzard:
            character.blizzard_id = None
        if character.blizzard_id:
            by_blizzard[character.blizzard_id] = character
        kept[key] = character
        new.append(character)
        ids.append(first["id"])
        ctx.imported(table, first["id"], character, change=character._legacy_change)
        for row in rest:
            same_lower = row["character_name"].lower() == first["character_name"].lower()
            why = (
                f"{row['character_name']!r} and {first['character_name']!r} on "
                f"{row['realm_slug']} differ only in "
                + ("case" if same_lower else "case folding (ß = ss)")
                + ": one character"
            )
            ctx.merged(table, row["id"], character, why=why)
    for row in placeholder:
        name_key = row["character_name"].casefold()
        candidates = real_names[name_key]
        if len(candidates) == 1:
            ctx.merged(
                table,
                row["id"],
                kept[candidates[0]],
                why=f"placeholder realm 'unknown': the one {row['character_name']!r} is on "
                f"{candidates[0][1]}",
            )
        else:
            realms = ", ".join(sorted(realm for _, realm in candidates))
            ctx.reported(
                table,
                row["id"],
                why=f"{row['character_name']!r} on the placeholder realm 'unknown' matches "
                f"characters on {realms}: link the right one by hand",
            )
    ctx.create(WowCharacter, new, table=table, legacy_ids=ids)


def _character(row: Row, classes: dict, specs: dict, ranks: dict, ctx: Context) -> WowCharacter:
    changes = []
    playable = classes.get(row["class_id"]) if row["class_id"] else None
    spec = specs.get(row["active_spec_id"]) if row["active_spec_id"] else None
    if spec is not None and playable is not None and spec.playable_class_id != playable.pk:
        changes.append("active spec of another class dropped")
        spec = None
    rank = ranks.get(row["guild_rank_id"]) if row["guild_rank_id"] else None
    if isinstance(rank, int):
        rank = ctx.ranks.get(rank)
    notes = {}
    for column in ("guild_note", "officer_note"):
        text = row[column] or ""
        if len(text) > 255:
            changes.append(f"{column} cut to 255 characters (was {len(text)}): {text!r}")
        notes[column] = text[:255]
    realm_name = row["realm_name"] or ""
    in_guild = bool(row["in_guild"]) and row["removed_at"] is None
    character = WowCharacter(
        blizzard_id=row["blizzard_character_id"],
        name=row["character_name"],
        name_key=row["character_name"].casefold(),
        realm_slug=row["realm_slug"],
        realm_name="" if realm_name == "Unknown" else realm_name[:64],
        playable_class=playable,
        active_spec=spec,
        level=row["level"],
        item_level=row["item_level"],
        race=(row["race"] or "")[:64],
        guild_rank=rank,
        guild_rank_index=rank.wow_rank_index if rank is not None else None,
        guild_note=notes["guild_note"],
        officer_note=notes["officer_note"],
        last_login_at=_ms(row["last_login_timestamp"]),
        in_guild=in_guild,
        first_seen_at=row["first_seen"] or _now(),
        left_guild_at=row["removed_at"] if not in_guild else None,
        last_blizzard_sync_at=row["blizzard_last_sync"],
        last_addon_sync_at=row["addon_last_sync"],
    )
    character._legacy_change = "; ".join(changes)
    return character


def import_players_and_links(ctx: Context) -> None:
    """guild_identity.players → Player and guild_identity.player_characters → PlayerCharacter.

    A stub player (no Discord user, no website account) whose name equals one real player's
    name ignoring case is merged into that player. A character reached by several links
    (case-duplicate rows, merged stubs) keeps the strongest link (manual first, then by
    source, then the oldest); a link to another player is reported. Mains and off-specs are
    kept only when the character ends up the player's own and the spec fits its class
    (IDN-13).
    """
    table = "guild_identity.players"
    rows = ctx.read(table)
    discord_taken = dict(
        Player.objects.filter(discord_user__isnull=False).values_list("discord_user_id", "pk")
    )
    user_taken = set(Player.objects.filter(user__isnull=False).values_list("user_id", flat=True))

    def is_stub(row: Row) -> bool:
        return row["discord_user_id"] is None and row["website_user_id"] is None

    real_by_name: dict[str, list[Row]] = defaultdict(list)
    for row in ctx.legacy_rows(table):
        if not is_stub(row):
            real_by_name[row["display_name"].strip().casefold()].append(row)

    new_players: dict[int, Player] = {}
    # (row, ("legacy", legacy player id) or ("target", Player or pk), why)
    merges: list[tuple[Row, tuple[str, object], str]] = []
    for row in rows:
        discord_pk = ctx.pk("guild_identity.discord_users", row["discord_user_id"])
        if discord_pk is not None and discord_pk in discord_taken:
            merges.append(
                (row, ("target", discord_taken[discord_pk]), "the player of this Discord user")
            )
            continue
        twins = real_by_name.get(row["display_name"].strip().casefold(), [])
        if is_stub(row) and len(twins) == 1:
            merges.append(
                (
                    row,
                    ("legacy", twins[0]["id"]),
                    f"stub player (no Discord user, no account): same name as "
                    f"{twins[0]['display_name']!r} ignoring case",
                )
            )
            continue
        rank_pk = ctx.pk("common.guild_ranks", row["guild_rank_id"])
        user_pk = ctx.pk("common.users", row["website_user_id"])
        changes = []
        if row["website_user_id"] is not None and (user_pk is None or user_pk in user_taken):
            changes.append("website account not imported (see common.users)")
            user_pk = None
        if row["discord_user_id"] is not None and discord_pk is None:
            changes.append("Discord user not imported (see guild_identity.discord_users)")
        if row["is_active"] is None:
            changes.append("is_active was NULL: inactive")
        player = Player(
            display_name=row["display_name"][:100],
            discord_user_id=discord_pk,
            user_id=user_pk,
            guild_rank_id=rank_pk,
            rank_source="manual"
            if row["guild_rank_source"] in ("admin_override", "manual")
            else "auto",
            is_active=row["is_active"] is True,
            notes=row["notes"] or "",
        )
        if discord_pk is not None:
            discord_taken[discord_pk] = player
        if user_pk is not None:
            user_taken.add(user_pk)
        player._legacy_changes = changes
        new_players[row["id"]] = player
    merged_into = {row["id"]: target for row, target, _ in merges}

    def player_of(legacy_id: int, depth: int = 0):
        """The new player (object or pk) a legacy player id ends in."""
        if legacy_id in new_players:
            return new_players[legacy_id]
        if legacy_id in merged_into and depth < 5:
            kind, value = merged_into[legacy_id]
            return player_of(value, depth + 1) if kind == "legacy" else value
        return ctx.ids.get(table, {}).get(legacy_id)

    # The link plan: which player each character ends with.
    link_table = "guild_identity.player_characters"
    link_rows = ctx.read(link_table)
    chars = ctx.ids.get("guild_identity.wow_characters", {})
    existing_links = dict(PlayerCharacter.objects.values_list("character_id", "player_id"))

    def strength(row: Row) -> tuple:
        return (LINK_STRENGTH.get(row["link_source"], 9), row["created_at"] or _now(), row["id"])

    by_character: dict[int, list[Row]] = defaultdict(list)  # character pk → its links
    link_outcome: list[tuple[Row, str, object, str]] = []
    for row in link_rows:
        character = chars.get(row["character_id"])
        owner = player_of(row["player_id"])
        if character is None or owner is None:
            what = "its character" if character is None else "its player"
            link_outcome.append((row, "reported", None, f"{what} was not imported"))
            continue
        by_character[_key(character)].append(row)
    for char_pk, members in by_character.items():
        members.sort(key=strength)
        first_owner = player_of(members[0]["player_id"])
        if char_pk in existing_links:
            first_owner = existing_links[char_pk]
            winner = None
        else:
            winner = members[0]
        for row in members:
            owner = player_of(row["player_id"])
            if row is winner:
                link_outcome.append((row, "imported", owner, ""))
            elif _same(owner, first_owner):
                link_outcome.append(
                    (row, "merged", first_owner, "the same player's link to the same character")
                )
            else:
                link_outcome.append(
                    (
                        row,
                        "reported",
                        None,
                        f"character linked to two players: kept with "
                        f"{_player_name(first_owner)}, not with {_player_name(owner)} "
                        f"(legacy source {row['link_source']}); check the link in the admin",
                    )
                )

    # Mains and off-specs: the player's own character, a spec of its class.
    specs = ctx.ids.get("ref.specializations", {})
    own: dict[object, set] = defaultdict(set)  # player key → pks of its characters
    for row, bucket, owner, _ in link_outcome:
        if bucket == "imported":
            own[_key(owner)].add(_key(chars[row["character_id"]]))
    legacy_players = ctx.by_id(table)
    for legacy_id, player in new_players.items():
        row = legacy_players[legacy_id]
        for label, char_col, spec_col, char_attr, spec_attr in (
            ("main", "main_character_id", "main_spec_id", "main_character", "main_spec"),
            (
                "off-spec",
                "offspec_character_id",
                "offspec_spec_id",
                "offspec_character",
                "offspec_spec",
            ),
        ):
            character = chars.get(row[char_col]) if row[char_col] else None
            spec = specs.get(row[spec_col]) if row[spec_col] else None
            if row[char_col] and (character is None or _key(character) not in own[_key(player)]):
                player._legacy_changes.append(f"{label} character is not this player's: dropped")
                character = None
            if spec is not None and character is None:
                player._legacy_changes.append(f"{label} spec without its character: dropped")
                spec = None
            elif (
                spec is not None
                and isinstance(character, WowCharacter)
                and character.playable_class_id
                and spec.playable_class_id != character.playable_class_id
            ):
                player._legacy_changes.append(f"{label} spec of another class: dropped")
                spec = None
            if isinstance(character, int):
                setattr(player, f"{char_attr}_id", character)
            else:
                setattr(player, char_attr, character)
            setattr(player, spec_attr, spec)

    for legacy_id, player in new_players.items():
        ctx.imported(table, legacy_id, player, change="; ".join(player._legacy_changes))
    for row, _, why in merges:
        ctx.merged(table, row["id"], player_of(row["id"]), model=Player, why=why)
    ctx.create(Player, list(new_players.values()), table=table, legacy_ids=list(new_players))
    # auto_now_add stamped the import time: keep the legacy creation time.
    for legacy_id, player in new_players.items():
        player.created_at = legacy_players[legacy_id]["created_at"] or player.created_at
    ctx.update(Player, list(new_players.values()), ["created_at"])

    links, link_ids = [], []
    for row, bucket, owner, why in link_outcome:
        if bucket == "reported":
            ctx.reported(link_table, row["id"], why=why)
            continue
        if bucket == "merged":
            ctx.merged(link_table, row["id"], owner, model=Player, why=why)
            continue
        character = chars[row["character_id"]]
        source, confidence, confirmed = LINK_SOURCES.get(
            row["link_source"], ("import", "low", False)
        )
        legacy_confidence = row["confidence"]
        if confidence is None:
            confidence = (
                legacy_confidence if legacy_confidence in ("high", "medium", "low") else "low"
            )
        link = PlayerCharacter(
            character_id=character if isinstance(character, int) else character.pk,
            player_id=owner if isinstance(owner, int) else owner.pk,
            link_source=source,
            confidence=confidence,
            confirmed=confirmed,
            linked_at=row["created_at"] or _now(),
            confirmed_at=row["created_at"] if confirmed else None,
        )
        links.append(link)
        link_ids.append(row["id"])
        ctx.imported(link_table, row["id"], link)
    ctx.create(PlayerCharacter, links, table=link_table, legacy_ids=link_ids)


def _key(obj: object) -> object:
    """A character's or player's identity: its pk once saved, else the object itself."""
    if isinstance(obj, int):
        return obj
    pk = getattr(obj, "pk", None)
    return pk if pk is not None else ("new", id(obj))


def _same(a: object, b: object) -> bool:
    pa = a if isinstance(a, int) else getattr(a, "pk", None)
    pb = b if isinstance(b, int) else getattr(b, "pk", None)
    return a is b or (pa is not None and pa == pb)


def _player_name(player: object) -> str:
    return getattr(player, "display_name", None) or f"player #{player}"


def import_name_history(ctx: Context) -> None:
    """guild_identity.character_name_history → CharacterNameHistory: the new name is the next
    history row's name of the same character, else its current name."""
    table = "guild_identity.character_name_history"
    rows = ctx.read(table)
    chars = ctx.ids.get("guild_identity.wow_characters", {})
    current = ctx.by_id("guild_identity.wow_characters")
    history: dict[int, list[Row]] = defaultdict(list)
    for row in ctx.legacy_rows(table):
        history[row["wow_character_id"]].append(row)
    for members in history.values():
        members.sort(key=lambda r: (r["recorded_at"], r["id"]))
    new, ids = [], []
    for row in rows:
        character = chars.get(row["wow_character_id"])
        if character is None:
            ctx.reported(table, row["id"], why="its character was not imported")
            continue
        members = history[row["wow_character_id"]]
        position = members.index(row)
        if position + 1 < len(members):
            after = members[position + 1]
            new_name, new_realm = after["character_name"], after["realm_slug"]
        else:
            legacy_char = current[row["wow_character_id"]]
            new_name, new_realm = legacy_char["character_name"], legacy_char["realm_slug"]
        entry = CharacterNameHistory(
            character_id=character if isinstance(character, int) else character.pk,
            old_name=row["character_name"],
            old_realm_slug=row["realm_slug"],
            new_name=new_name,
            new_realm_slug=new_realm,
            changed_at=row["recorded_at"],
            reason=CharacterNameHistory.Reason.RENAME,
        )
        new.append(entry)
        ids.append(row["id"])
        ctx.imported(table, row["id"], entry)
    ctx.create(CharacterNameHistory, new, table=table, legacy_ids=ids)
