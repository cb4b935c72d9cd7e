"""Who is on the raid roster and what they bring (ROS-1 … ROS-5).

`roster_entries()` is the one read every roster page, the legacy JSON, the raid planner and the
landing page build on. It issues a fixed number of queries whatever the guild size (see
`roster_entries`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.db.models.functions import Lower

from identity.models import (
    PlayableClass,
    Player,
    PlayerCharacter,
    Role,
    Specialization,
    WowCharacter,
)
from roster.models import PlayerAvailability, RaidPreferences

# ROS-4: display roles, keyed by the short role key used everywhere in the roster app.
TANK, HEALER, MELEE, RANGED = "tank", "healer", "melee", "ranged"
ROLE_ORDER = (TANK, HEALER, MELEE, RANGED)
ROLE_LABELS = {TANK: "Tank", HEALER: "Healer", MELEE: "Melee", RANGED: "Ranged"}
# identity's Role.key -> display role key (ROS-4: "Melee DPS" shows as "Melee").
_ROLE_KEY_TO_DISPLAY = {"tank": TANK, "healer": HEALER, "melee_dps": MELEE, "ranged_dps": RANGED}
_ROLE_NAME_TO_DISPLAY = {"tank": TANK, "healer": HEALER, "melee dps": MELEE, "ranged dps": RANGED}


def display_role(role: Role | None) -> str:
    """ROS-4: the display role key of an identity Role; no role known -> Ranged."""
    if role is None:
        return RANGED
    return _ROLE_KEY_TO_DISPLAY.get(role.key) or _ROLE_NAME_TO_DISPLAY.get(
        (role.name or "").casefold(), RANGED
    )


@dataclass
class RosterCharacter:
    """ROS-2: one roster character of a roster player."""

    link: PlayerCharacter
    character: WowCharacter
    is_main: bool  # ROS-2: it is Player.main_character ("Main"), otherwise "Alt"
    spec: Specialization | None  # ROS-4 raid spec
    role: str  # "tank" | "healer" | "melee" | "ranged"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def main_alt(self) -> str:
        return "Main" if self.is_main else "Alt"

    @property
    def playable_class(self) -> PlayableClass | None:
        return self.character.playable_class

    @property
    def class_spec_label(self) -> str:
        """ROS-24: "Druid - Balance", just the class with no spec, "" with neither."""
        class_name = self.playable_class.name if self.playable_class else ""
        if self.spec is None:
            return class_name
        return f"{class_name} - {self.spec.name}" if class_name else self.spec.name


@dataclass
class RosterEntry:
    """ROS-1: one roster player with everything the roster pages show about them."""

    player: Player
    discord_name: str  # ROS-5
    discord_id: str  # "" when none
    characters: list[RosterCharacter]  # main first, then alts by name
    main: RosterCharacter  # effective main, ROS-3
    availability: list[bool] = field(default_factory=lambda: [False] * 7)  # Monday first
    auto_signup: bool = False
    wants_reminders: bool = False
    notes: str = ""

    @property
    def role(self) -> str:
        return self.main.role

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.main.role]

    @property
    def playable_class(self) -> PlayableClass | None:
        return self.main.character.playable_class

    @property
    def display_name(self) -> str:
        return self.player.display_name

    def available_on(self, weekday: int) -> bool:
        return self.availability[weekday]


def roster_player_links() -> QuerySet[PlayerCharacter]:
    """ROS-1 / ROS-2: the roster links of roster players (active, with preferences)."""
    return PlayerCharacter.objects.filter(
        on_raid_roster=True,
        player__is_active=True,
        player__raid_preferences__isnull=False,
    )


def roster_players() -> QuerySet[Player]:
    """ROS-1: active players with preferences and at least one roster character (a queryset,
    for the pages that only count or list players)."""
    return Player.objects.filter(
        is_active=True,
        raid_preferences__isnull=False,
        pk__in=PlayerCharacter.objects.filter(on_raid_roster=True).values("player_id"),
    )


def raid_spec_for(
    *,
    class_id: int | None,
    main_spec_id: int | None,
    raid_spec_id: int | None,
    active_spec_id: int | None,
    specs: dict[int, Specialization],
) -> Specialization | None:
    """ROS-4: the main's Player.main_spec (pass None for an alt), else raid_spec, else the
    Blizzard active spec. A spec of another class than the character's (stale data) is
    skipped rather than shown."""
    for spec_id in (main_spec_id, raid_spec_id, active_spec_id):
        spec = specs.get(spec_id) if spec_id else None
        if spec is not None and (class_id is None or spec.playable_class_id == class_id):
            return spec
    return None


def raid_spec_of(
    link: PlayerCharacter, *, is_main: bool, specs: dict[int, Specialization]
) -> Specialization | None:
    """ROS-4 for a loaded link (see `raid_spec_for`)."""
    return raid_spec_for(
        class_id=link.character.playable_class_id,
        main_spec_id=link.player.main_spec_id if is_main else None,
        raid_spec_id=link.raid_spec_id,
        active_spec_id=link.character.active_spec_id,
        specs=specs,
    )


def role_of(link: PlayerCharacter, *, spec: Specialization | None) -> str:
    """ROS-4: the raid spec's default role; no spec -> raid_role; otherwise Ranged."""
    if spec is not None:
        return display_role(spec.default_role)
    return display_role(link.raid_role)


