"""`manage.py import_sheets` reading the legacy CSV exports, `characters.csv` +
`discord_ids.csv` (issue 11 item 18): the same rules, report, idempotency and dry run as the
JSON export (ROS-63 … ROS-72), since the CSV reader only builds the same export object.

The CSV files are written by each test; the big ones from the JSON fixture's own rows.
"""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from identity.models import DiscordUser, LinkSource, Player, PlayerCharacter, WowCharacter
from roster.services.sheets_import import import_export
from tests.factories import spec
from tests.roster.legacy.support import existing_guild, export_data, snapshot

pytestmark = pytest.mark.django_db

CHARACTER_HEADER = ["Discord", "Character", "Class", "Spec", "Role", "MainAlt"]
TROG_ID = "195547238959677441"
NEW_ID = "412345678901234567"


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_sheets", *args, stdout=out)
    return out.getvalue()


def write_csv(path, header, rows, *, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def fixture_csvs(folder):
    """The JSON fixture's `characters` and `discordIds`, exported the legacy way."""
    data = export_data()
    keys = ["discord", "character", "class", "spec", "role", "mainAlt"]
    write_csv(
        folder / "characters.csv",
        CHARACTER_HEADER,
        [[row[key] for key in keys] for row in data["characters"]],
    )
    write_csv(folder / "discord_ids.csv", ["Discord", "DiscordID"], data["discordIds"].items())
    return folder


def small_csvs(folder, characters=None, ids=None):
    write_csv(
        folder / "characters.csv",
        CHARACTER_HEADER,
        characters
        if characters is not None
        else [
            ["newbie", "Newbiefire", "Mage", "Fire", "Ranged", "Main"],
            ["newbie", "Newbieprot", "Warrior", "Protection", "Tank", "Alt"],
        ],
    )
    write_csv(
        folder / "discord_ids.csv",
        ["Discord", "DiscordID"],
        ids if ids is not None else [["newbie", NEW_ID]],
    )
    return folder


def fatal(*args) -> str:
    with pytest.raises(CommandError) as info:
        run(*args)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- the same import as the JSON export --------------------------------------------------------


def test_csv_exports_import_exactly_like_the_same_rows_in_the_json_export(tmp_path):
    existing_guild()
    data = export_data()
    same_rows = {
        "success": True,
        "characters": data["characters"],
        "discordIds": data["discordIds"],
    }
    json_report = import_export(same_rows, source="x", dry_run=True)
    folder = fixture_csvs(tmp_path)

    output = run("--csv-dir", str(folder))

    source = f"{folder / 'characters.csv'} + {folder / 'discord_ids.csv'}"
    assert output.splitlines()[0] == f"Sheets import from {source}"
    assert output.splitlines()[1:] == json_report.lines()[1:]
    assert json_report.characters_linked > 20 and len(json_report.flags) > 5
    assert PlayerCharacter.objects.filter(link_source=LinkSource.IMPORT).count() == (
        json_report.characters_linked
    )


def test_csv_second_run_changes_nothing_and_dry_run_writes_nothing(tmp_path):
    existing_guild()
    folder = fixture_csvs(tmp_path)
    before = snapshot()

    dry = run("--csv-dir", str(folder), "--dry-run")

    assert " (DRY RUN -- nothing saved)\n" in dry and snapshot() == before
    run("--csv-dir", str(folder))
    after_first = snapshot()
    second = run("--csv-dir", str(folder))
    assert snapshot() == after_first
    assert "  Players:       created 0, updated 0\n" in second
    assert "  Discord users: created 0, linked 0\n" in second
    assert "  Characters:    created 0, linked 0, updated 0\n" in second


def test_csv_rows_become_players_discord_users_links_and_mains(tmp_path):
    folder = small_csvs(tmp_path)

    run(
        "--characters-csv",
        str(folder / "characters.csv"),
        "--discord-ids-csv",
        str(folder / "discord_ids.csv"),
    )

    newbie = Player.objects.get(display_name="newbie")
    assert newbie.discord_user == DiscordUser.objects.get(discord_id=NEW_ID)
    assert newbie.main_character.name == "Newbiefire"
    assert newbie.main_spec == spec("Mage", "Fire")
    prot = PlayerCharacter.objects.get(character__name="Newbieprot")
    assert (prot.player, prot.raid_spec, prot.raid_role.key) == (
        newbie,
        spec("Warrior", "Protection"),
        "tank",
    )


def test_csv_header_variants_bom_and_extra_columns_are_accepted(tmp_path):
    (tmp_path / "characters.csv").write_text(
        "\ufeffdiscord , Character,class,SPEC,Role,Main/Alt,Comment\r\n"
        "newbie,Newbiefire,Mage,Fire,Ranged,Main,hello\r\n",
        encoding="utf-8",
    )
    (tmp_path / "discord_ids.csv").write_text(
        f"Discord ID,Discord\r\n{NEW_ID},newbie\r\n", encoding="utf-8"
    )

    output = run("--csv-dir", str(tmp_path))

    assert "  Characters:    created 1, linked 1, updated 0\n" in output
    assert "  No issues flagged.\n" in output
    assert Player.objects.get(display_name="newbie").discord_user.discord_id == NEW_ID


def test_csv_row_problems_are_flagged_like_the_json_rows(tmp_path):
    folder = small_csvs(
        tmp_path,
        characters=[
            ["", "Bonk", "Warrior", "Arms", "Melee", "Main"],
            ["newbie", "Newbiefire", "Mage", "Fire", "DPS", "Main"],
            ["quill", "Quillbard", "Bard", "", "", "Main"],
        ],
        ids=[["newbie", NEW_ID], ["quill", "1.95547E+17"]],
    )

    output = run("--csv-dir", str(folder))

    assert "    - character row 1 ('Bonk'): no Discord name -- skipped\n" in output
    assert "    - character row 2 ('Newbiefire'): unknown role 'DPS' -> Ranged\n" in output
    assert "    - 'quill': Discord id '1.95547E+17' is not valid -- ignored\n" in output
    assert "    - character row 3 ('Quillbard'): unknown class 'Bard' -- skipped\n" in output


# --- which files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("--file", "a.json", "--csv-dir", "exports"),
        ("--url", "http://127.0.0.1:1/x", "--characters-csv", "c.csv"),
    ],
)
def test_csv_is_one_source_among_file_and_url(args):
    assert fatal(*args) == (
        "Give exactly one of --file, --url or the CSV exports "
        "(--csv-dir, or --characters-csv with --discord-ids-csv)."
    )


