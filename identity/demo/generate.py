"""`build_plan`: the PATT core plus generated players, deterministic per seed.

Each generated player draws from its own `random.Random(f"patt-demo:{seed}:{index}")` and names
are allocated in index order, so player *i* is the same whatever `--players` is: a larger run
extends a smaller one.
"""

import random

from identity.demo.core import core_plan
from identity.demo.names import ALT_SUFFIXES, CLASSES, REALM_WEIGHTS, Names, fold, handle
from identity.demo.plan import CharacterPlan, DiscordPlan, GuildPlan, OrphanDiscordPlan, PlayerPlan
from identity.models import LinkSource

DEFAULT_PLAYERS = 60
DEFAULT_SEED = 2004  # the year WoW launched; any fixed value gives a stable guild

_MAIN_NOTES = ("Raider", "Raider", "Social", "Social", "Trial", "M+", "Casual", "PvP", "")
_MAIN_NOTES_HEALER = ("Raider - healer", "Disc Priest", "Core healer")
_OFFICER_NOTES = ("", "", "", "Recruited by Skatefarm", "Bench", "Needs enchants", "Loot council")
_PLAYER_NOTES = ("", "", "", "", "Prefers healing", "Raid-ready on Thursdays", "Back from break")


def build_plan(*, players: int = DEFAULT_PLAYERS, seed: int = DEFAULT_SEED) -> GuildPlan:
    """The demo guild with `players` players (at least the PATT core), deterministic per seed."""
    plan = core_plan()
    names = Names(plan)
    for index in range(len(plan.players), players):
        extra = _generated_player(seed, index, names)
        plan.players += extra.players
        plan.orphan_characters += extra.orphan_characters
        plan.orphan_discord_users += extra.orphan_discord_users
    return plan


def _generated_player(seed: int, index: int, names: Names) -> GuildPlan:
    """Player number `index` (plus, sometimes, an orphan character or Discord user)."""
    rng = random.Random(f"patt-demo:{seed}:{index}")
    out = GuildPlan(players=[])
    class_name = rng.choice(list(CLASSES))
    specs, class_tag, _ = CLASSES[class_name]
    main_name = names.fresh_name(rng)
    rank_index = rng.choices((2, 3, 4), weights=(25, 50, 25))[0]
    main = _character(rng, names, main_name, class_name, rank_index, main=True)
    main.spec_name = main.spec_name or rng.choice(specs)
    discord, display_name = _discord_member(rng, names, main_name, class_tag, rank_index)
    _link_main(rng, main, discord)
    characters = [main]
    alt_count = rng.choices((0, 1, 2, 3, 4, 5), weights=(28, 32, 22, 11, 5, 2))[0]
    for _ in range(alt_count):
        characters.append(_alt(rng, names, main_name, rank_index, discord))
    offspec = _offspec(rng, specs, characters)
    player = PlayerPlan(
        display_name=display_name,
        discord=discord,
        characters=characters,
        main_spec=main.spec_name,
        offspec=offspec,
        notes=rng.choice(_PLAYER_NOTES),
    )
    roll = rng.random()
    if roll < 0.03:
        # Left the guild and the server: inactive, every character departed.
        left = round(rng.uniform(5, 300), 2)
        player.is_active = False
        for character in characters:
            character.left_days = character.left_days or left
            character.last_login_days = max(character.last_login_days or 0, left)
        if discord:
            discord.left_days = left
            discord.joined_days = max(discord.joined_days, left + 30)
    elif roll < 0.06:
        player.manual_rank_index = rng.choice((2, 3))  # an officer's decision (IDN-14)
    out.players.append(player)
    _add_orphans(rng, names, out)
    # Keep the timeline possible: first seen before the last login and before leaving.
    for character in [*characters, *out.orphan_characters]:
        character.first_seen_days = max(
            character.first_seen_days,
            (character.last_login_days or 0) + 1,
            (character.left_days or 0) + 1,
        )
    return out


