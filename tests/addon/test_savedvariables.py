"""ADD-12 the PATTSyncDB layout, types and defaults; ADD-18 the file as the game writes it."""

import math
import re
from pathlib import Path

import pytest

from tests.addon.conftest import ROSTER, ZATANNA
from tests.addon.harness import AddonError, AddonGame, run_export, write_export
from tests.addon.savedvariables import SerializeError, quote, serialize_saved_variables

FIXTURES = Path(__file__).parent / "fixtures"
T0 = 1740153600


# ADD-12 ------------------------------------------------------------------------------------


def test_add12_first_install_gets_the_defaults(game):
    assert game.db() == {"schemaVersion": 1, "lastExportTime": 0, "totalExports": 0}
    assert game.g.PATTSyncDB.lastExport is None


@pytest.mark.parametrize(
    "stored", ["PATTSyncDB = 'corrupt'", "PATTSyncDB = 42", "PATTSyncDB = nil"]
)
def test_add12_non_table_db_is_replaced_by_defaults(stored):
    game = AddonGame()
    game.load_addon(saved_variables=stored)
    assert game.db() == {"schemaVersion": 1, "lastExportTime": 0, "totalExports": 0}


def test_add12_missing_keys_filled_existing_values_kept():
    game = AddonGame()
    game.load_addon(
        saved_variables='PATTSyncDB = { ["totalExports"] = 7, ["lastExportTime"] = 5, '
        '["schemaVersion"] = 2, ["lastExport"] = { ["memberCount"] = 1 }, ["mine"] = "x" }'
    )
    assert game.db() == {
        "schemaVersion": 2,
        "lastExportTime": 5,
        "totalExports": 7,
        "lastExport": {"memberCount": 1},
        "mine": "x",
    }


def test_add12_export_keeps_the_total_and_replaces_the_last_export():
    earlier = AddonGame(now=T0 - 86400)
    earlier.load_addon()
    earlier.set_guild(ROSTER)
    earlier.slash("")
    earlier.advance(1)
    game = AddonGame(now=T0)
    game.load_addon(saved_variables=earlier.saved_variables_text())
    game.set_guild([{"name": "Trogmoon"}])
    game.slash("")
    game.advance(1)
    db = game.db()
    assert db["totalExports"] == 2
    assert db["lastExportTime"] == T0
    assert db["lastExport"]["exportTime"] == T0
    assert [c["name"] for c in db["lastExport"]["characters"]] == ["Trogmoon"]