def test_csv_files_come_in_pairs(tmp_path):
    folder = small_csvs(tmp_path)
    assert fatal("--characters-csv", str(folder / "characters.csv")) == (
        "Give both --characters-csv and --discord-ids-csv (or --csv-dir)."
    )


def test_csv_dir_file_can_be_replaced_by_its_own_option(tmp_path):
    folder = small_csvs(tmp_path)
    renamed = (folder / "discord_ids.csv").rename(folder / "PATT Roster - Discord IDs.csv")

    output = run("--csv-dir", str(folder), "--discord-ids-csv", str(renamed))

    assert f"+ {renamed}\n" in output and "linked 1" in output


def test_csv_missing_file_is_one_line_and_writes_nothing(tmp_path):
    folder = small_csvs(tmp_path)
    (folder / "discord_ids.csv").unlink()

    message = fatal("--csv-dir", str(folder))

    assert message == f"Cannot read {folder / 'discord_ids.csv'}: No such file or directory."
    assert not Player.objects.exists()


# --- fatal file problems: one line, nothing written --------------------------------------------


def test_csv_missing_column_names_it_and_the_expected_columns(tmp_path):
    small_csvs(tmp_path)
    write_csv(tmp_path / "characters.csv", ["Discord", "Character", "Spec", "Role"], [])

    message = fatal("--csv-dir", str(tmp_path))

    assert message == (
        "characters.csv: no 'Class', 'MainAlt' column (expected columns: Discord, Character, "
        "Class, Spec, Role, MainAlt); nothing imported."
    )


