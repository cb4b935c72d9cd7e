"""ADD-6 .. ADD-11: the export flow, cooldown and force, empty-roster retries, records."""

import pytest

from tests.addon.conftest import ROSTER
from tests.addon.harness import AddonGame

T0 = 1740153600


def _lines_containing(game, text):
    return [line for line in game.lines() if text in line]


# ADD-7 step 1 ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["manual", "force"])
def test_add7_not_in_guild_manual_and_force_say_so_and_write_nothing(game, mode):
    game.clear_lines()
    assert game.export(mode) is False
    assert game.lines() == ["[PATTSync] You are not in a guild!"]
    assert game.raw_lines()[0].startswith("|cFFD4A84B[PATTSync]|r |cFFF87171")
    assert game.stub.rosterRequests == 0
    assert "lastExport" not in game.db()


def test_add7_not_in_guild_auto_is_silent(game):
    game.clear_lines()
    assert game.export("auto") is False
    assert game.lines() == []
    assert game.stub.rosterRequests == 0


# ADD-7 steps 4-7, ADD-8, ADD-12 --------------------------------------------------------------


def test_add7_manual_export_of_a_roster(guild_game):
    game = guild_game
    game.slash("")
    assert game.lines() == ["[PATTSync] Requesting guild roster data..."]
    assert game.stub.rosterRequests == 1
    assert "lastExport" not in game.db()  # nothing before the roster answers
    game.advance(1)
    assert game.lines()[1:] == [
        "[PATTSync] Export complete! 3 characters exported.",
        "[PATTSync] Type /reload or log out so the companion app can upload it.",
    ]
    assert game.raw_lines()[1].startswith("|cFFD4A84B[PATTSync]|r |cFF4ADE80Export complete!")
    db = game.db()
    assert db["lastExportTime"] == T0
    assert db["totalExports"] == 1
    last = db["lastExport"]
    assert {k: v for k, v in last.items() if k != "characters"} == {
        "schemaVersion": 1,
        "exportTime": T0,
        "exportTimeISO": "2025-02-21T16:00:00Z",
        "addonVersion": "2.0.0",
        "guildName": "Pull All The Things",
        "realmName": "Sen'jin",
        "canViewOfficerNotes": True,
        "memberCount": 3,
    }
    assert last["characters"] == [
        {
            "name": "Trogmoon",
            "realm": "Sen'jin",
            "class": "Druid",
            "classFile": "DRUID",
            "level": 80,
            "rank": 0,
            "rankName": "Guild Master",
            "zone": "Dornogal",
            "note": "GM / Mike",
            "officerNote": "Main since 2008",
            "isOnline": True,
            "lastOnline": "Online",
            "achievementPoints": 31250,
        },
        {
            "name": "Bloodvalor",
            "realm": "AlteracMountains",
            "class": "Death Knight",
            "classFile": "DEATHKNIGHT",
            "level": 80,
            "rank": 1,
            "rankName": "Officer",
            "zone": "Hallowfall",
            "note": "Tank",
            "officerNote": "alt of Sarah",
            "isOnline": False,
            "lastOnline": "2d 4h",
            "achievementPoints": 18040,
        },
        {  # ADD-8 defaults: the API returned nil for everything but the name
            "name": "Newbie",
            "realm": "Sen'jin",
            "class": "Unknown",
            "classFile": "UNKNOWN",
            "level": 0,
            "rank": 99,
            "rankName": "Unknown",
            "zone": "",
            "note": "",
            "officerNote": "",
            "isOnline": False,
            "lastOnline": "",
            "achievementPoints": 0,
        },
    ]
    assert game.ns.inProgress is False


def test_add8_rows_without_a_name_are_skipped(game):
    game.set_guild([{"name": "Trogmoon"}, {"full_name": None, "note": "ghost"}, {"name": "Kal"}])
    game.export("manual")
    game.advance(1)
    last = game.db()["lastExport"]
    assert [c["name"] for c in last["characters"]] == ["Trogmoon", "Kal"]
    assert last["memberCount"] == 2


