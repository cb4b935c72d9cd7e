"""`manage.py import_sheets` (ROS-63 … ROS-72) on a realistic legacy export.

The fixture (tests/roster/fixtures/sheets_export.json) has 21 availability rows, 33 character
rows with accented names, an unknown role 'DPS', rows without a Discord name, mixed truthiness
("TRUE", " true ", 1, "yes", null …), duplicate quotes and titles, and an unknown class.
"""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from identity.models import (
    Confidence,
    DiscordUser,
    LinkSource,
    Player,
    PlayerCharacter,
    RankSource,
    WowCharacter,
)
from patt.models import Quote, QuoteTitle
from roster.models import PlayerAvailability, RaidPreferences, UpdatedVia
from roster.services.availability import availability_of
from roster.services.sheets_import import ImportReport, import_export, truthy
from tests.factories import (
    DiscordUserFactory,
    PlayerFactory,
    WowCharacterFactory,
    playable_class,
    rank,
    spec,
)
from tests.fakes.fake_sheets import FakeSheets, Route
from tests.roster.legacy.support import EXPORT_PATH, existing_guild, export_data, snapshot

pytestmark = pytest.mark.django_db

FIRST_RUN = """\
Sheets import from {source}
  Players:       created 18, updated 2
  Discord users: created 17, linked 17
  Availability:  written 18, kept 1
  Characters:    created 15, linked 27, updated 0
  Quotes added:  12   Titles added: 7
  Flags (15):
    - 'quillon': no Discord id
    - 'dunmore': no Discord id
    - 'zephyr': ambiguous name (2 players are called that) -- skipped
    - availability row 7: no Discord name -- skipped
    - character row 6 ('Mitodots'): Mitodots-Sen'jin is linked to another member -- unchanged
    - character row 8 ('Kronas'): unknown role 'DPS' -> Ranged
    - character row 15 ('Bonk'): no Discord name -- skipped
    - character row 22 ('Moxie'): class 'Rogue' differs from the armory's Druid -- ignored
    - character row 22 ('Moxie'): unknown spec 'Outlaw'
    - character row 23 ('Moxiestab'): unknown role '' -> Ranged
    - character row 25 ('Quillbard'): unknown class 'Bard' -- skipped
    - character row 27 ('Ravennacat'): second main for 'ravenna' -- row 26 kept
    - character row 30 ('Zephyr'): member 'zephyr' was skipped -- skipped
    - character row 31 ('Zephyrwind'): member 'zephyr' was skipped -- skipped
    - character row 33: no Discord name -- skipped
Next steps: review players in the admin, check ranks after the next Blizzard sync,
set Discord role ids on ranks, keep the sheet as a read-only archive.
"""


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_sheets", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def guild():
    return existing_guild()


# --- ROS-65 / ROS-72: the whole run, twice ------------------------------------------------


def test_ros72_first_run_summary_counts_and_flags(guild):
    output = run("--file", str(EXPORT_PATH))

    assert output == FIRST_RUN.format(source=EXPORT_PATH)


def test_ros65_second_run_changes_nothing(guild):
    run("--file", str(EXPORT_PATH))
    after_first = snapshot()

    output = run("--file", str(EXPORT_PATH))

    assert snapshot() == after_first
    assert "  Players:       created 0, updated 0\n" in output
    assert "  Discord users: created 0, linked 0\n" in output
    assert "  Availability:  written 0, kept 1\n" in output
    assert "  Characters:    created 0, linked 0, updated 0\n" in output
    assert "  Quotes added:  0   Titles added: 0\n" in output


def test_ros65_second_run_updates_only_rows_that_differ(guild):
    run("--file", str(EXPORT_PATH))
    data = export_data()
    data["availability"][1]["monday"] = True  # rocket
    data["characters"][3]["spec"] = "Arcane"  # Rocketfizz

    report = import_export(data, source="changed.json")

    assert (report.availability_written, report.characters_updated) == (1, 1)
    assert report.players_created == report.characters_created == report.quotes_added == 0
    rocket = Player.objects.get(discord_user__username="rocket")
    assert availability_of(rocket)[0][0] is True
    assert PlayerCharacter.objects.get(character__name="Rocketfizz").raid_spec == spec(
        "Mage", "Arcane"
    )


