"""Reference data and the rank ladder (issue 14; README §2): classes, specs and roles match
this platform's seeded rows; ranks match by name, then level."""

import re

from identity.models import GuildRank, PlayableClass, Role, Specialization
from legacy.importer.context import Context

DIGITS = re.compile(r"^[0-9]{1,20}$")

# The legacy Discord role names are hard-coded per level (README §2, guild_ranks).
LEGACY_ROLE_NAMES = {5: "GM", 4: "Officer", 3: "Veteran", 2: "Member", 1: "Initiate"}


def import_reference(ctx: Context) -> None:
    """ref.classes by Blizzard class id, ref.specializations by (class, name) and
    guild_identity.roles by name: merged into this platform's reference rows, or reported."""
    classes = {c.blizzard_id: c for c in PlayableClass.objects.all()}
    table = "ref.classes"
    class_of_legacy: dict[int, PlayableClass] = {}
    for row in ctx.legacy_rows(table):
        target = classes.get(row["blizzard_class_id"])
        if target is not None:
            class_of_legacy[row["id"]] = target
    for row in ctx.read(table):
        target = class_of_legacy.get(row["id"])
        if target is None:
            ctx.reported(
                table,
                row["id"],
                why=f"class {row['name']!r} has no Blizzard class id this platform knows "
                f"({row['blizzard_class_id']}); characters of it are imported without a class",
            )
        else:
            ctx.merged(table, row["id"], target, why="the same class in this platform's data")
    ctx.ids[table] = {**ctx.ids.get(table, {}), **class_of_legacy}

    specs = {
        (s.playable_class_id, s.name.casefold()): s
        for s in Specialization.objects.select_related("playable_class")
    }
    table = "ref.specializations"
    spec_of_legacy = {}
    for row in ctx.legacy_rows(table):
        playable = class_of_legacy.get(row["class_id"])
        target = specs.get((playable.pk, row["name"].casefold())) if playable else None
        if target is not None:
            spec_of_legacy[row["id"]] = target
    for row in ctx.read(table):
        target = spec_of_legacy.get(row["id"])
        if target is None:
            ctx.reported(
                table,
                row["id"],
                why=f"spec {row['name']!r} matches no spec of its class here; characters and "
                "mains with it are imported without a spec",
            )
        else:
            ctx.merged(table, row["id"], target, why="the same spec (class and name)")
    ctx.ids[table] = {**ctx.ids.get(table, {}), **spec_of_legacy}

    roles = {r.name.casefold(): r for r in Role.objects.all()}
    table = "guild_identity.roles"
    for row in ctx.read(table):
        role = roles.get(row["name"].casefold())
        if role is None:
            ctx.reported(table, row["id"], why=f"role {row['name']!r} has no equivalent here")
        else:
            ctx.merged(table, row["id"], role, why="the same combat role")


def import_ranks(ctx: Context) -> None:
    """common.guild_ranks → GuildRank (matched by name, then level; copies the in-game index,
    Discord role id and description) and common.rank_wow_mapping (extra indices reported)."""
    table = "common.guild_ranks"
    targets = list(GuildRank.objects.all())
    by_name = {r.name.casefold(): r for r in targets}
    by_level = {r.level: r for r in targets}
    rank_of: dict[int, GuildRank] = {}
    rows = ctx.legacy_rows(table)
    new_rows = {row["id"] for row in ctx.read(table)}
    created: list[tuple[GuildRank, int]] = []
    for row in rows:
        if row["id"] in ctx.ids.get(table, {}) and row["id"] not in new_rows:
            found = next((r for r in targets if r.pk == ctx.pk(table, row["id"])), None)
            if found is not None:
                rank_of[row["id"]] = found
            continue
        if row["id"] not in new_rows:
            continue  # reported by an earlier run
        target = by_name.get(row["name"].casefold()) or by_level.get(row["level"])
        if target is not None:
            why = "same name" if target.name.casefold() == row["name"].casefold() else "same level"
            ctx.merged(table, row["id"], target, why=f"the rank {target.name!r} here ({why})")
            rank_of[row["id"]] = target
        elif row["level"] < 1:
            ctx.reported(
                table,
                row["id"],
                why=f"rank {row['name']!r} has level {row['level']}: levels start at 1 here; "
                "add the rank in the admin and re-rank its members",
            )
        else:
            rank = GuildRank(
                name=row["name"][:64],
                level=row["level"],
                discord_role_name=LEGACY_ROLE_NAMES.get(row["level"], ""),
            )
            by_name[row["name"].casefold()] = by_level[row["level"]] = rank
            rank_of[row["id"]] = rank
            created.append((rank, row["id"]))
            ctx.imported(table, row["id"], rank)
    ctx.create(
        GuildRank,
        [rank for rank, _ in created],
        table=table,
        legacy_ids=[legacy_id for _, legacy_id in created],
    )
    # Copy the in-game index, role id and description of every matched or new rank. The
    # indices are cleared first: one UPDATE may not swap two unique values.
    wanted_index: dict[int, int | None] = {}
    for row in rows:
        rank = rank_of.get(row["id"])
        if rank is None or row["id"] not in new_rows:
            continue
        index = row["wow_rank_index"]
        if index is not None and index >= 0 and index not in wanted_index.values():
            wanted_index[rank.pk] = index
        role_id = (row["discord_role_id"] or "").strip()
        if DIGITS.match(role_id) and not any(
            r.discord_role_id == role_id and r.pk != rank.pk for r in by_level.values()
        ):
            rank.discord_role_id = role_id
        if row["description"]:
            rank.description = row["description"]
    if wanted_index:
        everyone = list(by_level.values())
        for rank in everyone:
            if rank.pk in wanted_index:
                rank.wow_rank_index = wanted_index[rank.pk]
            elif rank.wow_rank_index in wanted_index.values():
                rank.wow_rank_index = None
        GuildRank.objects.filter(pk__in=[r.pk for r in everyone]).update(wow_rank_index=None)
        ctx.update(GuildRank, everyone, ["wow_rank_index", "discord_role_id", "description"])
    ctx.ids[table] = {**ctx.ids.get(table, {}), **rank_of}
    ctx.ranks = {r.pk: r for r in by_level.values()}

    table = "common.rank_wow_mapping"
    for row in ctx.read(table):
        rank = rank_of.get(row["guild_rank_id"])
        if rank is not None and rank.wow_rank_index == row["wow_rank_index"]:
            ctx.merged(table, row["id"], rank, why="the rank's own in-game index")
        else:
            name = rank.name if rank else f"legacy rank #{row['guild_rank_id']}"
            ctx.reported(
                table,
                row["id"],
                why=f"in-game rank index {row['wow_rank_index']} → {name}: a rank holds one "
                "in-game index here; characters at this index get no rank until an officer "
                "sets it in the admin",
            )