def roster_character(
    link: PlayerCharacter, *, player: Player, specs: dict[int, Specialization]
) -> RosterCharacter:
    """ROS-2 / ROS-4: one roster link as shown: Main or Alt, its raid spec and role."""
    is_main = link.character_id == player.main_character_id
    spec = raid_spec_of(link, is_main=is_main, specs=specs)
    return RosterCharacter(
        link=link,
        character=link.character,
        is_main=is_main,
        spec=spec,
        role=role_of(link, spec=spec),
    )


def main_roles() -> dict[int, str]:
    """ROS-3/ROS-4: each roster player's effective main's display role, by player id.

    The same rules as `roster_entries()`, read as plain values in one query (plus specs and
    roles), so the front page and the availability chart cost a few milliseconds whatever the
    guild size.
    """
    rows = (
        roster_player_links()
        .order_by("player_id", "linked_at", "character__name_key", "pk")
        .values_list(
            "player_id",
            "character_id",
            "player__main_character_id",
            "player__main_spec_id",
            "raid_spec_id",
            "raid_role_id",
            "character__active_spec_id",
            "character__playable_class_id",
        )
    )
    mains: dict[int, tuple] = {}
    for row in rows:
        player_id, character_id, main_character_id = row[0], row[1], row[2]
        # ROS-3: Player.main_character when on the roster, else the earliest link.
        if player_id not in mains or character_id == main_character_id:
            mains[player_id] = row
    if not mains:
        return {}
    specs = {spec.pk: spec for spec in Specialization.objects.select_related("default_role")}
    roles = {role.pk: role for role in Role.objects.all()}
    result: dict[int, str] = {}
    for (
        player_id,
        character_id,
        main_character_id,
        main_spec,
        raid_spec,
        raid_role,
        active,
        class_id,
    ) in mains.values():
        spec = raid_spec_for(
            class_id=class_id,
            main_spec_id=main_spec if character_id == main_character_id else None,
            raid_spec_id=raid_spec,
            active_spec_id=active,
            specs=specs,
        )
        result[player_id] = display_role(spec.default_role if spec else roles.get(raid_role))
    return result


def main_role_counts() -> dict[str, int]:
    """ROS-3/ROS-4 for the landing page's Recruiting block (ROS-28): how many roster players'
    effective mains fill each role (see `main_roles`)."""
    counts = dict.fromkeys(ROLE_ORDER, 0)
    for role in main_roles().values():
        counts[role] += 1
    return counts


def roster_available_days() -> QuerySet[PlayerAvailability, tuple[int, int]]:
    """(player id, weekday) of every day a raid-roster player marked available (ROS-6): one
    query, values only."""
    return (
        PlayerAvailability.objects.filter(
            player_id__in=roster_player_links().values("player_id"), available=True
        )
        .order_by()
        .values_list("player_id", "weekday")
    )


def weekday_role_counts() -> tuple[int, list[dict[str, int]]]:
    """ROS-21 split by role (issue 16 item 2): (t, [{role: available mains} per weekday, Monday
    first]). Each roster player counts once a day, in their effective main's role; the sum of a
    day's counts is ROS-21's a. Four queries whatever the guild size (`main_roles` and the
    availability rows)."""
    roles = main_roles()
    days = [dict.fromkeys(ROLE_ORDER, 0) for _ in range(7)]
    if roles:
        for player_id, weekday in roster_available_days():
            role = roles.get(player_id)
            if role is not None and 0 <= weekday <= 6:
                days[weekday][role] += 1
    return len(roles), days


