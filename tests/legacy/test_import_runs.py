"""How import runs behave (issue 14 items 1, 3, 5): idempotent through the ledger, a later run
imports only new rows, --dry-run writes nothing, a broken row leaves the target unchanged and
names the row, and the query count does not grow with the rows."""

import json
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import Ballot, BallotPick, Campaign, CampaignEntry, CampaignResult
from identity.models import DiscordUser, GuildRank, Player, PlayerCharacter, WowCharacter
from legacy.importer import run_import
from legacy.models import LegacyRow
from patt.models import SiteConfig, clear_site_config_cache
from roster.models import PlayerAvailability

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

MODELS = (
    GuildRank,
    DiscordUser,
    WowCharacter,
    Player,
    PlayerCharacter,
    Campaign,
    CampaignEntry,
    Ballot,
    BallotPick,
    CampaignResult,
    PlayerAvailability,
    LegacyRow,
)


def snapshot() -> dict:
    """Every row of the imported models, as values: what a second run must not change."""
    state = {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}
    state["SiteConfig"] = list(SiteConfig.objects.values())
    return state


def without_targets(report) -> set:
    return {(n.table, n.legacy_id, n.bucket, n.reason) for n in report.rows}


def test_a_second_run_changes_nothing(legacy_url):
    """Issue 14 item 3: the ledger makes the import idempotent."""
    first = run_import(legacy_url)
    before = snapshot()
    second = run_import(legacy_url)
    assert snapshot() == before
    for name, count in second.tables.items():
        assert (count.imported, count.merged, count.reported) == (0, 0, 0), name
        assert count.earlier == count.legacy == first.tables[name].legacy, name
    assert second.rows == [] and second.winner_changes == []


def test_a_later_run_imports_only_the_new_rows(legacy_scratch):
    """Issue 14 item 3: rows added to the legacy database after a run are imported next time,
    linked to what the first run imported."""
    legacy_copy = legacy_scratch.url
    run_import(legacy_copy)
    players, characters = Player.objects.count(), WowCharacter.objects.count()
    legacy_scratch.change(
        """
        INSERT INTO guild_identity.discord_users (id, discord_id, username, is_present)
        VALUES (290, '290290290290290290', 'newbie', true);
        INSERT INTO guild_identity.wow_characters (id, character_name, realm_slug, class_id,
          in_guild) VALUES (390, 'Newbie', 'senjin', 13, true);
        INSERT INTO guild_identity.players (id, display_name, discord_user_id, guild_rank_id,
          main_character_id, main_spec_id)
        VALUES (490, 'Newbie', 290, 15, 390, 14);
        INSERT INTO guild_identity.player_characters (id, player_id, character_id, link_source)
        VALUES (590, 490, 390, 'exact_name');
        INSERT INTO patt.votes (id, campaign_id, player_id, entry_id, rank, voted_at)
        VALUES (1590, 1302, 490, 1406, 1, now()), (1591, 1302, 401, 1405, 1, now());
        """,
        undo="""
        DELETE FROM patt.votes WHERE id IN (1590, 1591);
        DELETE FROM guild_identity.player_characters WHERE id = 590;
        DELETE FROM guild_identity.players WHERE id = 490;
        DELETE FROM guild_identity.wow_characters WHERE id = 390;
        DELETE FROM guild_identity.discord_users WHERE id = 290;
        """,
    )
    report = run_import(legacy_copy)
    assert report.tables["guild_identity.players"].imported == 1
    assert report.tables["guild_identity.players"].earlier == 7
    assert report.tables["patt.votes"].imported == 2
    assert report.tables["guild_identity.wow_characters"].imported == 1
    assert Player.objects.count() == players + 1
    assert WowCharacter.objects.count() == characters + 1
    newbie = Player.objects.get(display_name="Newbie")
    assert newbie.main_character.name == "Newbie" and newbie.main_spec.name == "Arms"
    assert newbie.guild_rank.name == "Member"  # legacy rank 15, matched by the first run
    live = Campaign.objects.get(title="Live vote")
    assert set(
        Ballot.objects.filter(campaign=live).values_list("voter__display_name", flat=True)
    ) == {
        "Mito",
        "Newbie",
        "Trog",
    }


def test_dry_run_writes_nothing_and_prints_the_same_report(legacy_url):
    """Issue 14 item 3: --dry-run runs everything, then rolls it back."""
    before = snapshot()
    dry = run_import(legacy_url, dry_run=True)
    assert snapshot() == before
    assert dry.dry_run and LegacyRow.objects.count() == 0
    real = run_import(legacy_url)
    assert {k: vars(v) for k, v in dry.tables.items()} == {
        k: vars(v) for k, v in real.tables.items()
    }
    assert without_targets(dry) == without_targets(real)
    assert dry.winner_changes == real.winner_changes and dry.secrets == real.secrets
    assert dry.summary().splitlines()[1:20] == real.summary().splitlines()[1:20]


def test_a_broken_row_leaves_the_target_unchanged_and_is_named(legacy_scratch):
    """Issue 14 item 5: one transaction; the error names the legacy table and row."""
    legacy_copy = legacy_scratch.url
    legacy_scratch.change(
        "INSERT INTO guild_identity.wow_characters (id, character_name, realm_slug, level, "
        "in_guild) VALUES (355, 'Broken', 'senjin', 40000, true)",
        undo="DELETE FROM guild_identity.wow_characters WHERE id = 355",
    )
    before = snapshot()
    with pytest.raises(CommandError) as raised:
        call_command("import_legacy_patt", "--from", legacy_copy, verbosity=0)
    message = str(raised.value)
    assert "nothing was written" in message
    assert "guild_identity.wow_characters row id=355" in message
    assert snapshot() == before