def test_add8_record_fields_are_always_present_with_their_types(guild_game):
    game = guild_game
    game.export("manual")
    game.advance(1)
    # Checked in Lua: Python would not tell 80 from 80.5 after conversion.
    check = game.lua.eval(
        """function()
          for _, c in ipairs(PATTSyncDB.lastExport.characters) do
            for _, k in ipairs({"name","realm","class","classFile","rankName","zone","note",
                                "officerNote","lastOnline"}) do
              if type(c[k]) ~= "string" then return k end
            end
            for _, k in ipairs({"level","rank","achievementPoints"}) do
              if type(c[k]) ~= "number" or c[k] ~= math.floor(c[k]) then return k end
            end
            if type(c.isOnline) ~= "boolean" then return "isOnline" end
          end
          return "ok"
        end"""
    )
    assert check() == b"ok"


@pytest.mark.parametrize(
    ("full_name", "name", "realm"),
    [
        ("Bloodvalor-AlteracMountains", "Bloodvalor", "AlteracMountains"),
        ("Trogmoon", "Trogmoon", "Sen'jin"),
        ("Kal-Azjol-Nerub", "Kal", "Azjol-Nerub"),  # split at the first "-" only
        ("Zatañña-Aggra(Português)", "Zatañña", "Aggra(Português)"),
    ],
)
def test_add8_split_name(game, full_name, name, realm):
    got = game.ns.SplitName(full_name.encode())
    assert (got[0].decode(), got[1].decode()) == (name, realm)


# ADD-9 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("online", "parts", "expected"),
    [
        (True, (0, 0, 2, 4), "Online"),
        (False, (None, None, None, None), ""),
        (False, (1, 2, 3, 4), "1y 2m 3d"),
        (False, (0, 2, 3, 4), "2m 3d"),
        (False, (0, 0, 2, 4), "2d 4h"),
        (False, (0, 0, 0, 5), "5h"),
        (False, (0, 0, 0, 0), "0h"),
    ],
)
def test_add9_last_online_format(game, online, parts, expected):
    assert game.ns.FormatLastOnline(online, *parts).decode() == expected


def test_add9_last_online_in_export(game):
    game.set_guild(
        [
            {"name": "Away", "online": False, "last_online": (1, 2, 3, 4)},
            {"name": "Here", "online": True, "last_online": (0, 0, 9, 9)},
        ]
    )
    game.export("manual")
    game.advance(1)
    assert [c["lastOnline"] for c in game.db()["lastExport"]["characters"]] == [
        "1y 2m 3d",
        "Online",
    ]


# ADD-10 ------------------------------------------------------------------------------------


def test_add10_officer_note_visibility_checked_once_per_export(guild_game):
    game = guild_game
    game.export("manual")
    game.advance(1)
    assert game.stub.officerNoteChecks == 1  # three members, one check
    game.export("force")
    game.advance(1)
    assert game.stub.officerNoteChecks == 2


def test_add10_hidden_officer_notes_are_left_out_and_said(game):
    game.set_guild(ROSTER, can_view_officer_notes=False)
    game.export("manual")
    game.advance(1)
    last = game.db()["lastExport"]
    assert last["canViewOfficerNotes"] is False
    assert [c["officerNote"] for c in last["characters"]] == ["", "", ""]
    assert (
        game.lines()[-1] == "[PATTSync] Your rank can't see officer notes -- they are not included."
    )


@pytest.mark.parametrize(("api", "visible"), [("global", True), ("none", False), ("error", False)])
def test_add10_officer_note_api_fallback_missing_or_failing(game, api, visible):
    game.stub.setOfficerNoteApi(api.encode())
    game.set_guild(ROSTER)
    game.export("manual")
    game.advance(1)
    last = game.db()["lastExport"]
    assert last["canViewOfficerNotes"] is visible
    assert (last["characters"][0]["officerNote"] == "Main since 2008") is visible