def test_ros65_dry_run_prints_the_summary_and_rolls_back(guild):
    before = snapshot()

    output = run("--file", str(EXPORT_PATH), "--dry-run")

    assert output.startswith(f"Sheets import from {EXPORT_PATH} (DRY RUN -- nothing saved)\n")
    assert "  Players:       created 18, updated 2\n" in output
    assert snapshot() == before


def test_ros65_one_transaction_a_failure_leaves_nothing(guild, monkeypatch):
    from roster.services import sheets_import

    def explode(self, values, kind):
        raise RuntimeError("boom after players, availability and characters were written")

    monkeypatch.setattr(sheets_import._Import, "import_quotes", explode)
    before = snapshot()

    with pytest.raises(RuntimeError):
        import_export(export_data(), source="export.json")

    assert snapshot() == before


# --- ROS-63 / ROS-64: sources and fatal errors ---------------------------------------------


@pytest.mark.parametrize("args", [(), ("--file", "a.json", "--url", "http://127.0.0.1:1/x")])
def test_ros63_exactly_one_source(args):
    with pytest.raises(CommandError, match=r"^Give exactly one of --file, --url or the CSV "):
        run(*args)


def test_ros63_missing_file_is_one_line_and_writes_nothing(tmp_path):
    with pytest.raises(CommandError) as info:
        run("--file", str(tmp_path / "nope.json"))

    assert "\n" not in str(info.value)
    assert str(info.value).startswith(f"Cannot read {tmp_path / 'nope.json'}")
    assert not Player.objects.exists()


def test_ros63_file_that_is_not_json(tmp_path):
    path = tmp_path / "export.json"
    path.write_text("<html>Sign in to Google</html>", encoding="utf-8")

    with pytest.raises(CommandError, match="is not valid JSON"):
        run("--file", str(path))


def test_ros64_success_false_is_fatal_and_writes_nothing(tmp_path):
    data = export_data()
    data["success"] = False
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(CommandError, match=r"^Export reports success=false; nothing imported\.$"):
        run("--file", str(path))

    assert not Player.objects.exists() and not Quote.objects.exists()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("availability", {"trog": {}}, "'availability' must be a list"),
        ("characters", "Trogmoon", "'characters' must be a list"),
        ("discordIds", [], "'discordIds' must be an object"),
        ("mitoQuotes", "one quote", "'mitoQuotes' must be a list"),
    ],
)
def test_ros64_wrong_top_level_types_are_fatal_before_any_write(key, value, message):
    data = export_data()
    data[key] = value

    with pytest.raises(Exception, match=message):
        import_export(data, source="export.json")

    assert not Player.objects.exists() and not Quote.objects.exists()


@pytest.mark.parametrize("bad", ["Trog\x00moon", "Trog\ud800"])
def test_ros64_text_the_database_cannot_store_is_fatal_before_any_write(guild, bad):
    data = export_data()
    data["characters"][5]["character"] = bad
    before = snapshot()

    with pytest.raises(Exception, match=r"^The export contains text that cannot be stored"):
        import_export(data, source="export.json")

    assert snapshot() == before


def test_ros64_optional_keys_default_to_empty():
    report = import_export(
        {"success": True, "availability": [], "characters": []}, source="small.json"
    )

    assert report.lines()[-3] == "  No issues flagged."


def test_ros64_reference_data_must_exist():
    from identity.models import GuildRank

    GuildRank.objects.all().delete()

    with pytest.raises(CommandError, match=r"^Run migrate first\.$"):
        run("--file", str(EXPORT_PATH))


@pytest.fixture
def export_server():
    fake = FakeSheets(
        {
            "/export.json": Route(200, EXPORT_PATH.read_bytes(), "application/json"),
            "/login": Route(200, b"<html>Sign in</html>", "text/html"),
        }
    ).start()
    yield fake.base_url
    fake.stop()


def test_ros63_url_downloads_the_export_over_http(guild, export_server):
    output = run("--url", f"{export_server}/export.json")

    assert output == FIRST_RUN.format(source=f"{export_server}/export.json")


def test_ros63_url_uses_a_30_second_timeout(export_server, monkeypatch):
    import requests

    seen = {}
    real_request = requests.Session.request

    def spy(session, method, url, **kwargs):
        seen.update(kwargs)
        return real_request(session, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    run("--url", f"{export_server}/export.json", "--dry-run")

    # The shared HTTP client sends (connect, read) timeouts: 30 s each.
    assert seen["timeout"] == (30, 30)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing", "Could not download the export: HTTP 404."),
        ("/login", "The downloaded export is not valid JSON."),
    ],
)
def test_ros63_url_non_200_or_non_json_is_fatal(export_server, path, message):
    with pytest.raises(CommandError) as info:
        run("--url", f"{export_server}{path}")

    assert str(info.value) == message
    assert not Player.objects.exists()


