"""Bulk upserts of the plan's rows: Discord users, characters, players and their links.

Rows are found again by natural keys (Discord id, character name key + realm, player Discord
user / display name, the linked character), so writing a plan twice leaves the same rows.
They are written in bulk rather than through `link_character` one at a time, so `--players
1000` stays fast; every model constraint still holds (manual links are high and confirmed,
main/off-spec characters are the player's own and specs fit their class).
"""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.db.models import Model

from identity.demo.core import EXTRA_ROLE_IDS
from identity.demo.names import REALMS
from identity.demo.plan import CharacterPlan, DiscordPlan, PlayerPlan
from identity.models import (
    Confidence,
    DiscordUser,
    GuildRank,
    LinkSource,
    PlayableClass,
    Player,
    PlayerCharacter,
    RankSource,
    Specialization,
    WowCharacter,
)
from identity.services.ranks import highest_guild_role

BATCH_SIZE = 500
# SQLite allows 999 parameters in one query: the size of the `__in` lookups.
LOOKUP_SIZE = 900

Progress = Callable[[str, int, int], None]


def ago(now: datetime, days: float | None) -> datetime | None:
    return None if days is None else now - timedelta(days=days)


def chunks(items: list, size: int = BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bulk_upsert(
    model: type[Model],
    rows: list[Model],
    *,
    unique_fields: list[str],
    update_fields: list[str],
    progress: Progress | None = None,
    label: str = "",
) -> None:
    """Insert `rows`, updating `update_fields` where `unique_fields` exist, in batches.

    With `progress`, report `label` after each batch of BATCH_SIZE rows.
    """
    for done, batch in enumerate(chunks(rows), start=1):
        model.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=unique_fields,
            update_fields=update_fields,
        )
        if progress:
            progress(label, min(done * BATCH_SIZE, len(rows)), len(rows))


def ranks_by_index(ladder: list[GuildRank]) -> dict[int, GuildRank]:
    return {rank.wow_rank_index: rank for rank in ladder if rank.wow_rank_index is not None}


def _specs() -> dict[tuple[str, str], Specialization]:
    """Every spec by (class name, spec name), the way the plan names them."""
    return {(s.playable_class.name, s.name): s for s in Specialization.objects.select_related()}


def upsert_discord_users(
    plans: list[DiscordPlan], ladder: list[GuildRank], now: datetime, progress: Progress | None
) -> dict[str, DiscordUser]:
    role_by_index = {
        rank.wow_rank_index: rank.discord_role_id for rank in ladder if rank.discord_role_id
    }
    rows = []
    for plan in plans:
        role_ids = [role_by_index[plan.rank_index]] if plan.rank_index in role_by_index else []
        role_ids += [EXTRA_ROLE_IDS[name] for name in plan.extra_roles]
        joined = ago(now, plan.joined_days)
        rows.append(
            DiscordUser(
                discord_id=plan.discord_id,
                username=plan.username,
                display_name=plan.display_name,
                role_ids=role_ids,
                highest_guild_role=highest_guild_role(role_ids, ladder=ladder),
                joined_at=joined,
                is_present=plan.is_present,
                left_at=ago(now, plan.left_days),
                first_seen_at=joined,
                last_synced_at=now - timedelta(minutes=7),
            )
        )
    bulk_upsert(
        DiscordUser,
        rows,
        unique_fields=["discord_id"],
        update_fields=[
            "username",
            "display_name",
            "role_ids",
            "highest_guild_role",
            "joined_at",
            "is_present",
            "left_at",
            "first_seen_at",
            "last_synced_at",
        ],
        progress=progress,
        label="Discord users",
    )
    return {row.discord_id: row for row in rows}


def _last_blizzard_sync(plan: CharacterPlan, now: datetime) -> datetime | None:
    """The last roster that listed the character; never, without a Blizzard id."""
    if not plan.blizzard_id:
        return None
    return ago(now, plan.left_days) if plan.left_days else now - timedelta(hours=2)


def upsert_characters(
    plans: list[CharacterPlan], ladder: list[GuildRank], now: datetime, progress: Progress | None
) -> dict[tuple[str, str], WowCharacter]:
    rank_by_index = ranks_by_index(ladder)
    classes = {c.name: c for c in PlayableClass.objects.all()}
    specs = _specs()
    rows = [
        WowCharacter(
            blizzard_id=plan.blizzard_id,
            name=plan.name,
            name_key=plan.name.casefold(),  # bulk_create skips save(), which sets it
            realm_slug=plan.realm_slug,
            realm_name=REALMS[plan.realm_slug],
            playable_class=classes[plan.class_name],
            active_spec=specs.get((plan.class_name, plan.spec_name)),
            level=plan.level,
            item_level=plan.item_level,
            race=plan.race,
            guild_rank_index=plan.rank_index,
            guild_rank=rank_by_index.get(plan.rank_index),
            guild_note=plan.guild_note,
            officer_note=plan.officer_note,
            last_login_at=ago(now, plan.last_login_days),
            in_guild=plan.in_guild,
            first_seen_at=ago(now, plan.first_seen_days),
            left_guild_at=ago(now, plan.left_days),
            last_blizzard_sync_at=_last_blizzard_sync(plan, now),
            last_addon_sync_at=now - timedelta(hours=20) if plan.addon_seen else None,
        )
        for plan in plans
    ]
    bulk_upsert(
        WowCharacter,
        rows,
        unique_fields=["name_key", "realm_slug"],
        # blizzard_id and automatch_blocked belong to syncs and officers once a row exists;
        # the realm is part of the key.
        update_fields=[
            field
            for field in WowCharacter.SYNCED_FIELDS
            if field not in ("blizzard_id", "realm_slug")
        ],
        progress=progress,
        label="Characters",
    )
    return {(row.name_key, row.realm_slug): row for row in rows}