def test_csv_missing_discord_id_column(tmp_path):
    small_csvs(tmp_path)
    write_csv(tmp_path / "discord_ids.csv", ["Discord", "Id"], [["newbie", NEW_ID]])

    message = fatal("--csv-dir", str(tmp_path))

    assert message.startswith("discord_ids.csv: no 'DiscordID' column")
    assert not Player.objects.exists()


def test_csv_repeated_column_is_fatal(tmp_path):
    small_csvs(tmp_path)
    write_csv(tmp_path / "discord_ids.csv", ["Discord", "DiscordID", "discord"], [])

    assert fatal("--csv-dir", str(tmp_path)) == (
        "discord_ids.csv: column 'discord' appears twice; nothing imported."
    )


def test_csv_row_with_the_wrong_number_of_cells_names_its_line(tmp_path):
    small_csvs(
        tmp_path,
        characters=[
            ["newbie", "Newbiefire", "Mage", "Fire", "Ranged", "Main"],
            ["newbie", "Newbie, the Bold", "Mage", "Fire", "Ranged", "Alt", "extra"],
        ],
    )

    message = fatal("--csv-dir", str(tmp_path))

    assert message == ("characters.csv line 3: 7 cells where the header has 6; nothing imported.")
    assert not Player.objects.exists() and not WowCharacter.objects.exists()


def test_csv_that_does_not_parse_names_its_line(tmp_path):
    small_csvs(tmp_path)
    (tmp_path / "discord_ids.csv").write_text(
        f'Discord,DiscordID\nnewbie,{NEW_ID}\n"trog"x,{TROG_ID}\n', encoding="utf-8"
    )

    message = fatal("--csv-dir", str(tmp_path))

    assert message.startswith("discord_ids.csv line 3: not valid CSV (")
    assert not Player.objects.exists()


def test_csv_empty_or_not_utf8_file(tmp_path):
    small_csvs(tmp_path)
    (tmp_path / "discord_ids.csv").write_text("", encoding="utf-8")
    assert fatal("--csv-dir", str(tmp_path)) == (
        f"{tmp_path / 'discord_ids.csv'} is empty; nothing imported."
    )
    write_csv(
        tmp_path / "characters.csv", CHARACTER_HEADER, [["Zoë", "Zoëmage"]], encoding="latin-1"
    )
    assert fatal("--csv-dir", str(tmp_path)) == (
        f"{tmp_path / 'characters.csv'} is not UTF-8 text."
    )


def test_csv_one_name_with_two_ids_is_fatal(tmp_path):
    small_csvs(tmp_path, ids=[["newbie", NEW_ID], ["trog", TROG_ID], ["newbie", TROG_ID]])

    assert fatal("--csv-dir", str(tmp_path)) == (
        f"discord_ids.csv row 3: 'newbie' already has id {NEW_ID} in row 1; nothing imported."
    )
    assert not Player.objects.exists()


def test_csv_same_name_and_id_twice_is_harmless(tmp_path):
    small_csvs(tmp_path, ids=[["newbie", NEW_ID], ["newbie", NEW_ID]])

    assert "linked 1" in run("--csv-dir", str(tmp_path))


def test_nul_in_a_cell_is_refused_before_any_write(tmp_path):
    small_csvs(
        tmp_path,
        characters=[
            ["newbie", "Newbiefire", "Mage", "Fire", "Ranged", "Main"],
            ["newbie", "Newbie\x00x", "Mage", "Fire", "Ranged", "Alt"],
        ],
    )

    assert fatal("--csv-dir", str(tmp_path)) == (
        "The export contains text that cannot be stored (NUL characters or unpaired "
        "surrogates); nothing imported."
    )
    assert not Player.objects.exists()