# --- ROS-66 / ROS-67: players and Discord users --------------------------------------------


def test_ros66_players_resolved_by_id_username_and_display_name(guild):
    username_only = DiscordUserFactory(discord_id="999999999999999999", username="sarnor")
    sarnor = PlayerFactory(display_name="Sarnor the Wise", discord_user=username_only)

    run("--file", str(EXPORT_PATH))

    # by Discord id: the existing Trog, not a new player
    assert Player.objects.filter(display_name__iexact="trog").count() == 1
    assert Player.objects.get(discord_user__discord_id="195547238959677441") == guild["trog"]
    # by Discord username: the sheet's id for sarnor is not the stored one, the name matches
    assert PlayerCharacter.objects.get(character__name="Sarnor").player == sarnor
    # by display name (no Discord id in the sheet)
    assert PlayerCharacter.objects.get(character__name="Dunmore").player == guild["dunmore"]


def test_ros66_new_players_get_member_rank_and_automatic_rank_source(guild):
    run("--file", str(EXPORT_PATH))

    newbie = Player.objects.get(display_name="newbie")  # only in a character row
    assert newbie.guild_rank == rank("Member")
    assert newbie.rank_source == RankSource.AUTO
    assert Player.objects.get(display_name="Kronas").guild_rank == rank("Member")


def test_ros66_ambiguous_display_name_is_flagged_and_skipped(guild):
    report = import_export(export_data(), source="export.json")

    assert "'zephyr': ambiguous name (2 players are called that) -- skipped" in report.flags
    assert Player.objects.filter(display_name__iexact="zephyr").count() == 2
    assert not WowCharacter.objects.filter(name__startswith="Zephyr").exists()


def test_ros67_discord_users_created_absent_and_linked(guild):
    run("--file", str(EXPORT_PATH))

    # "Rocket" in discordIds, "rocket" in the rows: lower-cased name lookup
    rocket = DiscordUser.objects.get(discord_id="218830193475502081")
    assert (rocket.username, rocket.display_name, rocket.is_present) == ("rocket", "rocket", False)
    assert rocket.player.display_name == "rocket"
    assert DiscordUser.objects.get(discord_id="503918274650129408").player.display_name == "Thalric"


def test_ros67_an_id_linked_to_another_player_is_not_moved(guild):
    owner = PlayerFactory(
        display_name="Real Mito",
        discord_user=DiscordUserFactory(discord_id="302118477263192064", username="mito-real"),
    )
    impostor = PlayerFactory(display_name="mito")
    data = export_data()

    import_export(data, source="export.json")

    owner.refresh_from_db()
    impostor.refresh_from_db()
    assert owner.discord_user.discord_id == "302118477263192064"
    assert impostor.discord_user is None
    # the id decides who "mito" is in the sheet (ROS-66 order)
    assert PlayerCharacter.objects.get(character__name="Mitoheals").player == owner


def test_ros67_player_with_another_discord_user_keeps_it(guild):
    kept = DiscordUserFactory(username="lunaria-old")
    lunaria = PlayerFactory(display_name="lunaria", discord_user=kept)

    report = import_export(export_data(), source="export.json")

    lunaria.refresh_from_db()
    assert lunaria.discord_user == kept
    assert any(
        f.startswith("'lunaria': already linked to another Discord user") for f in report.flags
    )


# --- ROS-68: availability -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (1, True),
        ("true", True),
        (" TRUE ", True),
        ("True", True),
        (False, False),
        (0, False),
        ("1", False),
        ("yes", False),
        (None, False),
        (2, False),
        ("false", False),
    ],
)
def test_ros68_truthiness(value, expected):
    assert truthy(value) is expected