def _discord_name(player: Player) -> str:
    """ROS-5: the linked Discord user's username, else the display name."""
    discord_user = player.discord_user
    if discord_user is not None and discord_user.username:
        return discord_user.username
    return player.display_name


# The columns the roster pages, planner and legacy JSON read; loading only these keeps a
# 1,000-player roster (3,000 links, six joined rows each) affordable.
_ENTRY_FIELDS = (
    "player_id",
    "character_id",
    "linked_at",
    "raid_spec_id",
    "raid_role_id",
    "on_raid_roster",
    "player__display_name",
    "player__main_character_id",
    "player__main_spec_id",
    "player__guild_rank_id",
    "player__discord_user__discord_id",
    "player__discord_user__username",
    "player__raid_preferences__auto_signup",
    "player__raid_preferences__wants_reminders",
    "player__raid_preferences__notes",
    "character__name",
    "character__name_key",
    "character__realm_slug",
    "character__realm_name",
    "character__playable_class_id",
    "character__active_spec_id",
    "character__playable_class__name",
    "character__playable_class__colour",
    "character__playable_class__slug",
    "character__playable_class__blizzard_id",
    "raid_role__name",
    "raid_role__key",
)


def roster_entries() -> list[RosterEntry]:
    """ROS-1 … ROS-5: every roster player, sorted by Discord name (case-insensitive).

    Three queries whatever the guild size: the roster links (player, Discord user, preferences,
    character and its class, raid role joined), the specs (with class and role) and the
    availability rows of those players; one when nobody is on the roster.
    """
    links = list(
        roster_player_links()
        .select_related(
            "player",
            "player__discord_user",
            "player__raid_preferences",
            "character",
            "character__playable_class",
            "raid_role",
        )
        .only(*_ENTRY_FIELDS)
        .order_by("player_id", "linked_at", "character__name_key", "pk")
    )
    if not links:
        return []
    specs = {
        spec.pk: spec
        for spec in Specialization.objects.select_related("playable_class", "default_role")
    }
    by_player: dict[int, list[PlayerCharacter]] = {}
    for link in links:
        by_player.setdefault(link.player_id, []).append(link)

    availability: dict[int, list[bool]] = {pid: [False] * 7 for pid in by_player}
    if by_player:
        for player_id, weekday in roster_available_days():
            days = availability.get(player_id)
            if days is not None and 0 <= weekday <= 6:
                days[weekday] = True

    entries = []
    for player_id, player_links in by_player.items():
        player = player_links[0].player
        characters = [roster_character(link, player=player, specs=specs) for link in player_links]
        # ROS-3: Player.main_character when it is on the roster, else the earliest link (the
        # query orders by linked_at, then name).
        main = next((c for c in characters if c.is_main), characters[0])
        characters.sort(key=lambda c: (c is not main, c.character.name.casefold(), c.link.pk))
        preferences: RaidPreferences = player.raid_preferences
        entries.append(
            RosterEntry(
                player=player,
                discord_name=_discord_name(player),
                discord_id=player.discord_user.discord_id if player.discord_user else "",
                characters=characters,
                main=main,
                availability=availability[player_id],
                auto_signup=preferences.auto_signup,
                wants_reminders=preferences.wants_reminders,
                notes=preferences.notes,
            )
        )
    entries.sort(key=lambda e: (e.discord_name.casefold(), e.player.pk))
    return entries


def weekday_counts() -> tuple[int, list[int]]:
    """ROS-21: (t, [a per weekday, Monday first]) over the roster players, in two aggregate
    queries whatever the guild size."""
    total = roster_players().count()
    counts = [0] * 7
    if total:
        rows = (
            # `player_id__in` (not `player__in`): no join back to the player table, which
            # SQLite plans several times slower.
            PlayerAvailability.objects.filter(
                player_id__in=roster_players().values("pk"), available=True
            )
            .order_by()  # the model's default order joins the player table
            .values_list("weekday")
            .annotate(n=Count("pk"))
        )
        for weekday, n in rows:
            if 0 <= weekday <= 6:
                counts[weekday] = n
    return total, counts


def players_out_on(weekday: int) -> list[tuple[Player, str]]:
    """ROS-22: the roster players not available on `weekday` with their notes, ordered by
    display name (case-insensitive); one query."""
    available = PlayerAvailability.objects.filter(weekday=weekday, available=True)
    players = (
        roster_players()
        .exclude(pk__in=available.values("player_id"))
        .select_related("raid_preferences")
        .order_by(Lower("display_name"), "pk")
    )
    return [(player, player.raid_preferences.notes) for player in players]
