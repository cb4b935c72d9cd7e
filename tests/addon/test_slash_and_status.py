"""ADD-13 slash commands, ADD-14 status, ADD-15 chat colours."""

import pytest

from tests.addon.conftest import ROSTER

PREFIX = "|cFFD4A84B[PATTSync]|r "
RED, GREEN, BODY = "|cFFF87171", "|cFF4ADE80", "|cFFE8E8E8"


# ADD-13 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/pattsync", "/patt", "/PATTSYNC"])
@pytest.mark.parametrize("msg", ["", "export", "  EXPORT\t"])
def test_add13_bare_command_and_export_start_a_manual_export(guild_game, command, msg):
    guild_game.slash(msg, command=command)
    assert guild_game.lines() == ["[PATTSync] Requesting guild roster data..."]


def test_add13_force_is_trimmed_and_lower_cased(guild_game):
    guild_game.slash("  Force ")
    assert guild_game.lines() == [
        "[PATTSync] Forcing export...",
        "[PATTSync] Requesting guild roster data...",
    ]


def test_add13_help(game):
    game.clear_lines()
    game.slash("help", command="/patt")
    assert game.lines() == [
        "[PATTSync] PATTSync commands:",
        "[PATTSync]   /pattsync -- export the guild roster (once every 6 hours)",
        "[PATTSync]   /pattsync force -- export now, ignoring the cooldown",
        "[PATTSync]   /pattsync status -- show the last export",
        "[PATTSync]   /pattsync help -- show this help",
    ]


def test_add13_unknown_command(game):
    game.clear_lines()
    game.slash(" Frobnicate ")
    assert game.lines() == ["[PATTSync] Unknown command 'frobnicate'. Type /pattsync help."]
    assert game.stub.rosterRequests == 0


# ADD-14 ------------------------------------------------------------------------------------


def test_add14_status_without_exports(game):
    game.clear_lines()
    game.slash("status")
    assert game.lines() == [
        "[PATTSync] No exports yet.",
        "[PATTSync]   Total exports (all time): 0",
    ]


def test_add14_status_after_an_export_on_cooldown(guild_game):
    game = guild_game
    game.slash("")
    game.advance(90)
    game.clear_lines()
    game.slash("status")
    assert game.lines() == [
        "[PATTSync] Last export: 1 minutes ago",
        "[PATTSync]   Members exported: 3",
        "[PATTSync]   Officer notes: included",
        "[PATTSync]   Next export in: 5h 58m",
        "[PATTSync]   Total exports (all time): 1",
    ]


def test_add14_status_ready_and_officer_notes_hidden(game):
    game.set_guild(ROSTER, can_view_officer_notes=False)
    game.slash("")
    game.advance(1)
    game.slash("force")
    game.advance(21600 + 7200)
    game.clear_lines()
    game.slash("status")
    assert game.lines() == [
        "[PATTSync] Last export: 8h 0m ago",
        "[PATTSync]   Members exported: 3",
        "[PATTSync]   Officer notes: not visible to your rank",
        "[PATTSync]   Status: Ready to export",
        "[PATTSync]   Total exports (all time): 2",
    ]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 seconds"),
        (59, "59 seconds"),
        (60, "1 minutes"),
        (119, "1 minutes"),
        (3599, "59 minutes"),
        (3600, "1h 0m"),
        (21599, "5h 59m"),
        (90061, "25h 1m"),
    ],
)
def test_add14_duration_format(game, seconds, text):
    assert game.ns.FormatDuration(seconds).decode() == text


# ADD-15 ------------------------------------------------------------------------------------


def test_add15_every_line_has_the_gold_prefix_and_its_colour(game):
    game.slash("")  # not in a guild: error
    game.set_guild(ROSTER, can_view_officer_notes=False)
    game.slash("")
    game.advance(1)
    game.slash("status")
    game.slash("help")
    game.slash("nope")
    lines = game.raw_lines()
    assert len(lines) > 10
    for line in lines:
        assert line.startswith(PREFIX), line
        assert line.endswith("|r"), line
    by_text = {game.stub.plain(line.encode()).decode(): line for line in lines}
    assert by_text["[PATTSync] You are not in a guild!"].startswith(PREFIX + RED)
    assert by_text["[PATTSync] Export complete! 3 characters exported."].startswith(PREFIX + GREEN)
    assert by_text["[PATTSync] Requesting guild roster data..."].startswith(PREFIX + BODY)
    assert by_text["[PATTSync]   Officer notes: not visible to your rank"].startswith(PREFIX + BODY)
    assert {line[len(PREFIX) : len(PREFIX) + 10] for line in lines} == {RED, GREEN, BODY}