def _character(
    rng: random.Random, names: Names, name: str, class_name: str, rank_index: int, *, main: bool
) -> CharacterPlan:
    """A character of `class_name`: a main is level 80 and plays often, an alt varies more."""
    specs, _, races = CLASSES[class_name]
    if main:
        level = 80
    else:
        roll = rng.random()
        level = 80 if roll < 0.65 else rng.randint(70, 79) if roll < 0.85 else rng.randint(10, 69)
    if level == 80:
        item_level = rng.randint(630, 676) if main else rng.randint(590, 660)
    elif level >= 70:
        item_level = rng.randint(430, 560)
    else:
        item_level = max(5, level * 4 + rng.randint(-10, 20))
    realm = (
        "senjin"
        if main and rng.random() < 0.5
        else rng.choices(list(REALM_WEIGHTS), weights=list(REALM_WEIGHTS.values()))[0]
    )
    roll = rng.random()
    if roll < 0.02:
        last_login = None  # never reported by Blizzard (no profile yet)
    elif roll < (0.08 if main else 0.12):
        last_login = round(rng.uniform(31, 180), 2)  # stale (IDN-36)
    else:
        last_login = round(rng.expovariate(1 / (3 if main else 10)), 2)
    return CharacterPlan(
        name=name,
        realm_slug=realm,
        class_name=class_name,
        # A few characters have no active spec (a profile without one, IDN-51).
        spec_name=None if rng.random() < 0.02 else rng.choice(specs),
        rank_index=rank_index,
        level=level,
        item_level=item_level,
        race=rng.choice(races),
        last_login_days=last_login,
        first_seen_days=round(rng.uniform(20, 1500), 2),
        blizzard_id=names.blizzard_id(rng),
        addon_seen=rng.random() < 0.3,
        stale_issue_state=rng.choice(("new", "new", "notified", "dismissed")),
    )


def _discord_member(
    rng: random.Random, names: Names, main_name: str, class_tag: str, rank_index: int
) -> tuple[DiscordPlan | None, str]:
    """The player's Discord member, if any, and display name; the handle is usually the main's."""
    display_name = main_name
    if rng.random() >= 0.93:
        if rng.random() < 0.5:
            display_name = names.fresh_name(rng, accent_chance=0.0)
        return None, display_name
    if rng.random() < 0.15:
        display_name = names.fresh_name(rng, accent_chance=0.0)
    base = handle(display_name)
    style = rng.random()
    if style < 0.55:
        username = base
    elif style < 0.75:
        username = f"{base}{rng.randint(2, 99)}"
    elif style < 0.9:
        username = f"{base}.{class_tag}"
    else:
        username = f"{base}_{rng.choice(('wow', 'gg', 'irl', 'plays'))}"
    discord_rank = rank_index
    roll = rng.random()
    if roll < 0.04:
        discord_rank = rank_index + 1 if rank_index < 4 else 3  # role_mismatch
    elif roll < 0.06:
        discord_rank = None  # no ladder role on Discord (no_guild_role)
    extras = tuple(
        role
        for role, chance in (("Raider", 0.4), ("Mythic+", 0.2), ("Nitro Booster", 0.05))
        if rng.random() < chance
    )
    discord = DiscordPlan(
        discord_id=names.discord_id(rng),
        username=names.username(rng, username),
        display_name=display_name,
        rank_index=discord_rank,
        extra_roles=extras,
        joined_days=round(rng.uniform(10, 2000), 2),
    )
    return discord, display_name


def _link_main(rng: random.Random, main: CharacterPlan, discord: DiscordPlan | None) -> None:
    """How the main got linked follows from its notes, as matching would have done (IDN-33)."""
    if discord and discord.username == handle(main.name):
        main.link = LinkSource.EXACT_NAME
        healer = main.spec_name in ("Holy", "Discipline", "Restoration", "Mistweaver")
        main.guild_note = rng.choice(_MAIN_NOTES_HEALER if healer else _MAIN_NOTES)
    elif discord:
        roll = rng.random()
        if roll < 0.4:
            main.officer_note = f"Discord: {discord.username}"
            main.guild_note = rng.choice(_MAIN_NOTES)
            main.link = LinkSource.OFFICER_NOTE
        elif roll < 0.7:
            pattern = rng.choice(("Discord: {}", "DC: {}", "@{}", "disc={}", "Raider - dc:{}!"))
            main.guild_note = pattern.format(discord.username)
            main.link = LinkSource.GUILD_NOTE
        else:
            main.guild_note = rng.choice(_MAIN_NOTES)
            main.link = rng.choice((LinkSource.MANUAL, LinkSource.ONBOARDING))
    else:
        main.guild_note = rng.choice(_MAIN_NOTES)
        main.link = LinkSource.MANUAL
    if not main.officer_note:
        main.officer_note = rng.choice(_OFFICER_NOTES)