def test_ros68_days_flags_and_notes_written_with_import_source(guild):
    run("--file", str(EXPORT_PATH))

    def week(name):
        return availability_of(Player.objects.get(display_name=name))

    rocket_days, rocket_prefs = week("rocket")
    assert rocket_days == [False, False, False, True, True, True, False]
    assert (rocket_prefs.auto_signup, rocket_prefs.wants_reminders) == (True, True)
    assert rocket_prefs.updated_via == UpdatedVia.IMPORT
    kronas_days, kronas_prefs = week("Kronas")
    assert kronas_days == [False, False, True, True, True, False, False]
    assert kronas_prefs.auto_signup is False  # "yes" is not true
    mito_days, mito_prefs = week("mito")
    assert mito_days == [True, False, True, True, True, False, False]
    assert mito_prefs.auto_signup is True  # the number 1
    _, shodoom_prefs = week("shodoom")
    assert shodoom_prefs.notes == "Night shift on Wednesdays"  # trimmed
    assert PlayerAvailability.objects.filter(player__display_name="bellatrix").count() == 7


def test_ros68_website_changes_are_kept_unless_overwrite(guild):
    trog = guild["trog"]

    first = import_export(export_data(), source="export.json")
    assert first.availability_kept == 1
    assert RaidPreferences.objects.get(player=trog).notes == "Set on the website"
    assert availability_of(trog)[0] == [False] * 7

    second = import_export(export_data(), source="export.json", overwrite=True)
    assert (second.availability_written, second.availability_kept) == (1, 0)
    days, prefs = availability_of(trog)
    assert days == [False, False, False, True, True, True, False]
    assert (prefs.notes, prefs.auto_signup, prefs.updated_via) == ("", True, UpdatedVia.IMPORT)


def test_ros68_notes_longer_than_500_characters_are_flagged(guild):
    data = export_data()
    data["availability"][2]["notes"] = "x" * 501

    report = import_export(data, source="export.json")

    assert "availability row 3 ('mito'): notes longer than 500 characters -- skipped" in (
        report.flags
    )
    assert not RaidPreferences.objects.filter(player__display_name="mito").exists()


# --- ROS-69: characters ---------------------------------------------------------------------


def test_ros69_links_roster_fields_and_mains(guild):
    run("--file", str(EXPORT_PATH))

    link = PlayerCharacter.objects.get(character__name="Trogmoon")
    assert link.player == guild["trog"]
    assert (link.link_source, link.confidence, link.confirmed) == (
        LinkSource.IMPORT,
        Confidence.HIGH,
        False,
    )
    assert link.on_raid_roster and link.raid_spec == spec("Druid", "Balance")
    assert link.raid_role.name == "Ranged DPS"
    guild["trog"].refresh_from_db()
    assert guild["trog"].main_character.name == "Trogmoon"
    # Frost resolves by class (ROS-10); "marksmanship"/"Beast Mastery" ignore case and spaces
    assert PlayerCharacter.objects.get(character__name="Kaelfrost").raid_spec == spec(
        "Death Knight", "Frost"
    )
    assert PlayerCharacter.objects.get(character__name="Kaël").raid_spec == spec("Mage", "Frost")
    assert PlayerCharacter.objects.get(character__name="Élanor").raid_spec == spec(
        "Hunter", "Beast Mastery"
    )
    assert PlayerCharacter.objects.get(character__name="Kaelfrost").raid_role.name == "Melee DPS"


def test_ros69_new_characters_are_created_out_of_guild_on_the_default_realm(guild):
    run("--file", str(EXPORT_PATH))

    zatanna = WowCharacter.objects.get(name="Zatañña")
    assert (zatanna.realm_slug, zatanna.realm_name, zatanna.in_guild) == (
        "senjin",
        "Sen'jin",
        False,
    )
    assert zatanna.playable_class == playable_class("Priest")
    assert zatanna.first_seen_at is not None


def test_ros69_connected_realm_namesake_is_used(guild):
    run("--file", str(EXPORT_PATH))

    assert WowCharacter.objects.filter(name_key="lunaria").count() == 1
    assert PlayerCharacter.objects.get(character=guild["characters"]["Lunaria"]).on_raid_roster


def test_ros69_realm_option_uses_identity_realm_rules(guild):
    WowCharacterFactory(name="Someone", realm_slug="area-52", realm_name="Area 52")

    import_export(export_data(), source="export.json", realm="area 52")

    assert WowCharacter.objects.get(name="Zatañña").realm_slug == "area-52"


def test_ros69_unknown_role_spec_and_class(guild):
    report = import_export(export_data(), source="export.json")

    kronas = PlayerCharacter.objects.get(character__name="Kronas")
    assert kronas.raid_role.name == "Ranged DPS"
    assert "character row 8 ('Kronas'): unknown role 'DPS' -> Ranged" in report.flags
    moxie = PlayerCharacter.objects.get(character__name="Moxie")
    assert moxie.raid_spec is None
    assert moxie.character.playable_class == playable_class("Druid")  # armory wins
    assert not WowCharacter.objects.filter(name="Quillbard").exists()


