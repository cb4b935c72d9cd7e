"""ADD-18: the SavedVariables text as the game writes it reads back through the companion's
data-only parser and payload mapper (CMPN-13, CMPN-17/18) to the expected upload JSON."""

import json
from pathlib import Path

from patt_companion.luadata import load_var
from patt_companion.payload import build_payload

from tests.addon.conftest import ROSTER, ZATANNA
from tests.addon.harness import AddonGame

FIXTURES = Path(__file__).parent / "fixtures"


def _exported_game() -> AddonGame:
    game = AddonGame(now=1740153600)
    game.load_addon()
    game.set_guild([*ROSTER, ZATANNA])
    game.slash("")
    game.advance(1)
    return game


def test_add18_companion_parser_reads_back_what_the_addon_holds():
    game = _exported_game()
    assert load_var(game.saved_variables_bytes(), "PATTSyncDB") == game.db()


def test_add18_companion_payload_from_the_game_written_file_is_the_expected_json():
    data = (FIXTURES / "PATTSync_first_export.lua").read_bytes()
    body = dict(build_payload(load_var(data, "PATTSyncDB")).body)
    body.pop("companion_version", None)
    expected = json.loads((FIXTURES / "PATTSync_first_export.payload.json").read_text("utf-8"))
    assert body == expected