def _alt(
    rng: random.Random, names: Names, main_name: str, rank_index: int, discord: DiscordPlan | None
) -> CharacterPlan:
    """An alt of `main_name`, its link and notes as the hint styles of IDN-31 suggest."""
    alt_class = rng.choice(list(CLASSES))
    alt_rank = max(rank_index, rng.choice((2, 3, 4, 4)))
    roll = rng.random()
    alt_name = None
    link = LinkSource.MANUAL
    note = ""
    officer_note = ""
    if roll < 0.06 and discord:
        # A near-copy of the handle: matching linked it fuzzily, unconfirmed (IDN-34).
        stem = discord.username.split(".")[0].split("_")[0].rstrip("0123456789")
        if len(stem) >= 4:
            i = rng.randrange(1, len(stem))
            candidate = (stem[:i] + stem[i] + stem[i:]).capitalize()
            if names.claim(candidate):
                alt_name, link = candidate, LinkSource.FUZZY
    if alt_name is None and rng.random() < 0.3:
        candidate = fold(main_name)[:7].capitalize() + rng.choice(ALT_SUFFIXES)
        if names.claim(candidate):
            alt_name = candidate
    if alt_name is None:
        alt_name = names.fresh_name(rng)
    if link != LinkSource.FUZZY:
        if roll < 0.3:
            note, link = f"alt of {main_name}", LinkSource.GUILD_NOTE
        elif roll < 0.45:
            note, link = main_name + rng.choice(("'s", "’s")) + " alt", LinkSource.GUILD_NOTE
        elif roll < 0.55:
            note, link = f"Main: {main_name}", LinkSource.GUILD_NOTE
        elif roll < 0.62 and discord:
            officer_note, link = f"Discord: {discord.username}", LinkSource.OFFICER_NOTE
        elif roll < 0.7:
            note, link = f"{main_name} alt", LinkSource.MANUAL  # no hint (IDN-31)
        else:
            link = rng.choice((LinkSource.MANUAL, LinkSource.ROSTER_FORM, LinkSource.ONBOARDING))
    alt = _character(rng, names, alt_name, alt_class, alt_rank, main=False)
    alt.guild_note, alt.officer_note, alt.link = note, officer_note, link
    if rng.random() < 0.05:
        # Left the guild (IDN-24): keeps its link and notes.
        alt.left_days = round(rng.uniform(2, 200), 2)
        alt.last_login_days = alt.left_days + round(rng.uniform(0, 30), 2)
    return alt


def _offspec(
    rng: random.Random, specs: tuple[str, ...], characters: list[CharacterPlan]
) -> tuple[int, str] | None:
    """Sometimes another spec of the main, sometimes an alt's spec; else no off-spec."""
    roll = rng.random()
    if roll < 0.35:
        others = [s for s in specs if s != characters[0].spec_name]
        return (0, rng.choice(others))
    if roll < 0.5 and len(characters) > 1:
        i = rng.randrange(1, len(characters))
        alt_specs = CLASSES[characters[i].class_name][0]
        return (i, characters[i].spec_name or rng.choice(alt_specs))
    return None


def _add_orphans(rng: random.Random, names: Names, out: GuildPlan) -> None:
    """Sometimes an unlinked character, sometimes a Discord member without a player."""
    if rng.random() < 0.09:
        orphan = _character(
            rng, names, names.fresh_name(rng), rng.choice(list(CLASSES)), 4, main=True
        )
        orphan.link = None
        orphan.first_seen_days = round(rng.uniform(1, 30), 2)
        orphan.guild_note = rng.choice(("", "", "Trial", "Social", "alt of Someone"))
        out.orphan_characters.append(orphan)
    roll = rng.random()
    if roll < 0.07:
        name = names.fresh_name(rng, accent_chance=0.0)
        out.orphan_discord_users.append(
            OrphanDiscordPlan(
                DiscordPlan(
                    discord_id=names.discord_id(rng),
                    username=names.username(rng, handle(name)),
                    display_name=name,
                    rank_index=rng.choice((3, 4)),
                    joined_days=round(rng.uniform(1, 60), 2),
                    # A few left the server again before anyone linked them.
                    left_days=round(rng.uniform(1, 30), 2) if roll < 0.02 else None,
                ),
                rng.choice(("new", "notified")),
            )
        )