def _highest(ranks: Iterable[GuildRank | None]) -> GuildRank | None:
    return max((rank for rank in ranks if rank), key=lambda rank: rank.level, default=None)


def _expected_rank(
    plan: PlayerPlan, by_index: dict[int, GuildRank], discord_user: DiscordUser | None
) -> GuildRank | None:
    """The rank IDN-14 gives this player, so the final recompute has nothing to change."""
    if plan.manual_rank_index is not None:
        return by_index.get(plan.manual_rank_index)
    in_game = _highest(by_index.get(c.rank_index) for c in plan.characters if c.in_guild)
    if in_game:
        return in_game
    if discord_user and discord_user.is_present and discord_user.highest_guild_role:
        return discord_user.highest_guild_role
    # Gone from game and Discord: the rank they last had stays (IDN-14 step 3).
    return _highest(by_index.get(c.rank_index) for c in plan.characters)


def upsert_players(
    plans: list[PlayerPlan],
    ladder: list[GuildRank],
    discord_users: dict[str, DiscordUser],
    characters: dict[tuple[str, str], WowCharacter],
    now: datetime,
) -> list[Player]:
    """Players have no natural unique key: find them by Discord user, else by display name."""
    discord_pks = [du.pk for du in discord_users.values()]
    names = [plan.display_name for plan in plans]
    by_discord, by_name = {}, {}
    for chunk in chunks(discord_pks, LOOKUP_SIZE):
        by_discord.update(
            Player.objects.filter(discord_user_id__in=chunk).in_bulk(field_name="discord_user_id")
        )
    for chunk in chunks(names, LOOKUP_SIZE):
        for player in Player.objects.filter(display_name__in=chunk).order_by("-pk"):
            by_name[player.display_name] = player  # lowest pk wins on duplicates
    specs = _specs()
    rank_by_index = ranks_by_index(ladder)

    players, claimed = [], set()
    for plan in plans:
        discord_user = discord_users[plan.discord.discord_id] if plan.discord else None
        player = by_discord.get(discord_user.pk) if discord_user else None
        if player is None or player.pk in claimed:
            player = by_name.get(plan.display_name)
        if player is None or player.pk in claimed:
            player = Player()
        if player.pk:
            claimed.add(player.pk)
        main = characters[plan.characters[0].key] if plan.characters else None
        player.display_name = plan.display_name
        player.discord_user = discord_user
        player.guild_rank = _expected_rank(plan, rank_by_index, discord_user)
        player.rank_source = (
            RankSource.MANUAL if plan.manual_rank_index is not None else RankSource.AUTO
        )
        player.main_character = main
        player.main_spec = (
            specs.get((plan.characters[0].class_name, plan.main_spec)) if main else None
        )
        player.offspec_character = None
        player.offspec_spec = None
        if plan.offspec:
            index, spec_name = plan.offspec
            off = plan.characters[index]
            player.offspec_character = characters[off.key]
            player.offspec_spec = specs.get((off.class_name, spec_name))
        player.is_active = plan.is_active
        player.notes = plan.notes
        player.updated_at = now
        players.append(player)

    # An upsert on the primary key: far faster than bulk_update's CASE expressions.
    bulk_upsert(
        Player,
        players,
        unique_fields=["id"],
        update_fields=[
            "display_name",
            "discord_user",
            "guild_rank",
            "rank_source",
            "main_character",
            "main_spec",
            "offspec_character",
            "offspec_spec",
            "is_active",
            "notes",
            "updated_at",
        ],
    )
    return players


def upsert_links(
    plans: list[PlayerPlan],
    players: list[Player],
    characters: dict[tuple[str, str], WowCharacter],
    officer: Player,
    now: datetime,
) -> None:
    rows = []
    for plan, player in zip(plans, players, strict=True):
        for index, character in enumerate(plan.characters):
            fuzzy = character.link == LinkSource.FUZZY
            # Who made the link (IDN-11): null = automatic; the member on the roster form.
            linked_by = {
                LinkSource.MANUAL: officer,
                LinkSource.ROSTER_FORM: player,
            }.get(character.link)
            # Linked after the character was first seen, and while it was in the guild.
            linked_days = min(
                character.first_seen_days, max(30.0 + 37 * index, (character.left_days or 0) + 1)
            )
            rows.append(
                PlayerCharacter(
                    character=characters[character.key],
                    player=player,
                    link_source=character.link,
                    confidence=Confidence.MEDIUM if fuzzy else Confidence.HIGH,
                    confirmed=not fuzzy,
                    linked_at=ago(now, linked_days),
                    linked_by=linked_by,
                    confirmed_at=None if fuzzy else ago(now, linked_days),
                    confirmed_by=linked_by,
                )
            )
    bulk_upsert(
        PlayerCharacter,
        rows,
        unique_fields=["character"],
        update_fields=[
            "player",
            "link_source",
            "confidence",
            "confirmed",
            "linked_at",
            "linked_by",
            "confirmed_at",
            "confirmed_by",
        ],
    )
