"""Fixtures for the PATTSync addon tests: the real PATTSync.lua in a Lua 5.1 VM (ADD-16)."""

import pytest

from tests.addon.harness import AddonGame

# The roster used by most tests: a guild master on our realm, an officer from a connected realm
# (the game reports "Name-Realm"), and a member with nothing but a name.
ROSTER = [
    {
        "name": "Trogmoon",
        "rank": 0,
        "rank_name": "Guild Master",
        "class": "Druid",
        "class_file": "DRUID",
        "level": 80,
        "zone": "Dornogal",
        "note": "GM / Mike",
        "officer_note": "Main since 2008",
        "online": True,
        "achievement_points": 31250,
    },
    {
        "name": "Bloodvalor",
        "realm": "AlteracMountains",
        "rank": 1,
        "rank_name": "Officer",
        "class": "Death Knight",
        "class_file": "DEATHKNIGHT",
        "level": 80,
        "zone": "Hallowfall",
        "note": "Tank",
        "officer_note": "alt of Sarah",
        "online": False,
        "last_online": (0, 0, 2, 4),
        "achievement_points": 18040,
    },
    {"name": "Newbie"},
]


@pytest.fixture
def game():
    """A game session with PATTSync loaded (first install) and no guild yet."""
    session = AddonGame()
    session.load_addon()
    return session


@pytest.fixture
def guild_game(game):
    """`game` in the guild with ROSTER; the load message already cleared from the chat."""
    game.set_guild(ROSTER)
    game.clear_lines()
    return game


# A member whose strings need escaping and UTF-8: used by the SavedVariables fixture test.
ZATANNA = {
    "name": "Zatañña",
    "realm": "Aggra(Português)",
    "rank": 4,
    "rank_name": "Member",
    "class": "Mage",
    "class_file": "MAGE",
    "level": 72,
    "note": 'says "hi" \\o/\nline 2',
    "officer_note": "",
    "last_online": (1, 2, 3, 0),
    "achievement_points": 0,
}