def test_add12_value_types_as_the_game_stores_them(guild_game):
    game = guild_game
    game.slash("")
    game.advance(1.7)  # the stub clock is between seconds; time() is whole seconds
    check = game.lua.eval(
        """function()
          local db, last = PATTSyncDB, PATTSyncDB.lastExport
          local ints = {db.schemaVersion, db.lastExportTime, db.totalExports, last.schemaVersion,
                        last.exportTime, last.memberCount}
          for i, v in ipairs(ints) do
            if type(v) ~= "number" or v ~= math.floor(v) then return "int " .. i end
          end
          for _, k in ipairs({"exportTimeISO", "addonVersion", "guildName", "realmName"}) do
            if type(last[k]) ~= "string" then return k end
          end
          if type(last.canViewOfficerNotes) ~= "boolean" then return "canViewOfficerNotes" end
          if #last.characters ~= last.memberCount then return "characters" end
          return "ok"
        end"""
    )
    assert check() == b"ok"
    last = game.db()["lastExport"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", last["exportTimeISO"])


def test_add12_guild_name_defaults_to_unknown(game):
    game.set_guild([{"name": "Trogmoon"}], name=None)
    game.slash("")
    game.advance(1)
    assert game.db()["lastExport"]["guildName"] == "Unknown"


# ADD-18 ------------------------------------------------------------------------------------


def test_add18_saved_variables_text_matches_the_game_written_fixture():
    expected = (FIXTURES / "PATTSync_first_export.lua").read_bytes().decode("utf-8")
    assert run_export([*ROSTER, ZATANNA], now=T0) == expected


def test_add18_saved_variables_text_reloads_to_the_same_data(guild_game):
    game = guild_game
    game.set_guild([*ROSTER, ZATANNA])
    game.slash("")
    game.advance(1)
    reloaded = AddonGame()
    reloaded.load_addon(saved_variables=game.saved_variables_bytes())
    assert reloaded.db() == game.db()
    assert reloaded.db()["lastExport"]["characters"][3]["note"] == 'says "hi" \\o/\nline 2'


def test_add18_run_export_officer_notes_hidden_and_write_export(tmp_path):
    text = run_export(ROSTER, now=T0, can_view_officer_notes=False)
    assert '\t\t["canViewOfficerNotes"] = false,\n' in text
    assert "alt of Sarah" not in text
    path = write_export(tmp_path / "PATTSync.lua", ROSTER, now=T0)
    assert path.read_bytes().startswith(b"\nPATTSyncDB = {\n\t[")


def test_add18_run_export_reports_a_failed_export_clearly():
    with pytest.raises(
        AddonError, match=r"(?s)did not export.*Failed to get guild roster data after 3 retries"
    ):
        run_export([], now=T0)


def test_add18_bad_member_keys_give_a_clear_message():
    with pytest.raises(AddonError, match=r"unknown member keys \['nmae'\]"):
        run_export([{"nmae": "Typo"}], now=T0)


def test_add18_serializer_layout_rules():
    data = {
        "list": ["a", 2, True],
        "empty": {},
        "nested": {"deeper": {"x": 1.5}},
        7: "number key",
        "sparse": {1: "one", 3: "three"},
        "skip": print,
    }
    assert serialize_saved_variables([("First", data), ("Second", None)]) == (
        b"\nFirst = {\n"
        b'\t["list"] = {\n'
        b'\t\t"a", -- [1]\n'
        b"\t\t2, -- [2]\n"
        b"\t\ttrue, -- [3]\n"
        b"\t},\n"
        b'\t["empty"] = {\n'
        b"\t},\n"
        b'\t["nested"] = {\n'
        b'\t\t["deeper"] = {\n'
        b'\t\t\t["x"] = 1.5,\n'
        b"\t\t},\n"
        b"\t},\n"
        b'\t[7] = "number key",\n'
        b'\t["sparse"] = {\n'
        b'\t\t"one", -- [1]\n'
        b'\t\t[3] = "three",\n'
        b"\t},\n"
        b"}\n"
        b"\nSecond = nil\n"
    )


@pytest.mark.parametrize(
    ("raw", "literal"),
    [
        ('say "hi"', b'"say \\"hi\\""'),
        ("back\\slash", b'"back\\\\slash"'),
        ("two\nlines\r", b'"two\\nlines\\r"'),
        ("bell\a0", b'"bell\\0070"'),
        ("Zatañña", '"Zatañña"'.encode()),
        (b"\xff", b'"\xff"'),
    ],
)
def test_add18_string_escapes(raw, literal):
    assert quote(raw) == literal


def test_add18_strings_read_back_byte_for_byte_in_lua():
    game = AddonGame()
    weird = bytes(range(256))
    text = serialize_saved_variables([("V", {"s": weird})])
    restore = game.lua.eval("function(s) assert(loadstring(s))() return V.s end")
    assert restore(text) == weird


def test_add18_serializer_refuses_cycles_and_nan():
    game = AddonGame()
    game.lua.execute("Loop = {}; Loop.self = Loop")
    with pytest.raises(SerializeError, match="contain itself"):
        serialize_saved_variables([("Loop", game.g.Loop)])
    with pytest.raises(SerializeError, match="nan"):
        serialize_saved_variables([("N", {"x": math.nan})])
