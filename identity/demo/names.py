"""Name and world tables of the demo guild, and the names it generates.

Realms, classes with their specs and races, and fantasy-name syllables; `fold` compares names
the way matching does (IDN-30) and `Names` hands out names, Discord handles and ids that no
other entry of the plan already uses.
"""

import random
import re

from identity.demo.plan import GuildPlan
from identity.matching.normalise import normalise

REALMS = {
    "senjin": "Sen'jin",
    "area-52": "Area 52",
    "sargeras": "Sargeras",
    "tichondrius": "Tichondrius",
    "bleeding-hollow": "Bleeding Hollow",
    "alterac-mountains": "Alterac Mountains",
    "stormrage": "Stormrage",
    "illidan": "Illidan",
}
# Most of the guild lives on the home realm; the rest are connected/cross-realm characters.
REALM_WEIGHTS = {
    "senjin": 62,
    "area-52": 8,
    "sargeras": 5,
    "tichondrius": 6,
    "bleeding-hollow": 5,
    "alterac-mountains": 3,
    "stormrage": 6,
    "illidan": 5,
}

# Class name -> its specs (names as in IDN-3), short tag used in Discord handles, races.
CLASSES: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "Warrior": (
        ("Arms", "Fury", "Protection"),
        "war",
        ("Human", "Dwarf", "Orc", "Tauren", "Undead", "Troll", "Worgen", "Earthen"),
    ),
    "Paladin": (
        ("Holy", "Protection", "Retribution"),
        "pally",
        ("Human", "Dwarf", "Draenei", "Blood Elf", "Tauren", "Lightforged Draenei", "Earthen"),
    ),
    "Hunter": (
        ("Beast Mastery", "Marksmanship", "Survival"),
        "hunt",
        ("Dwarf", "Night Elf", "Orc", "Tauren", "Troll", "Goblin", "Mag'har Orc", "Vulpera"),
    ),
    "Rogue": (
        ("Assassination", "Outlaw", "Subtlety"),
        "rog",
        ("Human", "Night Elf", "Undead", "Goblin", "Blood Elf", "Worgen", "Vulpera", "Void Elf"),
    ),
    "Priest": (
        ("Discipline", "Holy", "Shadow"),
        "priest",
        ("Human", "Dwarf", "Blood Elf", "Undead", "Draenei", "Troll", "Nightborne", "Void Elf"),
    ),
    "Death Knight": (
        ("Blood", "Frost", "Unholy"),
        "dk",
        ("Human", "Orc", "Undead", "Blood Elf", "Worgen", "Dwarf", "Tauren", "Gnome"),
    ),
    "Shaman": (
        ("Elemental", "Enhancement", "Restoration"),
        "sham",
        ("Orc", "Tauren", "Troll", "Draenei", "Goblin", "Zandalari Troll", "Earthen"),
    ),
    "Mage": (
        ("Arcane", "Fire", "Frost"),
        "mage",
        ("Human", "Gnome", "Blood Elf", "Undead", "Nightborne", "Void Elf", "Mechagnome"),
    ),
    "Warlock": (
        ("Affliction", "Demonology", "Destruction"),
        "lock",
        ("Human", "Gnome", "Orc", "Undead", "Blood Elf", "Goblin", "Dark Iron Dwarf"),
    ),
    "Monk": (
        ("Brewmaster", "Windwalker", "Mistweaver"),
        "monk",
        ("Pandaren", "Human", "Night Elf", "Orc", "Tauren", "Blood Elf", "Draenei"),
    ),
    "Druid": (
        ("Balance", "Feral", "Guardian", "Restoration"),
        "druid",
        ("Night Elf", "Tauren", "Worgen", "Troll", "Zandalari Troll", "Highmountain Tauren"),
    ),
    "Demon Hunter": (("Havoc", "Vengeance", "Devourer"), "dh", ("Night Elf", "Blood Elf")),
    "Evoker": (("Devastation", "Preservation", "Augmentation"), "evo", ("Dracthyr",)),
}