def _grow(scratch, extra: int) -> None:
    """`extra` more Discord users, players, characters, links, votes and availability rows."""
    scratch.change(
        f"""
        INSERT INTO guild_identity.discord_users (id, discord_id, username, is_present)
        SELECT 3000 + n, (800000000000000000 + n)::text, 'member' || n, true
        FROM generate_series(1, {extra}) n;
        INSERT INTO guild_identity.wow_characters (id, character_name, realm_slug, class_id,
          in_guild) SELECT 3000 + n, 'Char' || n, 'senjin', 13, true
        FROM generate_series(1, {extra}) n;
        INSERT INTO guild_identity.players (id, display_name, discord_user_id, guild_rank_id,
          main_character_id) SELECT 3000 + n, 'Member ' || n, 3000 + n, 15, 3000 + n
        FROM generate_series(1, {extra}) n;
        INSERT INTO guild_identity.player_characters (id, player_id, character_id, link_source)
        SELECT 3000 + n, 3000 + n, 3000 + n, 'exact_name' FROM generate_series(1, {extra}) n;
        INSERT INTO patt.votes (id, campaign_id, player_id, entry_id, rank)
        SELECT 3000 + n, 1301, 3000 + n, 1401 + (n % 3) * 2, 1 FROM generate_series(1, {extra}) n;
        INSERT INTO patt.player_availability (id, player_id, day_of_week, earliest_start,
          available_hours) SELECT 3000 + n, 3000 + n, n % 7, '20:00', 2
        FROM generate_series(1, {extra}) n;
        """,
        undo="""
        DELETE FROM patt.player_availability WHERE id > 3000;
        DELETE FROM patt.votes WHERE id > 3000;
        DELETE FROM guild_identity.player_characters WHERE id > 3000;
        DELETE FROM guild_identity.players WHERE id > 3000;
        DELETE FROM guild_identity.wow_characters WHERE id > 3000;
        DELETE FROM guild_identity.discord_users WHERE id > 3000;
        """,
    )


def test_the_query_count_does_not_grow_with_the_rows(legacy_scratch):
    """Issue 14: bulk reads and writes — the same queries for the traps and for 60 more
    players with their characters, links, votes and availability."""
    counts = []
    for grow in (0, 60):
        if grow:
            _grow(legacy_scratch, grow)
        clear_site_config_cache()
        ContentType.objects.clear_cache()
        with CaptureQueriesContext(connection) as queries:
            report = run_import(legacy_scratch.url, dry_run=True)
        counts.append(len(queries))
    small, big = counts
    assert report.tables["guild_identity.players"].imported == 66
    assert big == small
    assert small < 150


def test_the_command_reports_progress_a_summary_and_json(legacy_url, tmp_path):
    """Issue 14 item 1: progress per table on stderr, the summary, --report FILE as JSON."""
    out, err = StringIO(), StringIO()
    path = tmp_path / "report.json"
    call_command(
        "import_legacy_patt", "--from", legacy_url, "--report", str(path), stdout=out, stderr=err
    )
    assert "guild_identity.players: 7 legacy rows — 6 imported, 1 merged" in err.getvalue()
    assert "Reported rows" in out.getvalue() and "Secrets never imported" in out.getvalue()
    data = json.loads(path.read_text())
    assert data["legacy_revision"] == "0181" and len(data["not_imported"]) == 71
    assert data["tables"]["patt.votes"]["legacy"] == 14


def test_the_command_refuses_an_unreadable_or_other_revision_source(legacy_scratch):
    """A clear line, never a traceback: no database, or a legacy schema not at head 0181."""
    missing = legacy_scratch.url.rsplit("/", 1)[0] + "/no_such_legacy_db_h14"
    with pytest.raises(CommandError, match="cannot connect to the legacy database"):
        call_command("import_legacy_patt", "--from", missing, verbosity=0)
    legacy_scratch.change(
        "UPDATE patt.alembic_version SET version_num = '0150'",
        undo="UPDATE patt.alembic_version SET version_num = '0181'",
    )
    with pytest.raises(CommandError, match="revision 0150"):
        call_command("import_legacy_patt", "--from", legacy_scratch.url, verbosity=0)
    assert LegacyRow.objects.count() == 0


def test_the_legacy_database_is_only_read(legacy_url):
    """Issue 14 item 1: the importer's connection is a read-only transaction."""
    import psycopg

    from legacy.importer.source import open_source

    with open_source(legacy_url) as source:
        assert source.connection.read_only
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            source.connection.execute("DELETE FROM patt.votes")


def test_secret_columns_are_never_read(legacy_url):
    """README §1, ROS-49: the importer reads only whether a secret is set, never its value."""
    from legacy.importer.source import open_source
    from tests.legacy.traps import SECRET_VALUES

    with open_source(legacy_url) as source:
        rows = source.rows("common.site_config") + source.rows("common.discord_config")
    assert rows[0]["blizzard_client_secret_encrypted"] is True
    assert rows[1]["bot_token_encrypted"] is True and rows[1]["raid_helper_api_key"] is True
    assert rows[0]["smtp_password_encrypted"] is True and rows[0]["guild_name"]
    assert not any(secret in repr(rows) for secret in SECRET_VALUES)