# ADD-7 step 2: cooldown and force ---------------------------------------------------------------


def _exported(game):
    game.export("manual")
    game.advance(1)
    game.clear_lines()


def test_add7_cooldown_blocks_manual_export_for_six_hours(guild_game):
    game = guild_game
    _exported(game)
    game.advance(3600 - 1)  # one hour after the export
    game.slash("")
    assert game.lines() == [
        "[PATTSync] Export on cooldown. Next export available in 5h 0m. "
        "Use /pattsync force to export now."
    ]
    game.advance(21600 - 3600 - 1)  # one second before the cooldown ends
    game.clear_lines()
    game.slash("")
    assert game.lines() == [
        "[PATTSync] Export on cooldown. Next export available in 1 seconds. "
        "Use /pattsync force to export now."
    ]
    game.advance(30)
    assert game.db()["totalExports"] == 1
    assert game.stub.rosterRequests == 1
    game.clear_lines()
    game.advance(1)  # now 6 h have passed
    game.slash("")
    game.advance(1)
    assert game.db()["totalExports"] == 2
    assert "[PATTSync] Export complete! 3 characters exported." in game.lines()


def test_add7_cooldown_keeps_auto_silent(guild_game):
    game = guild_game
    _exported(game)
    game.advance(60)
    assert game.export("auto") is False
    assert game.lines() == []


def test_add7_force_ignores_the_cooldown(guild_game):
    game = guild_game
    _exported(game)
    game.advance(60)
    game.set_guild([{"name": "Trogmoon"}])
    game.slash("force")
    game.advance(1)
    assert game.lines()[:2] == [
        "[PATTSync] Forcing export...",
        "[PATTSync] Requesting guild roster data...",
    ]
    db = game.db()
    assert db["totalExports"] == 2
    assert db["lastExportTime"] == T0 + 61
    # ADD-12: only the latest export is kept.
    assert [c["name"] for c in db["lastExport"]["characters"]] == ["Trogmoon"]


def test_add7_cooldown_survives_a_reload(guild_game):
    game = guild_game
    _exported(game)
    later = AddonGame(now=T0 + 600)
    later.load_addon(saved_variables=game.saved_variables_bytes())
    later.set_guild(ROSTER)
    later.clear_lines()
    later.slash("")
    assert later.lines() == [
        "[PATTSync] Export on cooldown. Next export available in 5h 50m. "
        "Use /pattsync force to export now."
    ]


# ADD-7 step 3 ----------------------------------------------------------------------------------


def test_add7_second_export_while_one_is_in_progress(guild_game):
    game = guild_game
    game.slash("")
    game.clear_lines()
    game.slash("force")
    assert game.export("auto") is False
    assert game.lines() == [
        "[PATTSync] Forcing export...",
        "[PATTSync] Export already in progress...",
    ]
    assert game.stub.rosterRequests == 1
    game.advance(30)
    assert game.db()["totalExports"] == 1


# ADD-7 step 5: empty roster, retries and watchdog ---------------------------------------------


def test_add7_empty_roster_retries_until_data_arrives(game):
    game.set_guild(ROSTER, empty_responses=2)
    game.clear_lines()
    game.slash("")
    game.advance(1)
    assert game.lines()[-1] == "[PATTSync] Waiting for guild data (attempt 1/3)..."
    assert game.stub.rosterRequests == 1
    game.advance(2)  # re-request after 2 s, still empty
    assert game.lines()[-1] == "[PATTSync] Waiting for guild data (attempt 2/3)..."
    assert game.stub.rosterRequests == 2
    game.advance(2)
    assert game.stub.rosterRequests == 3
    assert game.lines()[-2:] == [
        "[PATTSync] Export complete! 3 characters exported.",
        "[PATTSync] Type /reload or log out so the companion app can upload it.",
    ]
    assert game.db()["lastExport"]["memberCount"] == 3