# Syllables for generated fantasy names: prefix + [middle] + suffix, at most 12 letters (WoW).
# fmt: off
_PREFIXES = (
    "ael", "ash", "bael", "bel", "bram", "brin", "cael", "cor", "dae", "dak", "dra", "drak",
    "dusk", "eld", "ely", "ember", "fae", "fen", "fin", "gal", "gor", "grim", "gul", "hal",
    "hol", "ith", "jor", "kael", "kal", "kor", "lor", "lun", "mal", "mor", "nael", "nyr", "oth",
    "pyr", "quel", "rag", "ral", "ras", "rhy", "sar", "sel", "syl", "tal", "thal", "thor", "tor",
    "tyr", "ul", "vael", "val", "vor", "wyn", "xal", "yr", "zan", "zar", "zul", "aer", "bry",
    "cyr", "dar", "esh", "fyr", "gwen", "ilra", "jas", "kes", "lyr", "mir", "nes", "oro", "pel",
    "ryn", "sha", "tae", "vyn",
)
_MIDDLES = ("a", "e", "i", "o", "u", "ae", "ar", "el", "en", "il", "or", "ra", "ri", "ul", "an")
_SUFFIXES = (
    "a", "ael", "amir", "ara", "bane", "born", "dor", "dris", "eth", "fang", "gar", "goth",
    "hild", "ia", "ion", "is", "ith", "jin", "kin", "las", "lyn", "mir", "mor", "nar", "nia",
    "nor", "ra", "ric", "rin", "rok", "sha", "thas", "thar", "tus", "vain", "wen", "wyn", "xis",
    "zar", "dell", "vash", "riel", "mond", "rax",
)
# fmt: on
ALT_SUFFIXES = ("heals", "tank", "dh", "lock", "shot", "pal", "monk", "vok", "sham", "dk")
_ACCENTS = {"a": "áâä", "e": "éèë", "i": "íï", "o": "óöô", "u": "úü", "n": "ñ"}


def fold(text: str) -> str:
    """How matching compares names (IDN-30): generated names never collide or shadow."""
    return normalise(text)


def handle(name: str) -> str:
    """A Discord-style handle from a name: folded, ASCII letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", fold(name)) or "player"


def _accented(rng: random.Random, name: str) -> str:
    positions = [i for i, ch in enumerate(name) if ch in _ACCENTS]
    if not positions:
        return name
    i = rng.choice(positions)
    return name[:i] + rng.choice(_ACCENTS[name[i]]) + name[i + 1 :]


class Names:
    """Names already in the plan, compared folded (IDN-30) so none collides or shadows another."""

    def __init__(self, plan: GuildPlan):
        self.names: set[str] = set()
        self.usernames: set[str] = set()
        self.ids: set[str] = set()
        self.blizzard_ids: set[int] = set()
        for player in plan.players:
            self.names.add(fold(player.display_name))
        for character in plan.characters:
            self.names.add(fold(character.name))
            if character.blizzard_id:
                self.blizzard_ids.add(character.blizzard_id)
        for discord in plan.discord_users:
            self.usernames.add(discord.username)
            self.names.add(fold(discord.display_name))
            self.ids.add(discord.discord_id)

    def claim(self, name: str) -> bool:
        """Take `name` if it is free and 2-12 letters long (WoW); say whether it was taken."""
        key = fold(name)
        if key in self.names or not 2 <= len(name) <= 12:
            return False
        self.names.add(key)
        return True

    def fresh_name(self, rng: random.Random, accent_chance: float = 0.08) -> str:
        while True:
            name = rng.choice(_PREFIXES)
            if rng.random() < 0.3:
                name += rng.choice(_MIDDLES)
            name += rng.choice(_SUFFIXES)
            if rng.random() < accent_chance:
                name = _accented(rng, name)
            name = name.capitalize()
            if self.claim(name):
                return name

    def username(self, rng: random.Random, base: str) -> str:
        name = base
        while name in self.usernames:
            name = f"{base}{rng.randint(2, 999)}"
        self.usernames.add(name)
        return name

    def discord_id(self, rng: random.Random) -> str:
        while True:
            # Snowflakes of accounts made 2017-2023 are 18-19 digits.
            value = str(rng.randrange(300_000_000_000_000_000, 1_150_000_000_000_000_000))
            if value not in self.ids:
                self.ids.add(value)
                return value

    def blizzard_id(self, rng: random.Random) -> int:
        while True:
            value = rng.randrange(140_000_000, 260_000_000)
            if value not in self.blizzard_ids:
                self.blizzard_ids.add(value)
                return value
