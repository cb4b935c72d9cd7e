"""ADD-1, ADD-2, ADD-3, ADD-5, ADD-16: the addon's files, TOC, globals and loading."""

import re

from tests.addon import harness
from tests.addon.harness import ADDON_DIR, ADDON_TOC, AddonGame


def _toc_fields() -> dict[str, str]:
    fields = {}
    for line in ADDON_TOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^## (\w+): (.*)$", line)
        if match:
            fields[match.group(1)] = match.group(2)
    return fields


def test_add1_addon_folder_holds_toc_lua_readme_and_tests():
    for name in ("PATTSync.toc", "PATTSync.lua", "README.md", "tests/wowstub.lua"):
        assert (ADDON_DIR / name).is_file(), name


def test_add2_toc_interface_numbers_are_current_retail():
    numbers = [n.strip() for n in _toc_fields()["Interface"].split(",")]
    assert numbers, "no Interface number"
    for number in numbers:
        assert re.fullmatch(r"\d{6}", number), number
        assert int(number) >= 120000, number


def test_add2_toc_version_equals_lua_version_constant(game):
    assert _toc_fields()["Version"] == game.ns.VERSION.decode() == "2.0.0"


def test_add2_toc_fields_and_file_list():
    fields = _toc_fields()
    assert fields["Title"] == "PATTSync - Guild Roster Exporter"
    assert fields["SavedVariables"] == "PATTSyncDB"
    assert fields["DefaultState"] == "enabled"
    files = [
        line
        for line in ADDON_TOC.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert files == ["PATTSync.lua"]


def test_add16_addon_runs_in_a_lua51_vm(game):
    assert game.g._VERSION == b"Lua 5.1"
    assert game.ns is not None


def test_add3_only_allowed_globals_and_exposed_functions(guild_game):
    game = guild_game
    game.slash("")
    game.advance(1)
    for msg in ("status", "help", "force", "bogus"):
        game.slash(msg)
    game.advance(30)
    written = {
        key.decode(): source.decode()
        for key, source in game.stub.globalWrites.items()
        if source.decode() == "@" + str(harness.ADDON_LUA)
    }
    assert set(written) == {"PATTSync", "PATTSyncDB", "SLASH_PATTSYNC1", "SLASH_PATTSYNC2"}
    for name in ("Export", "FormatDuration", "FormatLastOnline", "SplitName"):
        assert game.lua.eval(f"type(PATTSync.{name})") == b"function", name


def test_add5_addon_loaded_initialises_db_and_greets():
    game = AddonGame()
    game.load_addon()
    assert game.lines() == ["[PATTSync] v2.0.0 loaded. Type /pattsync help for commands."]
    assert game.db() == {"schemaVersion": 1, "lastExportTime": 0, "totalExports": 0}


def test_add5_other_addons_loaded_events_do_not_greet_again(game):
    game.clear_lines()
    game.fire("ADDON_LOADED", "SomeOtherAddon")
    assert game.lines() == []


def test_add5_j_key_hook_installed_once_and_auto_exports(game):
    game.fire("ADDON_LOADED", "PATTSync")  # a second event must not hook twice
    assert game.stub.hookCounts[b"ToggleGuildFrame"] == 1
    game.set_guild([{"name": "Trogmoon"}])
    game.clear_lines()
    game.g.ToggleGuildFrame()
    game.advance(1)
    lines = game.lines()
    assert lines[0] == "[PATTSync] Guild window opened -- exporting roster..."
    assert "[PATTSync] Export complete! 1 characters exported." in lines
    assert game.db()["totalExports"] == 1


def test_add5_communities_frame_hooked_when_it_loads_on_demand(game):
    assert game.g.CommunitiesFrame is None
    game.load_on_demand("Blizzard_Communities")
    game.fire("ADDON_LOADED", "Blizzard_Communities")  # again: still one hook
    assert game.stub.hookCounts[b"CommunitiesFrame:OnShow"] == 1
    game.set_guild([{"name": "Trogmoon"}])
    game.show_communities_frame()
    game.advance(1)
    assert game.db()["lastExport"]["memberCount"] == 1


def test_add5_communities_frame_hooked_when_already_loaded_before_pattsync():
    game = AddonGame()
    game.load_on_demand("Blizzard_Communities")
    game.load_addon()
    assert game.stub.hookCounts[b"CommunitiesFrame:OnShow"] == 1
    game.set_guild([{"name": "Trogmoon"}])
    game.clear_lines()
    game.show_communities_frame()
    game.advance(1)
    assert game.lines()[0] == "[PATTSync] Guild window opened -- exporting roster..."
    assert game.db()["totalExports"] == 1


def test_add5_opening_the_guild_window_twice_exports_once(game):
    game.set_guild([{"name": "Trogmoon"}])
    game.g.ToggleGuildFrame()  # J: both the ToggleGuildFrame and OnShow hooks fire
    game.advance(1)
    game.g.ToggleGuildFrame()  # close
    game.g.ToggleGuildFrame()  # open again: on cooldown, silently
    game.advance(1)
    assert game.db()["totalExports"] == 1
    assert not any("cooldown" in line or "in progress" in line for line in game.lines())