def test_add7_empty_roster_gives_up_after_three_retries(game):
    game.set_guild(ROSTER, empty_responses=100)
    game.clear_lines()
    game.slash("")
    game.advance(60)
    assert game.lines() == [
        "[PATTSync] Requesting guild roster data...",
        "[PATTSync] Waiting for guild data (attempt 1/3)...",
        "[PATTSync] Waiting for guild data (attempt 2/3)...",
        "[PATTSync] Waiting for guild data (attempt 3/3)...",
        "[PATTSync] Failed to get guild roster data after 3 retries. Try /pattsync again.",
    ]
    assert game.raw_lines()[-1].startswith("|cFFD4A84B[PATTSync]|r |cFFF87171")
    assert game.stub.rosterRequests == 4
    assert game.db() == {"schemaVersion": 1, "lastExportTime": 0, "totalExports": 0}
    # No longer in progress: the next /pattsync starts a new request.
    game.clear_lines()
    game.slash("")
    assert game.lines() == ["[PATTSync] Requesting guild roster data..."]


def test_add7_watchdog_counts_an_unanswered_request_as_empty(game):
    game.set_guild(ROSTER, answers_roster=False)
    game.clear_lines()
    game.slash("")
    game.advance(4.9)
    assert game.lines() == ["[PATTSync] Requesting guild roster data..."]
    game.advance(0.2)  # the 5 s watchdog
    assert game.lines()[-1] == "[PATTSync] Waiting for guild data (attempt 1/3)..."
    game.advance(2)
    assert game.stub.rosterRequests == 2  # re-requested, with a new watchdog
    game.advance(30)
    assert game.lines()[-1] == (
        "[PATTSync] Failed to get guild roster data after 3 retries. Try /pattsync again."
    )
    assert "lastExport" not in game.db()


# ADD-6 ------------------------------------------------------------------------------------


def test_add6_roster_updates_are_ignored_when_no_export_waits(guild_game):
    game = guild_game
    game.g.C_GuildInfo.GuildRoster()  # another addon asks for the roster
    game.advance(1)
    game.fire("GUILD_ROSTER_UPDATE", False)
    assert game.lines() == []
    assert "lastExport" not in game.db()


def test_add6_roster_updates_during_the_retry_pause_are_ignored(game):
    game.set_guild(ROSTER, empty_responses=100)
    game.slash("")
    game.advance(0.5)
    for _ in range(3):  # other addons' roster updates while we wait to re-request
        game.fire("GUILD_ROSTER_UPDATE", False)
    assert len(_lines_containing(game, "Waiting for guild data")) == 1
    assert "Failed" not in " ".join(game.lines())


def test_add6_watchdog_of_an_earlier_request_does_nothing(game):
    game.set_guild(ROSTER)
    game.slash("")
    game.advance(1)  # answered at 0.1 s; its watchdog is still due at 5 s
    game.set_guild(ROSTER, answers_roster=False)
    game.clear_lines()
    game.slash("force")  # at 1 s: its own watchdog is due at 6 s
    game.advance(4.5)  # past the first watchdog
    assert _lines_containing(game, "Waiting for guild data") == []
    game.advance(1)
    assert _lines_containing(game, "Waiting for guild data") == [
        "[PATTSync] Waiting for guild data (attempt 1/3)..."
    ]


# ADD-11 ------------------------------------------------------------------------------------


def test_add11_never_claims_the_data_is_on_disk_or_uploaded(guild_game):
    game = guild_game
    game.slash("")
    game.advance(1)
    text = " ".join(game.lines()).lower()
    assert "type /reload or log out so the companion app can upload it." in text
    for claim in ("saved", "written", "uploaded", "sent"):
        assert claim not in text, claim