def test_ros69_conflicts_and_blocked_characters_are_left_alone(guild):
    blocked = WowCharacterFactory(name="Bellatrix", realm_slug="senjin-blocked")
    guild["characters"]["Bellatrix"].automatch_blocked = True
    guild["characters"]["Bellatrix"].save()

    report = import_export(export_data(), source="export.json")

    assert not PlayerCharacter.objects.filter(character__name="Bellatrix").exists()
    assert any("Bellatrix-Sen'jin was unlinked by an officer" in f for f in report.flags)
    assert PlayerCharacter.objects.get(character__name="Mitodots").player.display_name == (
        "Somebody Else"
    )
    assert not PlayerCharacter.objects.filter(character=blocked).exists()


def test_ros69_main_only_when_none_and_second_main_flagged(guild):
    dunmore = guild["dunmore"]
    report = import_export(export_data(), source="export.json")

    ravenna = Player.objects.get(display_name="ravenna")
    assert ravenna.main_character.name == "Ravenna"
    assert ravenna.main_spec == spec("Druid", "Restoration")
    assert "character row 27 ('Ravennacat'): second main for 'ravenna' -- row 26 kept" in (
        report.flags
    )
    dunmore.refresh_from_db()
    assert dunmore.main_character.name == "Dunmore"


def test_ros69_existing_main_is_not_replaced(guild):
    trog = guild["trog"]
    other = WowCharacterFactory(name="Trogalt")
    from identity.services.links import link_character

    link_character(player=trog, character=other)
    trog.main_character = other
    trog.save()

    import_export(export_data(), source="export.json")

    trog.refresh_from_db()
    assert trog.main_character == other


# --- ROS-70: quotes and titles --------------------------------------------------------------


def test_ros70_quotes_trimmed_deduplicated_within_file_and_database(guild):
    Quote.objects.create(text="Dispel? I hardly know her.")
    QuoteTitle.objects.create(text="MANA WHISPERER")

    report = import_export(export_data(), source="export.json")

    assert (report.quotes_added, report.titles_added) == (11, 6)
    texts = list(Quote.objects.values_list("text", flat=True))
    assert "Stand in the good stuff, not the bad stuff." in texts
    assert len({t.casefold() for t in texts}) == len(texts) == 12
    assert "" not in texts
    assert QuoteTitle.objects.filter(text__iexact="keeper of the salt").count() == 1


# --- ROS-71 / ROS-72: report format ---------------------------------------------------------


def test_ros72_no_flags_line():
    report = ImportReport(source="x.json")

    assert report.lines() == [
        "Sheets import from x.json",
        "  Players:       created 0, updated 0",
        "  Discord users: created 0, linked 0",
        "  Availability:  written 0, kept 0",
        "  Characters:    created 0, linked 0, updated 0",
        "  Quotes added:  0   Titles added: 0",
        "  No issues flagged.",
        "Next steps: review players in the admin, check ranks after the next Blizzard sync,",
        "set Discord role ids on ranks, keep the sheet as a read-only archive.",
    ]


def test_ros71_rows_without_names_are_flagged(guild):
    report = import_export(export_data(), source="export.json")

    assert "availability row 7: no Discord name -- skipped" in report.flags
    assert "character row 15 ('Bonk'): no Discord name -- skipped" in report.flags
    assert "'quillon': no Discord id" in report.flags


def test_ros1_imported_players_appear_in_roster_data(guild, client):
    run("--file", str(EXPORT_PATH))

    body = client.get("/api/v1/guild/roster-data").json()

    names = [row["discord"] for row in body["availability"]]
    assert names == sorted(names, key=str.casefold)
    assert "rocket" in names and "zephyr" not in names
    # ROS-1: "newbie" has characters but no availability row, so no preferences: not listed
    assert "newbie" not in names
    elanor = [row for row in body["characters"] if row["discord"] == "elanor"]
    assert elanor == [
        {
            "discord": "elanor",
            "character": "Élanor",
            "class": "Hunter",
            "spec": "Beast Mastery",
            "role": "Ranged",
            "mainAlt": "Main",
        },
        {
            "discord": "elanor",
            "character": "Elanorshot",
            "class": "Hunter",
            "spec": "Marksmanship",
            "role": "Ranged",
            "mainAlt": "Alt",
        },
    ]
